"""The panel's recording settings -> the runtime's reader options, by the recording's format.

Which options a format takes is its descriptor's (`inference.io.formats.FORMATS`); channel map,
montage and a span between two markers apply to every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bpy

from ...inference.io.formats import RecordingFormat, format_for, read_recording, select_trials
from ...inference.io.recording import Recording

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root

# reader option -> (group under scene.evoke, setting) that holds it
OPTION_PROPERTIES = {
    "subject": ("bake", "subject"), "trial": ("bake", "trial"), "stream": ("bake", "xdf_stream"),
    "rate": ("bake", "csv_rate"), "unit": ("common", "unit"), "board": ("bake", "board"),
}  # fmt: skip


def recording_path(s: EVOKE_PG_root) -> str:
    return bpy.path.abspath(s.bake.source_path) if s.bake.source_path else ""


def recording_format(s: EVOKE_PG_root) -> RecordingFormat | None:
    path = recording_path(s)
    return format_for(path) if path else None


def _option_values(s: EVOKE_PG_root, path: str, whole: bool) -> dict[str, Any]:
    """Each reader option as the panel sets it; None where it is unset."""
    return {
        "subject": s.bake.subject if Path(path).is_dir() else None,
        "trial": None if whole else s.bake.trial,
        "stream": s.bake.xdf_stream.strip() or None,
        "rate": s.bake.csv_rate if s.bake.csv_rate > 0 else None,
        "unit": None if s.common.unit == "AUTO" else s.common.unit,
        "board": s.bake.board.strip() or None,
    }


def read_with_settings(s: EVOKE_PG_root, *, whole: bool = False) -> tuple[Recording, str]:
    """The recording as the panel describes it, and a short name for what was read.

    whole: ignore the trial and the span (to list the markers of the whole recording).
    """
    path = recording_path(s)
    kind = format_for(path)
    options: dict[str, Any] = {}
    if kind is not None:
        options = {
            k: v for k, v in _option_values(s, path, whole).items()
            if v is not None and k in kind.options
            # a trial of a format where only some files have trials: chosen once read
            and (k != "trial" or kind.every_file_has_trials)
        }  # fmt: skip
    if s.common.channel_map.strip():
        options["channel_map"] = s.common.channel_map
    if s.common.montage != "NONE":
        options["montage"] = s.common.montage
    trials = kind is not None and kind.every_file_has_trials
    span = (
        (s.bake.span_start, s.bake.span_end)
        if s.bake.span_start and s.bake.span_end and not whole
        else None
    )
    if span is not None and not trials:
        options["between"] = span
    recording = read_recording(path, **options)
    name = Path(path).name
    if trials:
        return recording, f"{name} trial {s.bake.trial}"
    if span is not None:
        return recording, f"{name} markers {span[0]}-{span[1]}"
    if recording.trials and not whole:  # DEAP's original BDF recordings
        return select_trials(recording, s.bake.trial), f"{name} trial {s.bake.trial}"
    return recording, name


def channel_map_used(recording: Recording) -> str:
    """JSON {recording label: electrode} of a channel map the reader applied ('' when none)."""
    original = recording.original_labels
    if not original:
        return ""
    pairs = {a: b for a, b in zip(original, recording.channels, strict=True) if a != b}
    return json.dumps(pairs) if pairs else ""
