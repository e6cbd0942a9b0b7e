"""The panel's settings -> the runtime's options: one translation for bake and live."""

from __future__ import annotations

from typing import Any

from ...inference.calibration import MIN_ADAPT_S, BaselineChoice
from ...inference.emotion.smoothing import SmoothingSettings


def smoothing(s: Any) -> SmoothingSettings:
    return SmoothingSettings(
        tau_s=s.tau, hysteresis=s.hysteresis, min_dwell_s=s.dwell, method=s.smoother,
        switch_s=s.switch_s, evidence=s.evidence, confidence=s.confidence,
    )  # fmt: skip


def baseline(s: Any) -> BaselineChoice:
    kind = s.baseline
    return BaselineChoice(
        kind,
        seconds=s.calibration,
        span_s=(s.baseline_from, s.baseline_to) if kind == "span" else None,
        markers=(s.baseline_marker_start, s.baseline_marker_end) if kind == "markers" else None,
        reject_z=s.outlier_z,
        adapt_s=adapt_seconds(s),
    )


def adapt_seconds(s: Any) -> float:
    """The panel's Adapt: 0 (fixed), else at least the shortest time constant allowed."""
    return 0.0 if s.adapt <= 0 else max(s.adapt, MIN_ADAPT_S)


def name_map(s: Any) -> dict[str, str]:
    """Preset key -> the avatar's key, as the Presets panel's name map rows say."""
    return {row.preset_key: row.mesh_key for row in s.name_map if row.preset_key}
