"""The panel's live settings -> a source to read and the outputs to feed, through the one table
of each (`inference.live.wiring`) that the command line reads too."""

from __future__ import annotations

from typing import Any

import bpy

from ...inference.live import wiring
from ...inference.live.brainflow_board import PARAMETERS
from ...inference.live.outputs import LiveOutput
from ...inference.live.source import LiveSource

# the panel's source choice (the table's kinds, upper case: properties.live_source) -> the kind
SOURCE_KINDS = {kind.upper(): kind for kind in wiring.SOURCES}
# BrainFlowInputParams' fields the panel shows, each a property `brainflow_<field>`
BRAINFLOW_FIELDS = tuple(k for k in PARAMETERS if k != "master_board")


def source_choice(s: Any) -> tuple[str, str, dict[str, str]]:
    """(kind, target, settings) of the panel's source."""
    kind = SOURCE_KINDS[s.live_source]
    if kind == "lsl":
        return kind, s.live_stream.strip(), {}
    params = {key: str(getattr(s, f"brainflow_{key}")).strip() for key in BRAINFLOW_FIELDS}
    params = {k: v for k, v in params.items() if v and v != "0"}
    for key in ("file", "file_aux", "file_anc"):
        if key in params:
            params[key] = bpy.path.abspath(params[key])
    board = s.brainflow_board.strip() or "synthetic"
    if board.lower() in ("playback", "playback_file", "-3"):
        params["master_board"] = s.brainflow_master_board.strip() or "synthetic"
    return kind, board, params


def output_choices(s: Any) -> list[tuple[str, str]]:
    """(kind, target) of every output the panel has switched on."""
    chosen = [("osc", s.osc_target)] if s.osc_enabled else []
    if s.lsl_out_enabled:
        chosen.append(("lsl", s.lsl_out_name))
    if s.lsl_bands_enabled:
        chosen.append(("lsl-bands", s.lsl_bands_name))
    return chosen


def network_reason(s: Any) -> str:
    """Why these settings would open sockets ('' when they would not): the user's Online Access
    must allow it."""
    kind, _, params = source_choice(s)
    return wiring.network_reason(kind, params, [k for k, _ in output_choices(s)])


def source(s: Any) -> LiveSource:
    kind, target, params = source_choice(s)
    return wiring.open_source(kind, target, params)


def output_options(s: Any, emotions: tuple[str, ...]) -> wiring.OutputOptions:
    return wiring.OutputOptions(emotions=emotions, osc_mode=s.osc_mode,
                                osc_prefix=s.osc_prefix.strip(), osc_rate_hz=s.osc_rate)  # fmt: skip


def outputs(s: Any, emotions: tuple[str, ...]) -> list[LiveOutput]:
    return wiring.make_outputs(output_choices(s), output_options(s, emotions))
