"""A face eases into a change: the same curve in a bake and live.

Faces are read within 100-200 ms and ordinary expressions last 0.5-4 s, so a change of emotion
moves the face over `EASE_S` (0.4 s) along smoothstep (3s^2 - 2s^3: it leaves and arrives at
rest), never as a jump between two frames. A bake keys each change as two keys `EASE_S` apart
whose Bezier handles are flat and a third of the way in (that cubic is smoothstep exactly);
live, `FaceEase` gives the face's values at any moment. A change that comes while another is
under way starts from wherever the face is.
"""

from __future__ import annotations

import numpy as np

EASE_S = 0.4


def smoothstep(s: np.ndarray | float) -> np.ndarray:
    x = np.clip(s, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def step_keys(
    times: np.ndarray, values: np.ndarray, ease_s: float = EASE_S
) -> tuple[np.ndarray, np.ndarray]:
    """Keys for a timeline that holds each row until the next differs (discrete emotions):
    (key times (k,), key values (k, columns)). Each change at time t becomes a key before it
    (the old face, at t - ease_s / 2) and one after it (the new face, at t + ease_s / 2); a
    change that starts before the previous one ends starts from the face at that moment."""
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if len(times) == 0:
        return times, values
    changed = np.flatnonzero(np.any(values[1:] != values[:-1], axis=1)) + 1
    key_t, key_v = [times[:1]], [values[:1]]
    half = ease_s / 2
    starts = np.maximum(times[changed] - half, times[0])
    ends = times[changed] + half
    # a change that starts before the previous one ends: that one's end key goes, and this
    # one's start key holds the face as it was at that moment (vectorised over the changes)
    cut = np.zeros(len(changed), dtype=bool)
    cut[:-1] = starts[1:] < ends[:-1]
    old = values[changed - 1]
    new = values[changed]
    start_values = old.copy()
    for k in np.flatnonzero(cut) + 1:  # rare (a dwell longer than the ease rules them out)
        s = (starts[k] - starts[k - 1]) / (ends[k - 1] - starts[k - 1])
        start_values[k] = start_values[k - 1] + (new[k - 1] - start_values[k - 1]) * smoothstep(s)
    pairs_t = np.stack([starts, ends], axis=1)
    pairs_v = np.stack([start_values, new], axis=1)
    keep = np.ones((len(changed), 2), dtype=bool)
    keep[:, 1] = ~cut
    key_t.append(pairs_t[keep])
    key_v.append(pairs_v[keep])
    if times[-1] > (ends[-1] if len(changed) else times[0]):
        key_t.append(times[-1:])
        key_v.append(values[-1:])
    t, v = np.concatenate(key_t), np.concatenate(key_v)
    later = np.append(t[1:] > t[:-1], True)  # a start clamped onto the first key replaces it
    return t[later], v[later]


def flat_handles(key_times: np.ndarray, key_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bezier handles (left, right), each (k, columns, 2) as (time, value): flat, a third of the
    way to the neighbouring key, so every segment is smoothstep between its two keys."""
    t = np.asarray(key_times, dtype=np.float64)
    gap = np.diff(t) / 3.0
    before = np.concatenate([[gap[0] if len(gap) else 1.0], gap])
    after = np.concatenate([gap, [gap[-1] if len(gap) else 1.0]])
    v = np.asarray(key_values, dtype=np.float64)
    left = np.stack([np.broadcast_to((t - before)[:, None], v.shape), v], axis=-1)
    right = np.stack([np.broadcast_to((t + after)[:, None], v.shape), v], axis=-1)
    return left, right


class FaceEase:
    """Live: the face's values at any moment while it eases towards the latest target."""

    def __init__(self, size: int, ease_s: float = EASE_S) -> None:
        self.ease_s = ease_s
        self.start = np.zeros(size, dtype=np.float32)
        self.target = np.zeros(size, dtype=np.float32)
        self.t0 = -np.inf

    def towards(self, target: np.ndarray, now: float, ease_s: float | None = None) -> None:
        """Start easing from wherever the face is now to `target` (the same target again changes
        nothing: an ease under way goes on, a face at rest stays at rest)."""
        if np.array_equal(np.asarray(target, dtype=np.float32), self.target):
            return
        self.start = self.at(now)
        self.target = np.asarray(target, dtype=np.float32).copy()
        self.t0 = now
        self.ease_s = self.ease_s if ease_s is None else ease_s

    def at(self, now: float) -> np.ndarray:
        s = float(smoothstep((now - self.t0) / self.ease_s)) if self.ease_s > 0 else 1.0
        return self.start + (self.target - self.start) * np.float32(s)

    def moving(self, now: float) -> bool:
        return now - self.t0 < self.ease_s
