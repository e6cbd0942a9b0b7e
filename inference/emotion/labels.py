"""Self-report ratings -> VAD bits.

The paper: "set to 1 if their value is larger than the threshold". We use a strict `>` 5.0, so a
rating of exactly 5.0 is low. (TorchEEG's Binary(5.0) uses `>=`; DEAP has ratings of exactly 5.)
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

THRESHOLD = 5.0


def vad_bits(
    ratings: np.ndarray, threshold: float = THRESHOLD, *, source: str = "ratings"
) -> np.ndarray:
    """(..., >=3) ratings (valence, arousal, dominance, ...) -> (..., 3) uint8 bits, rating > threshold."""
    r = np.asarray(ratings, dtype=np.float64)
    if r.shape[-1] < 3:
        raise InputError(
            f"{source}: need valence, arousal and dominance ratings, got shape {r.shape}"
        )
    vad = r[..., :3]
    if not np.isfinite(vad).all():
        bad = int((~np.isfinite(vad)).any(axis=-1).sum())
        raise InputError(f"{source}: {bad} trial(s) have NaN or Inf ratings")
    return (vad > threshold).astype(np.uint8)
