"""The live bridge without Blender, measured as a user runs it: `python -m inference live --source
brainflow:synthetic --osc 127.0.0.1:PORT` in a fresh process, a python-osc server on loopback as
the VRChat stand-in.

python scripts/evoke.py bench_live [--seconds 20] [--ticks 0.25 0.1] [--json]

Per tick interval: start -> first OSC message at the peer (s), peak RSS (MB, the process's own
high-water mark), CPU (% of one core over the session), signal time -> OSC send (ms p50/p95: from
the moment the EEG in a window's last sample happened, on BrainFlow's clock, to the moment the
outputs were handed its update), where that time goes (the resampler's and the band-pass's fixed
delays; the rest is the wait for the tick, BrainFlow's chunks and processing), and session end (SIGTERM) -> Connected False at
the peer. A benchmark, not a test: arrival times on a shared machine vary; compare within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evoke_tools.osc_peer import OscPeer
from evoke_tools.paths import ROOT

CONNECTED = "/avatar/parameters/EVOKE/Connected"


def run_once(seconds: float, tick_s: float) -> dict[str, Any]:
    peer = OscPeer()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bpy.py").write_text("raise ImportError('no Blender in this bench')\n")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)])}
        cmd = [sys.executable, "-m", "inference", "live", "--source", "brainflow:synthetic",
               "--osc", f"127.0.0.1:{peer.port}", "--calibration", "3", "--tick", str(tick_s),
               "--json"]  # fmt: skip
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            time.sleep(seconds)
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        time.sleep(0.5)
        peer.close()
    if proc.returncode != 0:
        raise SystemExit(f"error: the session failed: {err.strip()[-500:]}")
    figures = json.loads(out)
    first = min(peer.arrivals, default=float("nan"))
    goodbye = [t for t, (a, v) in zip(peer.arrivals, peer.messages, strict=True)
               if a == CONNECTED and v is False and t >= stopped]  # fmt: skip
    p50, p95 = figures["signal_to_output_ms_p50"], figures["signal_to_output_ms_p95"]
    fixed = figures["resample_delay_ms"] + figures["bandpass_delay_ms"]
    return {
        "tick_s": tick_s,
        "first_osc_s": round(first - started, 3),
        "peak_rss_mb": figures["peak_rss_mb"],
        "cpu_percent_of_one_core": figures["cpu_percent_of_one_core"],
        "signal_to_osc_ms_p50": p50,
        "signal_to_osc_ms_p95": p95,
        "resample_delay_ms": figures["resample_delay_ms"],
        "bandpass_delay_ms": figures["bandpass_delay_ms"],
        # the rest: waiting for the tick after the window completed (phase-locked when the tick
        # equals the hop), BrainFlow's chunking, and the processing itself (tick_ms)
        "wait_and_processing_ms_p50": round(p50 - fixed, 1),
        "wait_and_processing_ms_p95": round(p95 - fixed, 1),
        "tick_ms_p95": figures["tick_ms_p95"],
        "end_to_connected_false_s": round(goodbye[0] - stopped, 3) if goodbye else None,
        "windows": figures["windows"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=20.0, help="each session's length")
    ap.add_argument("--ticks", type=float, nargs="+", default=[0.25, 0.1])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [run_once(args.seconds, tick) for tick in args.ticks]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for row in rows:
            print("\n".join(f"{k:28s} {v}" for k, v in row.items()) + "\n")
    return 0
