"""The Presets panel's settings: the edited presets and how the avatar's keys are named."""

from __future__ import annotations

from typing import Any

import bpy
from bpy.props import CollectionProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

_emotion_items: list[tuple[str, str, str]] = []  # kept alive: Blender holds only pointers


def _emotions(self: Any, context: Any) -> list[tuple[str, str, str]]:
    """The emotions of the model in use (its own, editable table), for the Presets panel."""
    from ..common import model_cache

    try:
        names = model_cache.get_model(context.scene.evoke.common.model_path).emotions.names
    except Exception:  # drawn by a panel: never raise; fall back to the default table
        from ...inference.emotion.table import EmotionTable

        names = EmotionTable.default().names
    _emotion_items[:] = [(n, n.capitalize(), "") for n in names]
    return _emotion_items


def _profile_items() -> list[tuple[str, str, str]]:
    from ...inference.face.profile_data import default_profiles
    from ...inference.face.profiles import AUTO

    auto = (AUTO, "Automatic", "Recognise the avatar's naming from its shape keys")
    return [auto] + [(p.id, p.title, p.description) for p in default_profiles()]


class EVOKE_PG_preset_key(bpy.types.PropertyGroup):
    """One shape-key weight of one emotion's preset."""

    emotion: StringProperty(name="Emotion")  # type: ignore[valid-type]
    key: StringProperty(name="Shape key")  # type: ignore[valid-type]
    weight: FloatProperty(name="Weight", min=0.0, max=1.0, default=0.5)  # type: ignore[valid-type]


class EVOKE_PG_name_map(bpy.types.PropertyGroup):
    """Preset (ARKit) key name -> this avatar's shape key name."""

    preset_key: StringProperty(name="Preset key")  # type: ignore[valid-type]
    mesh_key: StringProperty(name="Avatar key")  # type: ignore[valid-type]


class EVOKE_PG_presets(bpy.types.PropertyGroup):
    """The presets being edited, the face profile and the name map."""

    preset_emotion: EnumProperty(name="Emotion", items=_emotions)  # type: ignore[valid-type]
    preset_keys: CollectionProperty(type=EVOKE_PG_preset_key)  # type: ignore[valid-type]
    preset_index: IntProperty(default=0)  # type: ignore[valid-type]
    name_map: CollectionProperty(type=EVOKE_PG_name_map)  # type: ignore[valid-type]
    face_profile: EnumProperty(  # type: ignore[valid-type]
        name="Profile",
        items=_profile_items(),
        default="AUTO",
        description="How the avatar's face keys are named (ARKit, VRoid, VRM, Character "
        "Creator, MPFB); the name map wins over it",
    )
