"""The Render panel's settings."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty


class EVOKE_PG_render(bpy.types.PropertyGroup):
    """How the demo clip is rendered, and where it goes."""

    engine: EnumProperty(  # type: ignore[valid-type]
        name="Engine",
        items=(
            ("WORKBENCH", "Workbench", "Fast on a CPU (needs EGL); falls back to Cycles"),
            ("EEVEE", "EEVEE", "Nicer, slow without a GPU"),
            ("CYCLES", "Cycles", "Always works headless; few samples"),
        ),
        default="WORKBENCH",
    )
    resolution: IntProperty(name="Height (px)", min=120, max=2160, default=360)  # type: ignore[valid-type]
    clip_path: StringProperty(name="Clip", subtype="FILE_PATH", default="//evoke_clip.mp4")  # type: ignore[valid-type]
    show_overlay: BoolProperty(name="Emotion label and VAD bars", default=True)  # type: ignore[valid-type]
