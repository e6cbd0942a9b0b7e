"""Model files: round trip, safety (no pickles), provenance, and refusal of mismatches."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference.dsp.features import FeatureSettings
from inference.errors import ModelError
from inference.model.model_file import load_model, save_model, untrained_metadata, untrained_weights


def test_round_trip_keeps_weights_and_metadata(tmp_path: Path) -> None:
    weights = untrained_weights(7)
    meta = untrained_metadata()
    path = save_model(tmp_path / "m.npz", weights, meta)
    model = load_model(path)
    for k, w in weights.items():
        np.testing.assert_array_equal(model.net.weights[k], w)
    assert model.metadata["provenance"]["trained"] is False
    assert "UNTRAINED" in model.describe()
    assert model.features == FeatureSettings()


def test_trained_synthetic_model_says_so(tmp_path: Path) -> None:
    meta = untrained_metadata()
    meta["provenance"] = {"trained": True, "synthetic_data": True, "protocol": "trial-kfold",
                          "metrics": {"mean_accuracy": 0.71}}  # fmt: skip
    model = load_model(save_model(tmp_path / "m.npz", untrained_weights(), meta))
    assert "synthetic" in model.describe() and "NOT real EEG" in model.describe()


def test_model_for_other_features_is_refused(tmp_path: Path) -> None:
    path = save_model(
        tmp_path / "psd.npz", untrained_weights(), untrained_metadata(FeatureSettings(kind="psd"))
    )
    with pytest.raises(ModelError, match="different features"):
        load_model(path, features=FeatureSettings())


def test_pickled_object_in_npz_is_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, **untrained_weights(), **{"metadata.json": np.array([object()], dtype=object)})
    with pytest.raises(ModelError, match=r"evil\.npz"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a zip at all", "not an EVOKE model file"), (b"", "not an EVOKE model file")],
)
def test_corrupt_files_give_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        load_model(path)


def test_missing_metadata_and_missing_weight(tmp_path: Path) -> None:
    p1 = tmp_path / "nometa.npz"
    np.savez(p1, **untrained_weights())
    with pytest.raises(ModelError, match="metadata"):
        load_model(p1)
    p2 = tmp_path / "noweight.npz"
    good = save_model(tmp_path / "good.npz", untrained_weights(), untrained_metadata())
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p2, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith("conv2.bias"):
                dst.writestr(item, src.read(item))
    with pytest.raises(ModelError, match=r"conv2\.bias"):
        load_model(p2)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="nowhere.npz"):
        load_model(tmp_path / "nowhere.npz")
