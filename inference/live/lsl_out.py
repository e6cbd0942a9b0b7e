"""The emotion as an LSL stream, so LabRecorder records it beside the EEG it came from.

One sample per window's update: valence, arousal, dominance (0..1), the emotion's index in the
table and its confidence, float32, irregular rate (updates follow the windows). The description
names the channels and lists the emotion table, so the index can be read back. Where the source
is an LSL stream, each sample carries the signal time of its window's last sample (the EEG's own
clock), so the two line up in the recording; otherwise the time it was made.
"""

from __future__ import annotations

from typing import Any

from .lsl import import_pylsl
from .outputs import EmotionState

CHANNELS = ("valence", "arousal", "dominance", "emotion", "confidence")


class LslOutput:
    """An LSL outlet of the emotion timeline (a `LiveOutput`)."""

    def __init__(self, name: str = "EVOKE-emotion", emotions: tuple[str, ...] = (),
                 source_id: str = "evoke-emotion") -> None:  # fmt: skip
        pylsl = import_pylsl()
        self.pylsl = pylsl
        info = pylsl.StreamInfo(name, "Emotion", len(CHANNELS), pylsl.IRREGULAR_RATE,
                                pylsl.cf_float32, source_id)  # fmt: skip
        desc = info.desc()
        channels = desc.append_child("channels")
        for label in CHANNELS:
            ch = channels.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "probability" if label != "emotion" else "index")
            ch.append_child_value("type", "Emotion")
        table = desc.append_child("emotions")
        for index, emotion in enumerate(emotions):
            table.append_child("emotion").append_child_value(
                "index", str(index)
            ).append_child_value("name", emotion)
        desc.append_child("acquisition").append_child_value("manufacturer", "EVOKE")
        self.outlet: Any = pylsl.StreamOutlet(info)
        self.name = f"LSL {name}"
        self.sent = 0
        self._update = 0

    def send(self, state: EmotionState, now: float) -> None:
        if state.update == self._update:  # nothing new since the last sample
            return
        self._update = state.update
        sample = [
            state.valence,
            state.arousal,
            state.dominance,
            float(state.emotion),
            state.confidence,
        ]
        if state.stamp is not None:
            self.outlet.push_sample(sample, state.stamp)
        else:
            self.outlet.push_sample(sample)
        self.sent += 1

    def close(self) -> None:
        self.outlet = None
