"""A model file's metadata: its schema, checked field by field before anything is built from
it, and the combinations of feature settings that validate one by one but cannot run, refused
when the model loads (not on every recording):

- filter stability: the features filter each window with a Butterworth band-pass in (b, a) form
  from zero state; at a high rate a high order puts a pole outside the unit circle once the
  coefficients are rounded (512 Hz with order 6, 1024 Hz already with order 5), and every
  window's variance becomes infinite ("no usable baseline" on every recording);
- memory and time: each band's filter is a window x window matrix, so its bytes grow with the
  square of rate x window (1024 Hz x 4 s: 537 MB a band, and as many multiply-adds per window
  and channel), at most MAX_FILTER_MATRIX_BYTES.

Also the builder of metadata for a new model file (`model_metadata`; an untrained model's is
`untrained.untrained_metadata`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from ..dsp.features import BASELINES, FeatureSettings
from ..dsp.filters import butter_bandpass
from ..emotion.labels import THRESHOLD
from ..emotion.table import EmotionTable
from ..errors import InputError, ModelError
from ..limits import MAX_FILTER_MATRIX_BYTES
from .networks import OUTPUTS, STUDENT, architecture

FORMAT = "evoke-model"
FORMAT_VERSION = 1
DATA_KINDS = ("deap", "synthetic", "other", "unknown")  # provenance.data_kind (training records it)


def _field(meta: dict[str, Any], key: str, kind: type | tuple[type, ...], src: str) -> Any:
    value = meta.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        shown = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ModelError(f"{src}: metadata '{key}' must be {shown}, got {type(value).__name__}")
    return value


def check_metadata(meta: Any, src: str) -> tuple[FeatureSettings, EmotionTable]:
    """The schema of a model's metadata: types and ranges checked before any filter is designed
    from them (a rate of 8192 Hz or a filter order of 100000 would take gigabytes or hang)."""
    if not isinstance(meta, dict):
        raise ModelError(f"{src}: metadata must be a JSON object")
    if meta.get("format") != FORMAT:
        raise ModelError(f"{src}: metadata does not say format '{FORMAT}'")
    version = meta.get("format_version")
    if (
        not (isinstance(version, int) and not isinstance(version, bool))
        or version != FORMAT_VERSION
    ):
        shown = json.dumps(version) if isinstance(version, bool | int | float | str | None) else "?"
        raise ModelError(f"{src}: model format version {shown[:40]} is not supported")
    features = _field(meta, "features", dict, src)
    _check_features(features, src)
    try:
        settings = FeatureSettings.from_dict(features)
        table_data = meta.get("emotion_table") or EmotionTable.default().to_dict()
        table = EmotionTable.from_dict(table_data, source=f"{src} (emotion table)")
    except (KeyError, TypeError, ValueError, InputError) as exc:
        raise ModelError(f"{src}: metadata is invalid ({exc})") from None
    check_runnable(settings, src)
    for key in ("labels", "provenance", "architecture"):
        if key in meta and not isinstance(meta[key], dict):
            raise ModelError(f"{src}: metadata '{key}' must be an object")
    _check_provenance(meta.get("provenance", {}), src)
    if not _is_number(threshold := meta.get("labels", {}).get("threshold", 5.0)) or not (
        1 <= threshold <= 9
    ):
        raise ModelError(f"{src}: metadata labels.threshold must be a rating 1-9")
    return settings, table


def _check_provenance(p: dict[str, Any], src: str) -> None:
    """The optional provenance keys describe() reads: their types, when present."""
    if "data_kind" in p and p["data_kind"] not in DATA_KINDS:
        raise ModelError(f"{src}: provenance data_kind must be one of {', '.join(DATA_KINDS)}")
    if p.get("synthetic_data") not in (True, False, None):
        raise ModelError(f"{src}: provenance synthetic_data must be true, false or null")
    for key in ("data", "protocol", "protocol_warning", "notes", "model_selection"):
        if key in p and not isinstance(p[key], str):
            raise ModelError(f"{src}: provenance {key} must be text")
    tables = {"metrics": p.get("metrics", {}), "distillation_gain": p.get("distillation_gain", {})}
    baselines = p.get("baselines", {})
    if not isinstance(baselines, dict):
        raise ModelError(f"{src}: provenance baselines must be an object")
    tables.update({f"baselines.{k}": v for k, v in baselines.items()})
    for name, table in tables.items():
        if not isinstance(table, dict) or not all(map(_is_number, table.values())):
            raise ModelError(f"{src}: provenance {name} must map names to numbers")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_features(f: dict[str, Any], src: str) -> None:
    """The feature settings' types and ranges (FeatureSettings trusts what it is given)."""
    kind = f.get("kind", "de")
    rate, window_s = f.get("rate", 128.0), f.get("window_s", 1.0)
    order, baseline_s = f.get("filter_order", 5), f.get("baseline_s", 3.0)
    bands = f.get("bands", [list(b) for b in FeatureSettings().bands])
    numbers = {"rate": rate, "window_s": window_s, "baseline_s": baseline_s}
    for key, value in numbers.items():
        if not _is_number(value):
            raise ModelError(f"{src}: metadata features.{key} must be a number, got {value!r}")
    if kind not in ("de", "psd"):
        raise ModelError(f"{src}: metadata features.kind must be 'de' or 'psd', got {kind!r}")
    if f.get("baseline", "trial") not in BASELINES:
        raise ModelError(
            f"{src}: metadata features.baseline must be one of {BASELINES}, got {f['baseline']!r}"
        )
    if not 64 <= rate <= 1024:
        raise ModelError(f"{src}: metadata features.rate {rate} Hz is outside 64-1024 Hz")
    if not 0.25 <= window_s <= 4 or abs(window_s * rate - round(window_s * rate)) > 1e-9:
        raise ModelError(
            f"{src}: metadata features.window_s {window_s} must be 0.25-4 s of whole samples"
        )
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= 10:
        raise ModelError(
            f"{src}: metadata features.filter_order must be a whole number 1-10, got {order!r}"
        )
    ratio = baseline_s / window_s
    if not 1 <= ratio <= 10 or abs(ratio - round(ratio)) > 1e-9:
        raise ModelError(
            f"{src}: metadata features.baseline_s {baseline_s} must be 1-10 whole windows"
        )
    if not isinstance(bands, list) or not 1 <= len(bands) <= 8:
        raise ModelError(f"{src}: metadata features.bands must be a list of 1-8 [low, high] pairs")
    for band in bands:
        if not (isinstance(band, list) and len(band) == 2 and all(map(_is_number, band))
                and 0 < band[0] < band[1] < rate / 2):  # fmt: skip
            raise ModelError(
                f"{src}: metadata band {band!r} must be [low, high] with 0 < low < high < {rate / 2:g} Hz"
            )


def check_runnable(settings: FeatureSettings, src: str) -> None:
    """Settings that pass the schema but cannot run: filters that are unstable at the model's
    rate and order, or whose matrices exceed the memory budget (see the module notes)."""
    n, bands = settings.window_samples, len(settings.bands)
    need = n * n * bands * 8
    if need > MAX_FILTER_MATRIX_BYTES:
        raise ModelError(
            f"{src}: metadata features.rate {settings.rate:g} Hz x window_s {settings.window_s:g} "
            f"s ({n} samples) with {bands} bands needs {need / 2**20:,.0f} MiB of filter matrices "
            f"(at most {MAX_FILTER_MATRIX_BYTES / 2**20:,.0f} MiB): a lower rate or a shorter "
            "window"
        )
    worst = _unstable_band(settings.bands, settings.filter_order, settings.rate)
    if worst is None:
        return
    stable = next((k for k in range(settings.filter_order - 1, 0, -1)
                   if _unstable_band(settings.bands, k, settings.rate) is None), 0)  # fmt: skip
    hint = f"order {stable} or less is stable at this rate" if stable else "a lower rate"
    raise ModelError(
        f"{src}: metadata features.filter_order {settings.filter_order} at features.rate "
        f"{settings.rate:g} Hz gives an unstable band-pass for {worst} (a pole outside the unit "
        f"circle): every window would be infinite; {hint}"
    )


def _unstable_band(bands: tuple[tuple[float, float], ...], order: int, rate: float) -> str | None:
    """The first band whose (b, a) band-pass has a pole on or outside the unit circle."""
    for low, high in bands:  # a few bands, once per model load
        poles = np.roots(butter_bandpass(order, low, high, rate)[1])
        if not np.all(np.abs(poles) < 1.0):
            return f"{low:g}-{high:g} Hz"
    return None


def model_metadata(
    features: FeatureSettings,
    provenance: dict[str, Any],
    table: EmotionTable | None = None,
    architecture_name: str = STUDENT,
) -> dict[str, Any]:
    """The one builder of a model file's metadata (save_model adds format and version);
    `architecture_name` must be registered in `networks.NETWORKS`."""
    architecture(architecture_name, "model metadata")
    return {
        "architecture": {"name": architecture_name, "outputs": list(OUTPUTS)},
        "features": features.to_dict(),
        "labels": {"threshold": THRESHOLD, "rule": ">"},
        "emotion_table": (table or EmotionTable.default()).to_dict(),
        "provenance": provenance,
    }
