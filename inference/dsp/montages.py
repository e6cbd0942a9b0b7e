"""Channel maps: which 10-20 electrode each channel of a recording or stream is, when its labels
do not say (numbered channels "Ch1..Ch8", "1..32", BioSemi's "A1..B16", unlabeled LSL streams).

A channel map is `{channel label: electrode}`, written by hand ("Ch1=Fp1, Ch2=Fp2") or made from a
montage preset, the default electrode placement of a common headset. Positional presets name the
first N channels in order; BioSemi's names its own labels A1..B16.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError
from ..limits import MAX_TEXT_BYTES
from .electrodes import canonical_name


@dataclass(frozen=True)
class Montage:
    title: str
    electrodes: tuple[str, ...]  # in channel order
    labels: tuple[str, ...] = ()  # the device's own channel labels, where it has them


_BIOSEMI_32 = (
    "Fp1", "AF3", "F7", "F3", "FC1", "FC5", "T7", "C3", "CP1", "CP5", "P7", "P3", "Pz", "PO3",
    "O1", "Oz", "O2", "PO4", "P4", "P8", "CP6", "CP2", "C4", "T8", "FC6", "FC2", "F4", "F8",
    "AF4", "Fp2", "Fz", "Cz",
)  # fmt: skip
_CYTON = ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")

MONTAGES: dict[str, Montage] = {
    "emotiv-epoc": Montage(
        "Emotiv EPOC / EPOC X (14)",
        ("AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"),
    ),
    "openbci-cyton": Montage("OpenBCI Cyton, default placement (8)", _CYTON),
    "openbci-cyton-daisy": Montage(
        "OpenBCI Cyton + Daisy, default placement (16)",
        (*_CYTON, "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4"),
    ),
    "biosemi32": Montage(
        "BioSemi 32 (A1..B16)",
        _BIOSEMI_32,
        tuple(f"{bank}{k}" for bank in "AB" for k in range(1, 17)),
    ),
}


def montage_map(name: str, labels: Sequence[str]) -> dict[str, str]:
    """The channel map a montage preset gives for these channel labels."""
    key = name.strip().lower()
    if key not in MONTAGES:
        raise InputError(f"unknown montage '{name}'; choose from {', '.join(MONTAGES)}")
    montage = MONTAGES[key]
    if montage.labels:
        by_label = {
            lab.upper(): e for lab, e in zip(montage.labels, montage.electrodes, strict=True)
        }
        found = {lab: by_label[_bare(lab)] for lab in labels if _bare(lab) in by_label}
        if found:
            return found
    if len(labels) < len(montage.electrodes):
        raise InputError(
            f"montage '{name}' ({montage.title}) names {len(montage.electrodes)} channels, but "
            f"the recording has {len(labels)}"
        )
    return dict(zip(labels, montage.electrodes, strict=False))


def _bare(label: str) -> str:
    """BioSemi labels as files spell them: "A1", "EEG A1", "A1-REF"."""
    text = label.strip().upper()
    for prefix in ("EEG ", "EEG."):
        text = text.removeprefix(prefix)
    return text.split("-")[0].strip()


def parse_channel_map(text: str, labels: Sequence[str] = ()) -> dict[str, str]:
    """A channel map from "Ch1=Fp1, Ch2=Fp2" (or JSON {"Ch1": "Fp1"}); keys may also be 1-based
    channel positions ("1=Fp1") when `labels` are given.

    A target that is not one of DEAP's 32 electrodes (Fpz, T9, FT7, ...) is kept as the
    channel's name, so that the channel is not used, as a channel whose own label names such
    an electrode is not: `not_deap` lists them for a note."""
    text = text.strip()
    if not text:
        return {}
    if len(text) > MAX_TEXT_BYTES:
        raise InputError(f"channel map: longer than {MAX_TEXT_BYTES:,} characters")
    pairs: list[tuple[str, str]]
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise InputError(f"channel map: not valid JSON ({exc})") from None
        except RecursionError:
            raise InputError("channel map: JSON nested too deeply (a map is one object)") from None
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise InputError('channel map: JSON must be an object of strings, {"Ch1": "Fp1"}')
        pairs = [(k.strip(), v.strip()) for k, v in loaded.items()]
    else:
        pairs = []
        for item in text.replace(";", ",").replace("\n", ",").split(","):
            if not item.strip():
                continue
            key, sep, value = item.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise InputError(f"channel map: '{item.strip()[:80]}' is not 'channel=electrode'")
            pairs.append((key.strip(), value.strip()))
    out: dict[str, str] = {}
    known = {lab.strip().upper() for lab in labels}
    for key, value in pairs:
        if labels and key.upper() not in known and key.isdigit():
            position = int(key)
            if not 1 <= position <= len(labels):
                raise InputError(
                    f"channel map: channel {position} does not exist ({len(labels)} channels)"
                )
            key = labels[position - 1]
        out[key] = canonical_name(value) or value
    electrodes = [v for v in out.values() if canonical_name(v) is not None]
    if len(set(electrodes)) < len(electrodes):
        raise InputError("channel map: two channels are mapped to the same electrode")
    return out


def not_deap(mapping: dict[str, str]) -> list[str]:
    """The map's entries whose electrode is not one of DEAP's 32 ("Ch3=T9"): those channels
    are not used."""
    return [f"{k}={v}" for k, v in mapping.items() if canonical_name(v) is None]


def channel_map_for(
    labels: Sequence[str], *, channel_map: str | dict[str, str] | None, montage: str | None
) -> dict[str, str]:
    """The montage's map, then the user's entries on top (the user's win)."""
    out = montage_map(montage, labels) if montage else {}
    if isinstance(channel_map, str):
        out.update(parse_channel_map(channel_map, labels))
    elif channel_map:
        out.update(channel_map)
    return out
