"""The avatar's parts: which meshes carry its face, which armature moves it, and which of its
bones are the head and the neck. Shared by every feature (bake, live, presets, render, export).

An avatar is often several meshes under one armature (Ready Player Me: head, teeth, eyes, each
with ARKit keys; VRoid: face, body, hair): every one that carries shape keys is driven, the face
first. Head and neck are found by role (`inference.face.rigs`), so Mixamo's `mixamorig:Head`
or VRoid's `J_Bip_C_Head` turn as our own `head` does, and no other bone is touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...inference.errors import InputError
from ...inference.face.rigs import ROLES, rig_bones

# The face mesh by the name its tool gives it, where a tool gives several meshes the same keys:
# Ready Player Me's head (teeth and eyes carry all 67 keys too), VRoid Studio's face, Character
# Creator's body (its face is part of the body mesh).
FACE_MESH_NAMES = frozenset({"Wolf3D_Head", "Wolf3D_Avatar", "Face", "CC_Base_Body"})


def _with_keys(obj: Any) -> bool:
    return obj.type == "MESH" and obj.data.shape_keys is not None


def face_meshes(obj: Any) -> list[Any]:
    """Every mesh of the avatar with shape keys, the face first: the chosen mesh itself (with the
    other meshes its armature moves), or of an armature or empty the face (`_face_rank`)."""
    if obj is None:
        return []
    chosen = obj if _with_keys(obj) else None
    owner = armature_of(obj) if chosen is not None else obj
    if owner is None:
        return [chosen]
    found = [c for c in owner.children_recursive if _with_keys(c) and c != chosen]
    found.sort(key=_face_rank, reverse=True)  # stable: full ties keep their order
    return [chosen, *found] if chosen is not None else found


def _face_rank(mesh: Any) -> tuple[bool, int, int]:
    """Which of several keyed meshes is the face: a head mesh by its tool's name, then the most
    shape keys, then the most vertices. Ready Player Me gives its head, teeth and both eyes the
    same 67 keys; by keys alone the tie went to `EyeLeft` (first by name), and the emotion state
    was stored on an eye."""
    named = mesh.name.split(".")[0] in FACE_MESH_NAMES  # 'Wolf3D_Head.001' after a re-import
    return named, len(mesh.data.shape_keys.key_blocks), len(mesh.data.vertices)


def face_mesh(obj: Any) -> Any | None:
    """The mesh that holds the face (and the emotion state the panel and overlay read)."""
    meshes = face_meshes(obj)
    return meshes[0] if meshes else None


def armature_of(obj: Any) -> Any | None:
    """The armature moving `obj`: its Armature modifier's, its parent, or itself."""
    if obj.type == "ARMATURE":
        return obj
    for mod in getattr(obj, "modifiers", ()):
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object
    parent = obj.parent
    return parent if parent is not None and parent.type == "ARMATURE" else None


def refuse_linked(meshes: Iterable[Any]) -> None:
    """Raise InputError when a part the presets would change is linked from another file:
    Blender keeps no edit to linked data (it reverts on reload, and the UI refuses it), so a bake
    would report success and leave nothing. Checked before anything is written."""
    for mesh in meshes:
        arm = armature_of(mesh)
        parts = [mesh, mesh.data, mesh.data.shape_keys]
        for part in [*parts, arm, arm.data if arm is not None else None]:
            library = _read_only_from(part)
            if library is not None:
                raise InputError(
                    f"'{part.name}' of the avatar is linked from {library}: Blender keeps no "
                    "change to linked data; make the avatar local (Object > Relations > Make "
                    "Local) or a library override (Object > Library Override > Make) first"
                )


def _read_only_from(part: Any) -> str | None:
    """Where a data-block Blender will not let us edit comes from; None when it is editable."""
    if part is None:
        return None
    library = getattr(part, "library", None)
    if library is not None:
        return f"'{library.filepath or library.name}'"
    override = getattr(part, "override_library", None)
    if override is not None and getattr(override, "is_system_override", False):
        return "a library (a system override, not editable)"
    return None


def head_bones(arm: Any) -> dict[str, str]:
    """{role: the armature's bone} for the head and neck, as presets name them; a VRM humanoid's
    own mapping (the VRM add-on's human bones) wins over the names."""
    names = [b.name for b in arm.data.bones]
    found = rig_bones(names)
    found.update(_vrm_humanoid(arm, names))
    return found


def _vrm_humanoid(arm: Any, names: list[str]) -> dict[str, str]:
    """The VRM add-on's humanoid map (armature.data.vrm_addon_extension.vrm1.humanoid.human_bones
    .head/.neck .node.bone_name), where the avatar came through that add-on."""
    ext = getattr(arm.data, "vrm_addon_extension", None)
    try:
        human = ext.vrm1.humanoid.human_bones  # type: ignore[union-attr]
    except AttributeError:
        return {}
    out = {}
    for role in ROLES:
        bone = getattr(getattr(getattr(human, role, None), "node", None), "bone_name", "")
        if bone and bone in names:
            out[role] = bone
    return out


def posed_bones(arm: Any, preset_bones: Iterable[str]) -> dict[str, str]:
    """{bone as the presets name it: the armature's bone}: a bone of that exact name, else the
    rig's bone for that role (`head`, `neck`); presets' bones the rig lacks are left out."""
    names = {b.name for b in arm.data.bones}
    roles = head_bones(arm)
    found = {name: name if name in names else roles.get(name) for name in preset_bones}
    return {name: bone for name, bone in found.items() if bone is not None}
