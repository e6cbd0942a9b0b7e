"""Model files: student weights plus the metadata that says how to feed and trust them.

A model file is an `.npz` (loaded with allow_pickle=False, so it can hold nothing but arrays)
with the student's weights under their torch names and a `metadata.json` entry (UTF-8 bytes as a
uint8 array) holding:

- format, format_version
- architecture: {"name": "evoke-student", "outputs": ["valence", "arousal", "dominance"]}: the
  name picks the numpy network (`networks.NETWORKS`); an unknown one is refused
- features: FeatureSettings.to_dict() -- the runtime refuses to run with other settings;
  "baseline" ("trial" or "session", optional: "trial") says which baseline training took
- labels: {"threshold": 5.0, "rule": ">"} -- a rating above 5.0 counts as high
- emotion_table: EmotionTable.to_dict()
- provenance: {"trained": bool, "synthetic_data": bool, "data": str, "protocol": str,
  "metrics": {...}, "date": ISO date, "notes": str}, and since the training companion records
  the data as declared (still format version 1: every key below is optional, and checked when
  present): "data_kind" ("deap", "synthetic", "other" or "unknown"; "synthetic_data" is then
  null for "unknown"), "dataset" (name, subjects, content hashes; no path), "baselines"
  ({name: {score: number}}: the majority class, the logistic regression, the student without a
  teacher, the teacher, on the same splits), "distilled", "distillation_gain",
  "model_selection", "protocol_warning" (window-kfold).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..dsp.features import FeatureSettings
from ..emotion.table import EmotionTable
from ..errors import ModelError
from ..io.safe_files import parse_json, read_bytes
from ..limits import MAX_MODEL_BYTES, MAX_MODEL_MEMBER_BYTES, MAX_MODEL_WEIGHT, MAX_TEXT_BYTES
from .metadata import (  # noqa: F401  (re-exported: where model files' users import them)
    DATA_KINDS,
    FORMAT,
    FORMAT_VERSION,
    check_metadata,
    model_metadata,
)
from .networks import Architecture, Network, architecture_of
from .student import sigmoid

METADATA_KEY = "metadata.json"
BUNDLED_MODEL = "evoke_student.npz"  # package data beside this module (`make model` writes it)
# The baselines describe() puts beside a model's accuracy (provenance.baselines keys).
BASELINE_WORDS = (("majority", "majority class"), ("logistic_regression", "logistic regression"),
                  ("student_no_teacher", "student without teacher"))  # fmt: skip


@dataclass
class EvokeModel:
    net: Network
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
        labels = self.metadata.get("labels", {})
        return float(labels.get("threshold", 5.0)) if isinstance(labels, dict) else 5.0

    def describe(self) -> str:
        """One line a user can read: what this model knows and how far to trust it."""
        try:
            return self._describe()
        except Exception:  # a panel draws this: never raise, whatever the metadata holds
            return f"{self.source}: metadata that cannot be described"

    def _describe(self) -> str:
        p = self.provenance
        if not p.get("trained", False):
            return "UNTRAINED model (random weights, for tests only): its emotions mean nothing"
        line = f"trained on {_data_words(p)}{_figures_words(p)}"
        if p.get("protocol_warning"):
            line += f"; {p['protocol_warning']}"
        return line

    def probabilities(self, grid: np.ndarray) -> np.ndarray:
        """(n, 4, 9, 9) features -> (n, 3) P(high valence, arousal, dominance)."""
        return sigmoid(self.net.logits(grid))


def _data_words(p: dict[str, Any]) -> str:
    """What the model was trained on, as declared at training: never DEAP unless stated."""
    kind = p.get("data_kind")
    if kind is None:  # a file from before kinds were recorded: its boolean, then its text
        kind = "synthetic" if p.get("synthetic_data", True) else "as-written"
    dataset = p.get("dataset")
    name = str(dataset.get("name", "")) if isinstance(dataset, dict) else ""
    if kind == "synthetic":
        return f"{name or 'synthetic DEAP-format data'} (NOT real EEG: a demonstration model)"
    if kind == "unknown":
        return "data of unknown kind (not declared at training: maybe not real DEAP)"
    if kind == "as-written":
        return str(p.get("data", "?"))
    return name or {"deap": "DEAP", "other": "other EEG data"}[kind]


def _figures_words(p: dict[str, Any]) -> str:
    """'; trial-kfold (...): accuracy 0.69 ± 0.03, macro-F1 0.68 (majority class 0.55, ...)'."""
    metrics = p.get("metrics", {})
    if not isinstance(metrics, dict) or "mean_accuracy" not in metrics:
        return ""
    words = f"; {p.get('protocol', '?')}: accuracy {float(metrics['mean_accuracy']):.2f}"
    if "mean_accuracy_std" in metrics:
        words += f" ± {float(metrics['mean_accuracy_std']):.2f}"
    if "mean_macro_f1" in metrics:
        words += f", macro-F1 {float(metrics['mean_macro_f1']):.2f}"
    base = p.get("baselines", {})
    beside = [f"{label} {float(base[key]['mean_accuracy']):.2f}"
              for key, label in BASELINE_WORDS if "mean_accuracy" in base.get(key, {})]  # fmt: skip
    if beside:
        words += f" (vs {', '.join(beside)})"
    if p.get("distilled") is False:
        words += "; no teacher"
    return words


def save_model(path: str | Path, weights: dict[str, np.ndarray], metadata: dict[str, Any]) -> Path:
    """Write weights and metadata; validates by building the network the metadata names."""
    arch = architecture_of(metadata, str(path))
    arch.build(weights, str(path))
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **metadata}
    blob = np.frombuffer(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    arrays = {k: np.asarray(weights[k], dtype=np.float32) for k in arch.shapes}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, **arrays, **{METADATA_KEY: blob})
    return path


def bundled_model_path() -> Path:
    """Where the bundled model lives in this source tree (for `make model` to write it)."""
    return Path(__file__).resolve().with_name(BUNDLED_MODEL)


def load_model(
    path: str | Path | None = None, *, features: FeatureSettings | None = None
) -> EvokeModel:
    """Load a model file; with `features`, refuse a model trained on other feature settings.

    With no path, the bundled model (package data, inference/model/evoke_student.npz) or, where
    that has not been built, a deterministic untrained one that says so.
    """
    if path is None:
        bundled = resources.files(__package__) / BUNDLED_MODEL
        if not bundled.is_file():
            from .untrained import untrained_model  # it builds an EvokeModel, defined here

            model = untrained_model()
        else:
            with resources.as_file(bundled) as real:
                model = load_model(real)
    else:
        model = _read_model_file(Path(path))
    if features is not None:
        model.features.check_matches(features, what=model.source)
    return model


def _read_model_file(path: Path) -> EvokeModel:
    """A model file, every member and field checked before anything is built from it."""
    src = str(path)
    data = read_bytes(path, "model", MAX_MODEL_BYTES, ModelError)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ModelError(
            f"{src}: not an EVOKE model file (an .npz is a zip archive): {exc}"
        ) from None
    names = Counter(m.filename for m in members)  # the central directory only: nothing read yet
    twice = [name for name, count in names.items() if count > 1]
    if twice:
        raise ModelError(
            f"{src}: entry '{twice[0][:80]}' appears {names[twice[0]]:,} times (and "
            f"{len(twice) - 1} more names repeat): an .npz holds each array once"
        )
    for member in members:
        if member.file_size > MAX_MODEL_MEMBER_BYTES:
            raise ModelError(
                f"{src}: entry '{member.filename}' is {member.file_size:,} bytes; an EVOKE model's "
                f"largest is ~1.3 MB"
            )
    blob_member = next((m for m in members if m.filename == f"{METADATA_KEY}.npy"), None)
    if blob_member is None:
        raise ModelError(f"{src}: no '{METADATA_KEY}' entry: not an EVOKE model file")
    blob = _read_member(archive, blob_member, METADATA_KEY, src, {})
    meta = parse_json(blob.tobytes(), src, "model metadata", ModelError)
    settings, table = check_metadata(meta, src)
    arch = architecture_of(meta, src)  # which network, hence which weights the file must hold
    expected = {f"{k}.npy": k for k in arch.shapes}
    arrays: dict[str, np.ndarray] = {}
    for member in members:
        if member is blob_member:
            continue
        if member.filename not in expected:
            raise ModelError(
                f"{src}: unexpected entry '{member.filename}': not an EVOKE model file"
            )
        name = expected[member.filename]
        arrays[name] = _read_member(archive, member, name, src, arch.shapes)
    net = arch.build(arrays, src)
    _check_bands(net, arch, len(settings.bands), src)
    return EvokeModel(net, settings, table, meta, src)


def _check_bands(net: Network, arch: Architecture, bands: int, src: str) -> None:
    reads = net.weights[arch.bands_weight].shape[1]
    if reads != bands:
        raise ModelError(f"{src}: the network reads {reads} bands, its metadata names {bands}")


def _read_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    name: str,
    src: str,
    shapes: Mapping[str, tuple[int, ...]],
) -> np.ndarray:
    """One .npy entry: its header (dtype, shape) checked before its data are read."""
    try:
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = header(f)
            wanted = (
                (np.dtype(np.uint8),)
                if name == METADATA_KEY
                else (np.dtype(np.float32), np.dtype(np.float64))
            )
            if dtype not in wanted:
                raise ModelError(f"{src}: '{name}' holds {dtype} values, expected {wanted[0]}")
            if name != METADATA_KEY and tuple(shape) != shapes[name]:
                raise ModelError(
                    f"{src}: '{name}' has shape {tuple(shape)}, expected {shapes[name]}"
                )
            if name == METADATA_KEY and (len(shape) != 1 or shape[0] > MAX_TEXT_BYTES):
                raise ModelError(f"{src}: '{name}' is not a short text")
            count = int(np.prod(shape))
            raw = f.read(count * dtype.itemsize + 1)
    except ModelError:
        raise
    except Exception as exc:  # zlib, truncation, malformed headers
        raise ModelError(f"{src}: entry '{member.filename}' is not readable ({exc})") from None
    if len(raw) != count * dtype.itemsize:
        raise ModelError(
            f"{src}: entry '{member.filename}' holds {len(raw)} bytes, expected {count * dtype.itemsize}"
        )
    array = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    if name != METADATA_KEY and not np.isfinite(array).all():
        raise ModelError(f"{src}: '{name}' holds NaN or infinite weights")
    if name != METADATA_KEY and array.size and float(np.abs(array).max()) > MAX_MODEL_WEIGHT:
        raise ModelError(
            f"{src}: '{name}' holds weights up to {float(np.abs(array).max()):.3g}; a trained "
            f"student's stay below ~10 (at most {MAX_MODEL_WEIGHT:g} are accepted): every window "
            "would saturate to one emotion"
        )
    return array
