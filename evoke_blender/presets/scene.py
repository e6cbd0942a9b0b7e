"""Presets as the scene holds them while they are edited, and where they are saved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import bpy

from ...inference.emotion.table import EmotionTable
from ...inference.face.presets import Presets
from ..common.paths import PRESETS_PATH

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root
    from .property_group import EVOKE_PG_presets


def presets_from_scene(presets: EVOKE_PG_presets) -> Presets:
    """The presets being edited in the panel, or the bundled file when none were loaded."""
    if len(presets.preset_keys) == 0:
        return Presets.load(PRESETS_PATH)
    keys: dict[str, dict[str, float]] = {}
    for row in presets.preset_keys:
        keys.setdefault(row.emotion, {})[row.key] = row.weight
    bones = (
        Presets.load(PRESETS_PATH).bones if PRESETS_PATH.exists() else {}
    )  # poses are not edited in the UI
    return Presets(keys, bones)


def scene_emotions(s: EVOKE_PG_root) -> tuple[str, ...]:
    """The emotions of the model in use (its own table), or the default table's when it cannot
    load (the panel and the preview must work without a model)."""
    from ..common import model_cache

    try:
        return model_cache.get_model(s.common.model_path).emotions.names
    except Exception:
        return EmotionTable.default().names


def fill_scene_presets(edited: EVOKE_PG_presets, presets: Presets) -> None:
    edited.preset_keys.clear()
    for emotion, weights in presets.shape_keys.items():
        for key, weight in sorted(weights.items()):
            row = edited.preset_keys.add()
            row.emotion, row.key, row.weight = emotion, key, weight


def user_dir() -> Path:
    package = __package__.split(".evoke_blender")[0] if __package__ else "evoke"
    try:
        return Path(bpy.utils.extension_path_user(package, path="", create=True))
    except (ValueError, AttributeError):  # not installed as an extension (e.g. run from source)
        return Path(bpy.utils.user_resource("CONFIG", path="evoke", create=True))
