"""Where a live session's emotion goes besides the face: any `LiveOutput` (OSC, LSL, ...).

The session (`inference.live.session`) hands every output each window's `EmotionState` in order,
or the current one on a tick without a window (so "connected" and "seconds since the last update"
stay true), and a last one with connected False when it ends; each output decides what to send
and how often. Sending never blocks: UDP datagrams, LSL's own buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .band_power import BandPowers
from .processor import LiveUpdate


@dataclass(frozen=True)
class EmotionState:
    valence: float  # P(high), 0..1
    arousal: float
    dominance: float
    emotion: int  # octant index (the emotion table's order)
    name: str
    confidence: float  # P(shown emotion)
    connected: bool  # samples are arriving
    since_update_s: float  # seconds since the last window's update (inf before the first)
    update: int  # counts the windows' updates: a new number is a new update
    stamp: float | None = None  # the update's signal time on the LSL clock, when it has one
    calibrating: bool = False  # the baseline is being recorded: no emotion yet (not "neutral")
    bands: BandPowers | None = None  # BFiVRC-style band powers, when the session tracks them
    battery: float | None = None  # the device's battery reading, where it reports one

    @property
    def vad(self) -> tuple[float, float, float]:
        return self.valence, self.arousal, self.dominance


def state_of(
    update: LiveUpdate | None,
    count: int,
    *,
    connected: bool,
    since_update_s: float,
    lsl_clock: bool,
) -> EmotionState:
    """The state to send: the last update's values (an undecided state before any)."""
    if update is None:
        return EmotionState(0.5, 0.5, 0.5, 0, "", 0.0, connected, math.inf, 0)
    v, a, d = (float(x) for x in np.asarray(update.probs, dtype=np.float64))
    return EmotionState(v, a, d, int(update.emotion), update.name, float(update.confidence),
                        connected, since_update_s, count,
                        float(update.t) if lsl_clock else None)  # fmt: skip


class LiveOutput(Protocol):
    name: str

    def send(self, state: EmotionState, now: float, final: bool = False) -> None:
        """Each window's state in order, or the current one on a tick without a window; `now`
        on time.monotonic's clock. `final`: the session ended (sent at once, whatever the
        output's rate)."""
        ...

    def close(self) -> None: ...
