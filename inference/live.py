"""Live EEG -> emotion updates, chunk by chunk: pure numpy, no threads, no LSL.

`LiveProcessor.push(chunk)` takes samples as they arrive (any chunk size, any rate, the headset's
channel order) and returns one `LiveUpdate` per completed window. The stages, each carrying its
state across chunks so that splitting the input differently never changes the output:

1. Channel matching by 10-20 label (`match_channels`): too few electrodes -> InputError.
2. Resampling to the model's rate (128 Hz): the polyphase filter of `inference.resample`
   (scipy's resample_poly), run as a stream with the filter's history kept between chunks. It
   equals the offline `resample` except for the first filter length: the stream starts with its
   history filled by the first sample (so a DC offset causes no start-up step) where the offline
   function pads with zeros. Its look-ahead (`resample_delay_s`) is half the filter.
3. Common average reference per sample over the matched EEG electrodes (DEAP applied one).
4. A causal 4-45 Hz band-pass, like DEAP's preprocessing: a linear-phase FIR (Hamming-windowed
   sinc, 97 taps = EEGLAB eegfilt's default order 3 * rate / 4 Hz, plus one), one banded matrix
   product per block of history + chunk. Why FIR, not a Butterworth IIR: an IIR needs a Python
   loop over samples; the FIR needs none, keeps NaN local (a NaN spoils only the outputs whose 97
   taps see it), and chunking changes its output only by rounding. The price is a fixed delay of
   48 samples (0.375 s, `bandpass_delay_s`). History starts as the first sample, like stage 2.
5. Calibration: the first `calibration_s` seconds after the filters become the resting baseline
   (its last `baseline_s` = 3 s, averaged per second as in DEAP; `StreamingFeatures.set_baseline`).
   `recalibrate()` collects a new one.
6. `StreamingFeatures.push` -> `model.probabilities` (all windows of a chunk in one batch) ->
   `StreamingSmoother.update` per window.

Windows with NaN/Inf samples or a flat electrode are skipped (the smoother holds its last state)
and counted in `stats.windows_skipped`. Flatness is judged before the common average reference,
which would otherwise turn a dead electrode into minus the average of the others.

Times: `LiveUpdate.t` is when the signal in the window's last sample happened, on the clock of the
timestamps given to `push` (LSL time), else in seconds since the stream started; the band-pass
delay is already taken off, so `arrival - t` is the whole signal-to-update latency. `stats.latency_ms` is the time
`push` itself takes (entry to return), the processing part of the sample-to-face latency; the
signal delays of stages 2 and 4 and the window length come on top and are fixed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import blas_threads
from .electrodes import DEAP_EEG_CHANNELS, match_channels
from .errors import InputError
from .features import N_ELECTRODES, window_validity
from .model import EvokeModel
from .resample import polyphase_filter, resample_ratio
from .smoothing import SmoothingSettings, StreamingSmoother
from .streaming import StreamingFeatures

BANDPASS_HZ = (4.0, 45.0)
LATENCY_RING = 256  # pushes kept for the latency percentiles
_BLOCK = 256  # band-pass outputs per matrix product (a live tick makes ~32)
# Resampler outputs per matrix product, and how many block matrices it keeps: one matrix per
# residue of the block's first output mod `up` (one for 512 Hz, up to 64 for 250 Hz), so keep
# each small; a live tick makes ~32 outputs.
_RESAMPLE_ROWS = 64
_RESAMPLE_KEPT = 128


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
    calibrated: bool = False
    baseline_valid: bool = False  # False: the calibration itself had NaN or a flat electrode
    latency_ms: float = float("nan")  # the last push, entry to return
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_RING))

    @property
    def latency_p50_ms(self) -> float:
        return float(np.percentile(self.recent_ms, 50)) if self.recent_ms else float("nan")

    @property
    def latency_p95_ms(self) -> float:
        return float(np.percentile(self.recent_ms, 95)) if self.recent_ms else float("nan")


class StreamResampler:
    """`inference.resample.resample` as a stream: history carried between chunks.

    Each block of outputs is one matrix product with the input span it reads. Output j reads
    inputs base_j - k (k < taps) through filter phase phase_j; both patterns repeat when j
    advances by `up`, so the block matrix depends only on the block's first output mod `up`
    and is built once per residue that occurs (one for integer ratios such as 512 -> 128 Hz).
    """

    def __init__(self, rate_in: float, rate_out: float) -> None:
        self.up, self.down = resample_ratio(rate_in, rate_out)
        self.identity = self.up == self.down
        if not self.identity:
            self.polyphase, self.first, half_len = polyphase_filter(self.up, self.down)
            self.taps = self.polyphase.shape[1]
            # output j sits at input time j * down / up; it needs inputs up to base_j
            self.delay_s = (half_len / self.up) / rate_in
        else:
            self.delay_s = 0.0
        self._blocks: dict[int, np.ndarray] = {}
        self.reset()

    def reset(self) -> None:
        self._buffer: np.ndarray | None = None
        self._start = 0  # absolute input index of the buffer's first row
        self._received = 0  # input samples so far
        self._next = 0  # next output index

    def _base(self, j: int) -> int:
        return ((self.first + j) * self.down) // self.up

    def _block(self, residue: int) -> np.ndarray:
        """(rows, span) matrix: outputs residue .. residue + rows - 1 from their inputs."""
        if residue not in self._blocks:
            j = residue + np.arange(_RESAMPLE_ROWS)
            t = (self.first + j) * self.down
            base, phase = t // self.up, t % self.up
            column = (base - base[0])[:, None] + (self.taps - 1) - np.arange(self.taps)
            matrix = np.zeros((_RESAMPLE_ROWS, int(column.max()) + 1))
            np.put_along_axis(matrix, column, self.polyphase[phase], axis=1)
            if len(self._blocks) >= _RESAMPLE_KEPT:  # odd ratios: bound memory, rebuild
                self._blocks.clear()
            self._blocks[residue] = matrix
        return self._blocks[residue]

    def push(self, x: np.ndarray) -> np.ndarray:
        """(n, ch) float64 in -> (k, ch) out: every output whose inputs have all arrived."""
        if self.identity:
            return x
        if self._buffer is None:
            if x.shape[0] == 0:
                return np.zeros((0, x.shape[1]))
            self._buffer = np.repeat(x[:1], self.taps - 1, axis=0)  # steady start: no step
            self._start = -(self.taps - 1)
        buffer = self._buffer = np.concatenate([self._buffer, x])
        self._received += x.shape[0]
        end = max(self._next, (self._received * self.up - 1) // self.down - self.first + 1)
        out = np.empty((end - self._next, x.shape[1]))
        for j0 in range(self._next, end, _RESAMPLE_ROWS):  # blocks of outputs, not samples
            b = min(_RESAMPLE_ROWS, end - j0)
            span = self._base(j0 + b - 1) - self._base(j0) + self.taps
            first_input = self._base(j0) - (self.taps - 1) - self._start
            matrix = self._block(j0 % self.up)[:b, :span]
            out[j0 - self._next : j0 - self._next + b] = (
                matrix @ buffer[first_input : first_input + span]
            )
        self._next = end
        keep_from = self._base(end) - (self.taps - 1)
        drop = keep_from - self._start
        if drop > 0:
            self._buffer = buffer[drop:]
            self._start += drop
        return out


def bandpass_fir(rate: float, low: float, high: float, taps: int) -> np.ndarray:
    """Linear-phase band-pass: Hamming-windowed sinc, unit gain at the band's centre."""
    m = np.arange(taps) - (taps - 1) / 2
    f1, f2 = low / rate, high / rate  # cycles per sample
    h = (2 * f2 * np.sinc(2 * f2 * m) - 2 * f1 * np.sinc(2 * f1 * m)) * np.hamming(taps)
    centre = np.sqrt(low * high) / rate
    gain = abs(np.sum(h * np.exp(-2j * np.pi * centre * np.arange(taps))))
    return h / gain


class StreamFIR:
    """Causal FIR over (n, ch) chunks, history carried; chunking changes rounding only.

    A block of b outputs is one product of a b x (b + taps - 1) banded Toeplitz matrix with
    history + chunk: the top-left corner of one matrix built once.
    """

    def __init__(self, h: np.ndarray) -> None:
        self.h = np.asarray(h, dtype=np.float64)
        taps = self.h.size
        lag = np.arange(_BLOCK)[:, None] + taps - 1 - np.arange(_BLOCK + taps - 1)[None, :]
        inside = (lag >= 0) & (lag < taps)
        self.toeplitz = np.where(inside, self.h[np.clip(lag, 0, taps - 1)], 0.0)
        self.reset()

    def reset(self) -> None:
        self._history: np.ndarray | None = None

    def push(self, x: np.ndarray) -> np.ndarray:
        taps = self.h.size
        if x.shape[0] == 0:
            return x.copy()
        if self._history is None:
            self._history = np.repeat(x[:1], taps - 1, axis=0)  # steady start: no step
        ext = np.concatenate([self._history, x])
        out = np.empty(x.shape)
        for s in range(0, x.shape[0], _BLOCK):  # blocks of outputs, not samples
            b = min(_BLOCK, x.shape[0] - s)
            out[s : s + b] = self.toeplitz[:b, : b + taps - 1] @ ext[s : s + b + taps - 1]
        self._history = ext[ext.shape[0] - (taps - 1) :]
        return out


class LiveProcessor:
    """Chunks of live EEG in, one `LiveUpdate` per completed window out (see the module notes)."""

    def __init__(
        self,
        model: EvokeModel,
        channel_labels: Sequence[str],
        rate: float,
        hop_s: float = 0.25,
        smoothing: SmoothingSettings | None = None,
        calibration_s: float = 3.0,
        *,
        common_average: bool = True,
        bandpass: bool = True,
        source: str = "live stream",
    ) -> None:
        self.model = model
        self.settings = model.features
        self.labels = tuple(channel_labels)
        self.rate = float(rate)
        self.source = source
        match = match_channels(self.labels, source=source)
        self.present = match.present.copy()
        self.source_index = match.source_index[self.present]
        self.stats = LiveStats(
            matched=tuple(n for n, p in zip(DEAP_EEG_CHANNELS, self.present, strict=True) if p),
            missing=match.missing,
            unused=match.unused,
        )
        self.hop_s = hop_s
        self.hop = round(hop_s * self.settings.rate)
        if self.hop < 1 or abs(self.hop - hop_s * self.settings.rate) > 1e-6:
            raise ValueError(f"hop {hop_s} s is not a whole number of samples at 128 Hz")
        self.baseline_samples = self.settings.window_samples * self.settings.baseline_segments
        self.calibration_samples = round(calibration_s * self.settings.rate)
        if self.calibration_samples < self.baseline_samples:
            raise ValueError(
                f"calibration_s must be at least the model's baseline ({self.settings.baseline_s:g} s)"
            )
        self.resampler = StreamResampler(self.rate, self.settings.rate)
        self.common_average = common_average
        channels = int(self.present.sum())  # common average reference as one product
        self._reference = np.eye(channels) - np.full((channels, channels), 1.0 / channels)
        taps = 3 * int(self.settings.rate / BANDPASS_HZ[0]) + 1
        self.fir = (
            StreamFIR(bandpass_fir(self.settings.rate, *BANDPASS_HZ, taps)) if bandpass else None
        )
        self.resample_delay_s = self.resampler.delay_s
        self.bandpass_delay_s = (taps - 1) / 2 / self.settings.rate if bandpass else 0.0
        self.smoother = StreamingSmoother(hop_s, smoothing or SmoothingSettings())
        self._received = 0  # input samples since the stream (re)started
        self._produced = 0  # model-rate samples since the stream (re)started
        self._last_stamp: float | None = None
        self.recalibrate()

    # ------------------------------------------------------------------ state
    def recalibrate(self) -> None:
        """Collect a new resting baseline from the next `calibration_s` seconds."""
        self.features = StreamingFeatures(self.settings, self.hop_s, self.present)
        self._calibration: list[np.ndarray] = []
        self._calibration_raw: list[np.ndarray] = []
        self._collected = 0
        self.stats.calibrated = False
        self.stats.baseline_valid = False
        self._restart_windows()

    def reset_stream(self) -> None:
        """Forget the signal history after a dropout; keeps the calibration (and the smoother)."""
        self.resampler.reset()
        if self.fir is not None:
            self.fir.reset()
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
        """Matched channels -> model rate -> (raw, referenced and band-passed) samples."""
        x = chunk[:, self.source_index]
        raw = self.resampler.push(x)
        y = raw @ self._reference if self.common_average else raw
        if self.fir is not None:
            y = self.fir.push(y)
        return raw, y

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
            self._last_stamp = float(stamps[-1])
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

    def _calibrate(self, raw: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Collect calibration samples; returns what is left over for the feature stream."""
        take = min(self.calibration_samples - self._collected, y.shape[0])
        self._calibration.append(y[:take])
        self._calibration_raw.append(raw[:take])
        self._collected += take
        if self._collected < self.calibration_samples:
            return raw[:0], y[:0]
        rest = np.concatenate(self._calibration)[-self.baseline_samples :]
        rest_raw = np.concatenate(self._calibration_raw)[-self.baseline_samples :]
        full = np.zeros((self.baseline_samples, N_ELECTRODES))
        full[:, self.present] = rest
        self.features.set_baseline(full)
        self.stats.baseline_valid = self._segments_valid(rest) and self._segments_valid(rest_raw)
        self.stats.calibrated = True
        self._calibration, self._calibration_raw = [], []
        self._origin = self._produced - (y.shape[0] - take)
        return raw[take:], y[take:]

    def _segments_valid(self, x: np.ndarray) -> bool:
        """(segments * n, ch) -> True when every 1 s segment is finite and lively everywhere."""
        n = self.settings.window_samples
        segments = x.T.reshape(x.shape[1], -1, n).transpose(1, 0, 2)
        return bool(window_validity(segments).all())

    def _times(self, ends: np.ndarray) -> np.ndarray:
        """Model-rate sample indices -> input-clock time of the signal those samples show.

        The resampler is zero-phase (output j is input time j / 128 s); the band-pass shows
        the signal `bandpass_delay_s` late, so that delay is taken off.
        """
        position = ends * (self.rate / self.settings.rate)  # input index (zero-phase resampler)
        if self._last_stamp is None:
            return position / self.rate - self.bandpass_delay_s
        return (
            self._last_stamp - (self._received - 1 - position) / self.rate - self.bandpass_delay_s
        )

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
            self.stats.windows += len(valid)
            self.stats.windows_skipped += int((~valid).sum())
        elapsed = (time.perf_counter() - entered) * 1e3
        self.stats.latency_ms = elapsed
        self.stats.recent_ms.append(elapsed)
        return updates
