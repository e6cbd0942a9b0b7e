"""EVOKE runtime: EEG recordings -> band features -> student CNN -> VAD -> one of eight emotions.

numpy and the standard library only, so it runs inside Blender's bundled Python. Optional
readers import their own library lazily (scipy for .mat files) and say what to install.
"""

from .emotion import EmotionTable
from .errors import EvokeError, InputError, ModelError, UnsafeFileError
from .features import FeatureSettings
from .model import EvokeModel, load_model
from .pipeline import Prediction, PredictOptions, TrialTimeline, predict
from .recording import Recording, Trial
from .smoothing import SmoothingSettings

__version__ = "0.1.0"
__all__ = [
    "EmotionTable",
    "EvokeError",
    "EvokeModel",
    "FeatureSettings",
    "InputError",
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
]
