"""The model file names its network (`architecture.name`) and the runtime builds that one:
an unknown name is refused, saying which networks this runtime knows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.dsp.features import FeatureSettings
from inference.errors import ModelError
from inference.model.model_file import (
    METADATA_KEY,
    bundled_model_path,
    load_model,
    model_metadata,
    save_model,
)
from inference.model.networks import NETWORKS, STUDENT, architecture
from inference.model.student import StudentNet
from inference.model.untrained import untrained_metadata, untrained_weights


def _with_architecture(tmp_path: Path, name: object) -> Path:
    """A valid model file whose metadata names another architecture (written by hand, as
    another tool or a newer version would)."""
    good = save_model(tmp_path / "good.npz", untrained_weights(), untrained_metadata())
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop(METADATA_KEY).tobytes())
    meta["architecture"] = {"name": name, "outputs": ["valence", "arousal", "dominance"]}
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = tmp_path / "other.npz"
    np.savez(path, **arrays, **{METADATA_KEY: blob})
    return path


def test_an_unknown_architecture_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    for name in ("evoke-student-v2", 7, None):
        with pytest.raises(ModelError, match=f"not one this runtime runs; known: {STUDENT}"):
            load_model(_with_architecture(tmp_path, name))
    with pytest.raises(ModelError, match="known: evoke-student"):
        model_metadata(FeatureSettings(), {}, architecture_name="ccnn")


def test_the_bundled_model_loads_through_the_registry() -> None:
    model = load_model(bundled_model_path())  # committed with the runtime: never missing
    assert model.metadata["architecture"]["name"] == STUDENT
    assert isinstance(model.net, StudentNet)
    assert architecture(STUDENT, "x") is NETWORKS[STUDENT]
    assert set(model.net.weights) == set(NETWORKS[STUDENT].shapes)


def test_a_registered_network_is_the_one_built(tmp_path: Path) -> None:
    """A second entry (here the student under another name) is run for files that name it."""
    NETWORKS["test-twin"] = NETWORKS[STUDENT].__class__(
        "test-twin", NETWORKS[STUDENT].shapes, NETWORKS[STUDENT].build, "conv1.weight"
    )
    try:
        model = load_model(_with_architecture(tmp_path, "test-twin"))
        assert model.metadata["architecture"]["name"] == "test-twin"
        assert model.probabilities(np.zeros((2, 4, 9, 9), np.float32)).shape == (2, 3)
    finally:
        del NETWORKS["test-twin"]
