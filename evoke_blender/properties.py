"""Scene settings of the EVOKE panel; saved with the .blend file."""

from __future__ import annotations

from typing import Any

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ..inference.calibration import CALIBRATION_S as _CALIBRATION_S
from ..inference.calibration import MAX_ADAPT_S as _MAX_ADAPT_S
from ..inference.calibration import MAX_CALIBRATION_S as _MAX_CALIBRATION_S
from ..inference.calibration import MIN_ADAPT_S as _MIN_ADAPT_S
from ..inference.dsp.baseline import REJECT_Z as _REJECT_Z
from ..inference.emotion.smoothing import SmoothingSettings
from ..inference.io.formats import IN_EXTENSION, accepting
from ..inference.live.wiring import SOURCES as _LIVE_SOURCES

_SMOOTHING = SmoothingSettings()  # the defaults' one home
_emotion_items: list[tuple[str, str, str]] = []  # kept alive: Blender holds only pointers


def _emotions(self: Any, context: Any) -> list[tuple[str, str, str]]:
    """The emotions of the model in use (its own, editable table), for the Presets panel."""
    from .common import model_cache

    try:
        names = model_cache.get_model(context.scene.evoke.model_path).emotions.names
    except Exception:  # drawn by a panel: never raise; fall back to the default table
        from ..inference.emotion.table import EmotionTable

        names = EmotionTable.default().names
    _emotion_items[:] = [(n, n.capitalize(), "") for n in names]
    return _emotion_items


class EVOKE_PG_preset_key(bpy.types.PropertyGroup):
    """One shape-key weight of one emotion's preset."""

    emotion: StringProperty(name="Emotion")  # type: ignore[valid-type]
    key: StringProperty(name="Shape key")  # type: ignore[valid-type]
    weight: FloatProperty(name="Weight", min=0.0, max=1.0, default=0.5)  # type: ignore[valid-type]


class EVOKE_PG_name_map(bpy.types.PropertyGroup):
    """Preset (ARKit) key name -> this avatar's shape key name."""

    preset_key: StringProperty(name="Preset key")  # type: ignore[valid-type]
    mesh_key: StringProperty(name="Avatar key")  # type: ignore[valid-type]


class EVOKE_PG_marker(bpy.types.PropertyGroup):
    """One marker of the chosen recording (XDF marker, EDF+ annotation, BDF Status code)."""

    label: StringProperty(name="Marker")  # type: ignore[valid-type]
    time_s: FloatProperty(name="Time (s)")  # type: ignore[valid-type]


def _profile_items() -> list[tuple[str, str, str]]:
    from ..inference.emotion.profile_data import default_profiles
    from ..inference.emotion.profiles import AUTO

    auto = (AUTO, "Automatic", "Recognise the avatar's naming from its shape keys")
    return [auto] + [(p.id, p.title, p.description) for p in default_profiles()]


def _montage_items() -> list[tuple[str, str, str]]:
    from ..inference.dsp.montages import MONTAGES

    items = [("NONE", "Labels", "Match channels by their 10-20 labels")]
    return items + [(key, m.title, f"Channels in {m.title} order") for key, m in MONTAGES.items()]


class EVOKE_PG_settings(bpy.types.PropertyGroup):
    model_path: StringProperty(  # type: ignore[valid-type]
        name="Model",
        subtype="FILE_PATH",
        description="EVOKE model file (.npz); empty = the bundled model",
    )
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
    unit: EnumProperty(  # type: ignore[valid-type]
        name="Unit",
        items=(
            (
                "AUTO",
                "From file",
                "The unit the file or stream names; guessed from the amplitude where it names none",
            ),
            ("uV", "uV", "Microvolts"),
            ("mV", "mV", "Millivolts"),
            ("V", "V", "Volts (MNE, mne-lsl's PlayerLSL)"),
        ),
        default="AUTO",
        description=f"Unit of the values ({accepting('unit')} files, and live streams)",
    )
    montage: EnumProperty(  # type: ignore[valid-type]
        name="Montage",
        items=_montage_items(),
        default="NONE",
        description="Which electrode each channel is, for numbered channels",
    )
    channel_map: StringProperty(  # type: ignore[valid-type]
        name="Channel map",
        description="Channel -> electrode, e.g. 'Ch1=Fp1, Ch2=Fp2' (or '1=Fp1'); wins over the montage",
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
    hop: FloatProperty(  # type: ignore[valid-type]
        name="Hop (s)",
        min=0.0625,
        max=5.0,
        default=0.25,
        description="Seconds between windows: 0.25 s animates smoothly, 1 s is the paper's",
    )
    mode: EnumProperty(  # type: ignore[valid-type]
        name="Mode",
        items=(
            ("discrete", "Discrete", "One emotion at a time (the paper's mapping)"),
            ("blend", "Blend", "Mix the eight presets by their probabilities"),
        ),
        default="discrete",
    )
    smoother: EnumProperty(  # type: ignore[valid-type]
        name="Smoothing",
        items=(
            (
                "hmm",
                "Bayesian",
                "A filter over the eight emotions: steady faces, forgets when "
                "the session started (the default)",
            ),
            ("ema", "Moving average", "Moving average of the probabilities, hysteresis, dwell"),
            ("none", "None", "Each window's own emotion: no smoothing, no dwell"),
        ),  # fmt: skip
        default=_SMOOTHING.method,
    )
    as_live: BoolProperty(  # type: ignore[valid-type]
        name="As live",
        default=False,
        description="Bake as a live session would show it (each window from the windows before "
        "it only); off: with hindsight, so a baked change lands where the EEG changed",
    )
    switch_s: FloatProperty(  # type: ignore[valid-type]
        name="Switch time (s)",
        min=0.5,
        max=600.0,
        default=_SMOOTHING.switch_s,
        description="How often the emotion is expected to change: longer holds the face steadier",
    )
    evidence: FloatProperty(  # type: ignore[valid-type]
        name="Evidence",
        min=0.1,
        max=20.0,
        default=_SMOOTHING.evidence,
        description="Windows' worth of belief per second: higher follows the model faster",
    )
    confidence: FloatProperty(  # type: ignore[valid-type]
        name="Confidence",
        min=0.51,
        max=0.99,
        default=_SMOOTHING.confidence,
        description="How sure the filter must be before a new emotion shows",
    )
    tau: FloatProperty(  # type: ignore[valid-type]
        name="Smoothing (s)",
        min=0.0,
        max=10.0,
        default=_SMOOTHING.tau_s,
        description="EMA time constant; 0 = off",
    )
    hysteresis: FloatProperty(name="Hysteresis", min=0.0, max=0.49, default=_SMOOTHING.hysteresis)  # type: ignore[valid-type]
    dwell: FloatProperty(  # type: ignore[valid-type]
        name="Dwell (s)",
        min=0.0,
        max=10.0,
        default=_SMOOTHING.min_dwell_s,
        description="How long a new emotion must persist before it shows",
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
    adapt: FloatProperty(  # type: ignore[valid-type]
        name="Adapt (s)",
        min=0.0,
        max=_MAX_ADAPT_S,
        default=0.0,
        description=f"Let the baseline follow a long session this slowly (at least "
        f"{_MIN_ADAPT_S:g} s); 0 = fixed. It also slowly absorbs a lasting mood",
    )
    outlier_z: FloatProperty(  # type: ignore[valid-type]
        name="Reject outliers (z)",
        min=0.0,
        max=100.0,
        default=_REJECT_Z,
        description="Rest windows this many robust SDs above the median amplitude (blinks, "
        "movement) are left out of the baseline; 0 = keep all",
    )
    timeline_markers: BoolProperty(  # type: ignore[valid-type]
        name="Timeline markers",
        default=True,
        description="Mark the scene's timeline where the emotion changes (a re-bake replaces "
        "these markers, never your own)",
    )
    target: PointerProperty(  # type: ignore[valid-type]
        name="Avatar",
        type=bpy.types.Object,
        description="Face mesh (or its armature/parent) to animate",
    )
    preset_emotion: EnumProperty(name="Emotion", items=_emotions)  # type: ignore[valid-type]
    preset_keys: CollectionProperty(type=EVOKE_PG_preset_key)  # type: ignore[valid-type]
    preset_index: IntProperty(default=0)  # type: ignore[valid-type]
    name_map: CollectionProperty(type=EVOKE_PG_name_map)  # type: ignore[valid-type]
    face_profile: EnumProperty(  # type: ignore[valid-type]
        name="Profile",
        items=_profile_items(),
        default="AUTO",
        description="How the avatar's face keys are named (ARKit, VRoid, VRM, Character "
        "Creator, MPFB); the name map wins over it",
    )
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
    live_source: EnumProperty(  # type: ignore[valid-type]
        name="Source",
        # the one table of sources (the command line reads it too); identifiers as saved files hold them
        items=tuple((k.upper(), v.title, v.description) for k, v in _LIVE_SOURCES.items()),
        default="LSL",
    )
    live_stream: StringProperty(  # type: ignore[valid-type]
        name="Stream", default="EVOKE-replay", description="Name of the LSL EEG stream"
    )
    brainflow_board: StringProperty(  # type: ignore[valid-type]
        name="Board",
        default="synthetic",
        description="BrainFlow's name or id of the board: synthetic, playback, cyton, "
        "cyton_daisy, ganglion, muse_s, muse_2, unicorn, ... (BrainFlow's BoardIds)",
    )
    brainflow_serial_port: StringProperty(  # type: ignore[valid-type]
        name="Serial port", description="e.g. /dev/ttyUSB0 or COM3"
    )
    brainflow_mac_address: StringProperty(name="MAC address", description="Bluetooth boards")  # type: ignore[valid-type]
    brainflow_ip_address: StringProperty(name="IP address", description="WiFi boards")  # type: ignore[valid-type]
    brainflow_ip_port: IntProperty(name="IP port", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_ip_protocol: EnumProperty(  # type: ignore[valid-type]
        name="IP protocol",
        items=(("none", "None", "Not a network board"), ("udp", "UDP", ""), ("tcp", "TCP", "")),
        default="none",
    )
    brainflow_ip_address_aux: StringProperty(  # type: ignore[valid-type]
        name="IP address (aux)", description="Boards with a second data channel"
    )
    brainflow_ip_port_aux: IntProperty(name="IP port (aux)", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_ip_address_anc: StringProperty(  # type: ignore[valid-type]
        name="IP address (anc)", description="Boards with a third data channel"
    )
    brainflow_ip_port_anc: IntProperty(name="IP port (anc)", min=0, max=65535, default=0)  # type: ignore[valid-type]
    brainflow_serial_number: StringProperty(  # type: ignore[valid-type]
        name="Serial number", description="Unicorn, Muse S and others: the device's serial"
    )
    brainflow_timeout: IntProperty(  # type: ignore[valid-type]
        name="Timeout (s)",
        min=0,
        max=3600,
        default=0,
        description="Seconds to search for a Bluetooth board (0: BrainFlow's default)",
    )
    brainflow_other_info: StringProperty(  # type: ignore[valid-type]
        name="Other info", description="Board-specific settings BrainFlow documents per board"
    )
    brainflow_file: StringProperty(  # type: ignore[valid-type]
        name="File", subtype="FILE_PATH", description="Playback board: a file BrainFlow wrote"
    )
    brainflow_file_aux: StringProperty(  # type: ignore[valid-type]
        name="File (aux)",
        subtype="FILE_PATH",
        description="Playback board: the recording's auxiliary data",
    )
    brainflow_file_anc: StringProperty(  # type: ignore[valid-type]
        name="File (anc)",
        subtype="FILE_PATH",
        description="Playback board: the recording's ancillary data",
    )
    brainflow_master_board: StringProperty(  # type: ignore[valid-type]
        name="Recorded by",
        default="synthetic",
        description="Playback board: the board that recorded the file",
    )
    osc_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send OSC", default=False, description="Send the emotion over OSC while live"
    )
    osc_target: StringProperty(  # type: ignore[valid-type]
        name="To",
        default="127.0.0.1:9000",
        description="host:port (VRChat listens on 9000); several, separated by commas",
    )
    osc_mode: EnumProperty(  # type: ignore[valid-type]
        name="Names",
        items=(
            (
                "vrchat",
                "VRChat",
                "/avatar/parameters/EVOKE/...: floats, an int, bools; at most 10 Hz",
            ),
            (
                "bfi",
                "VRChat + BFiVRC",
                "Also BrainFlowsIntoVRChat's parameters (Info, NeuroFB focus/relax, PwrBands), "
                "computed as it computes them",
            ),
            ("generic", "Generic", "PREFIX/valence ... with the emotion's name; any rate"),
        ),  # fmt: skip
        default="vrchat",
    )
    osc_prefix: StringProperty(  # type: ignore[valid-type]
        name="Prefix",
        default="",
        description="Address prefix; empty: the names' own (/avatar/parameters/EVOKE, /evoke)",
    )
    osc_rate: FloatProperty(name="Rate (Hz)", min=0.5, max=100.0, default=10.0)  # type: ignore[valid-type]
    osc_playback: BoolProperty(  # type: ignore[valid-type]
        name="OSC during playback",
        default=False,
        description="Send the baked emotion over OSC as the timeline plays",
    )
    lsl_out_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send LSL",
        default=False,
        description="Publish the emotion as an LSL stream (LabRecorder records it beside the EEG)",
    )
    lsl_out_name: StringProperty(name="Stream", default="EVOKE-emotion")  # type: ignore[valid-type]
    lsl_bands_enabled: BoolProperty(  # type: ignore[valid-type]
        name="Send band powers (LSL)",
        default=False,
        description="Publish relative band powers (left, right, average; delta-gamma) as an LSL stream",
    )
    lsl_bands_name: StringProperty(name="Stream", default="EVOKE-bands")  # type: ignore[valid-type]
    calibration: FloatProperty(  # type: ignore[valid-type]
        name="Calibration (s)",
        min=3.0,
        max=_MAX_CALIBRATION_S,
        default=_CALIBRATION_S,
        description="Seconds of rest that become the baseline: a live session's first seconds "
        "(and each Calibrate), a recording's first seconds",
    )
    show_overlay: BoolProperty(name="Emotion label and VAD bars", default=True)  # type: ignore[valid-type]
