"""DEAP's 32 electrodes, the 9x9 grid they sit on, and matching other montages to them by name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import InputError

# DEAP preprocessed files: channels 1-32 are EEG in Geneva order.
DEAP_EEG_CHANNELS: tuple[str, ...] = (
    "Fp1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3", "P7", "PO3", "O1",
    "Oz", "Pz", "Fp2", "AF4", "Fz", "F4", "F8", "FC6", "FC2", "Cz", "C4", "T8", "CP6", "CP2",
    "P4", "P8", "PO4", "O2",
)  # fmt: skip
# Channels 33-40 of the preprocessed files.
DEAP_OTHER_CHANNELS: tuple[str, ...] = (
    "hEOG", "vEOG", "zEMG", "tEMG", "GSR", "Respiration", "Plethysmograph", "Temperature",
)  # fmt: skip
DEAP_ALL_CHANNELS: tuple[str, ...] = DEAP_EEG_CHANNELS + DEAP_OTHER_CHANNELS

# The 9x9 grid of DESIGN.md section 4 (TorchEEG's DEAP_CHANNEL_LOCATION_DICT), "-" is empty.
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
_PREFIXES = ("EEG ", "EEG-", "EEG_", "EEG")


def canonical_name(label: str) -> str | None:
    """The DEAP electrode a channel label names, or None.

    Accepts case differences, old names (T3/T4/T5/T6), and the "EEG Fp1" / "Fp1-REF" spellings
    that EDF files and LSL streams commonly use.
    """
    text = label.strip()
    upper = text.upper()
    for prefix in _PREFIXES:
        if upper.startswith(prefix) and len(upper) > len(prefix):
            upper = upper[len(prefix) :].strip()
            break
    for suffix in ("-REF", "-AVG", "-LE", "-A1", "-A2", "-M1", "-M2"):
        if upper.endswith(suffix):
            upper = upper[: -len(suffix)]
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
    labels: Sequence[str], *, source: str = "recording", min_electrodes: int = MIN_ELECTRODES
) -> ChannelMatch:
    """Match channel labels to DEAP's 32 electrodes; refuse when too few are found."""
    index = np.full(len(DEAP_EEG_CHANNELS), -1, dtype=np.intp)
    position = {name: i for i, name in enumerate(DEAP_EEG_CHANNELS)}
    unused: list[str] = []
    for src, label in enumerate(labels):
        name = canonical_name(label)
        if name is None or index[position[name]] >= 0:
            unused.append(label)
            continue
        index[position[name]] = src
    missing = tuple(n for n, i in zip(DEAP_EEG_CHANNELS, index, strict=True) if i < 0)
    match = ChannelMatch(index, missing, tuple(unused))
    if match.n_matched < min_electrodes:
        shown = ", ".join(list(labels)[:12]) + (" ..." if len(labels) > 12 else "")
        raise InputError(
            f"{source}: only {match.n_matched} of the 32 DEAP electrodes were found by 10-20 name "
            f"(need at least {min_electrodes}); channels were: {shown or 'none'}"
        )
    return match
