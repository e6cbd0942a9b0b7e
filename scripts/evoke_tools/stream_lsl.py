"""Replay a recording as a Lab Streaming Layer (LSL) EEG outlet, paced by the clock.

    python scripts/stream_lsl.py RECORDING --name NAME [--subject N] [--trial K] [--loop]
        [--speed X] [--chunk 8] [--type EEG] [--source-id ID] [--stream S] [--rate HZ]
        [--max-seconds T] [--loopback]

RECORDING is anything `inference.io.formats.read_recording` reads (DEAP folder/.dat/.mat, XDF,
EDF/BDF, CSV). DEAP trials play as baseline + trial, the chosen trial or all back to back.
Samples go out in chunks of `--chunk` with one LSL time stamp per sample, at the recording's rate
times `--speed`. The stream description carries desc/channels/channel/{label, unit, type}.
Stops at the end (unless `--loop`), after `--max-seconds`, or on Ctrl-C / SIGTERM, exiting 0.

For a machine with no network (or tests), point LSLAPICFG at a loopback-only configuration such
as tests/lsl_loopback.cfg before starting this and its consumers, or pass --loopback (which sets
it for this process only; consumers need it too). See docs/LIVE.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType, ModuleType
from typing import Any

import numpy as np

from evoke_tools.paths import LOOPBACK_CONFIG
from inference.dsp.electrodes import canonical_name
from inference.errors import EvokeError
from inference.io.formats import read_recording
from inference.io.recording import Recording

LIBLSL_HELP = (
    "pylsl could not load the LSL library (liblsl): {error}\n"
    "Install it: `pip install pylsl==1.18.6` bundles liblsl on x86-64 Linux with glibc >= 2.35, "
    "Windows and macOS; elsewhere install liblsl (`conda install -c conda-forge liblsl`, a "
    "package of your distribution, or a release from https://github.com/sccn/liblsl/releases) "
    "and set PYLSL_LIB to the library file."
)


def import_pylsl() -> ModuleType:
    """pylsl, or SystemExit with what to install (pylsl raises RuntimeError without liblsl)."""
    try:
        import pylsl
    except ImportError as exc:
        if exc.name == "pylsl":
            raise SystemExit(
                "stream_lsl: pylsl is not installed: pip install pylsl==1.18.6"
            ) from None
        raise SystemExit(LIBLSL_HELP.format(error=exc)) from None
    except (RuntimeError, OSError) as exc:
        raise SystemExit(LIBLSL_HELP.format(error=exc)) from None
    return pylsl


def playback_samples(rec: Recording) -> np.ndarray:
    """What to play: each trial's baseline + trial (DEAP), or the whole recording."""
    if not rec.trials:
        return np.ascontiguousarray(rec.samples, dtype=np.float32)
    parts = [rec.samples[t.onset - round(t.baseline_s * rec.rate) : t.stop] for t in rec.trials]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def channel_kind(label: str) -> tuple[str, str]:
    """(type, unit) of one channel for the stream description."""
    if canonical_name(label) is not None:
        return "EEG", "microvolts"
    upper = label.upper()
    for key, kind in (("EOG", "EOG"), ("EMG", "EMG"), ("GSR", "GSR"), ("RESP", "RESP")):
        if key in upper:
            return kind, "microvolts" if kind in ("EOG", "EMG") else "unknown"
    return "MISC", "unknown"


def make_info(
    pylsl: ModuleType,
    name: str,
    kind: str,
    labels: Sequence[str],
    rate: float,
    source_id: str,
    origin: str,
) -> Any:
    info = pylsl.StreamInfo(name, kind, len(labels), rate, pylsl.cf_float32, source_id)
    desc = info.desc()
    channels = desc.append_child("channels")
    for label in labels:
        ch_type, unit = channel_kind(label)
        channel = channels.append_child("channel")
        channel.append_child_value("label", label)
        channel.append_child_value("unit", unit)
        channel.append_child_value("type", ch_type)
    desc.append_child("acquisition").append_child_value("manufacturer", "EVOKE replay")
    desc.append_child_value("source_file", origin)
    return info


class Stop:
    """Set by SIGTERM/SIGINT handlers; the playback loop checks it between chunks."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def play(
    push: Callable[[np.ndarray, np.ndarray], None],
    samples: np.ndarray,
    rate: float,
    *,
    chunk: int = 8,
    speed: float = 1.0,
    loop: bool = False,
    max_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    stamp_clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stop: Stop | None = None,
) -> int:
    """Push `samples` in chunks paced by `clock`; returns the number of samples sent.

    Sample k (counting across loops) is due at start + k / (rate * speed) and carries that
    time (on `stamp_clock`, LSL's local_clock) as its time stamp.
    """
    n = samples.shape[0]
    step = 1.0 / (rate * speed)
    start = clock()
    stamp0 = (stamp_clock or clock)()
    sent = 0
    total = None if loop else n
    while total is None or sent < total:
        if stop is not None and stop.requested:
            break
        now = clock() - start
        if max_seconds is not None and now >= max_seconds:
            break
        due = min(int(now / step) + 1, total) if total is not None else int(now / step) + 1
        while due - sent >= chunk or (total is not None and due == total and sent < total):
            count = min(chunk, due - sent)
            idx = (sent + np.arange(count)) % n
            push(samples[idx], stamp0 + (sent + np.arange(count)) * step)
            sent += count
        wait = (sent + chunk - 1) * step - (clock() - start)
        sleep(min(max(wait, 0.0), 0.05))  # short naps: signals and --max-seconds act quickly
    return sent


def pusher(outlet: Any) -> Callable[[np.ndarray, np.ndarray], None]:
    """push(chunk, stamps): one LSL chunk with a time stamp per sample."""

    def push(chunk: np.ndarray, stamps: np.ndarray) -> None:
        outlet.push_chunk(chunk, stamps.tolist())

    return push


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
    if not args.speed > 0 or args.chunk < 1:
        print("stream_lsl: --speed must be > 0 and --chunk >= 1", file=sys.stderr)
        return 2
    try:
        trial = args.trial[0] if args.trial and len(args.trial) == 1 else args.trial
        rec = read_recording(
            args.recording, args.subject, trial, stream=args.stream, rate=args.rate
        )
    except EvokeError as exc:
        print(f"stream_lsl: {exc}", file=sys.stderr)
        return 2
    samples = playback_samples(rec)
    if args.loopback:  # liblsl reads its configuration once, when pylsl loads it
        os.environ.setdefault("LSLAPICFG", str(LOOPBACK_CONFIG))
    pylsl = import_pylsl()
    source_id = args.source_id or f"evoke-replay-{args.name}"
    info = make_info(pylsl, args.name, args.type, rec.channels, rec.rate, source_id, rec.source)
    outlet = pylsl.StreamOutlet(info, chunk_size=args.chunk, max_buffered=360)
    stop = Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    seconds = samples.shape[0] / rec.rate
    print(
        f"streaming '{args.name}' ({args.type}, source_id {source_id}): {len(rec.channels)} "
        f"channels at {rec.rate:g} Hz, {seconds:.1f} s{' looped' if args.loop else ''} "
        f"at x{args.speed:g} from {rec.source}",
        flush=True,
    )

    push = pusher(outlet)
    try:
        sent = play(
            push,
            samples,
            rec.rate,
            chunk=args.chunk,
            speed=args.speed,
            loop=args.loop,
            max_seconds=args.max_seconds,
            stamp_clock=pylsl.local_clock,
            stop=stop,
        )
        if not (args.loop or stop.requested):
            time.sleep(0.5)  # let connected inlets take the last chunk before the outlet closes
    except KeyboardInterrupt:
        sent = -1
    del push, outlet  # close the outlet (inlets see the stream end)
    done = f"{sent / rec.rate:.1f} s" if sent >= 0 else "interrupted"
    print(f"stopped '{args.name}' ({done})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
