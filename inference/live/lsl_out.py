"""The emotion as an LSL stream, so LabRecorder records it beside the EEG it came from.

One sample per window's update (the session hands over every window, however many a tick brings): valence, arousal, dominance (0..1), the emotion's index in the
table and its confidence, float32, irregular rate (updates follow the windows). The description
names the channels and lists the emotion table, so the index can be read back. Where the source
is an LSL stream, each sample carries the signal time of its window's last sample (the EEG's own
clock), so the two line up in the recording; otherwise the time it was made.
"""

from __future__ import annotations

import math
from typing import Any

from .band_power import BAND_NAMES, LOCATIONS
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

    def send(self, state: EmotionState, now: float, final: bool = False) -> None:
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


BAND_CHANNELS = tuple(f"{loc}/{band}" for loc in LOCATIONS for band in BAND_NAMES)


class LslBandOutput:
    """An LSL outlet of the band powers (`band_power`): one sample per window's update, 15
    channels `Left/Delta` .. `Avg/Gamma`, relative power 0..1 (NaN: no electrode on that side)."""

    wants_bands = True

    def __init__(self, name: str = "EVOKE-bands", source_id: str = "evoke-bands") -> None:
        pylsl = import_pylsl()
        info = pylsl.StreamInfo(name, "BandPower", len(BAND_CHANNELS), pylsl.IRREGULAR_RATE,
                                pylsl.cf_float32, source_id)  # fmt: skip
        channels = info.desc().append_child("channels")
        for label in BAND_CHANNELS:
            ch = channels.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", "relative power")
            ch.append_child_value("type", "BandPower")
        info.desc().append_child("acquisition").append_child_value("manufacturer", "EVOKE")
        self.outlet: Any = pylsl.StreamOutlet(info)
        self.name = f"LSL {name}"
        self.sent = 0
        self._update = 0

    def send(self, state: EmotionState, now: float, final: bool = False) -> None:
        if state.update == self._update or state.bands is None:
            return
        self._update = state.update
        sample = [float(v) for v in state.bands.powers.reshape(-1)]
        if state.stamp is not None and math.isfinite(state.stamp):
            self.outlet.push_sample(sample, state.stamp)
        else:
            self.outlet.push_sample(sample)
        self.sent += 1

    def close(self) -> None:
        self.outlet = None
