"""Replay a recording as a Lab Streaming Layer (LSL) EEG outlet: the command line of
`inference.live.player.Player`.

    python scripts/evoke.py stream_lsl RECORDING --name NAME [--subject N] [--trial K] [--loop]
        [--speed X] [--chunk 8] [--type EEG] [--source-id ID] [--stream S] [--rate HZ]
        [--max-seconds T] [--loopback]

RECORDING is anything `inference.read_recording` reads. Stops at the end (unless `--loop`), after
`--max-seconds`, or on Ctrl-C / SIGTERM, exiting 0. For a machine with no network (or tests),
point LSLAPICFG at a loopback-only configuration such as tests/lsl_loopback.cfg before starting
this and its consumers, or pass --loopback (which sets it for this process only; consumers need
it too). See docs/LIVE.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence

from evoke_tools.paths import LOOPBACK_CONFIG
from inference.errors import EvokeError
from inference.io.formats import read_recording
from inference.live.player import Player


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recording", help="DEAP folder/.dat/.mat, .xdf, .edf/.bdf or .csv")
    p.add_argument("--name", required=True, help="LSL stream name")
    p.add_argument("--subject", type=int, help="DEAP subject number (folders)")
    p.add_argument("--trial", type=int, action="append", help="DEAP trial(s), 1-based; default all")
    p.add_argument("--loop", action="store_true", help="start over at the end")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    p.add_argument("--chunk", type=int, default=8, help="samples per pushed chunk (default 8)")
    p.add_argument("--type", default="EEG", help="LSL stream type (default EEG)")
    p.add_argument("--source-id", help="LSL source id (inlets recover by it); default from name")
    p.add_argument("--stream", help="XDF: stream name, type or id to replay")
    p.add_argument("--rate", type=float, help="CSV: sampling rate in Hz (else a time column)")
    p.add_argument("--max-seconds", type=float, help="stop after this many seconds")
    p.add_argument(
        "--loopback",
        action="store_true",
        help="use tests/lsl_loopback.cfg (this machine only) unless LSLAPICFG is already set",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.loopback:  # liblsl reads its configuration once, when pylsl loads it
        os.environ.setdefault("LSLAPICFG", str(LOOPBACK_CONFIG))
    try:
        trial = args.trial[0] if args.trial and len(args.trial) == 1 else args.trial
        rec = read_recording(
            args.recording, args.subject, trial, stream=args.stream, rate=args.rate
        )
        player = Player(rec, args.name, stream_type=args.type, source_id=args.source_id,
                        chunk=args.chunk, speed=args.speed, loop=args.loop,
                        max_seconds=args.max_seconds)  # fmt: skip
    except (EvokeError, ValueError) as exc:
        print(f"stream_lsl: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, player.stopper)
    signal.signal(signal.SIGINT, player.stopper)
    print(
        f"streaming '{args.name}' ({args.type}, source_id {player.source_id}): {len(rec.channels)} "
        f"channels at {rec.rate:g} Hz, {player.seconds:.1f} s{' looped' if args.loop else ''} "
        f"at x{args.speed:g} from {rec.source}",
        flush=True,
    )
    try:
        sent = player.run()
        if not (args.loop or player.stopper.requested):
            time.sleep(0.5)  # let connected inlets take the last chunk before the outlet closes
    except KeyboardInterrupt:
        sent = -1
    player.outlet = None  # close the outlet (inlets see the stream end)
    done = f"{sent / rec.rate:.1f} s" if sent >= 0 else "interrupted"
    print(f"stopped '{args.name}' ({done})", flush=True)
    return 0
