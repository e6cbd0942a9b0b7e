"""Model files: round trip, safety (no pickles), provenance, and refusal of mismatches."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference.dsp.features import FeatureSettings
from inference.errors import ModelError
from inference.model import model_file
from inference.model.model_file import load_model, save_model
from inference.model.untrained import untrained_metadata, untrained_weights


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


def test_without_a_bundled_model_the_default_is_the_untrained_one_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_file, "BUNDLED_MODEL", "not_built.npz")  # `make model` not run
    model = load_model()
    assert model.source == "untrained model" and model.provenance["trained"] is False
    assert "UNTRAINED" in model.describe()
    np.testing.assert_array_equal(
        model.net.weights["fc2.weight"], untrained_weights()["fc2.weight"]
    )


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


def test_duplicate_members_are_refused_before_any_is_read(tmp_path: Path) -> None:
    """40,000 copies of one member took 125 s (each decompressed and checked, the last won):
    a repeated name is refused from the archive's directory, before any member is read (the
    copies here are not even valid arrays, so reading one would give another message)."""
    import warnings

    path = save_model(tmp_path / "dup.npz", untrained_weights(), untrained_metadata())
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it writes
        for _ in range(3):
            archive.writestr("fc1.weight.npy", b"not an array")
    with pytest.raises(ModelError, match=r"dup\.npz: entry 'fc1\.weight\.npy' appears 4 times"):
        load_model(path)


def _settings_model(tmp_path: Path, **features: object) -> Path:
    meta = untrained_metadata()
    meta["features"] = {**meta["features"], **features}
    return save_model(tmp_path / "combo.npz", untrained_weights(), meta)


@pytest.mark.parametrize(("rate", "order"), [(512.0, 6), (1024.0, 5), (256.0, 8)])
def test_filters_unstable_at_the_rate_and_order_are_refused_at_load(
    tmp_path: Path, rate: float, order: int
) -> None:
    """Each setting is in range, their combination is not: scipy's own band-pass in (b, a) form,
    run from zero state (as the features run it), grows without bound over one window."""
    from scipy.signal import butter, lfilter

    b, a = butter(order, [4.0, 8.0], "band", fs=rate)
    impulse = np.zeros(int(rate))
    impulse[0] = 1.0
    assert np.abs(lfilter(b, a, impulse)).max() > 10  # stable ones stay below 1
    path = _settings_model(tmp_path, rate=rate, filter_order=order)
    with pytest.raises(ModelError, match=rf"filter_order {order} at features\.rate {rate:g} Hz.*"
                       r"unstable band-pass for 4-8 Hz.*order \d or less is stable"):  # fmt: skip
        load_model(path)


def test_stable_high_rate_models_still_load(tmp_path: Path) -> None:
    model = load_model(_settings_model(tmp_path, rate=512.0, filter_order=5, window_s=2.0,
                                       baseline_s=6.0))  # fmt: skip
    assert model.features.rate == 512.0 and model.features.window_samples == 1024


def test_filter_matrices_beyond_the_budget_are_refused_at_load(tmp_path: Path) -> None:
    """1024 Hz x 4 s windows (order 3: stable): 537 MB a band of filter matrix, refused."""
    path = _settings_model(tmp_path, rate=1024.0, window_s=4.0, baseline_s=40.0, filter_order=3)
    with pytest.raises(ModelError, match=r"4096 samples\) with 4 bands needs 512 MiB"):
        load_model(path)
