"""DEAP's 32 electrodes, the 9x9 grid they sit on, and matching other montages to them by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import deap
from ..errors import InputError

# DEAP's channel lists live in inference/deap.py; these names are what the rest imports.
DEAP_EEG_CHANNELS = deap.EEG_CHANNELS
DEAP_ALL_CHANNELS = deap.ALL_CHANNELS

# The 9x9 grid the features use (TorchEEG's DEAP_CHANNEL_LOCATION_DICT), "-" is empty.
GRID_LAYOUT: tuple[tuple[str, ...], ...] = (
    ("-", "-", "-", "Fp1", "-", "Fp2", "-", "-", "-"),
    ("-", "-", "-", "AF3", "-", "AF4", "-", "-", "-"),
    ("F7", "-", "F3", "-", "Fz", "-", "F4", "-", "F8"),
    ("-", "FC5", "-", "FC1", "-", "FC2", "-", "FC6", "-"),
    ("T7", "-", "C3", "-", "Cz", "-", "C4", "-", "T8"),
    ("-", "CP5", "-", "CP1", "-", "CP2", "-", "CP6", "-"),
    ("P7", "-", "P3", "-", "Pz", "-", "P4", "-", "P8"),
    ("-", "-", "-", "PO3", "-", "PO4", "-", "-", "-"),
    ("-", "-", "-", "O1", "Oz", "O2", "-", "-", "-"),
)
GRID_SIZE = 9


@lru_cache(maxsize=1)
def grid_positions() -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each DEAP electrode (in DEAP order) on the 9x9 grid (read-only, cached)."""
    where = {
        name: (r, c)
        for r, row in enumerate(GRID_LAYOUT)
        for c, name in enumerate(row)
        if name != "-"
    }
    rows = np.array([where[name][0] for name in DEAP_EEG_CHANNELS], dtype=np.intp)
    cols = np.array([where[name][1] for name in DEAP_EEG_CHANNELS], dtype=np.intp)
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols


# Old 10-20 names that newer montages renamed; headsets and EDF files still use them.
_ALIASES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
_CANONICAL = {name.upper(): name for name in DEAP_EEG_CHANNELS}
# Vendor spellings around the electrode name: "EEG Fp1" (EDF), "EEG.AF3" (Emotiv exports),
# "EEG:Fp1", "POL Fp1" (Nihon Kohden), "Fp1-REF", "Fp1-LE" (linked ears), "Fp1." (PhysioNet).
_PREFIXES = ("EEG ", "EEG-", "EEG_", "EEG.", "EEG:", "POL ", "POL_", "EEG", "POL")
_SUFFIXES = ("-REF", "-AVG", "-AV", "-LE", "-RE", "-A1", "-A2", "-M1", "-M2", "-CZ", " REF")


def canonical_name(label: str) -> str | None:
    """The DEAP electrode a channel label names, or None.

    Accepts case differences, old names (T3/T4/T5/T6) and the vendor spellings above.
    """
    upper = label.strip().upper()
    for prefix in _PREFIXES:
        if upper.startswith(prefix) and len(upper) > len(prefix):
            upper = upper[len(prefix) :].strip()
            break
    upper = upper.rstrip(".").strip()
    for suffix in _SUFFIXES:
        if upper.endswith(suffix) and len(upper) > len(suffix):
            upper = upper[: -len(suffix)].strip()
            break
    upper = _ALIASES.get(upper.capitalize(), upper).upper()
    return _CANONICAL.get(upper)


@dataclass(frozen=True)
class ChannelMatch:
    """Where each DEAP electrode comes from in a recording's channel list."""

    source_index: np.ndarray  # (32,) index into the recording's channels, -1 where missing
    missing: tuple[str, ...]  # DEAP electrodes with no channel
    unused: tuple[str, ...]  # recording channels that are not DEAP EEG electrodes

    @property
    def present(self) -> np.ndarray:
        return self.source_index >= 0

    @property
    def n_matched(self) -> int:
        return int(self.present.sum())


# Below this many electrodes the 9x9 picture is too empty for the model to mean anything.
MIN_ELECTRODES = 8


def match_channels(
    labels: Sequence[str],
    *,
    source: str = "recording",
    min_electrodes: int = MIN_ELECTRODES,
    channel_map: Mapping[str, str] | None = None,
) -> ChannelMatch:
    """Match channel labels to DEAP's 32 electrodes; refuse when too few are found.

    channel_map: recording label -> electrode, for numbered or unlabeled channels (see
    `inference.dsp.montages`); it wins over the label itself.
    """
    index = np.full(len(DEAP_EEG_CHANNELS), -1, dtype=np.intp)
    position = {name: i for i, name in enumerate(DEAP_EEG_CHANNELS)}
    mapped = {k.strip().upper(): v for k, v in (channel_map or {}).items()}
    unused: list[str] = []
    for src, label in enumerate(labels):
        target = mapped.get(label.strip().upper())
        name = canonical_name(target if target is not None else label)
        if name is None or index[position[name]] >= 0:
            unused.append(label)
            continue
        index[position[name]] = src
    missing = tuple(n for n, i in zip(DEAP_EEG_CHANNELS, index, strict=True) if i < 0)
    match = ChannelMatch(index, missing, tuple(unused))
    if match.n_matched < min_electrodes:
        shown = ", ".join(list(labels)[:16]) + (" ..." if len(labels) > 16 else "")
        found = [n for n, i in zip(DEAP_EEG_CHANNELS, index, strict=True) if i >= 0]
        raise InputError(
            f"{source}: only {match.n_matched} of the 32 DEAP electrodes were found by 10-20 name "
            f"(need at least {min_electrodes}; matched: {', '.join(found) or 'none'}); channels "
            f"were: {shown or 'none'}. For numbered channels give a channel map or a montage "
            "preset (CLI --channel-map / --montage, the panel's Channels)"
        )
    return match


def describe_match(match: ChannelMatch, labels: Sequence[str]) -> str:
    """One line: which electrodes came from which labels, and what was not used."""
    pairs = [
        f"{name}<-{labels[i]}" if canonical_name(labels[i]) != name else name
        for name, i in zip(DEAP_EEG_CHANNELS, match.source_index, strict=True)
        if i >= 0
    ]
    text = f"{match.n_matched} electrodes matched: {', '.join(pairs)}"
    if match.unused:
        text += f"; not used: {', '.join(match.unused[:16])}" + (
            " ..." if len(match.unused) > 16 else ""
        )
    return text
