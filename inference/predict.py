"""Recording -> per-trial emotion timelines: the path the CLI and the Blender bake share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calibration import BaselineChoice, BaselinePlan, plan_baseline
from .dsp import adaptation
from .dsp.baseline import BaselineEstimate, estimate_baseline, estimate_pooled
from .dsp.electrodes import (
    DEAP_EEG_CHANNELS,
    MIN_ELECTRODES,
    ChannelMatch,
    describe_match,
    match_channels,
)  # fmt: skip
from .dsp.features import FLAT_VARIANCE, N_ELECTRODES, FeatureSettings
from .dsp.preprocess import Preprocessor
from .dsp.rates import check_rate
from .dsp.resample import resample
from .dsp.trials import check_hop, hop_samples, relative_grid, window_features, window_log_variance
from .emotion.smoothing import SmoothingSettings
from .errors import InputError
from .io.recording import Marker, Recording, Trial
from .model.model_file import EvokeModel
from .timeline import TimelineOptions, TrialTimeline, smooth_trial, window_centres

__all__ = ["MODES", "PredictOptions", "Prediction", "TrialTimeline", "predict", "window_centres"]

MODES = ("discrete", "blend")


@dataclass(frozen=True)
class PredictOptions:
    hop_s: float = 1.0
    mode: str = "discrete"  # "discrete": one emotion at a time; "blend": octant probabilities
    smoothing: SmoothingSettings = field(default_factory=SmoothingSettings)
    baseline: BaselineChoice = field(default_factory=BaselineChoice)
    hindsight: bool = False  # smooth with later windows too (bakes); False: as live

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        check_hop(self.hop_s)


@dataclass(frozen=True)
class Prediction:
    source: str
    timelines: list[TrialTimeline]
    match: ChannelMatch
    notes: list[str]
    model: str  # the model's own description of what it knows


_ADAPT_WINDOWS = 256  # windows the adapting baseline follows at a time: bounded temporaries
_BLOCK_ROWS = 1 << 11  # samples converted at a time: bounds the temporaries (~0.5 MiB a block)


def _dead(samples: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Which electrodes are dead (never finite, or never moving), from the recording's columns
    (-1 = missing). A block of rows at a time, so no temporary is the size of the recording."""
    present = columns >= 0
    low = np.full(N_ELECTRODES, np.inf)
    high = np.full(N_ELECTRODES, -np.inf)
    with np.errstate(invalid="ignore"):
        for start in range(0, samples.shape[0], _BLOCK_ROWS):
            block = samples[start : start + _BLOCK_ROWS][:, columns[present]]
            finite = np.isfinite(block)
            low[present] = np.minimum(
                low[present], np.where(finite, block, np.inf).min(axis=0, initial=np.inf)
            )
            high[present] = np.maximum(
                high[present], np.where(finite, block, -np.inf).max(axis=0, initial=-np.inf)
            )
    spread = high - low  # -inf where never finite
    return present & ~(spread > np.sqrt(FLAT_VARIANCE))


@dataclass(frozen=True)
class Prepared:
    """A recording ready for features: DEAP's 32 electrodes at the model's rate."""

    samples: np.ndarray  # (n, 32) preprocessed (referenced, band-passed), DEAP order
    check: np.ndarray | None  # (n, 32) before referencing and filtering: validity's input
    rate: float
    trials: tuple[Trial, ...]  # at the model's rate; empty for a recording without trials
    markers: tuple[Marker, ...]  # at the model's rate
    match: ChannelMatch
    present: np.ndarray  # (32,) electrodes with a usable channel
    notes: list[str]
    source: str


def prepare(recording: Recording, settings: FeatureSettings) -> Prepared:
    """Match electrodes, drop dead ones, then preprocess (`inference.dsp.preprocess`): resampled to
    the model's rate, referenced to the common average and band-passed 4-45 Hz, aligned to signal
    time. DEAP's preprocessed files had all this done by DEAP and are only resampled if needed."""
    check_rate(recording.rate, recording.source)
    notes = list(recording.notes)
    match = match_channels(recording.channels, source=recording.source)
    # DEAP's preprocessed files go straight to features in float32; the others are preprocessed
    # in float64, a block at a time (DC offsets of tens of mV next to microvolts of EEG need the
    # precision), into float32 at the model's rate
    preprocessed = recording.preprocessed
    present = _usable(recording, match, notes)
    notes.append(describe_match(match, recording.channels))
    if match.missing:
        notes.append(f"missing electrodes (read as no change): {', '.join(match.missing)}")
    if abs(recording.rate - settings.rate) > 1e-6:
        notes.append(f"resampled from {recording.rate:g} Hz to {settings.rate:g} Hz")
    check: np.ndarray | None = None
    if preprocessed:
        eeg = _as_deap(recording, match, present, settings.rate, notes)
    else:
        eeg, check = _condition(recording, match, present, settings.rate, notes)
    trials, markers = _trials_at_model_rate(recording, settings, eeg.shape[0])
    return Prepared(eeg, check, settings.rate, trials, markers, match, present, notes,
                    recording.source)  # fmt: skip


def _usable(recording: Recording, match: ChannelMatch, notes: list[str]) -> np.ndarray:
    """The electrodes with a usable channel: flat or empty ones are marked missing."""
    present = match.present.copy()
    dead = _dead(recording.samples, match.source_index)
    if dead.any():
        names = [n for n, d in zip(DEAP_EEG_CHANNELS, dead, strict=True) if d]
        notes.append(f"flat or empty electrodes treated as missing: {', '.join(names)}")
        present &= ~dead
        if present.sum() < MIN_ELECTRODES:
            raise InputError(
                f"{recording.source}: fewer than {MIN_ELECTRODES} usable electrodes remain "
                f"({', '.join(names)} are flat or empty)"
            )
    return present


def _as_deap(
    recording: Recording,
    match: ChannelMatch,
    present: np.ndarray,
    model_rate: float,
    notes: list[str],
) -> np.ndarray:
    """DEAP's preprocessed files: the 32 electrodes as they are (resampled only if needed)."""
    notes.append(
        "DEAP's preprocessed files are referenced and band-passed already: used as they are"
    )
    samples, columns = recording.samples, match.source_index[present]
    eeg = np.zeros((samples.shape[0], N_ELECTRODES), dtype=np.float32)
    for start in range(0, samples.shape[0], _BLOCK_ROWS):  # blocks: no temporary of it all
        eeg[start : start + _BLOCK_ROWS, present] = samples[start : start + _BLOCK_ROWS][:, columns]
    if model_rate != recording.rate:
        eeg = resample(eeg, recording.rate, model_rate).astype(np.float32)
    return eeg


def _condition(
    recording: Recording,
    match: ChannelMatch,
    present: np.ndarray,
    model_rate: float,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Signals at the model's rate, conditioned; also the unfiltered ones for the artefact check.

    The recording goes through the preprocessor a block of rows at a time, straight into the
    float32 outputs: memory is the recording plus its electrodes at the model's rate, twice."""
    samples = recording.samples
    columns = match.source_index[present]
    pre = Preprocessor(recording.rate, model_rate, int(present.sum()))
    rows = range(0, samples.shape[0], _BLOCK_ROWS)
    blocks = (np.asarray(samples[a : a + _BLOCK_ROWS][:, columns], np.float64) for a in rows)
    wanted = -(-samples.shape[0] * pre.resampler.up // pre.resampler.down)
    out = np.zeros((wanted, N_ELECTRODES), dtype=np.float32)
    check = np.zeros((wanted, N_ELECTRODES), dtype=np.float32)
    done = 0
    for raw, conditioned in pre.process_blocks(blocks, samples.shape[0]):
        out[done : done + len(raw), present] = conditioned
        check[done : done + len(raw), present] = raw
        done += len(raw)
    notes.append("preprocessed: common average reference, 4-45 Hz band-pass (as DEAP's files)")
    return out, check


def _trials_at_model_rate(
    recording: Recording, settings: FeatureSettings, n_out: int
) -> tuple[tuple[Trial, ...], tuple[Marker, ...]]:
    """The recording's trials and markers in samples at the model's rate."""
    ratio = settings.rate / recording.rate
    trials = tuple(
        Trial(
            min(round(t.onset * ratio), n_out - 1),
            min(round(t.stop * ratio), n_out),
            t.baseline_s,
            t.ratings,
            t.number,
        )  # fmt: skip
        for t in recording.trials
    )
    markers = tuple(Marker(min(round(m.sample * ratio), n_out), m.label) for m in recording.markers)
    return trials, markers


def _baselines(
    prep: Prepared, plan: BaselinePlan, settings: FeatureSettings, reject_z: float
) -> BaselineEstimate:
    """The baseline: one pooled over the plan's spans, or one per trial (its own pre-trial
    seconds; the estimate's leading axis is then the trial)."""
    present = prep.present

    def span(samples: np.ndarray, a: int, b: int) -> np.ndarray:
        return samples[a:b, present].T

    if plan.pooled is not None:
        checks = None if prep.check is None else [span(prep.check, a, b) for a, b in plan.pooled]
        est = estimate_pooled([span(prep.samples, a, b) for a, b in plan.pooled], settings,
                              checks=checks, reject_z=reject_z)  # fmt: skip
        return est
    base = round(settings.baseline_s * prep.rate)
    starts = np.array([t.onset - base for t in plan.trials])
    rows = _trial_rows(prep.samples, starts, base, present)
    check = None if prep.check is None else _trial_rows(prep.check, starts, base, present)
    return estimate_baseline(rows, settings, check=check, reject_z=reject_z)


def _check_pretrial_seconds(
    prep: Prepared, trials: tuple[Trial, ...], settings: FeatureSettings, model_source: str
) -> None:
    base = round(settings.baseline_s * prep.rate)
    short = [k for k, t in enumerate(trials) if t.onset < base]
    if short:
        k = short[0]
        raise InputError(
            f"{prep.source}: trial {trials[k].number or k + 1} has "
            f"{trials[k].onset / prep.rate:g} s before it, but {model_source} needs a "
            f"{settings.baseline_s:g} s baseline"
        )


def _same_length(trials: tuple[Trial, ...]) -> list[list[int]]:
    """Trial indices grouped by length: each group's windows are computed at once."""
    groups: dict[int, list[int]] = {}
    for k, t in enumerate(trials):
        groups.setdefault(t.stop - t.onset, []).append(k)
    return list(groups.values())


def _trial_rows(
    samples: np.ndarray, starts: np.ndarray, length: int, present: np.ndarray
) -> np.ndarray:
    """(trials, present electrodes, length) from each start: a view unless electrodes are
    missing (then only those present are copied)."""
    rows = _rows(samples, starts, length).transpose(0, 2, 1)
    return rows if present.all() else rows[:, present]


def _rows(samples: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """(len(starts), length, channels): the rows from each start. A read-only view when the
    starts are evenly spaced (DEAP's back-to-back trials: no copy of the subject), else a copy."""
    steps = np.diff(starts)
    even = len(steps) == 0 or bool((steps > 0).all() and (steps == steps[0]).all())
    if not even or int(starts[-1]) + length > len(samples):  # the copy raises if out of range
        return samples[starts[:, None] + np.arange(length)[None, :]]
    rest = samples[int(starts[0]) :]
    row, col = rest.strides
    step = int(steps[0]) if len(steps) else 0
    shape = (len(starts), length, samples.shape[1])
    return np.lib.stride_tricks.as_strided(rest, shape, (step * row, row, col), writeable=False)


def predict(
    recording: Recording,
    model: EvokeModel,
    options: PredictOptions | None = None,
    *,
    consume: bool = False,
) -> Prediction:
    """Run the whole runtime over a recording: features, student, smoothing, emotions.

    consume: the caller hands the recording over (the command line reads a file only to predict
    it): its samples are let go once preprocessed (`_release_samples`), so the peak is the file's
    samples and their electrodes at the model's rate, never those and the features' working set.
    """
    options = options or PredictOptions()
    settings = model.features
    check_hop(options.hop_s, settings.rate)  # before any work: a clear reason
    prep = prepare(recording, settings)
    if consume:
        _release_samples(recording)
    plan = plan_baseline(options.baseline, prep.trials, prep.markers, len(prep.samples),
                         settings, recording.source)  # fmt: skip
    if plan.pooled is None:
        _check_pretrial_seconds(prep, plan.trials, settings, model.source)
    baseline = _baselines(prep, plan, settings, options.baseline.reject_z)
    notes = prep.notes
    notes.append(_baseline_note(plan, baseline))
    timelines: list[TrialTimeline | None] = [None] * len(plan.trials)
    how = TimelineOptions(options.hop_s, options.smoothing, options.mode == "blend",
                          options.hindsight)  # fmt: skip
    skipped = total = 0
    for ks in _same_length(plan.trials):
        starts = np.array([plan.trials[k].onset for k in ks])
        length = plan.trials[ks[0]].stop - plan.trials[ks[0]].onset
        body = _trial_rows(prep.samples, starts, length, prep.present)
        check = None
        if prep.check is not None:
            check = _trial_rows(prep.check, starts, length, prep.present)
        feats, valid, first = window_features(body, settings, hop_s=options.hop_s, check=check)
        est = baseline if plan.pooled is not None else baseline.take(ks)
        adapted = _adapted(body, feats, valid, est, settings, options)
        grid, valid = relative_grid(feats, valid, est, prep.present, adapted)
        times = first / settings.rate
        n_trials, n_win = valid.shape
        raw = model.probabilities(grid.reshape(n_trials * n_win, *grid.shape[2:])).reshape(
            n_trials, n_win, 3
        )
        raw[~valid] = np.nan
        skipped += int((~valid).sum())
        total += valid.size
        for j, k in enumerate(ks):  # per trial: a handful of recursions over that trial's timeline
            trial = plan.trials[k]
            # t from the stimulus onset (trials), else from the recording's start
            at = 0.0 if prep.trials else trial.onset / prep.rate
            timelines[k] = smooth_trial(trial.number or k + 1, times + at, raw[j], valid[j], how,
                                        trial.ratings, trial.onset / prep.rate - at)  # fmt: skip
    if total == 0:
        raise InputError(
            f"{recording.source}: too short for even one {settings.window_s:g} s window after the baseline"
        )
    if not baseline.ok.any():
        raise InputError(
            f"{recording.source}: no usable baseline: {_baseline_note(plan, baseline)}"
        )
    if skipped == total:
        raise InputError(
            f"{recording.source}: every window has NaN/Inf samples or a flat electrode; nothing to predict"
        )
    if skipped:
        notes.append(
            f"{skipped} of {total} windows skipped (NaN/Inf samples, a flat electrode or an "
            "unusable baseline); the emotion holds its last valid state there"
        )
    done = [t for t in timelines if t is not None]
    return Prediction(recording.source, done, prep.match, notes, model.describe())


def _release_samples(recording: Recording) -> None:
    """The recording's samples replaced by none, so that (the caller holding only the Recording)
    their memory is freed: everything after `prepare` reads the prepared arrays only."""
    empty = np.zeros((0, recording.samples.shape[1]), dtype=recording.samples.dtype)
    object.__setattr__(recording, "samples", empty)  # frozen: the one sanctioned hand-over


def _adapted(
    body: np.ndarray,
    feats: np.ndarray,
    valid: np.ndarray,
    est: BaselineEstimate,
    settings: FeatureSettings,
    options: PredictOptions,
) -> np.ndarray | None:
    """Per-window baselines when the baseline adapts (inference.dsp.adaptation), else None."""
    choice = options.baseline
    if choice.adapt_s <= 0:
        return None
    g = adaptation.gain(options.hop_s, choice.adapt_s)
    hop, n = hop_samples(options.hop_s, settings.rate), settings.window_samples
    out = np.empty_like(feats)
    for j in range(len(feats)):  # per trial: each follows its own session from its baseline
        one = est.single(j)
        state = adaptation.AdaptState.start(one)
        # a block of windows at a time: the log variances and the recursion's float64
        # temporaries are bounded by the block, whatever the recording's length
        for a in range(0, feats.shape[1], _ADAPT_WINDOWS):
            b = min(a + _ADAPT_WINDOWS, feats.shape[1])
            span = body[j : j + 1, :, a * hop : (b - 1) * hop + n]
            log_var = window_log_variance(span, settings, options.hop_s)[0]
            out[j, a:b], state = adaptation.follow(
                feats[j, a:b], valid[j, a:b], log_var, one, state, g, choice.reject_z
            )
    return out


def _baseline_note(plan: BaselinePlan, est: BaselineEstimate) -> str:
    if plan.pooled is not None:
        return f"baseline: {plan.what}, {est.describe()}"
    bad = int((~est.ok).sum())
    rejected = int((est.invalid + est.outliers).sum())
    parts = [f"baseline: {plan.what}"]
    if rejected:
        parts.append(f"{rejected} of {int(est.windows.sum())} baseline windows rejected")
    if bad:
        parts.append(f"{bad} of {len(est.ok)} trials without a usable baseline")
    return "; ".join(parts)
