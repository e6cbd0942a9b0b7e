"""The panel's live settings -> a source to read and the outputs to feed."""

from __future__ import annotations

from typing import Any

import bpy

from ...inference.errors import InputError
from ...inference.live.brainflow_board import BrainFlowSource
from ...inference.live.lsl_out import LslOutput
from ...inference.live.osc_out import OscOutput, parse_target
from ...inference.live.outputs import LiveOutput
from ...inference.live.source import LiveSource
from ...inference.live.stream import LSLStream


def network_reason(s: Any) -> str:
    """Why these settings would open sockets ('' when they would not): the user's Online Access
    must allow it."""
    if s.live_source == "LSL":
        return "Live streams use the network (LSL, even on this machine)"
    if s.brainflow_ip_address.strip():
        return "A WiFi board uses the network"
    if s.osc_enabled:
        return "OSC output uses the network"
    if s.lsl_out_enabled:
        return "LSL output uses the network"
    return ""


def source(s: Any) -> LiveSource:
    if s.live_source == "LSL":
        name = s.live_stream.strip()
        if not name:
            raise InputError("Type the name of the LSL stream to connect to")
        return LSLStream(name)
    params: dict[str, Any] = {
        "serial_port": s.brainflow_serial_port.strip() or None,
        "mac_address": s.brainflow_mac_address.strip() or None,
        "ip_address": s.brainflow_ip_address.strip() or None,
        "ip_port": s.brainflow_ip_port or None,
    }
    board = s.brainflow_board.strip() or "synthetic"
    if board.lower() in ("playback", "playback_file", "-3"):
        if not s.brainflow_file:
            raise InputError("A playback board needs the file to play (File)")
        params["file"] = bpy.path.abspath(s.brainflow_file)
        params["master_board"] = s.brainflow_master_board.strip() or "synthetic"
    return BrainFlowSource(board, **params)


def outputs(s: Any, emotions: tuple[str, ...]) -> list[LiveOutput]:
    made: list[LiveOutput] = []
    try:
        if s.osc_enabled:
            host, port = parse_target(s.osc_target)
            made.append(OscOutput(host, port, mode=s.osc_mode, prefix=s.osc_prefix.strip() or "/evoke",
                                  rate_hz=s.osc_rate))  # fmt: skip
        if s.lsl_out_enabled:
            made.append(LslOutput(s.lsl_out_name.strip() or "EVOKE-emotion", emotions))
    except Exception:
        for output in made:
            output.close()
        raise
    return made
