"""The emotion over OSC (python-osc, UDP): to VRChat, VTuber apps, game engines, Max/MSP.

Three namings (`mode`); PREFIX is the user's (`prefix`), by default the mode's own:

| mode | addresses | values |
| --- | --- | --- |
| `vrchat` | `PREFIX/Valence`, `/Arousal`, `/Dominance` (PREFIX: `/avatar/parameters/EVOKE`) | float -1..1 (2P - 1) |
| | `PREFIX/ValencePos`, `/ArousalPos`, `/DominancePos` | float 0..1 (P) |
| | `PREFIX/Emotion` | int 0..7 (the table's octant) |
| | `PREFIX/Confidence` | float 0..1 |
| | `PREFIX/Connected` | bool: samples arrive; False on source loss, Disconnect, session end |
| | `PREFIX/Calibrating` | bool: the baseline is being recorded (Emotion means nothing yet) |
| | `PREFIX/SecondsSinceLastUpdate` | float |
| `bfi` | the `vrchat` set, plus BrainFlowsIntoVRChat's own parameters under `/avatar/parameters/BFI`, computed as BFiVRC computes them (`band_power`): `Info/VersionMajor`, `VersionMinor` (its schema 1.0), `DeviceConnected`, `SecondsSinceLastUpdate`, `BatterySupported`, `BatteryLevel` (the board's battery channel, as BFiVRC reads it; False and -1 without one); `NeuroFB/{Focus,Relax}{Left,Right,Avg}` (-1..1) and their `Pos` twins (0..1); `PwrBands/{Left,Right,Avg}/{Delta,Theta,Alpha,Beta,Gamma}` (0..1) | |
| `generic` | `PREFIX/valence`, `/arousal`, `/dominance` (0..1), `/emotion` (int), `/emotion_name` (string), `/confidence`, `/connected`, `/calibrating` (bool), `/since_update` (s), and with band powers `/bands/{Left,Right,Avg}/{Delta,...}`, `/focus/{...}`, `/relax/{...}` (PREFIX: `/evoke`) | |

VRChat drops parameters sent faster than about 10 Hz, so `rate_hz` (default 10, at most 10 in
the VRChat modes) bounds how often a state goes out; a state held back by that limit is sent once
the period has passed (`flush`, or the next `send`), so the latest value is always delivered.
Closing sends Connected False, so an avatar never keeps the last emotion of a finished session.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any

from ..errors import EvokeError, InputError
from .band_power import BAND_NAMES, LOCATIONS, BandPowers
from .outputs import EmotionState

AVATAR = "/avatar/parameters"
MODE_PREFIX = {"vrchat": f"{AVATAR}/EVOKE", "bfi": f"{AVATAR}/EVOKE", "generic": "/evoke"}
MODES = tuple(MODE_PREFIX)
BFI = f"{AVATAR}/BFI"  # BFiVRC's root: fixed, as avatars built for it expect
BFI_SCHEMA = (1, 0)  # the BFiVRC parameter schema these names follow (its constants.py)
VRCHAT_MAX_HZ = 10.0
PYTHON_OSC = "python-osc"  # bundled with the extension; pinned in pyproject's `live` extra


def import_udp_client() -> Any:
    try:
        from pythonosc.udp_client import SimpleUDPClient
    except ImportError:
        raise EvokeError(f"OSC output needs python-osc: pip install {PYTHON_OSC}") from None
    return SimpleUDPClient


def check_prefix(prefix: str) -> str:
    """An OSC address prefix: '/' then address characters, no spaces or OSC patterns."""
    p = prefix.strip().rstrip("/")
    if not p.startswith("/") or any(c in p for c in " #*,?[]{}") or not p.isprintable():
        raise InputError(
            f"OSC prefix {prefix!r}: start with '/', no spaces or any of # * , ? [ ] {{ }}"
        )
    return p


def messages(state: EmotionState, mode: str, prefix: str = "") -> list[tuple[str, Any]]:
    """(address, value) pairs of one state in one naming."""
    p = check_prefix(prefix) if prefix else MODE_PREFIX[mode]
    since = state.since_update_s if math.isfinite(state.since_update_s) else -1.0
    if mode == "generic":
        out: list[tuple[str, Any]] = [
            (f"{p}/valence", state.valence), (f"{p}/arousal", state.arousal),
            (f"{p}/dominance", state.dominance), (f"{p}/emotion", state.emotion),
            (f"{p}/emotion_name", state.name), (f"{p}/confidence", state.confidence),
            (f"{p}/connected", state.connected), (f"{p}/calibrating", state.calibrating),
            (f"{p}/since_update", since),
        ]  # fmt: skip
        return out + _generic_bands(state.bands, p)
    out = []
    for name, value in (("Valence", state.valence), ("Arousal", state.arousal),
                        ("Dominance", state.dominance)):  # fmt: skip
        out += [(f"{p}/{name}", 2.0 * value - 1.0), (f"{p}/{name}Pos", value)]
    out += [(f"{p}/Emotion", state.emotion), (f"{p}/Confidence", state.confidence),
            (f"{p}/Connected", state.connected), (f"{p}/Calibrating", state.calibrating),
            (f"{p}/SecondsSinceLastUpdate", since)]  # fmt: skip
    if mode == "bfi":
        out += bfi_messages(state)
    return out


def bfi_messages(state: EmotionState) -> list[tuple[str, Any]]:
    """BFiVRC's parameters (its names, types and meanings) that our data gives."""
    since = state.since_update_s if math.isfinite(state.since_update_s) else -1.0
    out: list[tuple[str, Any]] = [
        (f"{BFI}/Info/VersionMajor", BFI_SCHEMA[0]), (f"{BFI}/Info/VersionMinor", BFI_SCHEMA[1]),
        (f"{BFI}/Info/DeviceConnected", state.connected),
        (f"{BFI}/Info/SecondsSinceLastUpdate", since),
        (f"{BFI}/Info/BatterySupported", state.battery is not None),
        (f"{BFI}/Info/BatteryLevel", -1.0 if state.battery is None else float(state.battery)),
    ]  # fmt: skip
    bands = state.bands
    if bands is None:
        return out
    for location in LOCATIONS:
        if not math.isfinite(bands.band(location, "Theta")):
            continue  # no electrode on that side
        for what, value in (("Focus", bands.focus(location)), ("Relax", bands.relax(location))):
            out += [(f"{BFI}/NeuroFB/{what}{location}", value),
                    (f"{BFI}/NeuroFB/{what}{location}Pos", (value + 1.0) / 2.0)]  # fmt: skip
        out += [(f"{BFI}/PwrBands/{location}/{b}", bands.band(location, b)) for b in BAND_NAMES]
    return out


def _generic_bands(bands: BandPowers | None, p: str) -> list[tuple[str, Any]]:
    if bands is None:
        return []
    out: list[tuple[str, Any]] = []
    for location in LOCATIONS:
        if not math.isfinite(bands.band(location, "Theta")):
            continue
        out += [(f"{p}/bands/{location}/{b}", bands.band(location, b)) for b in BAND_NAMES]
        out += [(f"{p}/focus/{location}", bands.focus(location)),
                (f"{p}/relax/{location}", bands.relax(location))]  # fmt: skip
    return out


def parse_target(text: str) -> tuple[str, int]:
    """'127.0.0.1:9000' -> ('127.0.0.1', 9000)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"OSC target {text!r}: write host:port, e.g. 127.0.0.1:9000")
    return host, int(port)


def parse_targets(text: str) -> list[tuple[str, int]]:
    """'127.0.0.1:9000, 192.168.1.20:9000' -> each (host, port), each once."""
    targets = [parse_target(t) for t in text.split(",") if t.strip()]
    if not targets:
        raise InputError("OSC target: write host:port, e.g. 127.0.0.1:9000")
    return list(dict.fromkeys(targets))


class OscOutput:
    """Sends the state at most `rate_hz` times a second, the latest always (a `LiveOutput`)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mode: str = "vrchat",
        prefix: str = "",
        rate_hz: float = 10.0,
    ) -> None:
        """prefix: '' for the mode's own (`MODE_PREFIX`)."""
        if mode not in MODES:
            raise InputError(f"OSC mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not (math.isfinite(rate_hz) and 0 < rate_hz <= 100):
            raise InputError(f"OSC rate must be above 0 and at most 100 Hz, got {rate_hz:g}")
        if mode != "generic" and rate_hz > VRCHAT_MAX_HZ:
            raise InputError(
                f"VRChat drops updates faster than {VRCHAT_MAX_HZ:g} Hz: use {VRCHAT_MAX_HZ:g} or less"
            )
        self.prefix = check_prefix(prefix) if prefix.strip() else MODE_PREFIX[mode]
        client = import_udp_client()
        try:
            self.client = client(host, port)
        except (OSError, ValueError) as exc:
            raise InputError(f"OSC target {host}:{port}: {exc}") from None
        self.name = f"OSC {mode} to {host}:{port}"
        self.mode, self.period = mode, 1.0 / rate_hz
        self.wants_bands = mode != "vrchat"  # BFiVRC's parameters and the generic bands
        self.sent = 0  # states sent
        self.error = ""
        self._last = -math.inf
        self._pending: EmotionState | None = None  # held back by the rate: sent when due
        self._delivered: EmotionState | None = None
        self._values: dict[str, Any] = {}  # address -> last value sent (OSCQuery reads it)
        self._lock = threading.Lock()

    def send(self, state: EmotionState, now: float, final: bool = False) -> None:
        if final or now - self._last >= self.period * 0.999:  # (the period's edge still sends)
            self._deliver(state, now)
        else:
            self._pending = state

    def flush(self, now: float) -> float | None:
        """Send a held-back state once its time has come; seconds until it is due (None: none
        is waiting)."""
        if self._pending is None:
            return None
        wait = self._last + self.period - now
        if wait > 0:
            return wait
        self._deliver(self._pending, now)
        return None

    def _deliver(self, state: EmotionState, now: float) -> None:
        self._last, self._pending = now, None
        try:
            sent = messages(state, self.mode, self.prefix)
            for address, value in sent:
                self.client.send_message(address, value)
            self.sent += 1
            self._delivered = state
            with self._lock:
                self._values.update(sent)
            self.error = ""
        except OSError as exc:  # an unreachable host: say so, keep the session going
            self.error = f"{self.name}: {exc}"

    def latest(self) -> dict[str, Any]:
        """Every address sent so far with its last value (safe from another thread)."""
        with self._lock:
            return dict(self._values)

    def close(self) -> None:
        """Say the session ended (Connected False) unless that was the last word, then close."""
        last = self._pending or self._delivered
        if last is not None and (last.connected or last is self._pending):
            self._deliver(replace(last, connected=False, calibrating=False), self._last)
        sock = getattr(self.client, "_sock", None)
        if sock is not None:
            sock.close()
