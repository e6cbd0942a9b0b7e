"""Model files: student weights plus the metadata that says how to feed and trust them.

A model file is an `.npz` (loaded with allow_pickle=False, so it can hold nothing but arrays)
with the student's weights under their torch names and a `metadata.json` entry (UTF-8 bytes as a
uint8 array) holding:

- format, format_version
- architecture: {"name": "evoke-student", "outputs": ["valence", "arousal", "dominance"]}
- features: FeatureSettings.to_dict() -- the runtime refuses to run with other settings
- labels: {"threshold": 5.0, "rule": ">"} -- a rating above 5.0 counts as high
- emotion_table: EmotionTable.to_dict()
- provenance: {"trained": bool, "synthetic_data": bool, "data": str, "protocol": str,
  "metrics": {...}, "date": ISO date, "notes": str}
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .emotion import EmotionTable
from .errors import ModelError
from .features import FeatureSettings
from .student import STUDENT_SHAPES, StudentNet, sigmoid

FORMAT = "evoke-model"
FORMAT_VERSION = 1
METADATA_KEY = "metadata.json"
MAX_MODEL_BYTES = 64 * 1024 * 1024  # the student is ~1.4 MB; refuse anything absurd
DEFAULT_MODEL_PATH = (
    Path(__file__).resolve().parent.parent / "avatar_assets" / "models" / "evoke_student.npz"
)


@dataclass
class EvokeModel:
    net: StudentNet
    features: FeatureSettings
    emotions: EmotionTable
    metadata: dict[str, Any]
    source: str = "model"

    @property
    def provenance(self) -> dict[str, Any]:
        prov = self.metadata.get("provenance", {})
        return prov if isinstance(prov, dict) else {}

    @property
    def label_threshold(self) -> float:
        return float(self.metadata.get("labels", {}).get("threshold", 5.0))

    def describe(self) -> str:
        """One line a user can read: what this model knows and how far to trust it."""
        p = self.provenance
        if not p.get("trained", False):
            return "UNTRAINED model (random weights, for tests only): its emotions mean nothing"
        what = (
            "synthetic DEAP-format data"
            if p.get("synthetic_data", True)
            else str(p.get("data", "?"))
        )
        line = f"trained on {what}"
        if p.get("synthetic_data", True):
            line += " (NOT real EEG: a demonstration model)"
        metrics = p.get("metrics", {})
        if isinstance(metrics, dict) and "mean_accuracy" in metrics:
            line += (
                f"; {p.get('protocol', '?')} mean accuracy {float(metrics['mean_accuracy']):.2f}"
            )
        return line

    def probabilities(self, grid: np.ndarray) -> np.ndarray:
        """(n, 4, 9, 9) features -> (n, 3) P(high valence, arousal, dominance)."""
        return sigmoid(self.net.logits(grid))


def save_model(path: str | Path, weights: dict[str, np.ndarray], metadata: dict[str, Any]) -> Path:
    """Write weights and metadata; validates by building the network first."""
    StudentNet(weights, source=str(path))
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **metadata}
    blob = np.frombuffer(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    arrays = {k: np.asarray(weights[k], dtype=np.float32) for k in STUDENT_SHAPES}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, **arrays, **{METADATA_KEY: blob})
    return path


def load_model(
    path: str | Path | None = None, *, features: FeatureSettings | None = None
) -> EvokeModel:
    """Load a model file; with `features`, refuse a model trained on other feature settings.

    With no path, the bundled model (avatar_assets/models/evoke_student.npz) or, where that has
    not been built, a deterministic untrained one that says so.
    """
    if path is None:
        if not DEFAULT_MODEL_PATH.exists():
            model = untrained_model()
        else:
            model = load_model(DEFAULT_MODEL_PATH)
    else:
        model = _read_model_file(Path(path))
    if features is not None:
        model.features.check_matches(features, what=model.source)
    return model


def _read_model_file(path: Path) -> EvokeModel:
    src = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ModelError(f"{src}: cannot open model file ({exc.strerror or exc})") from exc
    if size > MAX_MODEL_BYTES:
        raise ModelError(f"{src}: {size} bytes is far too large for an EVOKE student model")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ModelError(f"{src}: not a readable EVOKE model file (.npz): {exc}") from exc
    blob = arrays.pop(METADATA_KEY, None)
    if blob is None or blob.dtype != np.uint8:
        raise ModelError(f"{src}: no '{METADATA_KEY}' entry: not an EVOKE model file")
    try:
        meta = json.load(io.BytesIO(blob.tobytes()))
    except ValueError as exc:
        raise ModelError(f"{src}: metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{src}: metadata does not say format '{FORMAT}'")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{src}: model format version {meta.get('format_version')} is not supported"
        )
    try:
        settings = FeatureSettings.from_dict(meta["features"])
        table = EmotionTable.from_dict(
            meta.get("emotion_table") or EmotionTable.default().to_dict()
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{src}: feature settings in metadata are invalid ({exc})") from exc
    return EvokeModel(StudentNet(arrays, source=src), settings, table, meta, src)


def untrained_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic He-style random weights (what torch's default init roughly gives)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in STUDENT_SHAPES.items():
        if name.endswith("weight"):
            fan_in = int(np.prod(shape[1:]))
            weights[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        else:
            weights[name] = np.zeros(shape, dtype=np.float32)
    return weights


def untrained_metadata(features: FeatureSettings | None = None) -> dict[str, Any]:
    return {
        "architecture": {"name": "evoke-student", "outputs": ["valence", "arousal", "dominance"]},
        "features": (features or FeatureSettings()).to_dict(),
        "labels": {"threshold": 5.0, "rule": ">"},
        "emotion_table": EmotionTable.default().to_dict(),
        "provenance": {
            "trained": False,
            "synthetic_data": True,
            "data": "none: random weights",
            "protocol": "none",
            "metrics": {},
            "date": "",
            "notes": "UNTRAINED: deterministic random weights for tests; predictions are meaningless",
        },
    }


def untrained_model(seed: int = 0, features: FeatureSettings | None = None) -> EvokeModel:
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **untrained_metadata(features)}
    return EvokeModel(
        StudentNet(untrained_weights(seed)),
        features or FeatureSettings(),
        EmotionTable.default(),
        meta,
        source="untrained model",
    )
