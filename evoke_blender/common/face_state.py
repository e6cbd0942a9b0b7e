"""What the face object carries besides its shape keys: the emotion state as custom properties
(animated by a bake, set live), and where it came from. One home for their names."""

from __future__ import annotations

import json
from typing import Any

VALENCE, AROUSAL, DOMINANCE = "evoke_valence", "evoke_arousal", "evoke_dominance"
CONFIDENCE, EMOTION = "evoke_confidence", "evoke_emotion"
ANIMATED = (VALENCE, AROUSAL, DOMINANCE, CONFIDENCE, EMOTION)  # keyed by a bake, in this order
RESTING = (0.5, 0.5, 0.5, 0.0, 0)  # their values before anything is known
VAD = ((VALENCE, "Valence", "V"), (AROUSAL, "Arousal", "A"), (DOMINANCE, "Dominance", "D"))
EMOTION_NAMES = "evoke_emotions"  # JSON list: what each EMOTION index means
SOURCE, MODEL, CHANNEL_MAP = "evoke_source", "evoke_model", "evoke_channel_map"
TIMELINE = "evoke_timeline"  # the baked rows (inference.emotion.timeline_export's compact JSON)


def set_state(face: Any, vad: tuple[float, float, float], confidence: float, emotion: int) -> None:
    """The live path: the state written now (a bake animates the same properties)."""
    for name, value in zip(ANIMATED, (*vad, confidence, emotion), strict=True):
        face[name] = value


def emotion_names(face: Any) -> list[str]:
    try:
        names = json.loads(str(face.get(EMOTION_NAMES, "[]")))
    except ValueError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []
