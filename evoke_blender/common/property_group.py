"""Settings several features share: the avatar, the model, how channels are read, the rest
baseline and the smoothing (bake and live read them alike). Saved with the .blend file."""

from __future__ import annotations

import bpy
from bpy.props import EnumProperty, FloatProperty, PointerProperty, StringProperty

from ...inference.calibration import CALIBRATION_S as _CALIBRATION_S
from ...inference.calibration import MAX_ADAPT_S as _MAX_ADAPT_S
from ...inference.calibration import MAX_CALIBRATION_S as _MAX_CALIBRATION_S
from ...inference.calibration import MIN_ADAPT_S as _MIN_ADAPT_S
from ...inference.dsp.baseline import REJECT_Z as _REJECT_Z
from ...inference.emotion.smoothing import SmoothingSettings
from ...inference.io.formats import accepting

_SMOOTHING = SmoothingSettings()  # the defaults' one home


def _montage_items() -> list[tuple[str, str, str]]:
    from ...inference.dsp.montages import MONTAGES

    items = [("NONE", "Labels", "Match channels by their 10-20 labels")]
    return items + [(key, m.title, f"Channels in {m.title} order") for key, m in MONTAGES.items()]


class EVOKE_PG_common(bpy.types.PropertyGroup):
    """The avatar, the model, the channels and the rest baseline: bake and live alike."""

    target: PointerProperty(  # type: ignore[valid-type]
        name="Avatar",
        type=bpy.types.Object,
        description="Face mesh (or its armature/parent) to animate",
    )
    model_path: StringProperty(  # type: ignore[valid-type]
        name="Model",
        subtype="FILE_PATH",
        description="EVOKE model file (.npz); empty = the bundled model",
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
    hop: FloatProperty(  # type: ignore[valid-type]
        name="Hop (s)",
        min=0.0625,
        max=5.0,
        default=0.25,
        description="Seconds between windows: 0.25 s animates smoothly, 1 s is the paper's",
    )
    calibration: FloatProperty(  # type: ignore[valid-type]
        name="Calibration (s)",
        min=3.0,
        max=_MAX_CALIBRATION_S,
        default=_CALIBRATION_S,
        description="Seconds of rest that become the baseline: a live session's first seconds "
        "(and each Calibrate), a recording's first seconds",
    )
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


class EVOKE_PG_smoothing(bpy.types.PropertyGroup):
    """How the emotion is decided from window to window: bake and live alike."""

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
