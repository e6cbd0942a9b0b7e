"""The data's kind is declared, never guessed; files are named by content hashes, not paths; the
model file carries it all and still loads (and describes) files written before."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from evoke_training import provenance as V

from inference.errors import ModelError
from inference.model.model_file import load_model, save_model
from inference.model.untrained import untrained_metadata, untrained_weights


def test_the_generators_marker_is_read(synth: Path, tmp_path: Path) -> None:
    assert V.read_marker(synth) == {"generator": "evoke_tools.synthetic", "seed": 5}
    (tmp_path / V.MARKER).write_text(  # the marker's older wording
        "Synthetic DEAP-format data written by scripts/synth_deap.py (seed 7); not real EEG.\n"
    )
    assert V.read_marker(tmp_path) == {"generator": "evoke_tools.synthetic", "seed": 7}
    assert V.read_marker(tmp_path / "nowhere") is None


def test_kinds_are_declared_never_guessed(synth: Path, unmarked: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    found = V.data_provenance(synth, cache_dir=cache)
    assert found["kind"] == "synthetic" and found["seed"] == 5 and "marker" in found["declared_by"]
    assert found["name"] == "synthetic DEAP-format data (evoke_tools.synthetic, seed 5)"
    unknown = V.data_provenance(unmarked, cache_dir=cache)
    assert unknown["kind"] == "unknown" and "DEAP (" not in unknown["name"]
    stated = V.data_provenance(unmarked, "deap", cache_dir=cache)
    assert stated["kind"] == "deap" and stated["declared_by"] == "--data-kind (stated by the user)"
    assert V.data_provenance(unmarked, "other", [2], "lab set B", cache)["name"] == "lab set B"
    assert V.data_provenance(synth, "synthetic", cache_dir=cache)["kind"] == "synthetic"
    with pytest.raises(SystemExit, match="SYNTHETIC.txt"):
        V.data_provenance(synth, "deap", cache_dir=cache)
    assert unknown["sha256"] == found["sha256"]  # the same files, whatever they are called


def test_content_hashes_not_paths(synth: Path, tmp_path: Path, monkeypatch: Any) -> None:
    cache = tmp_path / "cache"
    prov = V.data_provenance(synth, subjects=[2], cache_dir=cache)
    digest = hashlib.sha256((synth / "s02.dat").read_bytes()).hexdigest()
    assert prov["files"] == {"s02.dat": digest} and prov["subjects"] == [2]
    assert prov["sha256"] == hashlib.sha256(f"s02.dat {digest}\n".encode()).hexdigest()
    assert str(synth) not in repr(prov)

    def no_rehash(path: Path) -> str:
        raise AssertionError(f"{path} hashed again")

    monkeypatch.setattr(V, "_sha256", no_rehash)
    assert V.data_provenance(synth, subjects=[2], cache_dir=cache) == prov  # remembered
    monkeypatch.undo()
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "s02.dat").write_bytes((synth / "s02.dat").read_bytes())
    assert V.data_provenance(copy, subjects=[2], cache_dir=cache)["files"] == prov["files"]
    st = (copy / "s02.dat").stat()
    with (copy / "s02.dat").open("r+b") as f:  # one byte changed, size and mtime kept
        f.write(b"\x00")
    os.utime(copy / "s02.dat", ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert V.data_provenance(copy, subjects=[2], cache_dir=cache)["sha256"] != prov["sha256"]


def _model(tmp_path: Path, **prov: Any) -> Any:
    meta = untrained_metadata()
    meta["provenance"] = {"trained": True, "protocol": "trial-kfold (pooled, 4 folds)", **prov}
    return load_model(save_model(tmp_path / "m.npz", untrained_weights(), meta))


def test_files_written_before_still_load_and_describe(tmp_path: Path) -> None:
    old = _model(tmp_path, synthetic_data=True, data="SYNTHETIC ... from /home/x/data",
                 metrics={"mean_accuracy": 0.69, "folds": 4, "teacher_mean_accuracy": 0.67})  # fmt: skip
    assert old.metadata["format_version"] == 1
    assert "synthetic" in old.describe() and "NOT real EEG" in old.describe()
    assert "accuracy 0.69" in old.describe()
    real = _model(tmp_path, synthetic_data=False, data="DEAP: 32 subjects", metrics={})
    assert real.describe() == "trained on DEAP: 32 subjects"


def test_declared_provenance_in_the_one_liner(tmp_path: Path) -> None:
    base = {"majority": {"mean_accuracy": 0.55}, "logistic_regression": {"mean_accuracy": 0.66},
            "student_no_teacher": {"mean_accuracy": 0.68}}  # fmt: skip
    metrics = {"mean_accuracy": 0.69, "mean_accuracy_std": 0.03, "mean_macro_f1": 0.6}
    unknown = _model(tmp_path, data_kind="unknown", synthetic_data=None, metrics=metrics,
                     baselines=base, protocol_warning="WARNING: window-kfold leaks")  # fmt: skip
    line = unknown.describe()
    assert line.startswith("trained on data of unknown kind")
    assert "accuracy 0.69 ± 0.03, macro-F1 0.60" in line
    assert "majority class 0.55, logistic regression 0.66, student without teacher 0.68" in line
    assert line.endswith("WARNING: window-kfold leaks")
    deap = _model(tmp_path, data_kind="deap", dataset={"name": "DEAP (x)"}, metrics=metrics)
    assert deap.describe().startswith("trained on DEAP (x); trial-kfold")


@pytest.mark.parametrize(
    ("field", "value"),
    [("data_kind", "real"), ("synthetic_data", "yes"), ("baselines", {"majority": {"a": "x"}}),
     ("metrics", {"mean_accuracy": "high"}), ("protocol_warning", 3)],
)  # fmt: skip
def test_malformed_provenance_is_refused(tmp_path: Path, field: str, value: Any) -> None:
    with pytest.raises(ModelError, match=field):
        _model(tmp_path, **{field: value})


def test_infinite_metrics_are_refused_as_json(tmp_path: Path) -> None:
    """JSON has no Infinity: the metadata is refused before its fields are read."""
    with pytest.raises(ModelError, match="Infinity is not a JSON value"):
        _model(tmp_path, metrics={"mean_accuracy": float("inf")})
