"""Models and their descriptions, loaded once per file version (panels redraw constantly)."""

from __future__ import annotations

import os

import bpy

from ...inference.errors import EvokeError
from ...inference.model.model_file import EvokeModel, load_model

_cache: dict[tuple[str, float], EvokeModel] = {}


def get_model(path: str) -> EvokeModel:
    real = bpy.path.abspath(path) if path else ""
    stamp = os.path.getmtime(real) if real and os.path.exists(real) else 0.0
    key = (real, stamp)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_model(real or None)
    return _cache[key]


def describe(path: str) -> str:
    try:
        return get_model(path).describe()
    except EvokeError as exc:
        return f"cannot load: {exc}"
    except Exception as exc:  # drawn by a panel: never raise
        return f"cannot load: {type(exc).__name__}: {exc}"


def clear() -> None:
    _cache.clear()
