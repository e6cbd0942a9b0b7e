"""A live session without Blender: a source -> `LiveProcessor` -> smoothing -> outputs, with a
status, one non-blocking `tick()` at a time.

The same object runs `python -m inference live` (a loop calls `tick`) and the add-on (Blender's
timer calls it, and the face is one more consumer of its updates: `evoke_blender.live.driver`).
Outputs are told every window's update in order (an LSL outlet records each one) and the current
state on every tick (so `connected`, `calibrating` and the seconds since the last update stay
true); `close()` lets every output say the session ended (OSC sends Connected False).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..calibration import CALIBRATION_S, check_calibration
from ..dsp.baseline import REJECT_Z
from ..dsp.montages import channel_map_for
from ..dsp.trials import check_hop
from ..emotion.smoothing import SmoothingSettings
from ..errors import EvokeError
from ..model.model_file import EvokeModel
from .band_power import BandPowerTracker
from .outputs import EmotionState, LiveOutput, state_of
from .processor import LiveProcessor, LiveUpdate
from .source import LiveSource, Pulled
from .stream import LSLStream
from .stream_info import StreamDescription

RECENT = 2000  # timings kept for the status percentiles (about 8 minutes of ticks)


@dataclass
class LiveStatus:
    state: str = "idle"  # idle | resolving | calibrating | live | lost | error
    message: str = ""
    stream: str = ""
    rate: float = 0.0
    matched: int = 0
    missing: tuple[str, ...] = ()
    since_last_sample_s: float = float("nan")
    windows: int = 0
    windows_skipped: int = 0
    latency_ms: deque[float] = field(
        default_factory=lambda: deque(maxlen=RECENT)
    )  # a tick that brought updates: entry to the outputs (and the face) done
    tick_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    # age of the newest sample when its face is written: the wait for the next tick plus
    # processing; LSL clocks are per machine, so this means something for a local outlet only
    sample_age_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    # ... and when the outputs (OSC, LSL) have been handed the update made from it
    output_age_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    # signal time -> outputs: when the window's last sample happened on the source's clock to the
    # moment the outputs were handed its update (the filters' delay and the tick wait included)
    signal_to_output_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    emotion: str = ""
    probs: tuple[float, float, float] = (0.5, 0.5, 0.5)
    unit_note: str = ""  # how the stream's unit was found
    calibration: float = 0.0  # 0..1: how much of the calibration has been recorded
    baseline_note: str = ""  # how many calibration windows the baseline used and rejected
    skip_reason: str = ""  # why windows are being skipped right now (empty: they are not)
    outputs: tuple[str, ...] = ()  # each output's name, and its trouble if it has any

    def percentile(self, values: deque[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


@dataclass(frozen=True)
class SessionSettings:
    """How the stream becomes windows and emotions (every field checked by `LiveSession`)."""

    hop_s: float = 0.25
    smoothing: SmoothingSettings = field(default_factory=SmoothingSettings)
    calibration_s: float = CALIBRATION_S
    reject_z: float = REJECT_Z
    adapt_s: float = 0.0
    unit: str | None = None  # the source's unit as the user states it; None: from the source
    channel_map: str = ""  # applied to the source's labels
    montage: str | None = None
    band_power: bool = False  # track BFiVRC-style band powers for the outputs


class LiveSession:
    """One live session: open the source, turn its samples into updates, feed the outputs."""

    def __init__(
        self,
        model: EvokeModel,
        source: LiveSource | Callable[[], LiveSource],
        settings: SessionSettings | None = None,
        outputs: Sequence[LiveOutput] = (),
    ) -> None:
        """source: a LiveSource, or a function that opens one (called after the settings are
        checked, so bad settings open no device)."""
        self.settings = s = settings or SessionSettings()
        self.model = model
        check_hop(s.hop_s, model.features.rate)
        check_calibration(s.calibration_s, model.features.baseline_s)
        self.source: LiveSource = source() if callable(source) else source
        self.outputs: list[LiveOutput] = list(outputs)
        self.status = LiveStatus(
            state="resolving", stream=self.source.name, message=f"looking for '{self.source.name}'"
        )
        self.status.outputs = tuple(o.name for o in self.outputs)
        self.processor: LiveProcessor | None = None
        # the filters' fixed delays (ms), kept past close for the figures
        self.processor_delays: tuple[float, float] | None = None
        self.bands: BandPowerTracker | None = None
        self.battery: float | None = None  # the source's latest battery reading, if any
        self.last: LiveUpdate | None = None  # the latest window's update
        self.last_at = -math.inf  # when it came (time.monotonic)
        self.updates = 0
        self._opened_at = time.monotonic()  # when the search for the source began
        self._state: EmotionState | None = None  # what the outputs were told last

    # ------------------------------------------------------------------ set-up
    @property
    def hop_s(self) -> float:
        return self.settings.hop_s

    @property
    def calibration_s(self) -> float:
        return self.settings.calibration_s

    def add_output(self, output: LiveOutput) -> None:
        """Send the emotion there too, from the next tick on."""
        self.outputs.append(output)
        self.status.outputs = tuple(o.name for o in self.outputs)

    def _open(self, described: StreamDescription) -> None:
        s = self.settings
        scale, unit_note = described.unit_scale(s.unit)
        mapping = channel_map_for(described.labels, channel_map=s.channel_map, montage=s.montage)
        self.processor = LiveProcessor(self.model, described.labels, described.rate, s.hop_s,
                                       s.smoothing, s.calibration_s, reject_z=s.reject_z,
                                       adapt_s=s.adapt_s, source=f"stream '{described.name}'",
                                       unit_scale=scale, channel_map=mapping)  # fmt: skip
        if s.band_power or any(getattr(o, "wants_bands", False) for o in self.outputs):
            p = self.processor  # the matched electrodes, by 10-20 name, where they are
            self.bands = BandPowerTracker(p.stats.matched, p.source_index, described.rate, s.hop_s)
        self.processor_delays = (
            round(self.processor.resample_delay_s * 1e3, 1),
            round(self.processor.bandpass_delay_s * 1e3, 1),
        )
        st = self.processor.stats
        self.status.rate, self.status.matched, self.status.missing = (
            described.rate,
            len(st.matched),
            st.missing,
        )
        self.status.unit_note = unit_note
        self.status.state, self.status.message = "calibrating", self._calibrating_message()

    def _calibrating_message(self) -> str:
        done = 0.0 if self.processor is None else self.processor.calibration_progress
        return (
            f"calibrating: stay at rest, {done * self.calibration_s:.0f} of "
            f"{self.calibration_s:g} s"
        )

    def recalibrate(self) -> None:
        """Record a new resting baseline from the next `calibration_s` seconds."""
        if self.processor is not None:
            self.processor.recalibrate()
            self.status.state, self.status.message = "calibrating", self._calibrating_message()
            self.status.calibration, self.status.baseline_note = 0.0, ""

    def _poll(self) -> None:
        """Until the source is open: take over what its background thread found."""
        try:
            described = self.source.poll()
            if described is not None:
                self._open(described)
        except (EvokeError, ValueError) as exc:
            self.status.state, self.status.message = "error", str(exc)
            self.source.close()
        if self.source.error:
            self.status.state, self.status.message = "error", self.source.error
        elif self.processor is None and self.status.state == "resolving":
            waited = time.monotonic() - self._opened_at
            if waited >= 2:  # say so once a search takes longer than a glance
                self.status.message = (
                    f"looking for '{self.source.name}' for {waited:.0f} s: is its sender "
                    "running? (Disconnect stops looking)"
                )

    # ------------------------------------------------------------------ the step
    def tick(self, now: float | None = None) -> list[LiveUpdate]:
        """One step; never waits for the network or the device. Returns this tick's updates."""
        started = time.perf_counter()
        now = time.monotonic() if now is None else now
        updates, pulled = self._step(now)
        self._consume(updates, now)
        newest = None if pulled is None or pulled.stamps is None else float(pulled.stamps[-1])
        if updates and newest is not None:
            # a sender that stamps a chunk ahead of this clock (its last sample's time taken as
            # the first's) would read as a negative age: the sample is at most brand new
            self.status.sample_age_ms.append(max(0.0, self.source.local_clock() - newest) * 1e3)
        self._send(updates, now)
        if updates and newest is not None and self.outputs:
            clock = self.source.local_clock()
            self.status.output_age_ms.append(max(0.0, clock - newest) * 1e3)
            self.status.signal_to_output_ms.extend(
                max(0.0, clock - u.t) * 1e3 for u in updates if math.isfinite(u.t)
            )
        done = time.perf_counter()
        self.status.tick_ms.append((done - started) * 1e3)
        if updates:
            self.status.latency_ms.append((done - started) * 1e3)
        return updates

    def _consume(self, updates: list[LiveUpdate], now: float) -> None:
        """What a subclass does with a tick's updates before the outputs (the add-on: the face)."""

    def _step(self, now: float) -> tuple[list[LiveUpdate], Pulled | None]:
        """Pull, process and update the status (the outputs come after)."""
        if self.processor is None:
            self._poll()
        if self.processor is None:
            return [], None
        updates: list[LiveUpdate] = []
        pulled: Pulled | None = None
        try:
            pulled = self.source.pull()
        except Exception as exc:  # LostError without recover, a closed inlet, a board gone
            self.status.message = f"source error: {exc}"
        if pulled is not None and pulled.battery is not None:
            self.battery = pulled.battery
        if pulled is not None and pulled.samples is not None:
            if pulled.resumed:  # the same source came back: start windows afresh, keep calibration
                self.processor.reset_stream()
                if self.bands is not None:
                    self.bands.reset()
            updates = self.processor.push(pulled.samples, pulled.stamps)
            if self.bands is not None:
                self.bands.push(pulled.samples * self.processor.scale, len(updates))
        if updates:
            last = self.last = updates[-1]
            self.last_at, self.updates = now, self.updates + len(updates)
            v, a, d = (float(p) for p in last.probs)
            self.status.emotion, self.status.probs = last.name, (v, a, d)
            self.status.state, self.status.message = "live", ""
        elif self.source.lost:
            note = getattr(self.source, "note", "")  # a source that reopens itself says how
            self.status.state, self.status.message = (
                "lost",
                note
                or (
                    f"no samples for {self.source.since_last_sample_s:.0f} s: waiting for the source "
                    "to return"
                ),
            )
        self._status()
        return updates, pulled

    def _status(self) -> None:
        assert self.processor is not None
        st = self.processor.stats
        self.status.since_last_sample_s = self.source.since_last_sample_s
        self.status.windows, self.status.windows_skipped = st.windows, st.windows_skipped
        self.status.skip_reason = st.skip_reason()
        if st.unit_note:
            self.status.unit_note = st.unit_note
        self.status.calibration = self.processor.calibration_progress
        self.status.baseline_note = st.baseline_note
        if not st.calibrated and not self.source.lost:
            self.status.state = "calibrating"
            self.status.message = self._calibrating_message()

    # ------------------------------------------------------------------ outputs
    def current_state(self, now: float) -> EmotionState:
        """What an output would be told now (also before any window: undecided)."""
        return self._state_of(self.last, self.updates, now)

    def _state_of(self, update: LiveUpdate | None, count: int, now: float) -> EmotionState:
        calibrating = self.processor is not None and not self.processor.stats.calibrated
        opened = self.processor is not None and self.status.state != "error"
        state = state_of(update, count, connected=opened and not self.source.lost,
                         since_update_s=now - self.last_at,
                         lsl_clock=isinstance(self.source, LSLStream))  # fmt: skip
        bands = None if self.bands is None else self.bands.current
        return replace(state, calibrating=calibrating, bands=bands, battery=self.battery)

    def _send(self, updates: list[LiveUpdate], now: float) -> None:
        """Every output gets each window's update in order, or the current state when there
        was none this tick (rate and novelty are theirs to judge)."""
        if not self.outputs:
            return
        first = self.updates - len(updates) + 1
        states = [self._state_of(u, first + k, now) for k, u in enumerate(updates)]
        states = states or [self.current_state(now)]
        self._state = states[-1]
        names = []
        for output in self.outputs:
            for state in states:
                output.send(state, now)
            trouble = getattr(output, "error", "")
            names.append(f"{output.name}: {trouble}" if trouble else output.name)
        self.status.outputs = tuple(names)

    def close(self) -> None:
        """Tell every output the session ended, close them and the source."""
        now = time.monotonic()
        ended = replace(self._state or self.current_state(now), connected=False, calibrating=False)
        for output in self.outputs:
            try:
                output.send(ended, now, final=True)
            except Exception:  # closing must not fail: the peer may be gone
                pass
            output.close()
        self.outputs = []
        self.source.close()  # inlets close when dropped; before any outlet in tests
        self.processor = None
        self.status.state, self.status.message = "idle", "disconnected"
