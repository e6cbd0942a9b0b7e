"""The panel's recording settings -> the runtime's reader options, by the recording's format.

Subject and trial only for DEAP (trial also for DEAP's original BDF recordings, which carry
trials); stream for XDF; rate for CSV; unit for XDF and CSV; channel map, montage and a span
between two markers for every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bpy

from ...inference.io.formats import format_of, read_recording
from ...inference.io.recording import Recording


def recording_path(s: Any) -> str:
    return bpy.path.abspath(s.source_path) if s.source_path else ""


def read_with_settings(s: Any, *, whole: bool = False) -> tuple[Recording, str]:
    """The recording as the panel describes it, and a short name for what was read.

    whole: ignore the trial and the span (to list the markers of the whole recording).
    """
    path = recording_path(s)
    kind = format_of(path)
    options: dict[str, Any] = {}
    if kind == "DEAP":
        options["subject"] = s.subject if Path(path).is_dir() else None
        options["trial"] = None if whole else s.trial
    if kind == "XDF" and s.xdf_stream.strip():
        options["stream"] = s.xdf_stream.strip()
    if kind == "CSV" and s.csv_rate > 0:
        options["rate"] = s.csv_rate
    if kind in ("XDF", "CSV") and s.unit != "AUTO":
        options["unit"] = s.unit
    if s.channel_map.strip():
        options["channel_map"] = s.channel_map
    if s.montage != "NONE":
        options["montage"] = s.montage
    span = (s.span_start, s.span_end) if s.span_start and s.span_end and not whole else None
    if span is not None and kind != "DEAP":
        options["between"] = span
    recording = read_recording(path, **options)
    name = Path(path).name
    if kind == "DEAP":
        return recording, f"{name} trial {s.trial}"
    if span is not None:
        return recording, f"{name} markers {span[0]}-{span[1]}"
    if recording.trials and not whole:  # DEAP's original BDF recordings
        from ...inference.io.formats import select_trials

        return select_trials(recording, s.trial), f"{name} trial {s.trial}"
    return recording, name


def channel_map_used(recording: Recording) -> str:
    """JSON {recording label: electrode} of a channel map the reader applied ('' when none)."""
    original = recording.meta.get("original_labels")
    if not isinstance(original, tuple):
        return ""
    pairs = {a: b for a, b in zip(original, recording.channels, strict=True) if a != b}
    return json.dumps(pairs) if pairs else ""
