"""A headless live session in Blender: the extension's live driver drives an avatar, ticked by
this script, and with --out the face is recorded as keyframes into a .blend.

python scripts/evoke.py live_session --stream NAME --seconds S [--out session.blend] [--json] [--loopback]

For OSC/LSL without Blender use `python -m inference live` (`evoke-live`): the same session, no
bpy, a fraction of the memory. This script earns its place by what needs Blender: with --out,
the face is recorded as keyframes from the scene's first frame (the panel's Record Keyframes)
and the scene is saved, ready to render with Render Clip.

The extension is built and installed into a throw-away Blender user folder, an avatar is added,
and the same driver the sidebar uses runs at 4 ticks a second (timers never fire in the bpy
module, so this script calls the tick). Prints latency figures (ms from a chunk's arrival in a
tick to the shape keys written), the main-thread cost of a tick, windows and emotions seen.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from evoke_tools.paths import ROOT
from evoke_tools.process_exit import leave
from inference.calibration import CALIBRATION_S


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    connected = _connect(args)
    if connected is None:
        return 2
    live_ops, driver = connected
    cpu0, wall0 = time.process_time(), time.monotonic()
    emotions = _run(driver, args, live_ops.EASING_TICK_S)
    if emotions is None:
        return 2
    cpu_percent = 100 * (time.process_time() - cpu0) / (time.monotonic() - wall0)
    figures = _figures(args, driver.status, emotions, cpu_percent)
    _finish(args, live_ops, driver, figures)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--stream", help="LSL stream name (the same as --source lsl:NAME)")
    where.add_argument(
        "--source",
        help="lsl:NAME, or brainflow:BOARD[,key=value...] (brainflow:synthetic; "
        "brainflow:playback,file=F,master_board=synthetic; brainflow:cyton,serial_port=/dev/ttyUSB0)",
    )
    ap.add_argument("--osc", metavar="HOST:PORT", help="send the emotion over OSC")
    ap.add_argument("--osc-mode", choices=("vrchat", "bfi", "generic"), default="vrchat")
    ap.add_argument("--osc-prefix", default="", help="address prefix (default: the mode's own)")
    ap.add_argument("--osc-rate", type=float, default=10.0, help="Hz (VRChat: at most 10)")
    ap.add_argument(
        "--lsl-out", nargs="?", const="EVOKE-emotion", help="publish the emotion as an LSL stream"
    )
    ap.add_argument(
        "--seconds", type=float, default=30.0, help="how long to run once the source is found"
    )
    ap.add_argument(
        "--wait",
        type=float,
        default=0.0,
        help="give up when no source is found within this many seconds (default 0: keep "
        "looking, saying so, until one appears or Ctrl+C)",
    )
    ap.add_argument("--hop", type=float, default=0.25)
    ap.add_argument(
        "--tick", type=float, default=0.25, help="seconds between ticks (the add-on's timer: 0.25)"
    )
    ap.add_argument("--model", default="")
    ap.add_argument(
        "--calibration",
        type=float,
        default=CALIBRATION_S,
        help=f"seconds of rest that become the baseline (default {CALIBRATION_S:g})",
    )
    ap.add_argument("--out", help="record the face as keyframes and save the scene as a .blend")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--loopback", action="store_true", help="keep LSL on this machine (tests/lsl_loopback.cfg)"
    )
    return ap.parse_args(argv)


def _connect(args: argparse.Namespace) -> tuple[ModuleType, Any] | None:
    """Install the extension, add an avatar and connect its live driver, as a user would from
    the sidebar; None (the reason printed) when the stream cannot be connected."""
    if args.loopback:
        os.environ.setdefault("LSLAPICFG", str(ROOT / "tests" / "lsl_loopback.cfg"))
    from evoke_tools.extension import install_for_script

    install_for_script("live")
    import importlib

    import bpy

    live_ops = importlib.import_module("bl_ext.user_default.evoke.evoke_blender.live.ops")
    bpy.context.preferences.system.use_online_access = (
        True  # the user's consent, given by running this
    )
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.evoke.add_avatar()
    s = bpy.context.scene.evoke
    s.common.hop, s.common.calibration = args.hop, args.calibration
    _source_settings(s, args.source or f"lsl:{args.stream}")
    if args.osc:
        if not (math.isfinite(args.osc_rate) and 0.5 <= args.osc_rate <= 100):
            raise SystemExit(f"error: --osc-rate {args.osc_rate:g}: give 0.5-100 Hz")
        s.live.osc_enabled, s.live.osc_target, s.live.osc_mode = True, args.osc, args.osc_mode
        s.live.osc_prefix, s.live.osc_rate = args.osc_prefix, args.osc_rate
    if args.lsl_out:
        s.live.lsl_out_enabled, s.live.lsl_out_name = True, args.lsl_out
    s.common.model_path = str(Path(args.model).resolve()) if args.model else ""
    try:
        bpy.ops.evoke.live_connect()
    except RuntimeError as exc:  # Blender's "Error: ..." of the operator's report: said once
        print(f"error: {str(exc).strip().removeprefix('Error: ')}", file=sys.stderr)
        return None
    driver = live_ops.current_driver()
    if args.out:
        bpy.ops.evoke.live_record()
    return live_ops, driver


def _source_settings(s: Any, spec: str) -> None:
    """--source into the panel's settings, as a user would fill them in."""
    from inference.live.brainflow_board import parse_source

    kind, _, rest = spec.partition(":")
    if kind.lower() == "lsl" and rest:
        s.live.source, s.live.stream = "LSL", rest
        return
    if kind.lower() != "brainflow":
        raise SystemExit(f"error: --source {spec!r}: write lsl:NAME or brainflow:BOARD[,key=value]")
    from inference.errors import InputError
    from inference.live.brainflow_board import PARAMETERS, input_params

    try:
        board, params = parse_source(spec)
        input_params(params, _brainflow_shim())  # each value checked, one line if wrong
    except InputError as exc:
        raise SystemExit(f"error: --source: {exc}") from None
    s.live.source, s.live.brainflow_board = "BRAINFLOW", board
    for key, text in params.items():  # every BrainFlowInputParams field is a panel property
        value: str | int = text
        if key == "ip_protocol":
            value = {"0": "none", "1": "udp", "2": "tcp"}.get(text, text.lower())
        elif isinstance(PARAMETERS[key], tuple):
            value = int(text)
        setattr(s.live, f"brainflow_{key}", value)


def _brainflow_shim() -> ModuleType:
    from inference.errors import EvokeError
    from inference.live.brainflow_board import import_brainflow

    try:
        return import_brainflow()
    except EvokeError as exc:
        raise SystemExit(f"error: {exc}") from None


def _run(driver: Any, args: argparse.Namespace, easing_tick_s: float) -> Counter[str] | None:
    """Tick the driver for --seconds (timers never fire in the bpy module); the emotions seen,
    counted by window, or None (the reason printed) when the driver fails."""
    import bpy

    emotions: Counter[str] = Counter()
    began = time.monotonic()
    end = float("inf")  # --seconds count from the moment the source is found
    last_windows, said = 0, ""
    while time.monotonic() < end:
        started = time.monotonic()
        bpy.ops.evoke.live_tick()
        st = driver.status
        if st.state == "error":
            print(f"error: {st.message.removeprefix('Error: ')}", file=sys.stderr)
            return None
        if st.state == "resolving":
            if args.wait and started - began > args.wait:
                print(f"error: no source '{st.stream}' found within {args.wait:g} s (--wait)",
                      file=sys.stderr)  # fmt: skip
                return None
            if st.message != said and int(started - began) % 5 == 2:  # every 5 s, from 2 s
                print(st.message, file=sys.stderr, flush=True)
                said = st.message
        elif end == float("inf"):
            end = started + args.seconds
        if st.windows > last_windows and st.emotion:
            emotions[st.emotion] += st.windows - last_windows
            last_windows = st.windows
        if st.state == "calibrating" and st.calibration < 1 and not args.json:
            print(f"\r{st.message}", end="", flush=True)
        tick = min(args.tick, easing_tick_s) if driver.moving() else args.tick  # as the timer
        time.sleep(max(0.0, tick - (time.monotonic() - started)))
    return emotions


def _figures(
    args: argparse.Namespace, st: Any, emotions: Counter[str], cpu_percent: float
) -> dict[str, Any]:
    """What the session measured, from the driver's status at the end (no NaN: JSON has none;
    a figure with no measurement is null)."""
    figures = {
        "stream": args.stream or args.source,
        "state": st.state,
        "rate": st.rate,
        "electrodes_matched": st.matched,
        "electrodes_missing": list(st.missing),
        "windows": st.windows,
        "windows_skipped": st.windows_skipped,
        "latency_ms_p50": round(st.percentile(st.latency_ms, 50), 3),
        "latency_ms_p95": round(st.percentile(st.latency_ms, 95), 3),
        "tick_ms_p95": round(st.percentile(st.tick_ms, 95), 3),
        "tick_ms_p50": round(st.percentile(st.tick_ms, 50), 3),
        "sample_age_ms_p50": round(st.percentile(st.sample_age_ms, 50), 1),
        "sample_age_ms_p95": round(st.percentile(st.sample_age_ms, 95), 1),
        "ticks": len(st.tick_ms),
        "source": st.stream,
        "outputs": list(st.outputs),
        "output_age_ms_p50": round(st.percentile(st.output_age_ms, 50), 1),
        "output_age_ms_p95": round(st.percentile(st.output_age_ms, 95), 1),
        "baseline": st.baseline_note,
        "cpu_percent_of_one_core": round(cpu_percent, 1),
        "emotions": dict(emotions),
    }
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in figures.items()
    }


def _finish(
    args: argparse.Namespace, live_ops: ModuleType, driver: Any, figures: dict[str, Any]
) -> None:
    """Keep the recording (with --out), disconnect, save the scene, report the figures."""
    import bpy

    if args.out:
        figures["recorded"] = live_ops.finish_recording(driver, bpy.context.scene)
    bpy.ops.evoke.live_disconnect()
    if args.out:
        bpy.ops.wm.save_as_mainfile(filepath=str(Path(args.out).resolve()))
    print(
        json.dumps(figures, indent=1, allow_nan=False)
        if args.json
        else "\n".join(f"{k:22s} {v}" for k, v in figures.items())
    )


if __name__ == "__main__":
    leave(main())
