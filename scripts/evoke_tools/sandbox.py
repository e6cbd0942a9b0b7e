"""The sandbox the hostile inputs run in: a fork server that runs the command line under a memory
and a time limit, and judges what it did.

The server imports the runtime once; every case runs in a forked child under an address-space
limit and a time limit on its own CPU time (a hang is caught by the wall clock), through `python -m inference predict ... --json` in-process. A case
is handled when the command either succeeds with valid JSON of finite numbers, or exits 2 with
one line that names the input (no traceback), within the time limit and the memory budget: peak
memory above the interpreter's at most MEMORY_FACTOR x the input's size + MEMORY_ALLOWANCE
(`inference.limits`). Anything else is mishandled: a traceback, a hang, a crash, the budget
exceeded, or an error that does not name the file.

Used by the fixed catalogue (`evoke_tools.hostile`) and the generated inputs
(`tests/inference/test_fuzz.py`).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from evoke_tools.paths import ROOT

# A case's time is its own CPU time (the child's, read from /proc while it runs and from wait4 at
# its end), judged against TIME_LIMIT_S: a loaded machine stretches the wall clock, not the work a
# case does. A case whose CPU time stops growing for HANG_FACTOR x the limit is waiting without
# working (a FIFO, a socket) and is killed as hung; one that works past the limit, as too slow.
TIME_LIMIT_S = 30.0
HANG_FACTOR = 4.0
_PROGRESS_S = 0.05  # CPU seconds a working case gains between two looks, however busy the machine


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok" | "error" | "mishandled"
    detail: str  # the error line, or what went wrong
    peak_mb: float  # peak resident memory above the interpreter's, MiB
    seconds: float  # the case's own CPU time


def _budget_bytes(input_bytes: int) -> int:
    from inference.limits import MEMORY_ALLOWANCE, MEMORY_FACTOR

    return MEMORY_FACTOR * input_bytes + MEMORY_ALLOWANCE


def _run_cli(argv: list[str]) -> dict[str, Any]:
    """In the child: the command line, in-process; classify what it did."""
    from inference.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(argv)
    except BaseException as exc:  # SystemExit from argparse is a clean refusal too
        if isinstance(exc, SystemExit) and exc.code == 2:
            return {"status": "error", "detail": err.getvalue().strip().splitlines()[-1:]}
        return {"status": "mishandled", "detail": f"raised {type(exc).__name__}: {exc}"}
    text = err.getvalue()
    if "Traceback" in text:
        return {"status": "mishandled", "detail": "printed a traceback"}
    if rc == 0:
        try:
            rows = json.loads(out.getvalue())
        except ValueError:
            return {"status": "mishandled", "detail": "--json printed invalid JSON"}
        numbers = [v for row in rows for v in row.values() if isinstance(v, float)]
        if not rows or not all(math.isfinite(v) for v in numbers):
            return {"status": "mishandled", "detail": "succeeded with no windows or NaN values"}
        return {"status": "ok", "detail": f"{len(rows)} windows"}
    lines = [line for line in text.strip().splitlines() if line.startswith("error:")]
    if rc == 2 and len(lines) == 1:
        return {"status": "error", "detail": lines[0]}
    return {"status": "mishandled", "detail": f"exit {rc}: {text.strip()[-300:]}"}


def serve() -> None:
    """The fork server: one JSON request per line on stdin, one JSON outcome per line out."""
    import inference.cli  # noqa: F401  (imported once: children start warm)
    from inference import load_model

    load_model()
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_fork_case(request)), flush=True)


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))


def _reset_peak() -> int:
    """Linux: start the peak (VmHWM) afresh at the current size; returns that size, KiB."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_kb("VmRSS:")


Runner = Callable[[list[str]], dict[str, Any]]


def _fork_case(request: dict[str, Any], run: Runner = _run_cli) -> dict[str, Any]:
    """One case in a forked child, so that whatever it does leaves the server as it was."""
    budget = _budget_bytes(int(request["input_bytes"]))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(request["argv"], budget, write_end, run)
    os.close(write_end)
    limit = float(request.get("timeout", TIME_LIMIT_S))
    answer, killed = _read_answer(read_end, pid, limit)
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    seconds = usage.ru_utime + usage.ru_stime
    if killed:
        return {"status": "mishandled", "detail": killed, "peak_mb": 0.0, "seconds": seconds}
    judged = _judge(answer, status, budget)
    if seconds > limit and judged["status"] != "mishandled":
        judged = {**judged, "status": "mishandled",
                  "detail": f"{seconds:.0f} s of CPU, over the {limit:.0f} s limit"}  # fmt: skip
    return {**judged, "seconds": seconds}


def _child(argv: list[str], budget: int, write_end: int, run: Runner) -> NoReturn:
    """In the child: limit, run, report, exit without cleanup (the server's state is not its)."""
    with open("/proc/self/statm") as f:
        vsz = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = vsz + budget + (64 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    base_kb = _reset_peak()
    try:
        result = run(argv)
    except MemoryError:
        result = {"status": "mishandled", "detail": "MemoryError escaped"}
    result["peak_mb"] = max(0.0, (_status_kb("VmHWM:") - base_kb) / 1024)
    os.write(write_end, json.dumps(result).encode()[:60000])
    os._exit(0)


def _cpu_seconds(pid: int) -> float:
    """A running child's CPU time so far (user + system, /proc/<pid>/stat); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read_answer(read_end: int, pid: int, limit: float) -> tuple[bytes, str]:
    """What the child wrote before closing the pipe, and why it was killed ('' if it was not):
    past `limit` s of CPU, or no CPU gained for HANG_FACTOR x `limit` s of wall clock."""
    chunks: list[bytes] = []
    cpu = 0.0
    progressed = time.monotonic()
    while True:
        ready, _, _ = select.select([read_end], [], [], 0.25)
        if ready:
            data = os.read(read_end, 65536)
            if not data:
                return b"".join(chunks), ""
            chunks.append(data)
            continue
        now, used = time.monotonic(), _cpu_seconds(pid)
        if used >= cpu + _PROGRESS_S:
            cpu, progressed = used, now
        why = ""
        if used > limit:
            why = f"{used:.0f} s of CPU, over the {limit:.0f} s limit"
        elif now - progressed > limit * HANG_FACTOR:
            why = f"no answer: no work done for {now - progressed:.0f} s (waiting for ever?)"
        if why:
            os.kill(pid, signal.SIGKILL)
            return b"", why


def _judge(answer: bytes, status: int, budget: int) -> dict[str, Any]:
    """The child's own verdict, unless it died without one or went over the memory budget."""
    try:
        result = json.loads(answer)
    except ValueError:
        why = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit {os.WEXITSTATUS(status)}"
        )
        result = {
            "status": "mishandled",
            "detail": f"the process died ({why}): out of memory?",
            "peak_mb": 0.0,
        }
    peak_mb = float(result.pop("peak_mb"))
    if isinstance(result.get("detail"), list):
        result["detail"] = " ".join(result["detail"])
    if peak_mb * (1 << 20) > budget:
        result = {
            "status": "mishandled",
            "detail": f"peak {peak_mb:.0f} MiB exceeds the budget {budget / (1 << 20):.0f} MiB",
        }
    return {**result, "peak_mb": peak_mb}


def _named(
    answer: dict[str, Any], input_path: Path | None, names: str | tuple[str, ...] | None
) -> Outcome:
    """The outcome; an error that names none of what it is about is mishandled."""
    outcome = Outcome(answer["status"], str(answer["detail"]), answer["peak_mb"], answer["seconds"])
    named = (names,) if isinstance(names, str) else names
    if not named:
        named = (str(input_path),) if input_path is not None else ()
    if outcome.status == "error" and named and not any(n in outcome.detail for n in named):
        return Outcome(
            "mishandled",
            f"the error does not name {' or '.join(named)}: {outcome.detail}",
            outcome.peak_mb,
            outcome.seconds,
        )
    return outcome


def run_here(
    run: Runner,
    argv: list[str],
    input_path: Path | None,
    timeout: float = TIME_LIMIT_S,
    names: str | tuple[str, ...] | None = None,
) -> Outcome:
    """One case forked from this very process, judged as the server judges its own: for a
    process that has its own state to test (Blender, with the extension installed), where `run`
    does what a user would (bakes) and says what came of it ({"status", "detail"})."""
    size = input_path.stat().st_size if input_path and input_path.is_file() else 0
    request = {"argv": argv, "input_bytes": size, "timeout": timeout}
    return _named(_fork_case(request, run), input_path, names)


class Sandbox:
    """The client side: starts the fork server and hands it cases."""

    def __init__(self) -> None:
        import subprocess

        # evoke_tools lives in scripts/, not in the installed wheel: the server finds it there
        found = [str(ROOT), str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")]
        env = {
            **os.environ,
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONPATH": os.pathsep.join(p for p in found if p),
        }
        code = "from evoke_tools import sandbox; sandbox.serve()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env, cwd=str(ROOT),
        )  # fmt: skip

    def run(
        self,
        argv: list[str],
        input_path: Path | None,
        timeout: float = TIME_LIMIT_S,
        names: str | None = None,
    ) -> Outcome:
        """names: what the error must name (default: the input file)."""
        size = input_path.stat().st_size if input_path and input_path.is_file() else 0
        request = {"argv": argv, "input_bytes": size, "timeout": timeout}
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the sandbox server exited (status {self.process.poll()})")
        return _named(json.loads(line), input_path, names)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(10)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
