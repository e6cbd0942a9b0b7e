"""The panel's settings -> the runtime's options: one translation for bake and live."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...inference.calibration import MIN_ADAPT_S, BaselineChoice
from ...inference.emotion.smoothing import SmoothingSettings

if TYPE_CHECKING:
    from ..presets.property_group import EVOKE_PG_presets
    from ..properties import EVOKE_PG_root
    from .property_group import EVOKE_PG_common, EVOKE_PG_smoothing


def smoothing(sm: EVOKE_PG_smoothing) -> SmoothingSettings:
    return SmoothingSettings(
        tau_s=sm.tau, hysteresis=sm.hysteresis, min_dwell_s=sm.dwell, method=sm.smoother,
        switch_s=sm.switch_s, evidence=sm.evidence, confidence=sm.confidence,
    )  # fmt: skip


def baseline(s: EVOKE_PG_root) -> BaselineChoice:
    """The bake panel's rest span, with the shared calibration, rejection and adaptation."""
    b, kind = s.bake, s.bake.baseline
    return BaselineChoice(
        kind,
        seconds=s.common.calibration,
        span_s=(b.baseline_from, b.baseline_to) if kind == "span" else None,
        markers=(b.baseline_marker_start, b.baseline_marker_end) if kind == "markers" else None,
        reject_z=s.common.outlier_z,
        adapt_s=adapt_seconds(s.common),
    )


def adapt_seconds(common: EVOKE_PG_common) -> float:
    """The panel's Adapt: 0 (fixed), else at least the shortest time constant allowed."""
    return 0.0 if common.adapt <= 0 else max(common.adapt, MIN_ADAPT_S)


def name_map(presets: EVOKE_PG_presets) -> dict[str, str]:
    """Preset key -> the avatar's key, as the Presets panel's name map rows say."""
    return {row.preset_key: row.mesh_key for row in presets.name_map if row.preset_key}
