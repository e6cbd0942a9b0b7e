"""`python -m inference batch`: predict's options for many recordings at once (the work is
inference.batch's; this is its command line)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..cli_options import (
    baseline_arguments,
    checked_model,
    decoding_arguments,
    predict_options,
    recording_arguments,
    trials,
)
from ..emotion.table import EmotionTable
from ..errors import EvokeError
from ..io.formats import SUPPORTED
from .progress import Progress
from .runner import run_batch
from .sources import find_tasks
from .timelines import PER, ReaderOptions, TimelineJob


def add_parser(sub: Any) -> None:
    """`batch`: predict's options, for many recordings at once."""
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
    recording_arguments(b, one_path=False)
    baseline_arguments(b)
    decoding_arguments(b)


def run(args: argparse.Namespace) -> int:
    if args.markers:
        raise EvokeError("--markers lists one recording's markers: use predict PATH --markers")
    if args.workers is not None and args.workers < 1:
        raise EvokeError(f"--workers {args.workers}: must be 1 or more")
    checked_model(args)  # a bad model or --hop fails once, here, not in every task
    if args.emotions:
        EmotionTable.load(args.emotions)
    tasks = find_tasks(args.paths)
    if args.subject is not None:
        tasks = [t for t in tasks if t.subject == args.subject]
        if not tasks:
            raise EvokeError(f"--subject {args.subject}: no such DEAP subject among the paths")
    chosen = trials(args.trial)
    reader = ReaderOptions(
        trial=tuple(chosen) if chosen else None, stream=args.stream, rate=args.rate,
        unit=args.unit, channel_map=args.channel_map, montage=args.montage,
        between=tuple(args.between) if args.between else None, board=args.board,
    )  # fmt: skip
    job = TimelineJob(
        str(Path(args.out).resolve()), args.format, args.per, predict_options(args), reader,
        str(Path(args.model).resolve()) if args.model else None,
        str(Path(args.emotions).resolve()) if args.emotions else None,
    )  # fmt: skip
    progress = Progress(len(tasks), "recordings", enabled=not args.quiet)
    summary = run_batch(tasks, job, Path(args.out), workers=args.workers, ray=args.ray,
                        progress=progress)  # fmt: skip
    print(summary.as_text(), end="")
    return 1 if summary.failures else 0
