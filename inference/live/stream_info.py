"""What an LSL stream says about itself: channel labels, units and rate, from its description.

Works on a `pylsl.StreamInfo` (the caller holds the library); no network here. Labels and units
follow LSL's convention, `desc/channels/channel/{label,unit}`; MNE-LSL senders write the unit as
a FIFF multiplier ("0" = volts), which `units.microvolt_scale` reads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dsp.rates import check_rate
from ..errors import InputError
from ..io.units import microvolt_scale, unit_words
from ..limits import MAX_CHANNELS


@dataclass(frozen=True)
class StreamDescription:
    name: str
    labels: tuple[str, ...]
    units: tuple[str, ...]
    rate: float

    def unit_scale(self, stated: str | None = None) -> tuple[float | None, str]:
        """(microvolts per stream unit or None to guess from the amplitude, how it was found)."""
        if stated:
            scale = microvolt_scale(stated)
            if scale is None:
                raise InputError(f"stream '{self.name}': unit {stated!r} is not a voltage")
            return scale, f"unit {stated} as stated"
        scales = {microvolt_scale(u) for u in self.units if u}
        scales.discard(None)
        if len(scales) == 1:
            scale = scales.pop()
            shown = sorted({unit_words(u) for u in self.units if u})
            return scale, f"unit from the stream's description: {', '.join(shown)}"
        if len(scales) > 1:
            raise InputError(
                f"stream '{self.name}': its channels name different units "
                f"({', '.join(sorted({unit_words(u) for u in self.units}))}); state the unit"
            )
        return None, "the stream names no unit: guessed from the calibration's amplitude"


def describe_stream(info: Any) -> StreamDescription:
    """Labels, units and rate of a pylsl StreamInfo; InputError for what EEG cannot use."""
    name = str(info.name())
    count = int(info.channel_count())
    if not 0 < count <= MAX_CHANNELS:
        raise InputError(f"stream '{name}' has {count} channels; EEG needs 1-{MAX_CHANNELS:,}")
    labels: list[str] = []
    units: list[str] = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty() and len(labels) < count:
        labels.append(str(channel.child_value("label")).strip())
        units.append(str(channel.child_value("unit")).strip())
        channel = channel.next_sibling("channel")
    if len(labels) != count:  # no description: LSL's own default names
        labels = [f"Ch{k + 1}" for k in range(count)]
        units = [""] * count
    labels = [label or f"Ch{k + 1}" for k, label in enumerate(labels)]
    rate = float(info.nominal_srate())
    if rate != rate:  # NaN
        raise InputError(
            f"stream '{name}' declares a sampling rate of nan Hz; EEG needs a fixed rate"
        )
    if rate <= 0:
        raise InputError(f"stream '{name}' has an irregular rate; EEG needs a fixed sampling rate")
    return StreamDescription(
        name, tuple(labels), tuple(units), check_rate(rate, f"stream '{name}'")
    )
