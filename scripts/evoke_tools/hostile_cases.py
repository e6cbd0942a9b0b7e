"""The one registry of the hostile-input catalogue: each case registers itself by name.

The cases live by input kind: `evoke_tools.hostile_recordings` (DEAP, CSV, BrainFlow, OpenBCI:
text and pickles), `hostile_headers` (XDF, EDF/BDF: what a header declares against what the file
holds), `hostile_linked` (BrainVision, EEGLAB: the files a header names) and `hostile_models`
(models, emotion tables, options); `evoke_tools.hostile` imports them, which fills CASES, and
runs them. The good recordings other cases start from are here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

# A case makes its input in a folder: (argv, the input file or None, what an error must name or
# None for the input file).
Case = Callable[[Path], tuple[list[str], Path | None] | tuple[list[str], Path | None, str]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    """Register a case under its name: the name is what the report and --only go by."""

    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


def _predict(path: Path, *extra: str) -> list[str]:
    return ["predict", str(path), "--json", *extra]


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _good_dat(folder: Path) -> Path:
    from evoke_tools.synthetic import make_subject, write_dat

    path = folder / "good.dat"
    if not path.exists():
        data, labels = make_subject(1, 3, n_trials=1)
        write_dat(path, data, labels)
    return path


def _random_csv(path: Path, seconds: int, seed: int, fmt: str) -> Path:
    """Random 32-electrode EEG at 128 Hz with a time column, written once per folder."""
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS

    if not path.exists():
        x = np.random.default_rng(seed).standard_normal((128 * seconds, 32)) * 20
        t = np.arange(len(x)) / 128
        np.savetxt(path, np.column_stack([t, x]), delimiter=",", comments="",
                   header=",".join(["time", *DEAP_EEG_CHANNELS]), fmt=fmt)  # fmt: skip
    return path


def _long_csv(folder: Path) -> Path:
    """150 s: a 30 s calibration and then windows to smooth."""
    return _random_csv(folder / "long.csv", 150, seed=1, fmt="%.4f")


def _good_csv(folder: Path) -> Path:
    return _random_csv(folder / "good.csv", 8, seed=0, fmt="%.5f")
