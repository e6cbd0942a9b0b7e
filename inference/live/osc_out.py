"""The emotion over OSC (python-osc, UDP): to VRChat, VTuber apps, game engines, Max/MSP.

Three namings (`mode`):

| mode | addresses | values |
| --- | --- | --- |
| `vrchat` | `/avatar/parameters/EVOKE/Valence`, `.../Arousal`, `.../Dominance` | float -1..1 (2P - 1) |
| | `.../ValencePos`, `.../ArousalPos`, `.../DominancePos` | float 0..1 (P) |
| | `.../Emotion` | int 0..7 (the table's octant) |
| | `.../Confidence` | float 0..1 |
| | `.../Connected` | bool |
| | `.../SecondsSinceLastUpdate` | float |
| `bfi` | the `vrchat` set, plus BrainFlowsIntoVRChat's `/avatar/parameters/BFI/Info/DeviceConnected`, `BFI/Info/SecondsSinceLastUpdate`, `BFI/NeuroFB/RelaxAvg` (-1..1) and `RelaxAvgPos` (0..1) from arousal (relaxed = low arousal), so avatars built for BFiVRC's relax parameter follow; BFiVRC's focus has no counterpart in VAD and is not sent | |
| `generic` | `PREFIX/valence`, `/arousal`, `/dominance` (0..1), `/emotion` (int), `/emotion_name` (string), `/confidence`, `/connected` (bool), `/since_update` (s) | |

VRChat drops parameters sent faster than about 10 Hz, so `rate_hz` (default 10, at most 10 in
the VRChat modes) bounds how often a state goes out; the latest state wins.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import EvokeError, InputError
from .outputs import EmotionState

MODES = ("vrchat", "bfi", "generic")
VRCHAT_MAX_HZ = 10.0
AVATAR = "/avatar/parameters"
PYTHON_OSC = "python-osc"  # bundled with the extension; pinned in pyproject's `live` extra


def import_udp_client() -> Any:
    try:
        from pythonosc.udp_client import SimpleUDPClient
    except ImportError:
        raise EvokeError(f"OSC output needs python-osc: pip install {PYTHON_OSC}") from None
    return SimpleUDPClient


def messages(state: EmotionState, mode: str, prefix: str = "/evoke") -> list[tuple[str, Any]]:
    """(address, value) pairs of one state in one naming."""
    since = state.since_update_s if math.isfinite(state.since_update_s) else -1.0
    if mode == "generic":
        p = prefix.rstrip("/")
        return [(f"{p}/valence", state.valence), (f"{p}/arousal", state.arousal),
                (f"{p}/dominance", state.dominance), (f"{p}/emotion", state.emotion),
                (f"{p}/emotion_name", state.name), (f"{p}/confidence", state.confidence),
                (f"{p}/connected", state.connected), (f"{p}/since_update", since)]  # fmt: skip
    out: list[tuple[str, Any]] = []
    for name, value in (("Valence", state.valence), ("Arousal", state.arousal),
                        ("Dominance", state.dominance)):  # fmt: skip
        out += [(f"{AVATAR}/EVOKE/{name}", 2.0 * value - 1.0), (f"{AVATAR}/EVOKE/{name}Pos", value)]
    out += [(f"{AVATAR}/EVOKE/Emotion", state.emotion),
            (f"{AVATAR}/EVOKE/Confidence", state.confidence),
            (f"{AVATAR}/EVOKE/Connected", state.connected),
            (f"{AVATAR}/EVOKE/SecondsSinceLastUpdate", since)]  # fmt: skip
    if mode == "bfi":
        out += [(f"{AVATAR}/BFI/Info/DeviceConnected", state.connected),
                (f"{AVATAR}/BFI/Info/SecondsSinceLastUpdate", since),
                (f"{AVATAR}/BFI/NeuroFB/RelaxAvg", 1.0 - 2.0 * state.arousal),
                (f"{AVATAR}/BFI/NeuroFB/RelaxAvgPos", 1.0 - state.arousal)]  # fmt: skip
    return out


def parse_target(text: str) -> tuple[str, int]:
    """'127.0.0.1:9000' -> ('127.0.0.1', 9000)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"OSC target {text!r}: write host:port, e.g. 127.0.0.1:9000")
    return host, int(port)


class OscOutput:
    """Sends the state at most `rate_hz` times a second (a `LiveOutput`)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mode: str = "vrchat",
        prefix: str = "/evoke",
        rate_hz: float = 10.0,
    ) -> None:
        if mode not in MODES:
            raise InputError(f"OSC mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not (math.isfinite(rate_hz) and 0 < rate_hz <= 100):
            raise InputError(f"OSC rate must be 0-100 Hz, got {rate_hz:g}")
        if mode != "generic" and rate_hz > VRCHAT_MAX_HZ:
            raise InputError(
                f"VRChat drops updates faster than {VRCHAT_MAX_HZ:g} Hz: use {VRCHAT_MAX_HZ:g} or less"
            )
        if not prefix.startswith("/"):
            raise InputError(f"OSC prefix must start with '/', got {prefix!r}")
        client = import_udp_client()
        try:
            self.client = client(host, port)
        except OSError as exc:
            raise InputError(f"OSC target {host}:{port}: {exc}") from None
        self.name = f"OSC {mode} to {host}:{port}"
        self.mode, self.prefix, self.period = mode, prefix, 1.0 / rate_hz
        self.sent = 0  # states sent
        self.error = ""
        self._last = -math.inf

    def send(self, state: EmotionState, now: float) -> None:
        if now - self._last < self.period * 0.999:  # (ticks on the period's edge still send)
            return
        self._last = now
        try:
            for address, value in messages(state, self.mode, self.prefix):
                self.client.send_message(address, value)
            self.sent += 1
            self.error = ""
        except OSError as exc:  # an unreachable host: say so, keep the session going
            self.error = f"{self.name}: {exc}"

    def close(self) -> None:
        sock = getattr(self.client, "_sock", None)
        if sock is not None:
            sock.close()
