"""F-curves across Blender 4.2 to 5.0: 4.4 introduced slotted actions, 5.0 removed Action.fcurves."""

from __future__ import annotations

from typing import Any

import bpy


def fresh_fcurves(id_data: Any, action_name: str) -> Any:
    """A new, empty action assigned to `id_data`; returns the F-curve collection to fill.

    Replacing the action (rather than editing keys in place) makes a re-bake start clean and
    keeps the old one for undo.
    """
    anim = id_data.animation_data or id_data.animation_data_create()
    action = bpy.data.actions.new(action_name)
    if hasattr(action, "slots"):  # 4.4+: action -> slot -> layer -> keyframe strip -> channelbag
        slot = action.slots.new(id_type=id_data.id_type, name=id_data.name)
        anim.action = action
        anim.action_slot = slot
        layer = action.layers.new("Layer")
        strip: Any = layer.strips.new(type="KEYFRAME")  # an ActionKeyframeStrip
        return strip.channelbag(slot, ensure=True).fcurves
    anim.action = action
    legacy: Any = action  # Action.fcurves: before 4.4 the only way; gone since 5.0
    return legacy.fcurves


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
