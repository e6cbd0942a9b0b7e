"""Command line: predict emotions from a recording, print a model's provenance. (The speed
figures are `scripts/evoke.py bench_runtime`: they need torch and scipy as references.)"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

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
from .dsp.trials import hop_samples
from .emotion.smoothing import METHODS, SmoothingSettings
from .emotion.table import EmotionTable
from .emotion.timeline_export import to_csv, to_json
from .errors import EvokeError, InputError, one_line, printable
from .io.formats import SUPPORTED, accepting, describe_markers, read_recording
from .io.units import UNIT_CHOICES
from .limits import MAX_MESSAGE_CHARS, MAX_TRIALS
from .live import cli as live_cli
from .model.model_file import EvokeModel, load_model
from .predict import MODES, Prediction, PredictOptions, predict


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


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (`error: argument --hop: ...`), as every other error: not
    the whole usage first, which buried the line that says what is wrong."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message, MAX_MESSAGE_CHARS)}\n")


def _parser() -> argparse.ArgumentParser:
    p = _OneLineParser(prog="python -m inference", description="EVOKE runtime: EEG -> emotions")
    sub = p.add_subparsers(dest="command", required=True)

    pr = sub.add_parser("predict", help="print the emotion timeline of a recording")
    _recording_arguments(pr)
    _baseline_arguments(pr)
    _decoding_arguments(pr)
    out = pr.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON list of windows")
    out.add_argument("--csv", action="store_true", help="print the windows as CSV")

    live_cli.add_parser(sub)
    _batch_parser(sub)

    info = sub.add_parser("model-info", help="print a model's metadata")
    info.add_argument("path", nargs="?", help="model file; default: the bundled model")

    return p


def _recording_arguments(pr: argparse.ArgumentParser, *, one_path: bool = True) -> None:
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


def _baseline_arguments(pr: argparse.ArgumentParser) -> None:
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


def _baseline_choice(args: argparse.Namespace) -> BaselineChoice:
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


def _decoding_arguments(pr: argparse.ArgumentParser) -> None:
    """The model, the windows and the decoder's smoothing."""
    pr.add_argument("--model", help="model file (.npz); default: the bundled model")
    pr.add_argument(
        "--hop",
        type=_number(0, 60, low_open=True),
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


def _print_text(pred: Prediction, table: EmotionTable) -> None:
    print(f"model: {printable(pred.model)}")
    for tl in pred.timelines:
        ratings = " ".join(f"{n} {r:.1f}" for n, r in zip("VADL", tl.ratings, strict=False))
        print(f"\ntrial {tl.trial}" + (f"  (self-report {ratings})" if ratings else ""))
        print("      t   P(val) P(aro) P(dom)  emotion      confidence")
        for rec in tl.records(table):
            flag = "" if rec["valid"] else "  (skipped window: holding)"
            print(
                f"{rec['t']:7.2f}   {rec['valence']:.2f}   {rec['arousal']:.2f}   {rec['dominance']:.2f}  "
                f"{printable(rec['emotion']):<12} {rec['confidence']:.2f}{flag}"
            )


def _trials(given: list[int] | None) -> list[int] | None:
    """--trial as given: read_recording reads each number once (300 times trial 1 is trial 1) and
    refuses more than MAX_TRIALS; here only the note that repeats were read once."""
    if not given:
        return None
    repeated = len(given) - len(set(given))
    if repeated:
        print(f"note: --trial: {repeated} repeated numbers read once", file=sys.stderr)
    return given


def _predict_options(args: argparse.Namespace) -> PredictOptions:
    smoothing = SmoothingSettings(
        tau_s=args.tau, hysteresis=args.hysteresis, min_dwell_s=args.dwell,
        method=args.smoother, switch_s=args.switch, evidence=args.evidence,
        confidence=args.confidence,
    )  # fmt: skip
    return PredictOptions(
        hop_s=args.hop, mode=args.mode, smoothing=smoothing, baseline=_baseline_choice(args),
        hindsight=not args.as_live,
    )  # fmt: skip


def _checked_model(args: argparse.Namespace) -> EvokeModel:
    """The model, with --hop and --calibration checked against its rate and its baseline."""
    model = load_model(args.model)
    if args.calibration is not None:  # at least the model's own baseline (DEAP's 3 s)
        check_calibration(args.calibration, model.features.baseline_s, "--calibration")
    rate = model.features.rate
    try:
        hop_samples(args.hop, rate)
    except ValueError:
        raise EvokeError(
            f"--hop {args.hop:g}: not a whole number of samples at the model's {rate:g} Hz "
            f"(use a multiple of 1/{rate:g} s, such as 0.25)"
        ) from None
    return model


def _predict(args: argparse.Namespace) -> int:
    model = _checked_model(args)
    table = EmotionTable.load(args.emotions) if args.emotions else model.emotions
    trials = _trials(args.trial)
    recording = read_recording(
        args.path,
        subject=args.subject,
        trial=trials,
        stream=args.stream,
        rate=args.rate,
        unit=args.unit,
        channel_map=args.channel_map,
        montage=args.montage,
        between=tuple(args.between) if args.between else None,
        board=args.board,
    )
    if args.markers:
        lines = [one_line(line, MAX_MESSAGE_CHARS) for line in describe_markers(recording)]
        print(
            "\n".join(lines)
            if lines
            else one_line(f"{recording.source}: no markers", MAX_MESSAGE_CHARS)
        )
        return 0
    pred = predict(
        recording, model, _predict_options(args), consume=True
    )  # read only to be predicted
    for note in pred.notes:
        print(f"note: {one_line(note, MAX_MESSAGE_CHARS)}", file=sys.stderr)
    if not model.provenance.get("trained", False):
        print(f"warning: {one_line(model.describe(), MAX_MESSAGE_CHARS)}", file=sys.stderr)
    if args.json or args.csv:
        rows = [row for tl in pred.timelines for row in tl.rows(table)]
        sys.stdout.write(to_json(rows) if args.json else to_csv(rows))  # the add-on's writer
    else:
        _print_text(pred, table)
    return 0


def _batch_parser(sub: Any) -> None:
    """`batch`: predict's options, for many recordings at once (inference.batch)."""
    from .batch.timelines import PER

    b = sub.add_parser(
        "batch",
        help="write the timelines of many recordings (folders, globs), on every core or on Ray",
        description="One timeline file per recording (or per trial) under --out, atomically; a "
        "rerun skips what is complete; failures are listed in the summary (exit code 1).",
    )
    b.add_argument("paths", nargs="+", help=f"recordings, folders or globs: {SUPPORTED}")
    b.add_argument("--out", required=True, help="output folder (summary.json/.txt go there too)")
    b.add_argument("--per", choices=PER, default="recording",
                   help="one file per recording (default) or per trial (FOLDER/trialNN)")  # fmt: skip
    b.add_argument("--format", choices=("json", "csv"), default="json", help="as predict's")
    b.add_argument("--workers", type=int, help="local processes (default: every core)")
    b.add_argument(
        "--ray",
        metavar="auto|ADDRESS|local",
        help="run on a Ray cluster: auto (the one `ray start` made), its address, or local (a "
        "private Ray here); needs the optional extra: pip install 'evoke-blender[ray]'",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    _recording_arguments(b, one_path=False)
    _baseline_arguments(b)
    _decoding_arguments(b)


def _batch(args: argparse.Namespace) -> int:
    from .batch import find_tasks, run_batch
    from .batch.progress import Progress
    from .batch.timelines import ReaderOptions, TimelineJob

    if args.markers:
        raise EvokeError("--markers lists one recording's markers: use predict PATH --markers")
    if args.workers is not None and args.workers < 1:
        raise EvokeError(f"--workers {args.workers}: must be 1 or more")
    _checked_model(args)  # a bad model or --hop fails once, here, not in every task
    if args.emotions:
        EmotionTable.load(args.emotions)
    tasks = find_tasks(args.paths)
    if args.subject is not None:
        tasks = [t for t in tasks if t.subject == args.subject]
        if not tasks:
            raise EvokeError(f"--subject {args.subject}: no such DEAP subject among the paths")
    trials = _trials(args.trial)
    reader = ReaderOptions(
        trial=tuple(trials) if trials else None, stream=args.stream, rate=args.rate,
        unit=args.unit, channel_map=args.channel_map, montage=args.montage,
        between=tuple(args.between) if args.between else None, board=args.board,
    )  # fmt: skip
    job = TimelineJob(
        str(Path(args.out).resolve()), args.format, args.per, _predict_options(args), reader,
        str(Path(args.model).resolve()) if args.model else None,
        str(Path(args.emotions).resolve()) if args.emotions else None,
    )  # fmt: skip
    progress = Progress(len(tasks), "recordings", enabled=not args.quiet)
    summary = run_batch(tasks, job, Path(args.out), workers=args.workers, ray=args.ray,
                        progress=progress)  # fmt: skip
    print(summary.as_text(), end="")
    return 1 if summary.failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # a library's warning is a note, never a raw line
        code = _run(args)
    if code == 0:
        _print_warnings(caught)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "predict":
            return _predict(args)
        if args.command == "live":
            live_cli.install_sigterm()
            return live_cli.run(args)
        if args.command == "batch":
            return _batch(args)
        if args.command == "model-info":
            model = load_model(args.path)
            print(one_line(model.describe(), MAX_MESSAGE_CHARS))
            print(json.dumps(model.metadata, indent=1, sort_keys=True, allow_nan=False))
            return 0
        raise AssertionError(f"unknown command {args.command}")  # argparse allows no other
    except EvokeError as exc:
        return _error(exc)
    except (ValueError, OSError) as exc:
        return _error(f"{_input_of(args)}: {exc}")
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        return _error(f"{_input_of(args)}: not enough memory")
    except RecursionError:
        return _error(f"{_input_of(args)}: an input is nested too deeply")
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        return _error(f"{_input_of(args)}: unexpected {type(exc).__name__}: {exc}")


def _error(message: object) -> int:
    print(f"error: {one_line(message, MAX_MESSAGE_CHARS)}", file=sys.stderr)
    return 2


def _print_warnings(caught: list[warnings.WarningMessage], most: int = 5) -> None:
    """Warnings a library raised while we ran, once each, as notes."""
    seen = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    for text in seen[:most]:
        print(f"note: {one_line(text, MAX_MESSAGE_CHARS)}", file=sys.stderr)
    if len(seen) > most:
        print(f"note: and {len(seen) - most} more warnings", file=sys.stderr)


def _input_of(args: argparse.Namespace) -> str:
    return str(getattr(args, "path", None) or getattr(args, "source", None) or args.command)
