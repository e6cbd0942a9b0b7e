"""Which seconds of a recording are the person at rest: the baseline every window is relative to.

A choice (`BaselineChoice`, from the CLI's options or the panel's Calibration box) becomes a plan
for a prepared recording (`plan_baseline`): the timeline spans (trials) and where each one's
baseline comes from. The estimate itself is `inference.dsp.baseline` (robust, one statistic for
every choice).

| kind | baseline | timeline |
| --- | --- | --- |
| `auto` | trials: as the model was trained (`trial`, or `session`); no trials: `first` | |
| `trial` | each trial's own pre-trial seconds (DEAP: 3 s; the paper's protocol) | the trials |
| `first` | the first `seconds` of the recording (default 30 s), as a live calibration | after it |
| `span` | `span_s` = (from, to) seconds of the recording | the trials, else the whole recording |
| `markers` | the span between two markers | the trials, else the whole recording |
| `session` | every trial's pre-trial seconds pooled: one baseline for the session | the trials |

Why 30 s by default: the middle of about a hundred 3 s baselines, enough that blinks and an alpha
burst move nothing and a session started seconds later agrees in over 90 % of its windows, short
enough to ask of a user at rest (`scripts/evoke.py bench_baseline` draws agreement against length).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .dsp.baseline import REJECT_Z
from .dsp.features import FeatureSettings
from .errors import InputError
from .io.recording import Marker, Trial

CALIBRATION_S = 30.0  # default seconds of rest: a recording without trials, a live calibration
MAX_CALIBRATION_S = 600.0  # a baseline span is held in memory whole: ten minutes at most
BASELINE_KINDS = ("auto", "trial", "first", "span", "markers", "session")
MIN_ADAPT_S, MAX_ADAPT_S = 10.0, 36000.0  # the adapting baseline's time constant, when on


@dataclass(frozen=True)
class BaselineChoice:
    kind: str = "auto"
    seconds: float = CALIBRATION_S  # `first` (and `auto` without trials)
    span_s: tuple[float, float] | None = None  # `span`
    markers: tuple[int, int] | None = None  # `markers`, 1-based as `--markers` lists them
    reject_z: float = REJECT_Z  # 0: no outlier rejection
    adapt_s: float = 0.0  # > 0: the baseline follows the session this slowly (dsp.adaptation)

    def __post_init__(self) -> None:
        if self.kind not in BASELINE_KINDS:
            raise ValueError(f"baseline must be one of {BASELINE_KINDS}, got {self.kind!r}")
        if not (math.isfinite(self.seconds) and 1.0 <= self.seconds <= MAX_CALIBRATION_S):
            raise ValueError(f"calibration must be 1-{MAX_CALIBRATION_S:g} s, got {self.seconds:g}")
        if self.kind == "span" and self.span_s is None:
            raise ValueError("a baseline span needs its start and end seconds")
        if self.kind == "markers" and self.markers is None:
            raise ValueError("a baseline between markers needs two marker numbers")
        if not (math.isfinite(self.reject_z) and self.reject_z >= 0):
            raise ValueError(f"outlier limit must be a number >= 0, got {self.reject_z}")
        if not (self.adapt_s == 0 or MIN_ADAPT_S <= self.adapt_s <= MAX_ADAPT_S):
            raise ValueError(
                f"adapting time must be 0 (off) or {MIN_ADAPT_S:g}-{MAX_ADAPT_S:g} s, got {self.adapt_s:g}"
            )


@dataclass(frozen=True)
class BaselinePlan:
    trials: tuple[Trial, ...]  # the timelines, in samples at the model's rate
    pooled: tuple[tuple[int, int], ...] | None  # one baseline from these spans; None: per trial
    what: str  # for the notes: where the baseline came from


def plan_baseline(
    choice: BaselineChoice,
    trials: tuple[Trial, ...],
    markers: tuple[Marker, ...],
    n_samples: int,
    settings: FeatureSettings,
    source: str,
) -> BaselinePlan:
    """The plan for a recording of n_samples at the model's rate (trials and markers in its
    samples too)."""
    rate, window = settings.rate, settings.window_samples
    kind = choice.kind
    if kind == "auto":  # trials follow the model's training: its own pre-trial seconds, or pooled
        kind = settings.baseline if trials else "first"
    if kind == "trial":
        if not trials:
            raise InputError(
                f"{source}: this recording has no trials, so no pre-trial baselines: calibrate "
                "on its first seconds or a span instead"
            )
        return BaselinePlan(trials, None, f"each trial's {settings.baseline_s:g} s before it")
    if kind == "session":
        if not trials:
            raise InputError(
                f"{source}: a session baseline pools the trials' pre-trial seconds, and this recording has no trials"
            )
        base = round(settings.baseline_s * rate)
        spans = tuple((max(t.onset - base, 0), t.onset) for t in trials)
        seconds = sum(b - a for a, b in spans) / rate
        return BaselinePlan(
            trials, spans, f"the {len(trials)} trials' pre-trial seconds pooled ({seconds:g} s)"
        )
    if kind == "first":
        return _first_seconds(choice, trials, n_samples, settings, source)
    if kind == "span":
        assert choice.span_s is not None
        start, stop = (round(s * rate) for s in choice.span_s)
        what = f"{choice.span_s[0]:g}-{choice.span_s[1]:g} s"
    else:
        assert choice.markers is not None
        start, stop, what = _between(choice.markers, markers, rate, source)
    if not (0 <= start and start + window <= stop <= n_samples):
        raise InputError(
            f"{source}: the baseline span {what} is not a span of at least "
            f"{settings.window_s:g} s inside the recording's {n_samples / rate:.1f} s"
        )
    if stop - start > MAX_CALIBRATION_S * rate:
        raise InputError(
            f"{source}: the baseline span {what} is longer than {MAX_CALIBRATION_S:g} s"
        )
    _outside_trials((start, stop), what, trials, rate, source)
    timeline = trials or (Trial(0, n_samples, 0.0),)
    return BaselinePlan(timeline, ((start, stop),), what)


def _outside_trials(
    span: tuple[int, int], what: str, trials: tuple[Trial, ...], rate: float, source: str
) -> None:
    """A baseline is rest: refuse a span that overlaps a trial (DEAP's files are trials back to
    back, so their 'first seconds' are a stimulus)."""
    for k, t in enumerate(trials):
        if span[0] < t.stop and t.onset < span[1]:
            raise InputError(
                f"{source}: the baseline {what} overlaps trial {t.number or k + 1} "
                f"({t.onset / rate:.1f}-{t.stop / rate:.1f} s): a baseline must be rest (for "
                "DEAP's files use each trial's own seconds, or --session-baseline)"
            )


def _first_seconds(
    choice: BaselineChoice,
    trials: tuple[Trial, ...],
    n_samples: int,
    settings: FeatureSettings,
    source: str,
) -> BaselinePlan:
    """The first seconds; a recording too short for the default gets what it can spare."""
    rate, window = settings.rate, settings.window_samples
    seconds = choice.seconds
    duration = n_samples / rate
    what = f"the first {seconds:g} s"
    if seconds * rate + window > n_samples:
        if choice.kind != "auto":
            raise InputError(
                f"{source}: {duration:.1f} s is too short for a {seconds:g} s calibration and "
                f"a {settings.window_s:g} s window"
            )
        # half the recording, in whole windows, never less than the model's own baseline
        seconds = max(settings.baseline_s, math.floor((duration - settings.window_s) / 2))
        if seconds * rate + window > n_samples:
            raise InputError(
                f"{source}: {duration:.1f} s is too short: need {settings.baseline_s:g} s of "
                f"baseline and a {settings.window_s:g} s window"
            )
        what = f"the first {seconds:g} s (the recording is too short for {choice.seconds:g} s)"
    span = (0, round(seconds * rate))
    _outside_trials(span, what, trials, rate, source)
    timeline = trials or (Trial(span[1], n_samples, 0.0),)
    return BaselinePlan(timeline, (span,), what)


def _between(
    numbers: tuple[int, int], markers: tuple[Marker, ...], rate: float, source: str
) -> tuple[int, int, str]:
    if not markers:
        raise InputError(f"{source}: this recording has no markers to choose a baseline by")
    for k in numbers:
        if not 1 <= k <= len(markers):
            raise InputError(f"{source}: marker {k} is out of range 1..{len(markers)}")
    first, last = (markers[k - 1] for k in numbers)
    return (
        first.sample,
        last.sample,
        f"markers {numbers[0]}-{numbers[1]} ({first.label} .. {last.label})",
    )


def check_calibration(seconds: float, least_s: float, what: str = "calibration") -> float:
    """Seconds of rest: a number from the model's baseline (3 s for DEAP's) to the maximum."""
    if not (isinstance(seconds, int | float) and math.isfinite(seconds)):
        raise InputError(f"{what} {seconds!r}: give the seconds of rest as a number")
    if seconds < least_s:
        raise InputError(
            f"{what} {seconds:g} s: {least_s:g} s is the least (the model's baseline is {least_s:g} s "
            "of rest)"
        )
    if seconds > MAX_CALIBRATION_S:
        raise InputError(f"{what} {seconds:g} s: at most {MAX_CALIBRATION_S:g} s")
    return float(seconds)
