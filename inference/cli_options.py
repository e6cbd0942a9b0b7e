"""The options `predict` and `batch` share: their definitions (which recording, which seconds
are the baseline, the model and the smoothing) and what they become (PredictOptions, the
BaselineChoice, the model checked against --hop and --calibration)."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from .calibration import (
    CALIBRATION_S,
    MAX_ADAPT_S,
    MAX_CALIBRATION_S,
    MIN_ADAPT_S,
    BaselineChoice,
    check_calibration,
)
from .dsp.baseline import REJECT_Z
from .dsp.montages import MONTAGES
from .dsp.rates import MAX_RATE_HZ, MIN_RATE_HZ
from .dsp.trials import MAX_HOP_S, check_hop
from .emotion.smoothing import METHODS, SmoothingSettings
from .errors import InputError
from .io.formats import SUPPORTED, accepting
from .io.units import UNIT_CHOICES
from .limits import MAX_TRIALS
from .model.model_file import EvokeModel, load_model
from .predict import MODES, PredictOptions


def _number(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Any:
    """An argparse type: a finite number in a range (argparse names the option in its error)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (math.isfinite(value) and above and below):
            lo, hi = "(" if low_open else "[", ")" if high_open else "]"
            raise argparse.ArgumentTypeError(f"{text} is outside {lo}{low:g}, {high:g}{hi}")
        return value

    return parse


def recording_arguments(pr: argparse.ArgumentParser, *, one_path: bool = True) -> None:
    """Which recording, which part of it, and how its channels are read."""
    if one_path:
        pr.add_argument("path", help=f"the recording: {SUPPORTED}")
    pr.add_argument("--subject", type=int, help="subject number when PATH is a DEAP folder")
    pr.add_argument(
        "--trial",
        type=int,
        action="append",
        help=f"trial number (1-based); repeatable (at most {MAX_TRIALS}, each once). DEAP's "
        "preprocessed files number trials in video order; DEAP's original BDF recordings in the "
        "order they were shown (the table between the two is DEAP's, not bundled)",
    )
    pr.add_argument(
        "--stream",
        help=f"{accepting('stream')}: which stream (name, type or id); default: the EEG stream",
    )
    pr.add_argument(
        "--rate",
        type=_number(MIN_RATE_HZ, MAX_RATE_HZ),
        help=f"{accepting('rate')} without a time column: sampling rate in Hz",
    )
    pr.add_argument(
        "--unit",
        choices=UNIT_CHOICES,
        help=f"{accepting('unit')}: the values' unit when the file names none (default: from "
        "the file, else "
        "guessed from the amplitude, with a note)",
    )
    pr.add_argument(
        "--board",
        help=f"{accepting('board')}: the board that recorded it, a BrainFlow board id or name "
        "(cyton, cyton-daisy, ganglion, muse-2, unicorn, ...); default: from the column count",
    )
    pr.add_argument(
        "--channel-map",
        help="channel -> electrode for numbered channels: 'Ch1=Fp1,Ch2=Fp2' (or 1-based positions, "
        "'1=Fp1'), JSON, or a file holding either; electrodes outside DEAP's 32 are not used",
    )
    pr.add_argument(
        "--montage", choices=sorted(MONTAGES), help="a headset's default electrode placement"
    )
    pr.add_argument("--markers", action="store_true", help="list the recording's markers and exit")
    pr.add_argument(
        "--between",
        nargs=2,
        type=int,
        metavar=("FIRST", "LAST"),
        help="predict the span between two markers (numbers as --markers lists them)",
    )


def baseline_arguments(pr: argparse.ArgumentParser) -> None:
    """Which seconds are the person at rest (inference.calibration)."""
    group = pr.add_argument_group(
        "baseline",
        "the resting span every window is compared with; default: DEAP's 3 s before each "
        f"trial, or the first {CALIBRATION_S:g} s of a recording without trials",
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--calibration",
        type=_number(1, MAX_CALIBRATION_S),
        metavar="SECONDS",
        help="the first SECONDS of the recording are rest (the timeline starts after them)",
    )
    where.add_argument(
        "--calibration-span",
        nargs=2,
        type=_number(0, 1e7),
        metavar=("FROM", "TO"),
        help="seconds FROM..TO of the recording are rest",
    )
    where.add_argument(
        "--calibration-markers",
        nargs=2,
        type=int,
        metavar=("FIRST", "LAST"),
        help="the span between two markers (numbers as --markers lists them) is rest",
    )
    where.add_argument(
        "--session-baseline",
        action="store_true",
        help="one baseline for all trials, from their pre-trial seconds pooled (as a live "
        "session's one calibration)",
    )
    group.add_argument(
        "--adapt",
        type=_adapt_seconds,
        default=0.0,
        metavar="SECONDS",
        help=f"let the baseline follow a long session with this time constant "
        f"({MIN_ADAPT_S:g}-{MAX_ADAPT_S:g} s; default 0: fixed)",
    )
    group.add_argument(
        "--outlier-z",
        type=_number(0, 100),
        default=REJECT_Z,
        help=f"reject rest windows whose amplitude is this many robust SDs above the median "
        f"(blinks, movement); 0 = keep all (default {REJECT_Z:g})",
    )


def _adapt_seconds(text: str) -> float:
    value = _number(0, MAX_ADAPT_S)(text)
    if 0 < value < MIN_ADAPT_S:
        raise argparse.ArgumentTypeError(
            f"{text} is outside {MIN_ADAPT_S:g}-{MAX_ADAPT_S:g} (or 0)"
        )
    return float(value)


def baseline_choice(args: argparse.Namespace) -> BaselineChoice:
    common = {"reject_z": args.outlier_z, "adapt_s": args.adapt}
    if args.calibration is not None:
        return BaselineChoice("first", seconds=args.calibration, **common)
    if args.calibration_span is not None:
        start, stop = args.calibration_span
        if stop - start < 1:  # where it lies in the recording is the recording's to say
            raise InputError(
                f"--calibration-span {start:g} {stop:g}: TO must be at least 1 s after FROM"
            )
        return BaselineChoice("span", span_s=(start, stop), **common)
    if args.calibration_markers is not None:
        return BaselineChoice("markers", markers=tuple(args.calibration_markers), **common)
    if args.session_baseline:
        return BaselineChoice("session", **common)
    return BaselineChoice(**common)


def decoding_arguments(pr: argparse.ArgumentParser) -> None:
    """The model, the windows and the decoder's smoothing."""
    pr.add_argument("--model", help="model file (.npz); default: the bundled model")
    pr.add_argument(
        "--hop",
        type=_number(0, MAX_HOP_S, low_open=True),
        default=1.0,
        help="seconds between windows (default 1.0; a whole number of samples at 128 Hz)",
    )
    pr.add_argument("--mode", choices=MODES, default="discrete")
    pr.add_argument("--emotions", help="emotion table JSON (default: the model's)")
    d = SmoothingSettings()  # the defaults' one home
    sm = pr.add_argument_group("smoothing", "how the shown emotion follows the windows")
    sm.add_argument(
        "--smoother",
        choices=METHODS,
        default=d.method,
        help=f"hmm: a Bayesian filter over the eight emotions; ema: moving average, hysteresis "
        f"and dwell; none: each window's own emotion (default {d.method})",
    )
    sm.add_argument(
        "--as-live",
        action="store_true",
        help="hmm: smooth each window with the windows before it only, as a live session does; "
        "default: with hindsight (the whole recording), so a change shows where the EEG changed",
    )
    sm.add_argument(
        "--switch",
        type=_number(0.1, 3600),
        default=d.switch_s,
        help=f"hmm: expected seconds between changes of emotion (default {d.switch_s:g})",
    )
    sm.add_argument(
        "--evidence",
        type=_number(0.01, 100),
        default=d.evidence,
        help=f"hmm: windows' worth of belief per second (default {d.evidence:g})",
    )
    sm.add_argument(
        "--confidence",
        type=_number(0.5, 1, low_open=True, high_open=True),
        default=d.confidence,
        help=f"hmm: how sure the filter must be before a new emotion shows (default {d.confidence:g})",
    )
    sm.add_argument(
        "--tau",
        type=_number(0, 3600),
        default=d.tau_s,
        help=f"ema: time constant in s, 0 = off (default {d.tau_s:g})",
    )
    sm.add_argument(
        "--hysteresis",
        type=_number(0, 0.5, high_open=True),
        default=d.hysteresis,
        help=f"ema: bits flip at 0.5 +- this (default {d.hysteresis:g})",
    )
    sm.add_argument(
        "--dwell",
        type=_number(0, 3600),
        default=d.min_dwell_s,
        help=f"seconds a new emotion must persist (default {d.min_dwell_s:g})",
    )


def trials(given: list[int] | None) -> list[int] | None:
    """--trial as given: read_recording reads each number once (300 times trial 1 is trial 1) and
    refuses more than MAX_TRIALS; here only the note that repeats were read once."""
    if not given:
        return None
    repeated = len(given) - len(set(given))
    if repeated:
        print(f"note: --trial: {repeated} repeated numbers read once", file=sys.stderr)
    return given


def predict_options(args: argparse.Namespace) -> PredictOptions:
    smoothing = SmoothingSettings(
        tau_s=args.tau, hysteresis=args.hysteresis, min_dwell_s=args.dwell,
        method=args.smoother, switch_s=args.switch, evidence=args.evidence,
        confidence=args.confidence,
    )  # fmt: skip
    return PredictOptions(
        hop_s=args.hop, mode=args.mode, smoothing=smoothing, baseline=baseline_choice(args),
        hindsight=not args.as_live,
    )  # fmt: skip


def checked_model(args: argparse.Namespace) -> EvokeModel:
    """The model, with --hop and --calibration checked against its rate and its baseline."""
    model = load_model(args.model)
    if args.calibration is not None:  # at least the model's own baseline (DEAP's 3 s)
        check_calibration(args.calibration, model.features.baseline_s, "--calibration")
    check_hop(args.hop, model.features.rate, "--hop")
    return model
