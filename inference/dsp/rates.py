"""The sampling rates EEG comes at: one plausible range for files, streams and model metadata.

Below 100 Hz a recording cannot hold the gamma band (31-49 Hz) the features use, and the resampler
to 128 Hz would need an enormous filter (0.0001 Hz asks for gigabytes); above 20 kHz no EEG
amplifier records. Anything outside is refused with a message before anything is built from it.
"""

from __future__ import annotations

import math

from ..errors import InputError

MIN_RATE_HZ = 100.0
MAX_RATE_HZ = 20000.0


def check_rate(rate: object, source: str) -> float:
    """`rate` as a float in Hz, or InputError naming `source` when it is not a plausible EEG rate."""
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{source}: the sampling rate {rate!r} is not a number") from None
    if not math.isfinite(value) or not MIN_RATE_HZ <= value <= MAX_RATE_HZ:
        raise InputError(
            f"{source}: a sampling rate of {value:g} Hz is outside what EEG is recorded at "
            f"({MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz)"
        )
    return value
