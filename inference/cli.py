"""Command line: predict emotions from a recording, print a model's provenance; one error line
for whatever fails. The options predict shares with batch are `cli_options`; `batch` and `live`
bring their own commands (`batch/cli.py`, `live/cli.py`). (The speed figures are
`scripts/evoke.py bench_runtime`: they need torch and scipy as references.)"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from .batch import cli as batch_cli
from .cli_options import (
    baseline_arguments,
    checked_model,
    decoding_arguments,
    predict_options,
    recording_arguments,
    trials,
)
from .emotion.table import EmotionTable
from .emotion.timeline_export import to_csv, to_json
from .errors import EvokeError, one_line, printable
from .io.formats import describe_markers, read_recording
from .limits import MAX_MESSAGE_CHARS
from .live import cli as live_cli
from .model.model_file import load_model
from .predict import Prediction, predict


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (`error: argument --hop: ...`), as every other error: not
    the whole usage first, which buried the line that says what is wrong."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message, MAX_MESSAGE_CHARS)}\n")


def _parser() -> argparse.ArgumentParser:
    p = _OneLineParser(prog="python -m inference", description="EVOKE runtime: EEG -> emotions")
    sub = p.add_subparsers(dest="command", required=True)

    pr = sub.add_parser("predict", help="print the emotion timeline of a recording")
    recording_arguments(pr)
    baseline_arguments(pr)
    decoding_arguments(pr)
    out = pr.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON list of windows")
    out.add_argument("--csv", action="store_true", help="print the windows as CSV")

    live_cli.add_parser(sub)
    batch_cli.add_parser(sub)

    info = sub.add_parser("model-info", help="print a model's metadata")
    info.add_argument("path", nargs="?", help="model file; default: the bundled model")

    return p


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


def _predict(args: argparse.Namespace) -> int:
    model = checked_model(args)
    table = EmotionTable.load(args.emotions) if args.emotions else model.emotions
    chosen = trials(args.trial)
    recording = read_recording(
        args.path,
        subject=args.subject,
        trial=chosen,
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
        recording, model, predict_options(args), consume=True
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
            return batch_cli.run(args)
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
