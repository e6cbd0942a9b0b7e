"""`python -m inference live` (and the `evoke-live` command): a live session without Blender.

    evoke-live --source brainflow:synthetic --osc 127.0.0.1:9000
    python -m inference live --source lsl:EEG --osc 127.0.0.1:9000 --osc 192.168.1.20:9000 --lsl-out

Runs `LiveSession` ticks (4 a second, as the add-on's timer) until --seconds have passed once the
source is open, or Ctrl+C / SIGTERM; either way the outputs are told the session ended (OSC
Connected False). Status changes go to stderr as one line each; the figures at the end to stdout
(--json: one JSON object). Every fault is one line, `error: ...`, exit 2.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import signal
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..calibration import CALIBRATION_S, check_calibration
from ..dsp.baseline import REJECT_Z
from ..dsp.montages import MONTAGES
from ..dsp.trials import check_hop
from ..emotion.smoothing import SmoothingSettings
from ..errors import EvokeError, InputError, one_line
from ..io.units import UNIT_CHOICES
from ..limits import MAX_MESSAGE_CHARS
from ..model.model_file import load_model
from .osc_out import MODES, OscOutput
from .oscquery import SERVICE, OscQueryServer
from .session import LiveSession, SessionSettings
from .wiring import OUTPUTS, SOURCES, OutputOptions, make_outputs, open_source, parse_spec

TICK_S = 0.25  # as the add-on's timer
MIN_TICK_S = 0.01
SAY_EVERY_S = 5.0  # while looking for a source: a line this often


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The `live` subcommand on the main parser's subparsers."""
    p = sub.add_parser(
        "live",
        help="run a live session without Blender: a source to OSC and LSL",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    kinds = "; ".join(f"{k.title}: {k.example}" for k in SOURCES.values())
    p.add_argument("--source", required=True,
                   help=f"where the EEG comes from ({kinds}; BrainFlow boards take key=value "
                   "settings after a comma: serial_port, mac_address, ip_address, ip_port, "
                   "ip_protocol, serial_number, timeout, other_info, file, master_board, ...)")  # fmt: skip
    p.add_argument("--osc", action="append", default=[], metavar="HOST:PORT",
                   help="send the emotion over OSC there (repeatable)")  # fmt: skip
    p.add_argument("--osc-mode", choices=MODES, default="vrchat",
                   help="the addresses' naming (bfi: also BrainFlowsIntoVRChat's parameters)")  # fmt: skip
    p.add_argument("--osc-prefix", default="",
                   help="address prefix (default: the mode's, /avatar/parameters/EVOKE or /evoke)")  # fmt: skip
    p.add_argument("--osc-rate", type=float, default=10.0, help="Hz, above 0 (VRChat: at most 10)")
    p.add_argument("--oscquery", action="store_true",
                   help="serve the OSC addresses as OSCQuery on 127.0.0.1 and advertise them "
                   "over mDNS (needs zeroconf: pip install zeroconf)")  # fmt: skip
    p.add_argument("--lsl-out", nargs="?", const=OUTPUTS["lsl"].default_target, metavar="NAME",
                   help="publish the emotion as an LSL stream, one sample per window")  # fmt: skip
    p.add_argument("--lsl-bands", nargs="?", const=OUTPUTS["lsl-bands"].default_target,
                   metavar="NAME", help="publish band powers (left/right/average) as an LSL stream")  # fmt: skip
    p.add_argument("--seconds", type=float, default=0.0,
                   help="stop this many seconds after the source opened (default 0: run until Ctrl+C)")  # fmt: skip
    p.add_argument("--wait", type=float, default=0.0,
                   help="give up when the source has not opened within this many seconds "
                   "(default 0: keep looking, saying so)")  # fmt: skip
    p.add_argument("--hop", type=float, default=0.25, help="seconds between windows (default 0.25)")
    p.add_argument("--calibration", type=float, default=CALIBRATION_S,
                   help=f"seconds of rest that become the baseline (default {CALIBRATION_S:g}, "
                   "at least 3)")  # fmt: skip
    p.add_argument("--model", help="model file (.npz); default: the bundled model")
    p.add_argument("--unit", choices=UNIT_CHOICES, help="the source's unit when it names none")
    p.add_argument("--channel-map", default="", help="channel -> electrode: 'Ch1=Fp1,Ch2=Fp2'")
    p.add_argument("--montage", choices=sorted(MONTAGES), help="a headset's electrode placement")
    p.add_argument("--tick", type=float, default=TICK_S,
                   help=f"seconds between steps (default {TICK_S:g}, as the add-on; shorter: "
                   f"less wait before a window goes out, more CPU; {MIN_TICK_S:g}-1)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the figures at the end as JSON")


def _checked(args: argparse.Namespace) -> None:
    """Numbers the session cannot check by name: each a line naming the option."""
    for option, value, low_open in (("--seconds", args.seconds, False), ("--wait", args.wait, False),
                                    ("--osc-rate", args.osc_rate, True)):  # fmt: skip
        if not math.isfinite(value) or value < 0 or (low_open and value == 0):
            least = "above 0" if low_open else "0 or more"
            raise InputError(f"{option} {value:g}: give a number {least}")
    if not (math.isfinite(args.tick) and MIN_TICK_S <= args.tick <= 1):
        raise InputError(f"--tick {args.tick:g}: give {MIN_TICK_S:g}-1 s")


def run(args: argparse.Namespace) -> int:
    """The session, start to end; raises EvokeError for the caller to print as one line."""
    _checked(args)
    model = load_model(args.model)
    check_hop(args.hop, model.features.rate, "--hop")
    check_calibration(args.calibration, model.features.baseline_s, "--calibration")
    kind, target, params = parse_spec(args.source)
    requests = [("osc", t) for t in args.osc]
    requests += [
        (k, name) for k, name in (("lsl", args.lsl_out), ("lsl-bands", args.lsl_bands)) if name
    ]
    options = OutputOptions(emotions=model.emotions.names, osc_mode=args.osc_mode,
                            osc_prefix=args.osc_prefix, osc_rate_hz=args.osc_rate)  # fmt: skip
    settings = SessionSettings(hop_s=args.hop, smoothing=SmoothingSettings(),
                               calibration_s=args.calibration, reject_z=REJECT_Z, unit=args.unit,
                               channel_map=args.channel_map, montage=args.montage)  # fmt: skip
    if args.oscquery and not args.osc:
        raise InputError("--oscquery serves the OSC addresses: add --osc HOST:PORT")
    outputs = make_outputs(requests, options)
    query: OscQueryServer | None = None
    try:
        if args.oscquery:
            query = _oscquery([o for o in outputs if isinstance(o, OscOutput)])
        session = LiveSession(model, lambda: open_source(kind, target, params), settings, outputs)
    except BaseException:
        for output in outputs:
            output.close()
        if query is not None:
            query.close()
        raise
    try:
        return _loop(session, args)
    finally:
        if query is not None:
            query.close()


def _oscquery(osc: list[OscOutput]) -> OscQueryServer:
    """OSCQuery over the OSC outputs' addresses, advertised; closed again if that fails."""

    def values() -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for output in osc:
            merged.update(output.latest())
        return merged

    query = OscQueryServer("EVOKE", values)
    try:
        query.advertise()
    except BaseException:
        query.close()
        raise
    print(f"OSCQuery: http://127.0.0.1:{query.port}/ (advertised as {SERVICE})", file=sys.stderr)
    return query


def _loop(session: LiveSession, args: argparse.Namespace) -> int:
    began, cpu0 = time.monotonic(), time.process_time()
    end, said, said_at, last_emotion = math.inf, "", -math.inf, ""
    first_send = math.nan
    emotions: Counter[str] = Counter()
    error = ""
    try:
        while time.monotonic() < end:
            started = time.monotonic()
            updates = session.tick(started)
            st = session.status
            if math.isnan(first_send) and any(getattr(o, "sent", 0) for o in session.outputs):
                first_send = time.monotonic() - began
            emotions.update(u.name for u in updates)
            if st.state == "error":
                error = st.message
                break
            if st.state == "resolving" and args.wait and started - began > args.wait:
                error = f"{st.stream}: not open within {args.wait:g} s (--wait)"
                break
            if st.state not in ("resolving", "idle") and end == math.inf and args.seconds:
                end = started + args.seconds
            line = _status_line(st)
            if line != said and (st.state != "resolving" or started - said_at >= SAY_EVERY_S):
                if st.state != "calibrating" or st.message.endswith(
                    " 0 of " + f"{args.calibration:g} s"
                ):
                    print(one_line(line, MAX_MESSAGE_CHARS), file=sys.stderr, flush=True)
                said, said_at = line, started
            if st.state == "live" and st.emotion != last_emotion:
                print(f"emotion: {st.emotion}", file=sys.stderr, flush=True)
                last_emotion = st.emotion
            time.sleep(max(0.0, args.tick - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    finally:
        final_state = session.status.state
        session.close()  # the outputs hear Connected False
    session.status.state = final_state
    if error:
        raise EvokeError(error)
    wall = max(time.monotonic() - began, 1e-9)
    figures = _figures(session, emotions, 100 * (time.process_time() - cpu0) / wall, first_send)
    figures["tick_s"] = args.tick
    if session.processor_delays is not None:
        figures["resample_delay_ms"], figures["bandpass_delay_ms"] = session.processor_delays
    if args.json:
        print(json.dumps(figures, indent=1, allow_nan=False))
    else:
        print("\n".join(f"{k:26s} {v}" for k, v in figures.items()))
    return 0


def _status_line(st: Any) -> str:
    if not st.message or st.message.startswith(st.state):
        return st.message or st.state
    return f"{st.state}: {st.message}"


def _finite(value: float, digits: int = 1) -> float | None:
    """A figure for JSON: rounded, or None (null) where there is none (never NaN)."""
    return round(value, digits) if math.isfinite(value) else None


def _figures(
    session: LiveSession, emotions: Counter[str], cpu: float, first_send: float
) -> dict[str, Any]:
    st = session.status
    return {
        "source": st.stream,
        "state": st.state,
        "rate": st.rate,
        "electrodes_matched": st.matched,
        "electrodes_missing": list(st.missing),
        "windows": st.windows,
        "windows_skipped": st.windows_skipped,
        "baseline": st.baseline_note,
        "outputs": list(st.outputs),
        "first_output_s": _finite(first_send, 3),
        "tick_ms_p50": _finite(st.percentile(st.tick_ms, 50), 3),
        "tick_ms_p95": _finite(st.percentile(st.tick_ms, 95), 3),
        "sample_age_ms_p50": _finite(st.percentile(st.sample_age_ms, 50)),
        "sample_age_ms_p95": _finite(st.percentile(st.sample_age_ms, 95)),
        "output_age_ms_p50": _finite(st.percentile(st.output_age_ms, 50)),
        "output_age_ms_p95": _finite(st.percentile(st.output_age_ms, 95)),
        "signal_to_output_ms_p50": _finite(st.percentile(st.signal_to_output_ms, 50)),
        "signal_to_output_ms_p95": _finite(st.percentile(st.signal_to_output_ms, 95)),
        "cpu_percent_of_one_core": _finite(cpu),
        "peak_rss_mb": _finite(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "emotions": dict(emotions),
    }


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # outputs told, figures out


def main(argv: Sequence[str] | None = None) -> int:
    """The `evoke-live` console script: `python -m inference live` under a shorter name."""
    from ..cli import main as inference_main

    return inference_main(["live", *(sys.argv[1:] if argv is None else argv)])


def install_sigterm() -> None:
    """SIGTERM ends a session as Ctrl+C does (the main thread only: signals need it)."""
    signal.signal(signal.SIGTERM, _terminate)
