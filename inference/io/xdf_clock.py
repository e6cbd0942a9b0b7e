"""XDF time stamps onto the recording computer's clock, across clock resets, in linear time.

LabRecorder measures each stream's clock offset every few seconds. When the sending computer
restarts (or its clock is reset) mid-recording, its time stamps start again from another value
and the offsets jump: one straight line through all offsets then puts every sample after the
reset in the wrong place, and markers land on the wrong samples. pyxdf can split the offsets at
resets, but fits each span with an iterative robust fit (about 4 ms each: minutes for a file of
20,000 suspicious offsets) and then applies each span's fit to stamps by the offsets' own
indices. Here the resets are found as pyxdf finds them, every span is fitted at once
(least squares from running sums, one pass of outlier rejection), and each stamp takes the fit
of the span it belongs to: in order of the stamps' own restarts when those match the resets,
else by time.
"""

from __future__ import annotations

import numpy as np

# pyxdf's defaults for what counts as a reset: a gap in the offsets' times that is both 5
# median absolute deviations and 5 s longer than usual (or negative), together with a jump in
# their values that is both 10 deviations and 1 s larger than usual
RESET_GAP_MADS, RESET_GAP_S = 5.0, 5.0
RESET_JUMP_MADS, RESET_JUMP_S = 10.0, 1.0
OUTLIER_MADS = 5.0  # offsets this far from their span's line are left out of its fit


def resets(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Indices i where a reset lies between offset i - 1 and offset i."""
    if times.size < 3:
        return np.zeros(0, dtype=np.int64)
    gap, jump = np.diff(times), np.abs(np.diff(values))

    def unusual(d: np.ndarray, mads: float, seconds: float) -> np.ndarray:
        usual = np.median(d)
        mad = np.median(np.abs(d - usual)) + np.finfo(float).eps
        return ((d - usual) / mad > mads) & (d - usual > seconds)

    glitch = (gap < 0) | unusual(gap, RESET_GAP_MADS, RESET_GAP_S)
    return np.flatnonzero(glitch & unusual(jump, RESET_JUMP_MADS, RESET_JUMP_S)) + 1


def span_fits(times: np.ndarray, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(spans, 2): offset = a + b * time for each span beginning at `starts` (0 first)."""
    span = np.repeat(np.arange(starts.size), np.diff(np.append(starts, times.size)))
    fits = _least_squares(times, values, span, starts.size, np.ones(times.size, dtype=bool))
    residual = values - (fits[span, 0] + fits[span, 1] * times)
    mad = np.median(np.abs(residual - np.median(residual))) + 1e-9
    keep = np.abs(residual) <= OUTLIER_MADS * mad
    return _least_squares(times, values, span, starts.size, keep)


def _least_squares(
    x: np.ndarray, y: np.ndarray, span: np.ndarray, spans: int, keep: np.ndarray
) -> np.ndarray:
    """Every span's line from running sums (x centred per span: no loss of precision from
    LSL's large clock values); a span of one point keeps its value, flat."""
    w = keep.astype(np.float64)
    n = np.bincount(span, w, spans)
    safe = np.maximum(n, 1)
    x0 = np.bincount(span, w * x, spans) / safe
    y0 = np.bincount(span, w * y, spans) / safe
    dx, dy = x - x0[span], y - y0[span]
    sxx = np.bincount(span, w * dx * dx, spans)
    sxy = np.bincount(span, w * dx * dy, spans)
    slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1), 0.0)
    empty = n == 0  # every point of the span an outlier: fall back to all of them
    if empty.any():
        return _least_squares(x, y, span, spans, keep | empty[span])
    return np.column_stack([y0 - slope * x0, slope])


def synchronized(
    stamps: np.ndarray, times: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, int]:
    """The stamps on the recording computer's clock, and how many clock resets were found."""
    stamps = np.asarray(stamps, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    usable = np.isfinite(times) & np.isfinite(values)
    times, values = times[usable], values[usable]
    if times.size == 0 or stamps.size == 0:
        return stamps, 0
    found = resets(times, values)
    starts = np.concatenate([[0], found])
    fits = span_fits(times, values, starts)
    restarts = np.flatnonzero(np.diff(stamps) < 0) + 1  # the stamps' own jumps back in time
    if restarts.size == found.size:
        span = np.repeat(
            np.arange(starts.size), np.diff(np.concatenate([[0], restarts, [stamps.size]]))
        )
    else:  # no restart to pair with: by time, each stamp with the span measured around it
        span = np.clip(np.searchsorted(times[starts], stamps, side="right") - 1, 0, starts.size - 1)
    return stamps + fits[span, 0] + fits[span, 1] * stamps, int(found.size)
