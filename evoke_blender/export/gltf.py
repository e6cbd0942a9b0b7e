"""Export the baked avatar as glTF with Blender's own exporter (io_scene_gltf2), set for a bake.

What the exporter does with a bake, as found on Blender 4.2, 4.5 and 5.3 (tests/blender/
test_exports.py): the shape-key action (slotted since 4.4) becomes morph-target `weights`
animation with its defaults, so File > Export > glTF works for a bare face. Two defaults go wrong
for a rigged avatar, and this operator sets them:
- "Export all Armature Actions" (`export_anim_single_armature`, on by default) adds every action
  in the file that animates bones, assigned or not, so a re-baked avatar also carries the earlier
  bakes' head motion (kept for undo until the file is saved and reopened): off here.
- "Actions" mode writes the face and the head as two glTF animations a player must start
  together; "Active actions merged" writes the bake as one, named after it.
The animated custom properties (valence, arousal, dominance, confidence, emotion) have no glTF
counterpart: Export Timeline writes them. Modifiers are not applied (glTF keeps morph targets
only on the unmodified mesh), so a Subdivision Surface stays off in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy
from bpy.props import StringProperty

from ..common import face_state
from ..common.operators import OperatorResult, say
from ..common.safe_output import StagedOutput, exporter_reason
from .ops import BakedFaceExport

FORMATS = {".glb": "GLB", ".gltf": "GLTF_SEPARATE"}


def family(face: Any) -> list[Any]:
    """The face's topmost parent (the rig of a rigged avatar) and everything under it."""
    root = face
    while root.parent is not None:
        root = root.parent
    return [root, *root.children_recursive]


def exporter_options(face: Any, path: Path) -> dict[str, Any]:
    source = str(face.get(face_state.SOURCE, "")) or face.name
    return {
        "filepath": str(path),
        "export_format": FORMATS[path.suffix.lower()],
        "use_selection": True,
        "export_animations": True,
        "export_animation_mode": "ACTIVE_ACTIONS",
        "export_nla_strips_merged_animation_name": f"EVOKE {source}",
        "export_anim_single_armature": False,
        "export_morph": True,
        "export_morph_animation": True,
        "export_apply": False,
    }


def ensure_exporter() -> None:
    """The glTF add-on ships with Blender; a user may have turned it off (enabled for this
    session only, their preferences unchanged)."""
    import addon_utils

    if not addon_utils.check("io_scene_gltf2")[1]:
        addon_utils.enable("io_scene_gltf2", default_set=False)


class EVOKE_OT_export_gltf(BakedFaceExport, bpy.types.Operator):
    """Export the selected baked avatar (its face's shape keys and head motion, one animation) as glTF with Blender's exporter"""

    bl_idname = "evoke.export_gltf"
    bl_label = "Export glTF"
    suffix = ".glb"
    kinds = ".glb or .gltf"

    filter_glob: StringProperty(default="*.glb;*.gltf", options={"HIDDEN"})  # type: ignore[valid-type]

    def _export(self, context: Any, face: Any, path: Path) -> OperatorResult:
        if path.suffix.lower() not in FORMATS:
            say(self, {"ERROR"}, f"Choose a {self.kinds} file name")
            return {"CANCELLED"}
        ensure_exporter()
        chosen = [o for o in family(face) if o.name in context.view_layer.objects]
        selected = [o for o in context.view_layer.objects if o.select_get()]
        active = context.view_layer.objects.active
        out = StagedOutput(path, "the glTF file")  # the file there is replaced only when done
        try:
            for obj in selected:
                obj.select_set(False)
            for obj in chosen:
                obj.select_set(True)
            exporter: Any = bpy.ops.export_scene.gltf  # the stubs type operators' results as None
            result = exporter(**exporter_options(face, out.path))
        except RuntimeError as exc:  # the exporter's own failure (a full disk, a read-only file)
            raise out.fail(f"the glTF exporter stopped: {exporter_reason(exc)}") from None
        except BaseException:
            out.discard()
            raise
        finally:  # the user's selection, as it was
            for obj in chosen:
                obj.select_set(False)
            for obj in selected:
                obj.select_set(True)
            context.view_layer.objects.active = active
        if "FINISHED" not in result:
            raise out.fail("the glTF exporter did not finish")
        out.commit()
        say(self, {"INFO"}, f"Wrote {len(chosen)} objects with the bake's animation to {path}")
        return {"FINISHED"}
