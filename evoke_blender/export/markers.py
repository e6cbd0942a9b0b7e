"""Scene timeline markers where the baked emotion changes, named after the new emotion.

Ours are remembered on the scene (frame and name of each), so a re-bake removes exactly those
and never a marker of the user's; a marker of ours that the user moved or renamed becomes theirs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...inference.predict import window_centres

OURS = "evoke_markers"  # scene property: JSON [[frame, name], ...] of the markers a bake added


def plan(
    t: np.ndarray,
    emotion: np.ndarray,
    names: Sequence[str],
    *,
    fps: float,
    frame_start: int,
    window_s: float,
) -> list[tuple[int, str]]:
    """(frame, emotion) at the first window and wherever the emotion changes.

    Keys sit at window centres (bake.keyframes) and the emotion steps there, so a marker goes on
    the first whole frame that shows the new emotion.
    """
    index = np.asarray(emotion, dtype=int)
    if index.size == 0:
        return []
    starts = np.concatenate([[0], np.flatnonzero(np.diff(index)) + 1])
    frames = frame_start + window_centres(np.asarray(t, dtype=float)[starts], window_s) * fps
    return [
        (math.ceil(float(f) - 1e-6), _name(names, int(index[i])))
        for f, i in zip(frames, starts, strict=True)
    ]


def _name(names: Sequence[str], index: int) -> str:
    return names[index] if 0 <= index < len(names) else str(index)


def ours(scene: Any) -> list[tuple[int, str]]:
    """The markers the last bake added, as it recorded them ([] when none or unreadable)."""
    try:
        pairs = json.loads(str(scene.get(OURS, "[]")))
        return [(int(frame), str(name)) for frame, name in pairs]
    except (ValueError, TypeError):
        return []


def replace(scene: Any, planned: Sequence[tuple[int, str]]) -> None:
    """Remove the last bake's markers that are still where and as it left them, add `planned`."""
    markers = scene.timeline_markers
    for frame, name in ours(scene):
        found = next((m for m in markers if m.frame == frame and m.name == name), None)
        if found is not None:
            markers.remove(found)
    for frame, name in planned:
        markers.new(name, frame=frame)
    scene[OURS] = json.dumps([[frame, name] for frame, name in planned])
