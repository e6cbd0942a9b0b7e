"""A baseline that follows a long session slowly: drift of electrode contact, warming, fatigue.

Optional (`adapt_s` > 0, off by default: it also slowly absorbs a lasting mood, which is what the
face is meant to show). After the calibration, every accepted window moves the baseline a
little towards itself, as an exponential moving average with time constant `adapt_s`:

    b_k = b_{k-1} + g_k (x_k - b_{k-1}),   g_k = 1 - exp(-hop / adapt_s) if window k is accepted

where x_k is the window's band features less the calibration's single-window offset (a single
window's DE sits above DEAP's statistic of three averaged; `BaselineEstimate.single_offset`), and
window k is compared with b_{k-1}, the baseline before it. A window is accepted when it is valid
and no electrode's log variance lies more than the outlier limit above the rest's, moved by as
much as the baseline itself has moved (a blink or a loose electrode never moves the baseline; a
slow drift keeps being followed). Offline the recursion runs as products of a block's
lower-triangular mixing matrix (no loop over windows); live the same recursion carries its state
from push to push. Tests hold the two equal.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .baseline import REJECT_Z, BaselineEstimate, outlying

_BLOCK = 256  # windows per mixing matrix


def gain(hop_s: float, adapt_s: float) -> float:
    return 0.0 if adapt_s <= 0 else 1.0 - math.exp(-hop_s / adapt_s)


def follow(
    features: np.ndarray,
    valid: np.ndarray,
    log_var: np.ndarray,
    estimate: BaselineEstimate,
    state: AdaptState,
    g: float,
    reject_z: float = REJECT_Z,
) -> tuple[np.ndarray, AdaptState]:
    """The baseline each window is compared with, and the state after the last window.

    features: (n, channels, bands) band features of the windows; valid: (n,); log_var: (n,
    channels) (inference.dsp.baseline.log_variance); estimate: the calibration's; state: where
    the recursion stands (`AdaptState.start(estimate)` after a calibration). Windows are judged
    in blocks of 256 by the baseline at the block's start (their amplitude against the rest's,
    moved by as much as the baseline has moved since): so live and offline, which both count
    windows from the calibration, judge every window alike. Returns (n, channels, bands)."""
    n = len(features)
    shape = features.shape[1:]
    x = (np.asarray(features, np.float64) - estimate.single_offset).reshape(n, -1)
    finite = np.isfinite(x).all(axis=1)
    z = reject_z if reject_z > 0 else math.inf
    before = np.empty((n, x.shape[1]))
    current, block_start, index = state
    s = 0
    while s < n:  # blocks, not windows: n / 256 products
        if index % _BLOCK == 0:
            block_start = current
        e = min(n, s + _BLOCK - index % _BLOCK)
        moved = (block_start.reshape(shape) - estimate.de).mean(axis=-1) * 2 * math.log(2)
        judged = ~outlying(
            log_var[s:e], estimate.log_var_centre + moved, estimate.log_var_spread, z
        )
        gb = np.where(valid[s:e] & finite[s:e] & judged, g, 0.0)
        xb = np.where(gb[:, None] > 0, x[s:e], 0.0)  # rejected windows: no weight (and no NaN)
        keep = np.cumsum(np.log1p(-gb))  # log of prod (1 - g_i), i <= m, within the block
        # after window m: b_m = e^{keep_m} b_start + sum_{j<=m} e^{keep_m - keep_j} g_j x_j
        lag = keep[:, None] - keep[None, :]
        mix = np.where(np.tri(len(gb), dtype=bool), np.exp(np.minimum(lag, 0.0)) * gb, 0.0)
        after = mix @ xb + np.exp(keep)[:, None] * current
        before[s] = current
        before[s + 1 : e] = after[:-1]
        current = after[-1]
        index += e - s
        s = e
    return before.reshape(n, *shape).astype(np.float32), AdaptState(current, block_start, index)


class AdaptState(NamedTuple):
    """The adapting baseline now, at the start of the current block, and windows seen."""

    current: np.ndarray  # (channels * bands,) float64
    block_start: np.ndarray
    seen: int  # windows since the calibration

    @classmethod
    def start(cls, estimate: BaselineEstimate) -> AdaptState:
        flat = np.asarray(estimate.de, np.float64).reshape(-1)
        return cls(flat, flat, 0)
