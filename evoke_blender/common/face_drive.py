"""What EVOKE drives on an avatar, decided in one place for the bake, the live driver, the preset
preview and the Presets panel (`face_drive`).

The avatar's face profile (inference.face.profiles: detected from its shape-key names, or the
one picked under Presets > Profile) turns the ARKit-named presets into weights on the avatar's own
keys; the user's name map wins over it. A VRM 1.0 avatar imported with the VRM add-on for Blender
(saturday06/VRM-Addon-for-Blender) is driven through the add-on's own expressions instead, so the
model's bindings (shape keys, materials) apply: their values are
`armature.data.vrm_addon_extension.vrm1.expressions.preset.<name>.preview`, as defined in that
add-on's src/io_scene_vrm/editor/extension.py (Armature.vrm_addon_extension,
VrmAddonArmatureExtensionPropertyGroup.vrm1) and src/io_scene_vrm/editor/vrm1/property_group.py
(Vrm1PropertyGroup.expressions, Vrm1ExpressionsPropertyGroup.preset,
Vrm1ExpressionsPresetPropertyGroup.happy ... look_right, Vrm1ExpressionPropertyGroup.preview);
the add-on applies an animated preview in its frame_change_post handler (vrm1/handler.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from bpy.utils import escape_identifier as escape

from ...inference.errors import InputError
from ...inference.face import profile_data, profiles
from ...inference.face.presets import Presets
from . import runtime_options
from .rig import armature_of, face_meshes, refuse_linked

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root

SHAPE_KEYS, VRM_ADDON = "shape_keys", "vrm_addon"
VRM_PROFILE = "VRM"
VRM_PREVIEW = "vrm_addon_extension.vrm1.expressions.preset.{}.preview"


def vrm_attribute(expression: str) -> str:
    """The add-on's property for a VRM 1.0 preset expression: blinkLeft -> blink_left."""
    return re.sub(r"(?<=[a-z])([A-Z])", r"_\1", expression).lower()


def vrm_armature(mesh: Any) -> Any | None:
    """The armature (object) deforming or parenting the face mesh."""
    return armature_of(mesh)


def _vrm_presets(mesh: Any) -> Any | None:
    """The add-on's VRM 1.0 preset expressions on the avatar's armature; None without them."""
    arm = vrm_armature(mesh)
    ext = getattr(arm.data, "vrm_addon_extension", None) if arm is not None else None
    if ext is None or str(getattr(ext, "spec_version", "1.0")) != "1.0":  # VRM 0.x: not driven
        return None
    try:
        return ext.vrm1.expressions.preset
    except AttributeError:
        return None


def vrm_addon_expressions(mesh: Any) -> list[str]:
    """The VRM 1.0 preset expressions the add-on keeps for this avatar that are bound to anything
    (an unbound one would move nothing); empty without the add-on or VRM 1.0 data."""
    preset = _vrm_presets(mesh)
    if preset is None:
        return []
    names = profile_data.profile_by_id(VRM_PROFILE).names
    found = []
    for name in names:
        expression = getattr(preset, vrm_attribute(name), None)
        binds = ("morph_target_binds", "material_color_binds", "texture_transform_binds")
        if expression is not None and any(len(getattr(expression, b, ())) for b in binds):
            found.append(name)
    return found


@dataclass(frozen=True)
class FaceDrive:
    """The presets on one avatar: columns (target kind, name) and their (emotions, columns) weights,
    and which of the avatar's meshes carries which shape-key columns (the face first)."""

    mapping: profiles.FaceMapping
    columns: tuple[tuple[str, str], ...]
    matrix: np.ndarray
    parts: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (mesh object name, its columns)

    @property
    def meshes(self) -> list[str]:
        """The meshes the presets move (the face always: it holds the emotion state)."""
        return [name for i, (name, cols) in enumerate(self.parts) if cols or i == 0]

    @property
    def names(self) -> list[str]:
        return [name for _, name in self.columns]

    @property
    def uses_vrm_addon(self) -> bool:
        return any(kind == VRM_ADDON for kind, _ in self.columns)

    def summary(self) -> str:
        """'VRoid (detected): 57 of 57 keys; the presets drive 16 of 16', and the meshes when
        the avatar has several."""
        noun = "expressions" if self.uses_vrm_addon else "keys"
        text = self.mapping.summary(noun)
        meshes = self.meshes
        return text if len(meshes) < 2 else f"{text} on {len(meshes)} meshes: {', '.join(meshes)}"

    def indices(self, kind: str) -> list[int]:
        return [i for i, (k, _) in enumerate(self.columns) if k == kind]

    def part_meshes(self, face: Any) -> list[tuple[Any, list[int]]]:
        """(mesh object, its shape-key columns) for every mesh the presets move, the face first."""
        objects = {m.name: m for m in face_meshes(face)}
        return [(objects[name], list(cols)) for name, cols in self.parts
                if name in objects and (cols or name == face.name)]  # fmt: skip

    def curves(self, mesh: Any) -> list[tuple[Any, str, list[int], list[str]]]:
        """Per animated ID: (ID, action name, columns, F-curve data paths). The face's shape keys
        always get an action (maybe empty), so a new bake replaces an earlier one."""
        out = [
            (part.data.shape_keys, "EVOKE face", cols,
             [f'key_blocks["{escape(self.columns[i][1])}"].value' for i in cols])
            for part, cols in self.part_meshes(mesh)
        ]  # fmt: skip
        expressions = self.indices(VRM_ADDON)
        arm = vrm_armature(mesh)
        if expressions and arm is not None:  # the expressions were found on this armature
            paths = [VRM_PREVIEW.format(vrm_attribute(self.columns[i][1])) for i in expressions]
            out.append((arm.data, "EVOKE expressions", expressions, paths))
        return out

    def set_expressions(self, mesh: Any, values: Mapping[str, float]) -> None:
        """Set the add-on's expression previews now (the others of the VRM profile to 0)."""
        preset = _vrm_presets(mesh)
        if preset is None:
            return
        for name in profile_data.profile_by_id(VRM_PROFILE).names:
            expression = getattr(preset, vrm_attribute(name), None)
            if expression is not None:
                expression.preview = min(max(float(values.get(name, 0.0)), 0.0), 1.0)


def _keys_of(mesh: Any) -> list[str]:
    """The mesh's shape keys but its reference (Basis)."""
    shape_keys = mesh.data.shape_keys
    reference = shape_keys.reference_key.name if shape_keys.reference_key else None
    return [kb.name for kb in shape_keys.key_blocks if kb.name != reference]


def _parts(
    meshes: Sequence[Any], columns: Sequence[tuple[str, str]]
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Which shape-key columns each mesh carries (a key on several meshes: driven on each)."""
    parts = []
    for mesh in meshes:
        own = set(_keys_of(mesh))
        cols = tuple(i for i, (kind, n) in enumerate(columns) if kind == SHAPE_KEYS and n in own)
        parts.append((mesh.name, cols))
    return tuple(parts)


def face_drive(
    mesh: Any,
    presets: Presets,
    emotions: Sequence[str],
    *,
    name_map: Mapping[str, str] | None = None,
    profile: str = profiles.AUTO,
) -> FaceDrive:
    """What the presets drive on the avatar whose face is `mesh` (a mesh with shape keys) and on
    its other meshes (teeth, eyes: `rig.face_meshes`): raises InputError when nothing.

    The profile is found on the keys of all of them together. With the VRM add-on's VRM 1.0
    expressions on the avatar (profile AUTO or VRM), those are driven and the name map drives
    shape keys beside them; otherwise the profile maps the presets onto the meshes' shape keys
    (reference keys excluded).
    """
    name_map = dict(name_map or {})
    meshes = face_meshes(mesh)
    refuse_linked(meshes)
    available = list(dict.fromkeys(k for m in meshes for k in _keys_of(m)))
    expressions = vrm_addon_expressions(mesh) if profile in (profiles.AUTO, VRM_PROFILE) else []
    if expressions:
        mapping = profiles.map_presets(
            presets, emotions, expressions, profile=VRM_PROFILE, what=f"'{mesh.name}'"
        )
        how = profiles.DETECTED if profile == profiles.AUTO else profiles.CHOSEN
        mapping = replace(mapping, variant=f"{mapping.variant} (VRM add-on)", how=how)
        matrix, names = mapping.matrix(emotions)
        columns = [(VRM_ADDON, n) for n in names]
        mapped = _name_mapped(presets, emotions, available, name_map, mesh.name)
        if mapped:
            extra, extra_names = mapped
            matrix = np.hstack([matrix, extra])
            columns += [(SHAPE_KEYS, n) for n in extra_names]
        return FaceDrive(mapping, tuple(columns), matrix, _parts(meshes, columns))
    mapping = profiles.map_presets(
        presets, emotions, available, name_map=name_map, profile=profile, what=f"'{mesh.name}'"
    )
    matrix, names = mapping.matrix(emotions)
    columns = [(SHAPE_KEYS, n) for n in names]
    return FaceDrive(mapping, tuple(columns), matrix, _parts(meshes, columns))


def _name_mapped(
    presets: Presets,
    emotions: Sequence[str],
    available: Sequence[str],
    name_map: Mapping[str, str],
    mesh_name: str,
) -> tuple[np.ndarray, list[str]] | None:
    """The user's name map on shape keys, beside the VRM add-on's expressions."""
    keys = profile_data.MeshKeys(available, profile_data.plain_spelling)
    columns: dict[str, str] = {}  # mesh key -> preset key
    for key, target in name_map.items():
        mesh_key = keys.find(target, loose=False)
        if key not in presets.key_names() or mesh_key is None:
            continue
        if columns.setdefault(mesh_key, key) != key:
            raise InputError(
                f"preset keys '{columns[mesh_key]}' and '{key}' both drive the shape key "
                f"'{mesh_key}' of '{mesh_name}' (check the name map)"
            )
    if not columns:
        return None
    names = sorted(columns)
    m = np.array(
        [[presets.shape_keys.get(e, {}).get(columns[n], 0.0) for n in names] for e in emotions]
    )
    return m.reshape(len(emotions), len(names)), names


def settings_drive(
    s: EVOKE_PG_root, mesh: Any, presets: Presets, emotions: Sequence[str]
) -> FaceDrive:
    """`face_drive` with the scene's name map and profile (the panel's settings)."""
    return face_drive(mesh, presets, emotions, name_map=runtime_options.name_map(s.presets),
                      profile=s.presets.face_profile)  # fmt: skip
