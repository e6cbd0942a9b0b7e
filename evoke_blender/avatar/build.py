"""Procedural EVOKE avatar: a stylised, rigged head-and-shoulders bust with ARKit shape keys.

Why procedural: the avatar ships with the extension, so it must be licence-clean and small; a
few hundred lines of geometry are both, and they rebuild identically on every Blender version.

This module is only the Blender side: it turns the numpy geometry of the pure modules
(``proportions``, ``surface``, ``mesh``, ``head``, ``parts``, ``expressions``) into objects,
materials, shape keys, vertex groups and a rig, so the geometry can be tested without Blender.
Units and axes are described in ``proportions``, the head's topology in ``head``.

One mesh object (the "face") holds every skin-deformed part as separate islands: head, neck,
torso, collar, hair, ears, eyelids, brows and teeth. Keeping them in one object means every
ARKit shape key (a blink moves lids, a brow key moves brows) lives on one mesh, which is what
avatars exported by Character Creator, Ready Player Me or MPFB look like. The eyeballs are
separate spheres parented to the eye bones so they can rotate; drivers turn them with the
face's eyeLook keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import bpy
import numpy as np
from mathutils import Matrix, Vector

from ...inference.face.rigs import ROLES
from ..common.rig import armature_of, head_bones, posed_bones
from .expressions import shape_key_displacements
from .eyes import gaze_coefficients
from .mesh import FaceData, merge, weight_levels
from .parts import all_parts, bone_layout, eyeball
from .proportions import (
    BONES,
    COLLECTION_NAME,
    DEFORM_BONES,
    EYE_MATERIALS,
    FACE_MATERIALS,
    HEAD_CENTER,
    PALETTE_SRGB,
    FloatArray,
)
from .surface import srgb_to_linear


def _scene() -> bpy.types.Scene:
    """The current scene; the stubs allow None, which never happens while building."""
    return cast(bpy.types.Scene, bpy.context.scene)


def _view_layer() -> bpy.types.ViewLayer:
    """The current view layer (never None while building, as for ``_scene``)."""
    return cast(bpy.types.ViewLayer, bpy.context.view_layer)


# --------------------------------------------------------------------------- face mesh


def _material(name: str, colour_key: str, roughness: float = 0.5) -> bpy.types.Material:
    """A material that looks the same in Workbench (diffuse colour) and EEVEE/Cycles (nodes)."""
    mat = bpy.data.materials.new(name)
    rgba = srgb_to_linear(PALETTE_SRGB[colour_key])
    mat.diffuse_color.foreach_set(rgba)
    mat.roughness = roughness
    if mat.node_tree is None:
        mat.use_nodes = True  # 4.x; in 5.0 materials always have a node tree
    tree = mat.node_tree
    if tree is not None:
        bsdf = next((n for n in tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
        if bsdf is not None:
            cast(Any, bsdf.inputs["Base Color"]).default_value = rgba
            cast(Any, bsdf.inputs["Roughness"]).default_value = roughness
            if colour_key in ("skin", "lips") and "Subsurface Weight" in bsdf.inputs:
                cast(Any, bsdf.inputs["Subsurface Weight"]).default_value = 0.15
                cast(Any, bsdf.inputs["Subsurface Radius"]).default_value = (0.04, 0.015, 0.008)
    return mat


def _face_material_list(prefix: str) -> list[bpy.types.Material]:
    """The face mesh's materials in slot order: part builders index them by ``FACE_MATERIALS``."""
    rough = {"skin": 0.55, "lips": 0.4, "mouth": 0.6, "hair": 0.6, "brow": 0.8, "cloth": 0.85}
    rough["tongue"] = 0.35
    return [_material(f"{prefix} {k}", k, rough.get(k, 0.5)) for k in FACE_MATERIALS]


def _resolve_collection(collection: bpy.types.Collection | None) -> bpy.types.Collection:
    """Use the given collection or "EVOKE Avatar", linked to the scene so ops can see it."""
    scene = _scene()
    if collection is None:
        collection = bpy.data.collections.get(COLLECTION_NAME) or bpy.data.collections.new(
            COLLECTION_NAME
        )
    if collection.name not in scene.collection.children and collection != scene.collection:
        users = [c for c in bpy.data.collections if collection.name in c.children]
        if not users:
            scene.collection.children.link(collection)
    return collection


def _new_mesh_object(
    name: str,
    verts: FloatArray,
    faces: Sequence[Sequence[int]],
    mats: Sequence[int],
    collection: bpy.types.Collection,
) -> bpy.types.Object:
    """Create a smooth-shaded mesh object from arrays (object at the world origin)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts.tolist(), [], [list(f) for f in faces])
    mesh.polygons.foreach_set("material_index", np.asarray(mats, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), dtype=bool))
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    collection.objects.link(obj)
    return obj


def _add_vertex_groups(obj: bpy.types.Object, weights: Mapping[str, FloatArray]) -> None:
    """Skin weights, written in a few calls per quantised level (no per-vertex Python)."""
    names, levels = weight_levels(weights)
    for col, bone in enumerate(names):
        group = obj.vertex_groups.new(name=bone)
        for level in np.unique(levels[:, col]):
            if level == 0:
                continue
            idx = np.flatnonzero(levels[:, col] == level)
            group.add(idx.tolist(), float(level) / 100.0, "REPLACE")


def _add_shape_keys(obj: bpy.types.Object, fd: FaceData) -> None:
    """Write the Basis and every ARKit key with foreach_set (no per-vertex Python)."""
    obj.shape_key_add(name="Basis", from_mix=False)
    base = fd.p + HEAD_CENTER
    for name, disp in shape_key_displacements(fd).items():
        key = obj.shape_key_add(name=name, from_mix=False)
        key.value = 0.0  # Blender 5.x adds keys at 1.0: the avatar must start neutral
        key.slider_min = 0.0
        key.slider_max = 1.0
        key.data.foreach_set("co", (base + disp).astype(np.float32).ravel())
    shape_keys = cast(bpy.types.Mesh, obj.data).shape_keys
    if shape_keys is not None:
        shape_keys.use_relative = True


# --------------------------------------------------------------------------- rig and eyes


def _build_armature(name: str, fd: FaceData, collection: bpy.types.Collection) -> bpy.types.Object:
    """The rig: root > spine > neck > head > (jaw, eye.L, eye.R). Needs edit mode once."""
    data = bpy.data.armatures.new(name)
    data.display_type = "OCTAHEDRAL"
    arm = bpy.data.objects.new(name, data)
    arm.show_in_front = True
    collection.objects.link(arm)
    view_layer = _view_layer()
    if bpy.context.mode != "OBJECT" and bpy.context.active_object is not None:
        bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    layout = bone_layout(fd)
    for bone_name in BONES:
        head, tail, parent = layout[bone_name]
        eb = data.edit_bones.new(bone_name)
        eb.head = Vector(head.tolist())
        eb.tail = Vector(tail.tolist())
        eb.roll = 0.0
        eb.use_deform = bone_name in DEFORM_BONES
        if parent is not None:
            eb.parent = data.edit_bones[parent]
            eb.use_connect = bone_name in ("spine", "neck", "head")
    bpy.ops.object.mode_set(mode="OBJECT")
    for pb in cast(bpy.types.Pose, arm.pose).bones:
        pb.rotation_mode = "XYZ"
    return arm


def _parent_to_bone(obj: bpy.types.Object, arm: bpy.types.Object, bone_name: str) -> None:
    """Bone-parent keeping the rest transform: Blender parents to the bone's tail."""
    bone = cast(bpy.types.Armature, arm.data).bones[bone_name]
    obj.parent = arm
    obj.parent_type = "BONE"
    obj.parent_bone = bone_name
    tail = Matrix.Translation((0.0, bone.length, 0.0))
    obj.matrix_parent_inverse = (arm.matrix_world @ bone.matrix_local @ tail).inverted()


def _build_eye(name: str, centre: FloatArray, collection: bpy.types.Collection) -> bpy.types.Object:
    """An eyeball object at ``centre`` (head-local) with its sclera, iris and pupil materials."""
    verts, faces, mats = eyeball()
    obj = _new_mesh_object(name, verts, faces, mats, collection)
    for key in EYE_MATERIALS:
        mat = _material(f"{name} {key}", key, 0.15 if key != "sclera" else 0.3)
        cast(bpy.types.Mesh, obj.data).materials.append(mat)
    obj.location = Vector((HEAD_CENTER + centre).tolist())
    return obj


def _drive_gaze(eye: bpy.types.Object, face: bpy.types.Object, left: bool) -> None:
    """Turn an eyeball with the face's eyeLook keys: drivers on its delta rotation (X pitch,
    Z yaw) sum each key's value times its angle (``eyes.gaze_coefficients``), so whatever sets
    the keys (a preset, a bake, live mode) moves the eyes, and the eye bone stays free to pose.
    Plain sums of products: Blender evaluates them without running Python."""
    keys = cast(bpy.types.Mesh, face.data).shape_keys
    coefficients = gaze_coefficients(left)
    for axis, column in ((0, 0), (2, 1)):
        fcurve = cast(bpy.types.FCurve, eye.driver_add("delta_rotation_euler", axis))
        while fcurve.keyframe_points:  # 5.x maps drivers through two keys: pass values through
            fcurve.keyframe_points.remove(fcurve.keyframe_points[0])
        driver = cast(bpy.types.Driver, fcurve.driver)
        driver.type = "SCRIPTED"
        terms = []
        for i, (name, angles) in enumerate(coefficients.items()):
            if angles[column] == 0.0:
                continue
            var = driver.variables.new()
            var.name = f"k{i}"
            var.type = "SINGLE_PROP"
            target = var.targets[0]
            target.id_type = "KEY"
            target.id = keys
            target.data_path = f'key_blocks["{name}"].value'
            terms.append(f"{angles[column]:+.6f}*{var.name}")
        driver.expression = "".join(terms).lstrip("+")


def build_avatar(
    name: str = "EVOKE Avatar", collection: bpy.types.Collection | None = None
) -> bpy.types.Object:
    """Build the stylised avatar and return its face mesh (the object holding the shape keys).

    The face mesh is parented to the armature (``common.rig.armature_of(face)`` finds it) and deformed
    by it through an Armature modifier, then smoothed by a Subdivision Surface modifier.
    """
    coll = _resolve_collection(collection)
    fd, faces, mats, weights = merge(all_parts())
    arm = _build_armature(f"{name} Rig", fd, coll)
    face = _new_mesh_object(name, fd.p + HEAD_CENTER, faces, mats, coll)
    mesh = cast(bpy.types.Mesh, face.data)
    for mat in _face_material_list(name):
        mesh.materials.append(mat)
    _add_vertex_groups(face, weights)
    _add_shape_keys(face, fd)
    face.parent = arm
    mod = cast(bpy.types.ArmatureModifier, face.modifiers.new("Armature", "ARMATURE"))
    mod.object = arm
    sub = cast(bpy.types.SubsurfModifier, face.modifiers.new("Subdivision", "SUBSURF"))
    sub.levels = 1
    sub.render_levels = 2
    for label, centre in (("L", fd.eye_l), ("R", fd.eye_r)):
        eye = _build_eye(f"{name} Eye.{label}", centre, coll)
        _parent_to_bone(eye, arm, f"eye.{label}")
        _drive_gaze(eye, face, left=label == "L")
    _view_layer().update()
    return face


# --------------------------------------------------------------------------- presets


def apply_preset(
    face: bpy.types.Object,
    preset: Mapping[str, Any],
    strength: float = 1.0,
    driven: Iterable[str] = ROLES,
) -> None:
    """Set shape keys (others to 0) and the posed bones (degrees, Euler XYZ, bone-local) of a preset.

    Bones are those the presets pose (`driven`: head and neck, as each rig names them); a bone
    this preset leaves out goes to rest, every other bone of the rig keeps its pose (an A-pose
    stays an A-pose). Unknown names are skipped so ARKit presets also work on partial rigs.
    """
    shape_keys = cast(bpy.types.Mesh, face.data).shape_keys
    if shape_keys is not None:
        values = cast(Mapping[str, float], preset.get("shape_keys", {}))
        for kb in list(shape_keys.key_blocks)[1:]:
            kb.value = min(max(float(values.get(kb.name, 0.0)) * strength, 0.0), 1.0)
    arm = armature_of(face)
    if arm is None or arm.pose is None:
        return
    rotations = cast(Mapping[str, Sequence[float]], preset.get("bones", {}))
    pose_bones = cast(bpy.types.Pose, arm.pose).bones
    for name, bone in posed_bones(arm, {*driven, *rotations}).items():
        pb = pose_bones[bone]
        pb.rotation_mode = "XYZ"
        deg = rotations.get(name, (0.0, 0.0, 0.0))
        pb.rotation_euler = tuple(math.radians(float(v)) * strength for v in deg)


# --------------------------------------------------------------------------- camera and lights


def _look_target(target_obj: bpy.types.Object) -> tuple[Vector, float]:
    """Point to aim at (mid-face) and a framing height, from the head bone or the bounding box."""
    arm = armature_of(target_obj)
    head_bone = head_bones(arm).get("head") if arm is not None else None
    if arm is not None and head_bone is not None:
        bone = cast(bpy.types.Armature, arm.data).bones[head_bone]
        head = arm.matrix_world @ bone.head_local
        tail = arm.matrix_world @ bone.tail_local
        return head.lerp(tail, 0.13), (tail - head).length * 1.66
    corners = [target_obj.matrix_world @ Vector(c) for c in target_obj.bound_box]
    zmax = max(c.z for c in corners)
    zmin = min(c.z for c in corners)
    centre = sum(corners, Vector()) / 8.0
    return Vector((centre.x, centre.y, zmax - 0.3 * (zmax - zmin))), 0.6 * (zmax - zmin)


def _aim(obj: bpy.types.Object, target: Vector) -> None:
    """Point an object's -Z (cameras, lights) at ``target``."""
    direction = target - obj.location
    obj.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()


def _area_light(
    name: str,
    energy: float,
    size: float,
    colour: tuple[float, float, float],
    collection: bpy.types.Collection,
) -> bpy.types.Object:
    """An area light: its size, not only its distance, sets how soft the shadows fall."""
    data = cast(bpy.types.AreaLight, bpy.data.lights.new(name, "AREA"))
    data.energy = energy
    data.size = size
    data.color = colour
    obj = bpy.data.objects.new(name, data)
    collection.objects.link(obj)
    return obj


def add_camera_and_lights(
    target_obj: bpy.types.Object, collection: bpy.types.Collection | None = None
) -> tuple[bpy.types.Object, list[bpy.types.Object]]:
    """A portrait camera at face height and a warm key / cool fill / rim three-point rig.

    The camera becomes the scene camera; lights matter for EEVEE/Cycles (Workbench uses its
    studio light).
    """
    coll = _resolve_collection(collection)
    target, height = _look_target(target_obj)
    cam_data = bpy.data.cameras.new("EVOKE Camera")
    cam_data.lens = 85.0
    cam_data.sensor_fit = "VERTICAL"
    cam_data.sensor_height = 24.0
    distance = height / (cam_data.sensor_height / cam_data.lens)
    cam = bpy.data.objects.new("EVOKE Camera", cam_data)
    coll.objects.link(cam)
    yaw = math.radians(8.0)
    cam.location = target + Vector((distance * math.sin(yaw), -distance * math.cos(yaw), 0.01))
    _aim(cam, target - Vector((0.0, 0.0, 0.05 * height)))
    _scene().camera = cam

    lights = []
    for name, energy, size, colour, offset in (
        ("EVOKE Key", 30.0, 0.6, (1.0, 0.93, 0.85), (-0.9, -1.1, 0.7)),
        ("EVOKE Fill", 10.0, 1.0, (0.85, 0.9, 1.0), (1.1, -0.9, 0.1)),
        ("EVOKE Rim", 25.0, 0.5, (1.0, 1.0, 1.0), (0.5, 1.0, 0.8)),
    ):
        light = _area_light(name, energy, size, colour, coll)
        light.location = target + Vector(offset)
        _aim(light, target)
        lights.append(light)
    _view_layer().update()  # so matrix_world is valid for callers right away
    return cam, lights
