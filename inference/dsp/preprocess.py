"""One preprocessing for recordings and streams: what DEAP did to its files, done to everyone else's.

DEAP's preprocessed files were downsampled to 128 Hz, referenced to the common average and
band-passed 4-45 Hz. Raw recordings and live streams carry what that removed: per-channel DC
offsets (tens of mV on DC-coupled amplifiers), slow drift, 50/60 Hz mains and a signal common to
all channels. A zero-state Butterworth over a 1 s window (the feature definition) does not remove
them, so every recording but DEAP's preprocessed files, and every stream, goes through
`Preprocessor` before features:

1. Resampling to the model's rate (128 Hz): the polyphase filter of `inference.dsp.resample`
   (scipy's resample_poly), run as a stream with the filter's history kept between chunks. It
   equals the offline `resample` except for the first filter length: the stream starts with its
   history filled by the first sample (so a DC offset causes no start-up step) where the offline
   function pads with zeros. Zero-phase; its look-ahead is half the filter (`resample_delay_s`).
2. Common average reference per sample over the matched EEG electrodes (one small product).
3. A 4-45 Hz band-pass: a linear-phase FIR (Hamming-windowed sinc, 97 taps at 128 Hz = EEGLAB
   eegfilt's default order 3 * rate / 4 Hz, plus one), one banded matrix product per block. Why
   FIR, not a Butterworth IIR: an IIR needs a Python loop over samples; the FIR needs none, keeps
   NaN local (a NaN spoils only the outputs whose 97 taps see it), and chunking changes its output
   only by rounding. Its output is shifted back by its delay of 48 samples (0.375 s), so that
   output k shows the signal of sample k: file and stream windows line up on signal time, and the
   price live is that each output waits for 48 samples after it (`bandpass_delay_s`).

The same object serves a file (one `push` of the whole recording) and a stream (a `push` per
chunk): the outputs differ by rounding only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .resample import polyphase_filter, resample_ratio

BANDPASS_HZ = (4.0, 45.0)  # DEAP's preprocessing band
_BLOCK = 256  # band-pass outputs per matrix product (a live tick makes ~32)
# Resampler outputs per matrix product, and how many block matrices it keeps: one matrix per
# residue of the block's first output mod `up` (one for 512 Hz, up to 64 for 250 Hz), so keep
# each small; a live tick makes ~32 outputs.
_RESAMPLE_ROWS = 64
_RESAMPLE_KEPT = 128


def local_product(matrix: np.ndarray, block: np.ndarray) -> np.ndarray:
    """matrix @ block, where a NaN/Inf input spoils only the outputs whose filter taps reach it
    (a plain product spreads it to every output of the block: NaN * 0 is NaN)."""
    finite = np.isfinite(block)
    if finite.all():
        return matrix @ block
    out = matrix @ np.where(finite, block, 0.0)
    reached = (matrix != 0).astype(np.float64) @ (~finite).astype(np.float64)
    out[reached > 0] = np.nan
    return out


class StreamResampler:
    """`inference.dsp.resample.resample` as a stream: history carried between chunks.

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
            out[j0 - self._next : j0 - self._next + b] = local_product(
                matrix, buffer[first_input : first_input + span]
            )
        self._next = end
        keep_from = self._base(end) - (self.taps - 1)
        drop = keep_from - self._start
        if drop > 0:
            self._buffer = buffer[drop:]
            self._start += drop
        return out


def bandpass_fir(rate: float, low: float, high: float, taps: int) -> np.ndarray:
    """Linear-phase band-pass: Hamming-windowed sinc, unit gain at the band's centre, and an
    exact zero at DC: the window's own sidelobe would pass -53 dB of a DC offset, and 10 mV of
    offset at -53 dB is 20 uV, which the features' zero-state filter turns into a step."""
    m = np.arange(taps) - (taps - 1) / 2
    f1, f2 = low / rate, high / rate  # cycles per sample
    window = np.hamming(taps)
    h = (2 * f2 * np.sinc(2 * f2 * m) - 2 * f1 * np.sinc(2 * f1 * m)) * window
    h -= window * (h.sum() / window.sum())  # DC gain exactly 0; the passband barely moves
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
            out[s : s + b] = local_product(
                self.toeplitz[:b, : b + taps - 1], ext[s : s + b + taps - 1]
            )
        self._history = ext[ext.shape[0] - (taps - 1) :]
        return out


class Preprocessor:
    """Matched electrodes' raw samples -> (raw at the model's rate, referenced and band-passed),
    the two aligned sample for sample (see the module notes)."""

    def __init__(
        self,
        rate_in: float,
        rate_out: float,
        channels: int,
        *,
        common_average: bool = True,
        bandpass: bool = True,
    ) -> None:
        self.resampler = StreamResampler(rate_in, rate_out)
        self.common_average = common_average
        self._reference = np.eye(channels) - np.full((channels, channels), 1.0 / channels)
        taps = 3 * int(rate_out / BANDPASS_HZ[0]) + 1
        self.fir = StreamFIR(bandpass_fir(rate_out, *BANDPASS_HZ, taps)) if bandpass else None
        self.delay = (taps - 1) // 2 if bandpass else 0  # band-pass delay in output samples
        self.resample_delay_s = self.resampler.delay_s
        self.bandpass_delay_s = self.delay / rate_out
        self.channels = channels
        self.reset()

    def reset(self) -> None:
        """Forget the signal history (a new stream, or one that returned after a dropout)."""
        self.resampler.reset()
        if self.fir is not None:
            self.fir.reset()
        self._raw_queue = np.zeros((0, self.channels))
        self._to_drop = self.delay

    def push(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, channels) at the input rate -> (raw, conditioned), equal lengths, model rate."""
        raw = self.resampler.push(np.asarray(x, dtype=np.float64))
        y = raw @ self._reference if self.common_average else raw
        if self.fir is not None:
            y = self.fir.push(y)
        drop = min(self._to_drop, y.shape[0])  # the band-pass's first outputs show no signal yet
        y = y[drop:]
        self._to_drop -= drop
        queue = np.concatenate([self._raw_queue, raw]) if self._raw_queue.size else raw
        self._raw_queue = queue[y.shape[0] :]
        return queue[: y.shape[0]], y

    def process(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A whole recording at once: `push`, then the end held at its last sample for as long as
        the filters look ahead (the mirror of the steady start), so that every input second has
        its output; the windows a stream would also produce are the same, up to rounding."""
        x = np.asarray(x, dtype=np.float64)
        pieces = list(self.process_blocks([x], x.shape[0]))
        if not pieces:
            empty = np.zeros((0, x.shape[1] if x.ndim == 2 else self.channels))
            return empty, empty.copy()
        if len(pieces) == 1:
            return pieces[0]
        return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])

    def process_blocks(
        self, blocks: Iterable[np.ndarray], n: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """`process` of a recording of `n` rows given as blocks of rows: yields (raw,
        conditioned) pieces that together are `process`'s output, so that a caller can write
        them into its own arrays and no temporary is the size of the recording."""
        self.reset()
        rs = self.resampler
        wanted = -(-n * rs.up // rs.down)  # ceil(n * up / down)
        produced = 0
        last: np.ndarray | None = None
        for block in blocks:
            raw, y = self.push(block)
            if block.shape[0]:
                last = block[-1:]
            take = min(raw.shape[0], wanted - produced)
            produced += take
            yield raw[:take], y[:take]
        if produced >= wanted or last is None:
            return
        missing = wanted - produced + self.delay + 1
        hold = (rs.taps if not rs.identity else 0) + -(-missing * rs.down // rs.up) + 1
        raw, y = self.push(np.repeat(last, hold, axis=0))
        yield raw[: wanted - produced], y[: wanted - produced]
