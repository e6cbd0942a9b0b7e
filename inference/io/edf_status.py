"""A BioSemi Status channel: which signal it is, its trigger codes, markers, and DEAP's trials.

The status signal is the one labelled "Status" or "Trigger", or, in a BDF, the last signal when
its label is blank or "-1" and its values behave as a status channel (they change in at most 1 %
of samples): DEAP's original recordings have both layouts (s24-s28 a blank label, s29-s32 "-1").

Its trigger code is the low 16 bits less the lines held high. DEAP's later subjects hold the
upper trigger lines high (idle 0x18FF00, codes 0x18FF01-0x18FF07); their files may also start
with a few zero samples or end in a zero-padded record, so a line counts as held when it is high
in nearly all samples (HELD_SHARE), not in every one, and the codes come out as 1..7. Each change
to a non-zero code becomes a marker; where the codes follow DEAP's original recordings (a 4 starts
each music video, a 5 follows about 60 s later) the file is split into trials as DEAP's
preprocessed files are (60 s from each 4, the 3 s before it as baseline). Trial numbers are then
the order of presentation in that recording; DEAP's preprocessed files number trials in video
order, and the table between the two is DEAP's (licensed, so not bundled).
"""

from __future__ import annotations

import numpy as np

from ..limits import MAX_MARKERS
from . import deap_files as deap
from .recording import Marker, Trial

STATUS_LABELS = ("STATUS", "TRIGGER")
UNLABELLED_STATUS = ("", "-1")  # DEAP's s24-s28 and s29-s32: BDF's last signal
_TRIGGER_BITS = 0xFFFF  # BioSemi: trigger lines in bits 0-15, amplifier state above
_STATUS_CHANGES = 0.01  # a status channel changes in at most this share of its samples
HELD_SHARE = 0.99  # a trigger line high in at least this share of samples is held, not a code


def settle_status(
    samples: np.ndarray, status: np.ndarray | None, labels: list[str], candidate: bool
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """An unlabelled last signal (`candidate`) is the status channel when its values behave as
    one; then it is not data (a view without its column)."""
    if not candidate or status is None:
        return samples, status, labels
    changes = int(np.count_nonzero(np.diff(status)))
    if changes > _STATUS_CHANGES * len(status):
        return samples, None, labels  # an ordinary signal that happens to have no label
    return samples[:, :-1], status, labels[:-1]


def trigger_codes(status: np.ndarray, notes: list[str]) -> np.ndarray:
    """Trigger codes: the low 16 bits, less the lines held high in nearly all samples (a few
    zero samples at the start or a zero-padded last record do not make a held line a code)."""
    low = status & _TRIGGER_BITS
    values, counts = np.unique(low, return_counts=True)  # a few distinct codes
    bits = np.arange(16)
    high = counts @ ((values[:, None] >> bits) & 1)  # samples in which each line is high
    held = int(np.sum((high >= HELD_SHARE * len(low)) << bits))
    changing = int(np.bitwise_or.reduce(values)) & ~held
    if held:
        least = float(high[(held >> bits) & 1 == 1].min()) / len(low)
        notes.append(
            f"Status: trigger lines {held:#06x} are held high (in {100 * least:.1f} % of samples "
            f"or more, as in DEAP's later recordings): codes are read from the lines that change "
            f"({changing:#06x})"
        )
    return low & changing


def code_markers(codes: np.ndarray, notes: list[str]) -> list[Marker]:
    """A marker wherever the trigger code changes to a non-zero value."""
    change = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    change = change[codes[change] != 0]
    if change.size > MAX_MARKERS:
        notes.append(f"the Status signal changes {change.size:,} times: not read as markers "
                     f"(at most {MAX_MARKERS:,})")  # fmt: skip
        return []
    return [Marker(int(i), f"code {int(c)}") for i, c in zip(change, codes[change], strict=True)]


def deap_trials(codes: np.ndarray, rate: float, n: int) -> tuple[Trial, ...]:
    """Trials of DEAP's original recordings from their Status codes; () for any other layout."""
    starts = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    video = starts[codes[starts] == deap.STATUS_VIDEO_START]
    after = starts[codes[starts] == deap.STATUS_VIDEO_START + 1]
    if video.size == 0 or after.size == 0:
        return ()
    following = np.searchsorted(after, video)
    paired = following < after.size
    spans = (after[following[paired]] - video[paired]) / rate
    if spans.size == 0 or abs(float(np.median(spans)) - deap.TRIAL_S) > 2.0:
        return ()  # code 4s that are not DEAP's one-minute videos
    length = round(deap.TRIAL_S * rate)
    base = round(deap.BASELINE_S * rate)
    return tuple(
        Trial(int(onset), min(int(onset) + length, n), deap.BASELINE_S, (), k + 1)
        for k, onset in enumerate(video)
        if onset >= base and onset + rate <= n
    )
