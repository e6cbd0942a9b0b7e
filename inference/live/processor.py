"""Live EEG -> emotion updates, chunk by chunk: pure numpy, no threads, no LSL.

`LiveProcessor.push(chunk)` takes samples as they arrive (any chunk size, any rate, the headset's
channel order and unit) and returns one `LiveUpdate` per completed window. The stages, each
carrying its state across chunks so that splitting the input differently never changes the output:

1. Channel matching by 10-20 label (`match_channels`, with an optional channel map): too few
   electrodes -> InputError. The rate must be plausible for EEG (`check_rate`).
2. Units to microvolts: the factor the stream's description names (`units.microvolt_scale`), or,
   where it names none, a guess from the calibration's amplitude (`units.guess_scale`), applied to
   the calibration after the fact (every stage is linear) and reported in `stats.unit_note`.
3. `Preprocessor`: resampling to 128 Hz, common average reference over the matched electrodes,
   the 4-45 Hz band-pass, aligned to signal time: the same object a recording goes through
   offline (`inference.dsp.preprocess`), so a file and its replay give the same windows.
4. Calibration: the first `calibration_s` seconds of the stream (default 30) become the resting
   baseline, estimated robustly (`inference.dsp.baseline`: DEAP's statistic over every 3 s of
   accepted windows, blinks and other amplitude outliers rejected, the median kept), as the first
   seconds of a recording without trials are offline. `recalibrate()` collects a new one;
   `calibration_progress` says how far it is.
5. `StreamingFeatures.push` -> `model.probabilities` (all windows of a chunk in one batch) ->
   `StreamingSmoother.update` per window.

Windows with NaN/Inf samples or a flat electrode are skipped (the smoother holds its last state)
and counted in `stats.windows_skipped`, by reason (`skipped_nonfinite`, `skipped_flat`);
`stats.skip_reason()` says in words why, for a panel. Flatness is judged before the common
average reference, which would otherwise turn a dead electrode into minus the average of the
others.

Times: `LiveUpdate.t` is when the signal in the window's last sample happened, on the clock of the
timestamps given to `push` (LSL time), else in seconds since the stream started; so `arrival - t`
is the whole signal-to-update latency. `stats.latency_ms` is the time `push` itself takes (entry
to return), the processing part of the sample-to-face latency; the look-ahead of the resampler
and the band-pass and the window length come on top and are fixed.
"""

from __future__ import annotations

import time
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..calibration import CALIBRATION_S, MAX_CALIBRATION_S
from ..dsp.baseline import REJECT_Z
from ..dsp.electrodes import DEAP_EEG_CHANNELS, match_channels
from ..dsp.features import N_ELECTRODES
from ..dsp.preprocess import Preprocessor
from ..dsp.rates import check_rate
from ..dsp.streaming import StreamingFeatures
from ..dsp.trials import hop_samples
from ..emotion.smoothing import SmoothingSettings, StreamingSmoother
from ..errors import InputError
from ..io.units import guess_note, guess_scale, typical_step
from ..model import blas_threads
from ..model.model_file import EvokeModel

LATENCY_RING = 256  # pushes kept for the latency percentiles


@dataclass(frozen=True)
class LiveUpdate:
    t: float  # signal time of the window's last sample (timestamps' clock, else stream seconds)
    probs: np.ndarray  # (3,) smoothed P(valence), P(arousal), P(dominance)
    emotion: int  # octant index shown after hysteresis and dwell
    confidence: float  # P(shown octant) under the smoothed probabilities
    weights: np.ndarray  # (8,) octant probabilities (blend weights)
    valid: bool  # False: NaN/Inf or a flat electrode; the state is held
    raw: np.ndarray  # (3,) the model's probabilities for this window (NaN when invalid)
    name: str = ""  # the emotion's name in the model's table


@dataclass
class LiveStats:
    matched: tuple[str, ...] = ()  # DEAP electrodes found in the stream
    missing: tuple[str, ...] = ()  # DEAP electrodes the stream lacks (read as "no change")
    unused: tuple[str, ...] = ()  # stream channels that are not DEAP EEG electrodes
    samples: int = 0  # input samples received
    windows: int = 0  # windows completed (valid or not)
    windows_skipped: int = 0  # windows with NaN/Inf samples or a flat electrode
    skipped_nonfinite: int = 0  # ... of which had NaN/Inf samples
    skipped_flat: int = 0  # ... of which had a flat electrode (and no NaN/Inf)
    consecutive_skipped: int = 0  # windows skipped since the last valid one
    unit_note: str = ""  # how the stream's unit was found (named, or guessed from amplitude)
    typical_step_uv: float = float("nan")  # typical sample step of the calibration, microvolts
    calibrated: bool = False
    baseline_valid: bool = False  # False: the calibration itself had NaN or a flat electrode
    baseline_note: str = ""  # how many calibration windows the baseline used and rejected
    clock_note: str = ""  # time stamps that could not be used, and why
    latency_ms: float = float("nan")  # the last push, entry to return
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_RING))

    @property
    def latency_p50_ms(self) -> float:
        return float(np.percentile(self.recent_ms, 50)) if self.recent_ms else float("nan")

    @property
    def latency_p95_ms(self) -> float:
        return float(np.percentile(self.recent_ms, 95)) if self.recent_ms else float("nan")

    def skip_reason(self) -> str:
        """Why windows are being skipped right now, in words; empty when they are not."""
        if self.consecutive_skipped == 0:
            return ""
        if np.isfinite(self.typical_step_uv) and self.typical_step_uv < 1e-3:
            return (
                f"values look like volts (typical step {self.typical_step_uv:.2g} in microvolts) "
                "but the stream says otherwise: set the unit to V"
            )
        if not self.baseline_valid:
            return "the calibration had NaN samples or a flat electrode: press Recalibrate"
        if self.skipped_nonfinite >= self.skipped_flat:
            return "the stream sends NaN/Inf samples (an electrode lost contact?)"
        return "an electrode is flat (disconnected or saturated)"


class LiveProcessor:
    """Chunks of live EEG in, one `LiveUpdate` per completed window out (see the module notes)."""

    def __init__(
        self,
        model: EvokeModel,
        channel_labels: Sequence[str],
        rate: float,
        hop_s: float = 0.25,
        smoothing: SmoothingSettings | None = None,
        calibration_s: float = CALIBRATION_S,
        *,
        reject_z: float = REJECT_Z,
        adapt_s: float = 0.0,
        common_average: bool = True,
        bandpass: bool = True,
        source: str = "live stream",
        unit_scale: float | None = 1.0,
        channel_map: dict[str, str] | None = None,
    ) -> None:
        """unit_scale: microvolts per stream unit; None = guess from the calibration's amplitude.
        channel_map: stream label -> 10-20 electrode, for streams whose labels are not names."""
        self.model = model
        self.settings = model.features
        self.labels = tuple(channel_labels)
        self.rate = check_rate(rate, source)
        self.source = source
        self.guess_unit = unit_scale is None
        self.scale = 1.0 if unit_scale is None else float(unit_scale)
        match = match_channels(self.labels, source=source, channel_map=channel_map)
        self.present = match.present.copy()
        self.source_index = match.source_index[self.present]
        self.stats = LiveStats(
            matched=tuple(n for n, p in zip(DEAP_EEG_CHANNELS, self.present, strict=True) if p),
            missing=match.missing,
            unused=match.unused,
        )
        self.hop_s = hop_s
        self.hop = hop_samples(hop_s, self.settings.rate)
        self.baseline_samples = self.settings.window_samples * self.settings.baseline_segments
        self.calibration_samples = round(calibration_s * self.settings.rate)
        if (
            not self.baseline_samples
            <= self.calibration_samples
            <= MAX_CALIBRATION_S * self.settings.rate
        ):
            raise ValueError(
                f"calibration must be {self.settings.baseline_s:g}-{MAX_CALIBRATION_S:g} s "
                "(at least the model's baseline)"
            )
        self.reject_z = reject_z
        self.adapt_s = adapt_s
        self.preprocessor = Preprocessor(
            self.rate,
            self.settings.rate,
            int(self.present.sum()),
            common_average=common_average,
            bandpass=bandpass,
        )
        self.resample_delay_s = self.preprocessor.resample_delay_s
        self.bandpass_delay_s = self.preprocessor.bandpass_delay_s
        self.smoother = StreamingSmoother(hop_s, smoothing or SmoothingSettings())
        self._received = 0  # input samples since the stream (re)started
        self._produced = 0  # model-rate samples since the stream (re)started
        self._last_stamp: float | None = None
        self.recalibrate()

    # ------------------------------------------------------------------ state
    def recalibrate(self) -> None:
        """Collect a new resting baseline from the next `calibration_s` seconds."""
        self.features = StreamingFeatures(self.settings, self.hop_s, self.present,
                                          adapt_s=self.adapt_s, reject_z=self.reject_z)  # fmt: skip
        self._calibration: list[np.ndarray] = []
        self._calibration_raw: list[np.ndarray] = []
        self._collected = 0
        self.stats.calibrated = False
        self.stats.baseline_valid = False
        self._restart_windows()

    @property
    def calibration_progress(self) -> float:
        """0..1: how much of the calibration has been collected (1 once calibrated)."""
        if self.stats.calibrated:
            return 1.0
        return self._collected / self.calibration_samples

    def reset_stream(self) -> None:
        """Forget the signal history after a dropout; keeps the calibration (and the smoother)."""
        self.preprocessor.reset()
        self._received = self._produced = 0
        self._last_stamp = None
        if self.stats.calibrated:
            self.features.reset_stream()
        else:  # a calibration cut by the dropout starts over
            self._calibration, self._calibration_raw, self._collected = [], [], 0
        self._restart_windows()

    def _restart_windows(self) -> None:
        self._origin = self._produced  # model-rate sample where the feature stream starts

    # ------------------------------------------------------------------ processing
    def _condition(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Matched channels -> microvolts -> model rate -> (raw, referenced and band-passed)."""
        x = chunk[:, self.source_index]
        if self.scale != 1.0:
            x = x * self.scale
        return self.preprocessor.push(x)

    def push_features(
        self, chunk: np.ndarray, timestamps: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The feature stage alone: (grid (w, bands, 9, 9), valid (w,), t (w,)) of new windows."""
        with np.errstate(all="ignore"):
            return self._features(chunk, timestamps)

    def _features(
        self, chunk: np.ndarray, timestamps: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim == 1 and len(self.labels) == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != len(self.labels):
            raise InputError(
                f"{self.source}: chunk has shape {x.shape}, expected (samples, {len(self.labels)})"
            )
        n = x.shape[0]
        if timestamps is not None and n:
            stamps = np.asarray(timestamps, dtype=np.float64).reshape(-1)
            if stamps.size != n:
                raise InputError(f"{self.source}: {stamps.size} timestamps for {n} samples")
            self._last_stamp = self._checked_stamp(stamps, n)
        self.stats.samples += n
        self._received += n
        raw, y = self._condition(x)
        self._produced += raw.shape[0]
        if not self.stats.calibrated:
            raw, y = self._calibrate(raw, y)
        bands = len(self.settings.bands)
        if not self.stats.calibrated or y.shape[0] == 0:
            return np.zeros((0, bands, 9, 9), np.float32), np.zeros(0, bool), np.zeros(0)
        before = self.features.windows_done
        grid, valid = self.features.push_present(y.astype(np.float32), raw.astype(np.float32))
        starts = (before + np.arange(len(valid))) * self.hop
        ends = self._origin + starts + self.settings.window_samples - 1  # model-rate index
        return grid, valid, self._times(ends)

    def _checked_stamp(self, stamps: np.ndarray, n: int) -> float | None:
        """The chunk's last time stamp; where stamps are not numbers or go backwards, the last
        good one carried forward by the samples (and `stats.clock_note` says why)."""
        previous = self._last_stamp
        backwards = previous is not None and float(stamps[0]) < previous
        if np.isfinite(stamps).all() and not backwards and not np.any(np.diff(stamps) < 0):
            return float(stamps[-1])
        self.stats.clock_note = (
            f"{self.source}: time stamps that are not numbers or go backwards "
            f"({previous if previous is not None else float('nan'):.6g} s, then "
            f"{float(stamps[0]):.6g} s): times are counted from the samples instead"
        )
        return None if previous is None else previous + n / self.rate

    def _calibrate(self, raw: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Collect calibration samples; returns what is left over for the feature stream."""
        take = min(self.calibration_samples - self._collected, y.shape[0])
        self._calibration.append(y[:take])
        self._calibration_raw.append(raw[:take])
        self._collected += take
        if self._collected < self.calibration_samples:
            return raw[:0], y[:0]
        with warnings.catch_warnings():  # an all-NaN calibration: said in words by the stats,
            warnings.simplefilter("ignore", RuntimeWarning)  # never as numpy's raw warning
            return self._finish_calibration(raw, y, take)

    def _finish_calibration(
        self, raw: np.ndarray, y: np.ndarray, take: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rest = np.concatenate(self._calibration)
        rest_raw = np.concatenate(self._calibration_raw)
        if self.guess_unit:  # every stage is linear: scaling now equals scaling the input
            factor, unit = guess_scale(rest_raw)
            self.stats.unit_note = guess_note(unit, typical_step(rest_raw))
            self.scale *= factor
            rest, rest_raw = rest * factor, rest_raw * factor
            y, raw = y * factor, raw * factor
            self.guess_unit = False
        self.stats.typical_step_uv = typical_step(rest_raw)
        full = np.zeros((len(rest), N_ELECTRODES))
        full_raw = np.zeros((len(rest), N_ELECTRODES))
        full[:, self.present], full_raw[:, self.present] = rest, rest_raw
        estimate = self.features.set_baseline(full, full_raw, reject_z=self.reject_z)
        self.stats.baseline_valid = bool(estimate.ok)
        self.stats.baseline_note = estimate.describe()
        self.stats.calibrated = True
        self._calibration, self._calibration_raw = [], []
        self._origin = self._produced - (y.shape[0] - take)
        return raw[take:], y[take:]

    def _times(self, ends: np.ndarray) -> np.ndarray:
        """Model-rate sample indices -> input-clock time of the signal those samples show.

        The preprocessor's output is aligned to signal time: output j shows input time j / 128 s.
        """
        position = ends * (self.rate / self.settings.rate)  # input index
        if self._last_stamp is None:
            return position / self.rate
        return self._last_stamp - (self._received - 1 - position) / self.rate

    def _count(self, valid: np.ndarray) -> None:
        skipped = ~valid
        nonfinite = self.features.last_nonfinite & skipped
        self.stats.windows += len(valid)
        self.stats.windows_skipped += int(skipped.sum())
        self.stats.skipped_nonfinite += int(nonfinite.sum())
        self.stats.skipped_flat += int((skipped & ~nonfinite).sum())
        valid_at = np.flatnonzero(valid)
        if valid_at.size:
            self.stats.consecutive_skipped = len(valid) - 1 - int(valid_at[-1])
        else:
            self.stats.consecutive_skipped += len(valid)

    def push(self, chunk: np.ndarray, timestamps: np.ndarray | None = None) -> list[LiveUpdate]:
        """(n, channels) samples in the stream's channel order -> updates of completed windows."""
        entered = time.perf_counter()
        # Live steps are tiny products a few times a second: waking OpenBLAS's sleeping worker
        # threads for each costs more than the products themselves, so run them on this thread.
        # NaN/Inf samples are expected (they mark windows invalid), so no warnings for them.
        with blas_threads.single_threaded(), np.errstate(all="ignore"):
            return self._push(chunk, timestamps, entered)

    def _push(
        self, chunk: np.ndarray, timestamps: np.ndarray | None, entered: float
    ) -> list[LiveUpdate]:
        grid, valid, times = self._features(chunk, timestamps)
        updates: list[LiveUpdate] = []
        if len(valid):
            if not self.stats.baseline_valid:
                valid = np.zeros_like(valid)
            raw = np.full((len(valid), 3), np.nan)
            if valid.any():
                raw[valid] = self.model.probabilities(grid[valid])
            names = self.model.emotions.names
            for k in range(len(valid)):  # per window: the smoother is a recursion
                sm = self.smoother.update(raw[k], bool(valid[k]))
                emotion = int(sm.emotion[0])
                updates.append(
                    LiveUpdate(
                        float(times[k]),
                        sm.probs[0],
                        emotion,
                        float(sm.confidence[0]),
                        sm.weights[0],
                        bool(valid[k]),
                        raw[k],
                        names[emotion],
                    )
                )
            self._count(valid)
        elapsed = (time.perf_counter() - entered) * 1e3
        self.stats.latency_ms = elapsed
        self.stats.recent_ms.append(elapsed)
        return updates
