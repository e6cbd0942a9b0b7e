"""One Render Clip from start to finish, leaving the user's scene exactly as it found it.

Rendering a clip changes a lot the user never asked to change: size, engine, samples, output
path and format, the frame range, a world where there was none, the overlay's objects. `ClipJob`
takes a snapshot of all of it before touching anything, counts frames as they render, and on
`finish` (done, cancelled or failed) puts every setting back and removes every datablock it made.
The operator drives it either blocking (scripts, background) or as Blender's own render job
(interactive: progress in the status bar, Esc cancels) while a modal timer polls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import bpy

# the settings a clip changes live on these structs of the scene (as RNA paths from the scene)
SETTINGS_PATHS = (
    "render",
    "render.image_settings",
    "render.ffmpeg",
    "display",
    "display.shading",
    "cycles",
    "eevee",
)
# the datablock kinds a clip may add (the overlay, its animation, a world)
ADDED_KINDS = (
    "objects",
    "collections",
    "curves",
    "meshes",
    "materials",
    "actions",
    "worlds",
    "fonts",
)
_SCALARS = {"BOOLEAN", "INT", "FLOAT", "STRING", "ENUM"}
# never changed by a clip, and reading it makes Blender print a warning (its stored value in a
# scene's display shading matches none of its items)
_SKIP = {"wireframe_color_type"}


def _struct(scene: Any, path: str) -> Any | None:
    target = scene
    for part in path.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def _settable(struct: Any) -> Iterator[tuple[str, Any]]:
    """(name, value) of every writable scalar property of an RNA struct, arrays as tuples."""
    for prop in struct.bl_rna.properties:
        if prop.is_readonly or prop.type not in _SCALARS or prop.identifier in _SKIP:
            continue
        value = getattr(struct, prop.identifier)
        if prop.type == "ENUM" and prop.is_enum_flag:
            value = set(value)
        elif getattr(prop, "is_array", False):
            value = tuple(value)
        yield prop.identifier, value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return tuple(b) == a
    return bool(a == b)


@dataclass
class SceneSnapshot:
    """The scene's render settings, frames, world and datablocks, to put back afterwards."""

    settings: list[tuple[str, str, Any]]  # (struct path, property, value)
    frames: tuple[int, int, int]
    world: Any
    existing: dict[str, set[int]]  # datablock kind -> pointers that were there before
    subdivision: list[tuple[Any, int]]  # (modifier, render levels): the preview lowers them
    added: dict[str, set[int]] = field(default_factory=dict)  # what the clip made, once claimed

    @classmethod
    def take(cls, scene: Any) -> SceneSnapshot:
        settings = [
            (path, name, value)
            for path in SETTINGS_PATHS
            if (struct := _struct(scene, path)) is not None
            for name, value in _settable(struct)
        ]
        existing = {kind: {i.as_pointer() for i in getattr(bpy.data, kind)} for kind in ADDED_KINDS}
        frames = (scene.frame_start, scene.frame_end, scene.frame_current)
        subdivision = [
            (mod, mod.render_levels)
            for obj in scene.objects
            for mod in obj.modifiers
            if mod.type == "SUBSURF"
        ]
        return cls(settings, frames, scene.world, existing, subdivision)

    def claim_added(self) -> None:
        """What appeared since the snapshot is the clip's own (called right after preparing,
        before rendering, so nothing the user adds while an interactive render runs is taken)."""
        self.added = {
            kind: {b.as_pointer() for b in getattr(bpy.data, kind)} - self.existing[kind]
            for kind in ADDED_KINDS
        }

    def restore(self, scene: Any) -> list[str]:
        """Put everything back; returns the settings that could not be restored (normally none)."""
        self._remove_added()
        for mod, levels in self.subdivision:
            mod.render_levels = levels
        scene.world = self.world
        scene.frame_start, scene.frame_end = self.frames[0], self.frames[1]
        scene.frame_set(self.frames[2])
        # some settings only accept a value once another is back (an image format needs its
        # media type first in Blender 5): a few passes in the scene's own order settle them
        pending = self.settings
        for _ in range(3):
            pending = [item for item in pending if not self._put(scene, *item)]
            if not pending:
                break
        return [f"{path}.{name}" for path, name, _ in pending]

    @staticmethod
    def _put(scene: Any, path: str, name: str, value: Any) -> bool:
        struct = _struct(scene, path)
        if struct is None:
            return False
        try:
            if not _same(value, getattr(struct, name)):
                setattr(struct, name, value)
            return _same(value, getattr(struct, name))
        except (TypeError, ValueError, AttributeError):
            return False

    def _remove_added(self) -> None:
        if not self.added:  # failed before it was claimed: all that is new is the clip's
            self.claim_added()
        for kind in ADDED_KINDS:  # objects first: the rest is only used by them
            blocks = getattr(bpy.data, kind)
            for block in [b for b in blocks if b.as_pointer() in self.added[kind]]:
                blocks.remove(block)


@dataclass
class ClipJob:
    """Frames counted as Blender renders them; `finish` restores the scene whatever happened."""

    scene: Any
    total: int
    snapshot: SceneSnapshot
    frames_done: int = 0
    cancelled: bool = False
    finished: bool = False
    unrestored: list[str] = field(default_factory=list)

    @classmethod
    def begin(cls, scene: Any) -> ClipJob:
        """Snapshot first: call before changing anything."""
        return cls(scene, 0, SceneSnapshot.take(scene))

    def start(self, total: int) -> None:
        """Prepared: count the frames from here on."""
        self.total = total
        self.snapshot.claim_added()
        bpy.app.handlers.render_post.append(self._frame_done)
        bpy.app.handlers.render_cancel.append(self._cancel)

    def _frame_done(self, *_args: Any) -> None:
        self.frames_done += 1

    def _cancel(self, *_args: Any) -> None:
        self.cancelled = True

    @property
    def progress(self) -> float:
        return min(1.0, self.frames_done / self.total) if self.total else 1.0

    def poll(self, rendering: bool) -> str:
        """'running' while Blender's render job is; then 'done' or 'cancelled' (and restored)."""
        if rendering:
            return "running"
        self.finish()
        return "cancelled" if self.cancelled or self.frames_done < self.total else "done"

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        for handlers, handler in (
            (bpy.app.handlers.render_post, self._frame_done),
            (bpy.app.handlers.render_cancel, self._cancel),
        ):
            if handler in handlers:
                handlers.remove(handler)
        self.unrestored = self.snapshot.restore(self.scene)
