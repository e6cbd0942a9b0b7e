"""The panel's live settings -> a source to read and the outputs to feed, through the one table
of each (`inference.live.wiring`) that the command line reads too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import bpy

from ...inference.live import wiring
from ...inference.live.brainflow_board import PARAMETERS
from ...inference.live.outputs import LiveOutput
from ...inference.live.source import LiveSource

if TYPE_CHECKING:
    from .property_group import EVOKE_PG_live

# the panel's source choice (the table's kinds, upper case: EVOKE_PG_live.source) -> the kind
SOURCE_KINDS = {kind.upper(): kind for kind in wiring.SOURCES}
# BrainFlowInputParams' fields the panel shows, each a property `brainflow_<field>`
BRAINFLOW_FIELDS = tuple(k for k in PARAMETERS if k != "master_board")


def source_choice(live: EVOKE_PG_live) -> tuple[str, str, dict[str, str]]:
    """(kind, target, settings) of the panel's source."""
    kind = SOURCE_KINDS[live.source]
    if kind == "lsl":
        return kind, live.stream.strip(), {}
    params = {key: str(getattr(live, f"brainflow_{key}")).strip() for key in BRAINFLOW_FIELDS}
    params = {k: v for k, v in params.items() if v and v != "0"}
    for key in ("file", "file_aux", "file_anc"):
        if key in params:
            params[key] = bpy.path.abspath(params[key])
    board = live.brainflow_board.strip() or "synthetic"
    if board.lower() in ("playback", "playback_file", "-3"):
        params["master_board"] = live.brainflow_master_board.strip() or "synthetic"
    return kind, board, params


def output_choices(live: EVOKE_PG_live) -> list[tuple[str, str]]:
    """(kind, target) of every output the panel has switched on."""
    chosen = [("osc", live.osc_target)] if live.osc_enabled else []
    if live.lsl_out_enabled:
        chosen.append(("lsl", live.lsl_out_name))
    if live.lsl_bands_enabled:
        chosen.append(("lsl-bands", live.lsl_bands_name))
    return chosen


def network_reason(live: EVOKE_PG_live) -> str:
    """Why these settings would open sockets ('' when they would not): the user's Online Access
    must allow it."""
    kind, _, params = source_choice(live)
    return wiring.network_reason(kind, params, [k for k, _ in output_choices(live)])


def source(live: EVOKE_PG_live) -> LiveSource:
    kind, target, params = source_choice(live)
    return wiring.open_source(kind, target, params)


def output_options(live: EVOKE_PG_live, emotions: tuple[str, ...]) -> wiring.OutputOptions:
    return wiring.OutputOptions(emotions=emotions, osc_mode=live.osc_mode,
                                osc_prefix=live.osc_prefix.strip(), osc_rate_hz=live.osc_rate)  # fmt: skip


def outputs(live: EVOKE_PG_live, emotions: tuple[str, ...]) -> list[LiveOutput]:
    return wiring.make_outputs(output_choices(live), output_options(live, emotions))
