"""Add the EVOKE avatar."""

from __future__ import annotations

from typing import Any

import bpy

from ..common.operators import OperatorResult, guarded, say, settings
from ..common.rig import face_mesh


class EVOKE_OT_add_avatar(bpy.types.Operator):
    """Add the EVOKE avatar (rigged head with ARKit face shape keys) with a camera and lights"""

    bl_idname = "evoke.add_avatar"
    bl_label = "Add EVOKE Avatar"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            from .build import add_camera_and_lights, build_avatar

            obj = build_avatar()
            add_camera_and_lights(obj)
            face = face_mesh(obj)
            settings(context).common.target = face or obj
            say(self, {"INFO"}, f"Added {obj.name}")
            return {"FINISHED"}

        return guarded(self, work)
