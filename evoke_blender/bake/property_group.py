"""The Recording and Bake panel's settings: which recording, which span, which rest."""

from __future__ import annotations

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    StringProperty,
)

from ...inference.calibration import CALIBRATION_S as _CALIBRATION_S
from ...inference.io.formats import IN_EXTENSION, accepting


class EVOKE_PG_marker(bpy.types.PropertyGroup):
    """One marker of the chosen recording (XDF marker, EDF+ annotation, BDF Status code)."""

    label: StringProperty(name="Marker")  # type: ignore[valid-type]
    time_s: FloatProperty(name="Time (s)")  # type: ignore[valid-type]


class EVOKE_PG_bake(bpy.types.PropertyGroup):
    """The recording to bake and the span and rest to take from it."""

    source_path: StringProperty(  # type: ignore[valid-type]
        name="Recording",
        subtype="FILE_PATH",
        description=f"A DEAP folder, or {IN_EXTENSION}",
        update=lambda self, _context: self.markers.clear(),
    )
    subject: IntProperty(  # type: ignore[valid-type]
        name="Subject",
        min=1,
        max=99,
        default=1,
        description="Subject, when the recording is a folder",
    )
    trial: IntProperty(  # type: ignore[valid-type]
        name="Trial",
        min=1,
        max=999,
        default=1,
        description="Trial number (1-based): DEAP files, and DEAP's original BDF recordings",
    )
    xdf_stream: StringProperty(  # type: ignore[valid-type]
        name="Stream",
        description=f"{accepting('stream')}: the stream's name, type or id; empty = the EEG stream",
    )
    csv_rate: FloatProperty(  # type: ignore[valid-type]
        name="Rate (Hz)",
        min=0.0,
        max=20000.0,
        default=0.0,
        description=f"{accepting('rate')}: sampling rate; 0 = from the file's time column",
    )
    board: StringProperty(  # type: ignore[valid-type]
        name="Board",
        description=f"{accepting('board')}: the board that recorded it (cyton, cyton-daisy, "
        "ganglion, muse-2, unicorn, ... or a BrainFlow board id); empty = the common board with "
        "the file's columns",
    )
    markers: CollectionProperty(type=EVOKE_PG_marker)  # type: ignore[valid-type]
    marker_index: IntProperty(default=0)  # type: ignore[valid-type]
    span_start: IntProperty(  # type: ignore[valid-type]
        name="From marker",
        min=0,
        default=0,
        description="Bake from this marker (number in the list); 0 = the whole recording",
    )
    span_end: IntProperty(  # type: ignore[valid-type]
        name="To marker", min=0, default=0, description="Bake up to this marker"
    )
    as_live: BoolProperty(  # type: ignore[valid-type]
        name="As live",
        default=False,
        description="Bake as a live session would show it (each window from the windows before "
        "it only); off: with hindsight, so a baked change lands where the EEG changed",
    )
    baseline: EnumProperty(  # type: ignore[valid-type]
        name="Baseline",
        items=(
            (
                "auto",
                "Automatic",
                "DEAP's trials: as the model was trained (each trial's 3 s); "
                "other recordings: the first seconds (Calibration)",
            ),
            ("first", "First seconds", "The first seconds of the recording (Calibration) are rest"),
            ("span", "Seconds", "A span of the recording, in seconds, is rest"),
            ("markers", "Between markers", "The span between two markers is rest"),
            ("session", "Session", "DEAP: one baseline from every trial's pre-trial seconds"),
        ),  # fmt: skip
        default="auto",
        description="The resting span every window is compared with",
    )
    baseline_from: FloatProperty(name="From (s)", min=0.0, default=0.0)  # type: ignore[valid-type]
    baseline_to: FloatProperty(name="To (s)", min=0.0, default=_CALIBRATION_S)  # type: ignore[valid-type]
    baseline_marker_start: IntProperty(name="From marker", min=1, default=1)  # type: ignore[valid-type]
    baseline_marker_end: IntProperty(name="To marker", min=1, default=2)  # type: ignore[valid-type]
    timeline_markers: BoolProperty(  # type: ignore[valid-type]
        name="Timeline markers",
        default=True,
        description="Mark the scene's timeline where the emotion changes (a re-bake replaces "
        "these markers, never your own)",
    )
