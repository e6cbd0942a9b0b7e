"""What the bake tests share (test_blender_extension.py, test_blender_presets_render.py): a face
with known shape keys, presets for those keys, a bake set up on a recording.

Fixtures rather than importable helpers: test modules are imported by path (importlib mode), so a
helper module beside them is not importable. bpy is imported inside the fixtures, so loading this
file never loads Blender.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FACE_KEYS = (
    "mouthSmileLeft",
    "mouthSmileRight",
    "browInnerUp",
    "jawOpen",
    "eyeWideLeft",
    "noseSneerLeft",
)
PRESETS: dict[str, Any] = {
    "format": "evoke-presets",
    "version": 1,
    "emotions": {
        "neutral": {"shape_keys": {}},
        "disgust": {"shape_keys": {"noseSneerLeft": 0.9, "browInnerUp": 0.1}},
        "fear": {"shape_keys": {"browInnerUp": 0.8, "eyeWideLeft": 1.0}},
        "anger": {"shape_keys": {"noseSneerLeft": 0.4, "mouthSmileRight": 0.05}},
        "sadness": {"shape_keys": {"browInnerUp": 0.6}},
        "happiness": {"shape_keys": {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}},
        "surprise": {"shape_keys": {"jawOpen": 0.7, "browInnerUp": 0.5}},
        "excitement": {"shape_keys": {"mouthSmileLeft": 0.8, "jawOpen": 0.4, "missingKey": 1.0}},
    },
}


@pytest.fixture
def face_keys() -> tuple[str, ...]:
    """The shape keys `face` has (besides Basis)."""
    return FACE_KEYS


@pytest.fixture
def bake_presets() -> dict[str, Any]:
    """Presets for the face's keys (one key it lacks, missingKey); a copy a test may change."""
    return copy.deepcopy(PRESETS)


@pytest.fixture
def face(installed: Path) -> Any:
    """The extension installed, and an empty scene with a sphere whose every shape key
    (FACE_KEYS, besides Basis) moves a vertex."""
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    for name in FACE_KEYS:
        key = obj.shape_key_add(name=name)
        key.data[0].co = (0.0, 0.0, 2.0)  # every key moves something
    return obj


@pytest.fixture
def setup_bake(tmp_path: Path, deap_two_trials: Path) -> Callable[..., Any]:
    """A function: the scene's settings for baking the two-trial recording onto obj with the
    test presets (written to tmp_path, loaded through the operator); returns the settings."""

    def setup(obj: Any, *, trial: int = 2, mode: str = "blend") -> Any:
        import bpy

        presets = tmp_path / "presets.json"
        presets.write_text(json.dumps(PRESETS))
        s = bpy.context.scene.evoke
        s.common.target = obj
        assert bpy.ops.evoke.load_presets(filepath=str(presets)) == {"FINISHED"}
        s.bake.source_path = str(deap_two_trials)
        s.bake.trial = trial
        s.smoothing.mode = mode
        s.common.hop = 0.25
        return s

    return setup


@pytest.fixture
def animated_paths() -> Callable[[Any], set[str]]:
    """A function: the data paths a bake animated on an ID, with or without action slots."""

    def paths(id_data: Any) -> set[str]:
        anim = id_data.animation_data
        action = anim.action
        if hasattr(action, "slots"):
            from bpy_extras.anim_utils import action_get_channelbag_for_slot

            bag = action_get_channelbag_for_slot(action, anim.action_slot)
            return {fc.data_path for fc in bag.fcurves}
        return {fc.data_path for fc in action.fcurves}

    return paths


@pytest.fixture
def full_disk() -> Callable[[int], Any]:
    """A function: a context in which no file of this process can grow past `max_bytes` (Linux's
    RLIMIT_FSIZE, SIGXFSZ ignored: a write past it fails with EFBIG, as on a full disk). Every
    writer in the process meets it, Blender's own (glTF, FFmpeg) included."""
    import resource
    import signal
    from contextlib import contextmanager

    @contextmanager
    def limit(max_bytes: int) -> Any:
        handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, handler)

    return limit
