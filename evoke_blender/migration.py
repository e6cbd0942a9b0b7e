"""Carry the settings of a .blend file saved with an older layout into the current one, once.

Before schema 1 one flat group held every setting, so Blender stored each one the user set as an
ID property directly under the scene's "evoke"; the groups now store theirs one level down
("evoke" -> "bake" -> ...). Schema 2 renamed settings in their groups (RENAMED). Blender keeps
the old keys as orphan ID properties, so moving each raw value to its new key keeps it exactly
(enum items as their stored numbers, the avatar as its object, lists row by row); a setting the
user never set has no key and keeps the new default. The scene records the schema it was moved
to, so a file is moved once. As the VRM add-on does, it runs when a file loads (load_post) and
for the file open when the extension is enabled.
"""

from __future__ import annotations

from typing import Any

import bpy
from bpy.app.handlers import persistent

from ..inference.errors import one_line
from ..inference.limits import MAX_MESSAGE_CHARS
from .properties import GROUPS

SCHEMA_VERSION = 2  # 2: RENAMED; 1: per-feature groups under scene.evoke; 0: the flat group

# settings schema 2 renamed, by group: the name schemas 0 and 1 stored -> the name now
RENAMED: dict[str, dict[str, str]] = {"live": {"live_source": "source", "live_stream": "stream"}}


def _home_of_flat_name() -> dict[str, tuple[str, str]]:
    """Each setting's name in the flat group -> (the group that holds it now, its name there)."""
    homes: dict[str, tuple[str, str]] = {}
    for group, cls in GROUPS.items():
        old = {new: old for old, new in RENAMED.get(group, {}).items()}
        homes.update({old.get(name, name): (group, name) for name in cls.__annotations__})
    return homes


def _stored(struct: Any) -> Any:
    """Where Blender keeps the values of a struct's bpy.props settings: among its own ID
    properties up to 4.5 (struct["name"]); from 5.0 apart from them, as system properties."""
    system = getattr(struct, "bl_system_properties_get", None)
    return struct if system is None else system(do_create=True)


def migrate_scene(scene: Any) -> int:
    """Move the old settings of one scene to their new homes; how many were moved.

    Copies first and deletes the old keys only when every value has its new home: a file whose
    value cannot be copied keeps its old settings, and the next load tries again."""
    root = scene.evoke
    if root.schema_version >= SCHEMA_VERSION or scene.library is not None:
        return 0  # done already, or linked from another file (not ours to write)
    moves: list[tuple[Any, str, str, str]] = []  # (held in, old key, group now, name there)
    if root.schema_version == 0:
        stored: Any = _stored(scene).get("evoke")
        if hasattr(stored, "keys"):  # a group of values (not a foreign value under that name)
            homes = _home_of_flat_name()
            moves = [(stored, key, *homes[key]) for key in stored.keys() if key in homes]
    else:  # the groups, with the names RENAMED replaced
        for group_name, renames in RENAMED.items():
            held = _stored(getattr(root, group_name))
            moves += [(held, old, group_name, new) for old, new in renames.items() if old in held]
    for held, key, group_name, name in moves:
        group, value = getattr(root, group_name), held[key]
        if group.bl_rna.properties[name].type == "COLLECTION":
            rows = getattr(group, name)
            rows.clear()
            for row in value:
                item = rows.add()
                for cell_key, cell in row.items():
                    _stored(item)[cell_key] = cell
        else:
            _stored(group)[name] = value
    for held, key, *_ in moves:
        del held[key]
    root.schema_version = SCHEMA_VERSION
    return len(moves)


def migrate_all() -> None:
    """Every scene of the open file; a scene that cannot be moved says why in one line."""
    for scene in bpy.data.scenes:
        try:
            moved = migrate_scene(scene)
        except Exception as exc:  # a damaged file: the settings stay as saved, the file opens
            why = f"EVOKE: the settings of scene {scene.name!r} were not carried over: {exc}"
            print(one_line(why, MAX_MESSAGE_CHARS))
            continue
        if moved:
            print(f"EVOKE: carried {moved} settings of scene {scene.name!r} into the new layout")


@persistent
def on_load(_path: Any = None) -> None:
    migrate_all()


def _later() -> None:
    """A timer: the file open when the extension was enabled (bpy.data is restricted during
    registration at start-up)."""
    migrate_all()


def register() -> None:
    if on_load not in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.append(on_load)
    try:
        migrate_all()
    except AttributeError:  # _RestrictData while Blender starts: once it is ready
        bpy.app.timers.register(_later, first_interval=0.0)


def unregister() -> None:
    if on_load in bpy.app.handlers.load_post:
        bpy.app.handlers.load_post.remove(on_load)
    if bpy.app.timers.is_registered(_later):
        bpy.app.timers.unregister(_later)
