"""The one table of live sources and the one of outputs: the CLI (`python -m inference live`),
the add-on's panel and its Online Access check all read these, so a new source or output is
one row here, not an if-chain in each.

A source is named `KIND:TARGET[,key=value...]` (`lsl:EEG-stream`, `brainflow:cyton,serial_port=
/dev/ttyUSB0`); an output is a kind and its target (`osc` and `HOST:PORT[,HOST:PORT]`, `lsl`
and a stream name).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .brainflow_board import BrainFlowSource, parse_source
from .lsl_out import LslBandOutput, LslOutput
from .osc_out import OscOutput, parse_targets
from .outputs import LiveOutput
from .source import LiveSource
from .stream import LSLStream

LSL_REASON = "Live streams use the network (LSL, even on this machine)"


@dataclass(frozen=True)
class SourceKind:
    title: str  # the panel's and the help's name
    description: str  # the panel's tooltip
    example: str  # a spec a user can copy
    open: Callable[[str, Mapping[str, str]], LiveSource]  # (target, key=value settings)
    network: Callable[[Mapping[str, str]], str]  # why it opens sockets ('' when it does not)


def _open_lsl(name: str, params: Mapping[str, str]) -> LiveSource:
    if params:
        raise InputError(f"lsl:{name}: an LSL stream takes no settings ({', '.join(params)})")
    if not name.strip():
        raise InputError("lsl: name the LSL stream, e.g. lsl:EEG")
    return LSLStream(name.strip())


def _brainflow_network(params: Mapping[str, str]) -> str:
    wifi = any(str(params.get(k) or "").strip() for k in ("ip_address", "ip_address_aux"))
    return "A WiFi board uses the network" if wifi else ""


SOURCES: dict[str, SourceKind] = {
    "lsl": SourceKind(
        "LSL stream",
        "A Lab Streaming Layer stream: any headset app, LabRecorder's senders, mne-lsl's "
        "PlayerLSL, a replayed recording",
        "lsl:EEG",
        _open_lsl,
        lambda params: LSL_REASON,
    ),
    "brainflow": SourceKind(
        "BrainFlow board",
        "A headset BrainFlow reads directly (OpenBCI, Muse, ...), or its synthetic and playback "
        "boards; needs brainflow in Blender's Python",
        "brainflow:synthetic",
        lambda board, params: BrainFlowSource(board, **params),
        _brainflow_network,
    ),
}


def parse_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """'brainflow:cyton,serial_port=X' -> ('brainflow', 'cyton', {'serial_port': 'X'})."""
    kind, sep, rest = spec.strip().partition(":")
    kind = kind.lower()
    if not sep or kind not in SOURCES:
        examples = " or ".join(f"{k.example}" for k in SOURCES.values())
        raise InputError(f"source {spec!r}: write KIND:TARGET, e.g. {examples}")
    if kind == "lsl":
        return kind, rest, {}
    if not rest.split(",")[0].strip():
        raise InputError(f"source {spec!r}: name a board, e.g. brainflow:synthetic")
    target, params = parse_source(rest)
    return kind, target, dict(params)


def open_source(kind: str, target: str, params: Mapping[str, str]) -> LiveSource:
    return SOURCES[kind].open(target, params)


@dataclass(frozen=True)
class OutputOptions:
    """What outputs need beside their target."""

    emotions: tuple[str, ...] = ()  # the emotion table, named in LSL's description
    osc_mode: str = "vrchat"
    osc_prefix: str = ""  # '' for the mode's own
    osc_rate_hz: float = 10.0


@dataclass(frozen=True)
class OutputKind:
    title: str
    default_target: str
    make: Callable[[str, OutputOptions], list[LiveOutput]]
    network: str  # why it opens sockets


def _osc(target: str, o: OutputOptions) -> list[LiveOutput]:
    return [OscOutput(host, port, mode=o.osc_mode, prefix=o.osc_prefix, rate_hz=o.osc_rate_hz)
            for host, port in parse_targets(target)]  # fmt: skip


OUTPUTS: dict[str, OutputKind] = {
    "osc": OutputKind("OSC", "127.0.0.1:9000", _osc, "OSC output uses the network"),
    "lsl": OutputKind(
        "LSL emotion stream",
        "EVOKE-emotion",
        lambda name, o: [LslOutput(name.strip() or "EVOKE-emotion", o.emotions)],
        "LSL output uses the network",
    ),
    "lsl-bands": OutputKind(
        "LSL band-power stream",
        "EVOKE-bands",
        lambda name, o: [LslBandOutput(name.strip() or "EVOKE-bands")],
        "LSL output uses the network",
    ),
}


def make_outputs(requests: Sequence[tuple[str, str]], options: OutputOptions) -> list[LiveOutput]:
    """(kind, target) pairs -> outputs; on a failure the ones already made are closed."""
    made: list[LiveOutput] = []
    try:
        for kind, target in requests:
            made += OUTPUTS[kind].make(target, options)
    except Exception:
        for output in made:
            output.close()
        raise
    return made


def network_reason(source_kind: str, params: Mapping[str, Any], outputs: Sequence[str]) -> str:
    """Why these choices would open sockets ('' when they would not)."""
    reason = SOURCES[source_kind].network(params)
    return reason or next((OUTPUTS[k].network for k in outputs), "")
