"""F-curves across Blender 4.2 to 5.0: 4.4 introduced slotted actions, 5.0 removed Action.fcurves."""

from __future__ import annotations

from typing import Any

import bpy


class ActionBatch:
    """New actions built to the side and assigned together, or removed together on failure.

    A bake must never leave a half-written face: everything is built first (`fcurves`), then
    `commit` assigns every action at once; leaving the `with` block without a commit removes what
    was built, so the previous animation stays assigned and the scene is as it was.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Any, Any, Any]] = []  # (id_data, action, slot or None)
        self.committed = False

    def fcurves(self, id_data: Any, action_name: str) -> Any:
        """The F-curve collection of a new, empty, not yet assigned action for `id_data`."""
        action = bpy.data.actions.new(action_name)
        self.pending.append((id_data, action, None))
        if hasattr(action, "slots"):  # 4.4+: action -> slot -> layer -> keyframe strip -> bag
            slot = action.slots.new(id_type=id_data.id_type, name=id_data.name)
            self.pending[-1] = (id_data, action, slot)
            layer = action.layers.new("Layer")
            strip: Any = layer.strips.new(type="KEYFRAME")  # an ActionKeyframeStrip
            return strip.channelbag(slot, ensure=True).fcurves
        legacy: Any = action  # Action.fcurves: before 4.4 the only way; gone since 5.0
        return legacy.fcurves

    def commit(self) -> None:
        for id_data, action, slot in self.pending:
            anim = id_data.animation_data or id_data.animation_data_create()
            anim.action = action
            if slot is not None:
                anim.action_slot = slot
        self.committed = True

    def __enter__(self) -> ActionBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            for _, action, _ in self.pending:
                bpy.data.actions.remove(action)


def fresh_fcurves(id_data: Any, action_name: str) -> Any:
    """A new, empty action assigned to `id_data` at once; returns the F-curves to fill.

    Replacing the action (rather than editing keys in place) makes a re-bake start clean and
    keeps the old one for undo.
    """
    batch = ActionBatch()
    fcurves = batch.fcurves(id_data, action_name)
    batch.commit()
    return fcurves


def fcurves_of(id_data: Any) -> Any:
    """The F-curves currently animating `id_data` (empty list when none)."""
    anim = getattr(id_data, "animation_data", None)
    action = anim.action if anim else None
    if anim is None or action is None:
        return []
    if hasattr(action, "slots"):
        from bpy_extras import anim_utils

        get_bag: Any = anim_utils.action_get_channelbag_for_slot  # stubs say it returns None
        bag = get_bag(action, anim.action_slot)
        return bag.fcurves if bag else []
    legacy: Any = action
    return legacy.fcurves
