"""Signal units: everything downstream works in microvolts, as DEAP's files do.

Recordings and streams name their unit in many ways: EDF/BDF headers ("uV", "mV", "V"), XDF and
LSL stream descriptions ("microvolts"), and MNE-LSL senders such as `PlayerLSL`, which write the
FIFF unit multiplier as a number ("0" = 10^0 volts, "-6" = microvolts). Where a recording names no
unit (CSV, a stream without a description), the unit is guessed from the signal's amplitude and
the guess is reported: EEG moves by microvolts, so sample-to-sample steps of a millionth mean volts.
"""

from __future__ import annotations

import re

import numpy as np

# Multiply a value in this unit by the factor to get microvolts (keys are lower case).
_TO_MICROVOLTS = {
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,  # Greek mu as well as the micro sign
    "microvolt": 1.0,
    "microvolts": 1.0,
    "nv": 1e-3,
    "nanovolts": 1e-3,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
}
UNIT_CHOICES = ("uV", "mV", "V")  # what a user may state (CLI --unit, the panel's Unit)
_FIFF_MULTIPLIER = re.compile(r"^[+-]?\d{1,2}$")
_FIFF_WORDS = {0: "volts", -3: "millivolts", -6: "microvolts", -9: "nanovolts"}

# Typical sample-to-sample step (median over channels of the std of first differences) below
# which values are read as volts, and below which as millivolts, when no unit is named. EEG in
# microvolts steps by ~0.3-50 uV per sample at 100-5000 Hz; the same in mV is 1000x smaller.
_VOLTS_BELOW = 1e-3
_MILLIVOLTS_BELOW = 0.05


def microvolt_scale(unit: str | None) -> float | None:
    """Factor from `unit` to microvolts, or None when the unit is not a voltage we know.

    Accepts names ("uV", "microvolts", "mV", "V", ...) and MNE-LSL's numeric FIFF multipliers
    ("0" = volts, "-3" = millivolts, "-6" = microvolts), as `PlayerLSL` writes them.
    """
    if unit is None:
        return None
    text = unit.strip().lower()
    if _FIFF_MULTIPLIER.match(text):
        return float(10.0 ** (int(text) + 6))
    return _TO_MICROVOLTS.get(text)


def unit_words(unit: str) -> str:
    """A unit as people read it: MNE-LSL's FIFF multipliers ("0", "-6") as words ("volts")."""
    text = unit.strip()
    if _FIFF_MULTIPLIER.match(text):
        power = int(text)
        return _FIFF_WORDS.get(power, f"10^{power} volts")
    return text


def typical_step(samples: np.ndarray) -> float:
    """Median over channels of the std of sample-to-sample differences (DC and drift ignored)."""
    if np.ndim(samples) != 2 or len(samples) < 3 or np.shape(samples)[1] == 0:
        return float("nan")
    x = np.asarray(samples[: 1 << 16], dtype=np.float64)  # the first 65,536 rows say enough
    with np.errstate(invalid="ignore"):
        steps = np.nanstd(np.diff(x, axis=0), axis=0)
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(steps)) if steps.size else float("nan")


def guess_scale(samples: np.ndarray) -> tuple[float, str]:
    """(factor to microvolts, the unit guessed) for samples whose unit nobody named."""
    step = typical_step(samples)
    if not np.isfinite(step):
        return 1.0, "uV"
    if step < _VOLTS_BELOW:
        return 1e6, "V"
    if step < _MILLIVOLTS_BELOW:
        return 1e3, "mV"
    return 1.0, "uV"


def guess_note(unit: str, step: float) -> str:
    return (
        f"no unit given: values read as {unit} from their amplitude (typical step {step:.3g} per "
        "sample); state the unit (CLI --unit, the panel's Unit) if that is wrong"
    )
