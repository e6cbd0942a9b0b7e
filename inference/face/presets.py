"""Emotion presets (shape-key weights, optional bone rotations) as data, and applying them.

Pure data and numpy, used by the Blender bake and live driver. Presets are written against ARKit
blendshape names; face profiles (profiles.py) carry them onto avatars named by other tools
(VRoid, VRM, Character Creator, MPFB), and a user's name map onto any other naming.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..emotion.document import EmotionDocument, emotions_entry
from ..errors import InputError


@dataclass
class Presets(EmotionDocument):
    """A presets file: the avatar's own (avatar_assets/presets.json) or a user's."""

    shape_keys: dict[str, dict[str, float]]  # emotion -> {key: weight}
    bones: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    what: ClassVar[str] = "presets"

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "presets") -> Presets:
        emotions = emotions_entry(data, dict, source)
        keys: dict[str, dict[str, float]] = {}
        bones: dict[str, dict[str, tuple[float, float, float]]] = {}
        for name, entry in emotions.items():
            try:
                keys[name] = {str(k): float(v) for k, v in entry.get("shape_keys", {}).items()}
                bones[name] = {
                    str(b): (float(r[0]), float(r[1]), float(r[2]))
                    for b, r in entry.get("bones", {}).items()
                }
            except (AttributeError, TypeError, ValueError, IndexError, OverflowError) as exc:
                raise InputError(f"{source}: preset '{name}' is malformed ({exc})") from exc
            values = [*keys[name].values(), *(a for r in bones[name].values() for a in r)]
            if not all(math.isfinite(v) for v in values):
                raise InputError(f"{source}: preset '{name}' has NaN or infinite weights")
            folded: dict[str, str] = {}
            for key in keys[name]:
                if key.lower() in folded:
                    raise InputError(
                        f"{source}: preset '{name}' names '{folded[key.lower()]}' and '{key}', the "
                        "same shape key on an avatar that matches names without case"
                    )
                folded[key.lower()] = key
        return cls(keys, bones)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "evoke-presets",
            "version": 1,
            "emotions": {
                name: {
                    "shape_keys": self.shape_keys[name],
                    "bones": {b: list(r) for b, r in self.bones.get(name, {}).items()},
                }
                for name in self.shape_keys
            },
        }

    def preset(self, emotion: str) -> dict[str, Any]:
        """One emotion's preset as the avatar applies it: {"shape_keys": ..., "bones": ...}."""
        return {
            "shape_keys": self.shape_keys.get(emotion, {}),
            "bones": self.bones.get(emotion, {}),
        }

    def key_names(self) -> list[str]:
        """Every shape key any preset uses, sorted (the columns of `matrix`)."""
        return sorted({k for weights in self.shape_keys.values() for k in weights})

    def matrix(self, emotions: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
        """(8, n_keys) weights in emotion-table order, so blend weights @ matrix = key values."""
        names = self.key_names()
        column = {k: i for i, k in enumerate(names)}
        m = np.zeros((len(emotions), len(names)))
        for row, emotion in enumerate(emotions):
            for key, weight in self.shape_keys.get(emotion, {}).items():
                m[row, column[key]] = weight
        return m, names
