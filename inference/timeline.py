"""A trial's emotion timeline: the model's windows smoothed into what the face shows.

One meaning of `t` everywhere (CLI, timeline CSV/JSON, the bake's frames): seconds from the
recording's first sample to each window's start, or from the stimulus onset for a recording
with trials (DEAP's trials: `onset_s` says where that onset lies in the recording). A
calibration at the start therefore shifts the timeline's first window, never its clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .emotion.smoothing import SmoothingSettings, smooth_offline
from .emotion.table import EmotionTable


def window_centres(t: Any, window_s: float) -> np.ndarray:
    """The moment a window stands for: its centre (it spans t .. t + window_s). Bake keys and
    timeline markers sit there."""
    return np.asarray(t, dtype=float) + window_s / 2


@dataclass(frozen=True)
class TrialTimeline:
    trial: int  # 1-based
    t: np.ndarray  # (n,) seconds to each window's start (see the module notes)
    raw_probs: np.ndarray  # (n, 3) straight from the model (NaN where the window was invalid)
    probs: np.ndarray  # (n, 3) smoothed
    emotion: np.ndarray  # (n,) octant index
    confidence: np.ndarray  # (n,)
    weights: np.ndarray  # (n, 8): one-hot (discrete) or octant probabilities (blend)
    valid: np.ndarray  # (n,) bool
    ratings: tuple[float, ...] = ()
    onset_s: float = 0.0  # where t = 0 falls, in seconds from the recording's first sample

    def records(self, table: EmotionTable) -> list[dict[str, Any]]:
        return [
            {
                "t": round(float(t), 4),
                "valence": round(float(p[0]), 4),
                "arousal": round(float(p[1]), 4),
                "dominance": round(float(p[2]), 4),
                "emotion": table.names[int(e)],
                "confidence": round(float(c), 4),
                "valid": bool(v),
            }
            for t, p, e, c, v in zip(
                self.t, self.probs, self.emotion, self.confidence, self.valid, strict=True
            )
        ]

    def rows(self, table: EmotionTable) -> list[dict[str, Any]]:
        """`records` with the trial first: the rows `predict --json` prints and a bake exports."""
        return [{"trial": self.trial, **r} for r in self.records(table)]


@dataclass(frozen=True)
class TimelineOptions:
    """How a trial's raw windows become its timeline."""

    hop_s: float
    smoothing: SmoothingSettings
    blend: bool  # blend mode: the octant probabilities as weights, else one emotion at a time
    hindsight: bool  # smooth with the windows after each one too (bakes; never live)


def smooth_trial(
    trial: int,
    t: np.ndarray,
    raw: np.ndarray,
    valid: np.ndarray,
    options: TimelineOptions,
    ratings: tuple[float, ...] = (),
    onset_s: float = 0.0,
) -> TrialTimeline:
    sm = smooth_offline(raw, valid, options.hop_s, options.smoothing, hindsight=options.hindsight)
    weights = sm.weights if options.blend else np.eye(8)[sm.emotion]
    return TrialTimeline(trial, t, raw, sm.probs, sm.emotion, sm.confidence, weights, valid,
                         ratings, onset_s)  # fmt: skip
