"""Untrained models: deterministic random weights whose metadata says they know nothing.

They exist for two reasons: tests need a valid model file without training one, and the
product needs something to run (and to say plainly that its emotions mean nothing) where the
bundled model has not been built (`make model`): `load_model()` falls back to `untrained_model`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dsp.features import FeatureSettings
from ..emotion.table import EmotionTable
from .metadata import FORMAT, FORMAT_VERSION, model_metadata
from .model_file import EvokeModel
from .networks import STUDENT, architecture

SOURCE = "untrained model"


def untrained_metadata(features: FeatureSettings | None = None) -> dict[str, Any]:
    return model_metadata(
        features or FeatureSettings(),
        {
            "trained": False,
            "synthetic_data": True,
            "data": "none: random weights",
            "protocol": "none",
            "metrics": {},
            "date": "",
            "notes": "UNTRAINED: deterministic random weights for tests; predictions are meaningless",
        },
    )


def untrained_weights(seed: int = 0, name: str = STUDENT) -> dict[str, np.ndarray]:
    """Deterministic He-style random weights (what torch's default init roughly gives) for the
    network registered as `name`."""
    rng = np.random.default_rng(seed)
    weights = {}
    for key, shape in architecture(name, SOURCE).shapes.items():
        if key.endswith("weight"):
            fan_in = int(np.prod(shape[1:]))
            weights[key] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        else:
            weights[key] = np.zeros(shape, dtype=np.float32)
    return weights


def untrained_model(seed: int = 0, features: FeatureSettings | None = None) -> EvokeModel:
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **untrained_metadata(features)}
    return EvokeModel(
        architecture(STUDENT, SOURCE).build(untrained_weights(seed), SOURCE),
        features or FeatureSettings(),
        EmotionTable.default(),
        meta,
        source=SOURCE,
    )
