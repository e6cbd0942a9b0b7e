"""The one in-memory shape every reader produces and every consumer takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field

import numpy as np

from ..deap import BASELINE_S
from ..errors import InputError


@dataclass(frozen=True)
class Trial:
    """A stimulus period inside a recording, in samples of that recording.

    `onset` is where the stimulus starts; the `baseline_s` seconds before it are the pre-trial
    baseline (DEAP: 3 s). `ratings` are the self-reports (DEAP: valence, arousal, dominance,
    liking on 1..9), NaN where unknown.
    """

    onset: int
    stop: int
    baseline_s: float = BASELINE_S
    ratings: tuple[float, ...] = ()
    number: int = 0  # the trial's 1-based number in its source (DEAP: video order); 0 = unnumbered


@dataclass(frozen=True, order=True)
class Marker:
    """An event in a recording: an XDF marker, an EDF+ annotation, a BDF Status code change."""

    sample: int  # where it falls, in samples of the recording
    label: str

    def describe(self, rate: float) -> str:
        return f"{self.sample / rate:.2f} s  {self.label}"


@dataclass(frozen=True)
class Recording:
    """EEG as samples x channels at one rate, with optional trials.

    Readers validate shape and rate here, once, so that no later stage has to. What the pipeline
    acts on is a typed field (a misspelt key would be silently absent); `details` holds what a
    reader knows beyond them (XDF's streams, EDF's equipment), shown and never acted on.
    """

    samples: np.ndarray  # (n_samples, n_channels), floating point, microvolts
    channels: tuple[str, ...]
    rate: float  # Hz
    source: str = "recording"  # file path or stream name, for messages
    trials: tuple[Trial, ...] = ()
    markers: tuple[Marker, ...] = ()
    _: KW_ONLY
    format: str = ""  # the format's name in inference.io.formats ("DEAP", "XDF", ...); "" = none
    notes: tuple[str, ...] = ()  # what reading found or assumed, for the user (not warnings)
    # the file stated its unit, so the samples are microvolts; False: `read_recording` guesses
    # the unit from the amplitude and says so in a note
    unit_known: bool = False
    preprocessed: bool = False  # referenced and band-passed already (DEAP's files): not again
    first_time_s: float | None = None  # the file's own clock at the first sample (CSV, XDF)
    original_labels: tuple[str, ...] = ()  # the labels before a channel map renamed them
    # the montage preset (inference.dsp.montages) of a board's default placement, for a file
    # whose channels are numbered (BrainFlow, OpenBCI): applied, with a note, unless the user
    # gives a channel map or montage
    assumed_montage: str = ""
    span: str = ""  # the span between two markers that is the one trial, for messages
    subject: int | None = None  # DEAP's subject number
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.samples
        if not isinstance(s, np.ndarray) or s.ndim != 2:
            shape = getattr(s, "shape", None)
            raise InputError(
                f"{self.source}: samples must be 2-D (samples x channels), got {shape}"
            )
        if not np.issubdtype(s.dtype, np.floating):
            raise InputError(f"{self.source}: samples must be floating point, got {s.dtype}")
        if s.shape[1] != len(self.channels):
            raise InputError(
                f"{self.source}: {s.shape[1]} data columns but {len(self.channels)} channel labels"
            )
        if not (np.isfinite(self.rate) and self.rate > 0):
            raise InputError(
                f"{self.source}: sampling rate must be a positive number, got {self.rate}"
            )
        for k, t in enumerate(self.trials):
            first = t.onset - round(t.baseline_s * self.rate)
            if not (0 <= first <= t.onset < t.stop <= s.shape[0]):
                raise InputError(
                    f"{self.source}: trial {k + 1} (baseline from sample {first}, onset {t.onset}, "
                    f"stop {t.stop}) does not fit in {s.shape[0]} samples"
                )

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.rate

    def noted(self, *notes: str) -> tuple[str, ...]:
        """The notes with more after them (for `dataclasses.replace`)."""
        return (*self.notes, *notes)
