"""EVOKE runtime: EEG recordings -> band features -> student CNN -> VAD -> one of eight emotions.

numpy and the standard library only, so it runs inside Blender's bundled Python. Optional
readers import their own library lazily (pyxdf, edfio, scipy for .mat, MNE) and say what to
install. Layers, each a sub-package (docs/ARCHITECTURE.md): `io` reads recordings, `dsp` turns
them into band features, `model` runs the student, `emotion` decides what to show, `live` does
the same chunk by chunk; `predict` and `cli` are the applications.
"""

from .calibration import BaselineChoice
from .dsp.features import FeatureSettings
from .emotion.smoothing import SmoothingSettings
from .emotion.table import EmotionTable
from .errors import EvokeError, InputError, ModelError, UnsafeFileError
from .io.formats import read_recording
from .io.recording import Marker, Recording, Trial
from .model.model_file import EvokeModel, load_model
from .predict import Prediction, PredictOptions, TrialTimeline, predict

__version__ = "0.1.0"
__all__ = [
    "BaselineChoice",
    "EmotionTable",
    "EvokeError",
    "EvokeModel",
    "FeatureSettings",
    "InputError",
    "Marker",
    "ModelError",
    "PredictOptions",
    "Prediction",
    "Recording",
    "SmoothingSettings",
    "Trial",
    "TrialTimeline",
    "UnsafeFileError",
    "__version__",
    "load_model",
    "predict",
    "read_recording",
]
