"""The avatar's parts: which meshes carry its face, which armature moves it, and which of its
bones are the head and the neck. Shared by every feature (bake, live, presets, render, export)."""

from __future__ import annotations

from typing import Any


def face_mesh(obj: Any) -> Any | None:
    """The mesh with shape keys to drive: the object itself, or the first such child."""
    if obj is None:
        return None
    if obj.type == "MESH" and obj.data.shape_keys is not None:
        return obj
    for child in obj.children_recursive:
        if child.type == "MESH" and child.data.shape_keys is not None:
            return child
    return None


def armature_of(mesh: Any) -> Any | None:
    for mod in mesh.modifiers:
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object
    parent = mesh.parent
    return parent if parent is not None and parent.type == "ARMATURE" else None
