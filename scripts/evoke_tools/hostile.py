"""Bad and hostile inputs against the command line, each with a memory and a time limit.

python scripts/hostile_inputs.py [--json out.json] [--only NAME]

A sandbox (a fork server) imports the runtime once; every case runs in a forked child under an
address-space limit and a wall-clock limit, through `python -m inference predict ... --json`
in-process. A case is handled when the command either succeeds with valid JSON of finite numbers,
or exits 2 with one line that names the input (no traceback), within the time limit and the
memory budget: peak memory above the interpreter's at most MEMORY_FACTOR x the input's size +
MEMORY_ALLOWANCE (`inference.limits`). Anything else is mishandled: a traceback, a hang, a
crash, the budget exceeded, or an error that does not name the file.

The catalogue below is the fixed list the README's figures count; `tests/test_fuzz.py` adds
generated inputs (hypothesis) through the same sandbox.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import pickle
import resource
import select
import signal
import struct
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evoke_tools.paths import ROOT

TIME_LIMIT_S = 30.0


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok" | "error" | "mishandled"
    detail: str  # the error line, or what went wrong
    peak_mb: float  # peak resident memory above the interpreter's, MiB
    seconds: float


# ------------------------------------------------------------------------------ the sandbox
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


def _fork_case(request: dict[str, Any]) -> dict[str, Any]:
    budget = _budget_bytes(int(request["input_bytes"]))
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: limit, run, report, exit without cleanup
        os.close(read_end)
        with open("/proc/self/statm") as f:
            vsz = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = vsz + budget + (64 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        base_kb = _reset_peak()
        try:
            result = _run_cli(request["argv"])
        except MemoryError:
            result = {"status": "mishandled", "detail": "MemoryError escaped"}
        result["peak_mb"] = max(0.0, (_status_kb("VmHWM:") - base_kb) / 1024)
        os.write(write_end, json.dumps(result).encode()[:60000])
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = started + float(request.get("timeout", TIME_LIMIT_S))
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([read_end], [], [], min(left, 0.5))
        if ready:
            data = os.read(read_end, 65536)
            if not data:
                break
            chunks.append(data)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    if timed_out:
        return {
            "status": "mishandled",
            "detail": f"no answer within {deadline - started:.0f} s",
            "peak_mb": 0.0,
            "seconds": seconds,
        }
    try:
        result = json.loads(b"".join(chunks))
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
    return {**result, "peak_mb": peak_mb, "seconds": seconds}


class Sandbox:
    """The client side: starts the fork server and hands it cases."""

    def __init__(self) -> None:
        import subprocess

        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        code = "from evoke_tools import hostile; hostile.serve()"
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
        answer = json.loads(self.process.stdout.readline())
        outcome = Outcome(
            answer["status"], str(answer["detail"]), answer["peak_mb"], answer["seconds"]
        )
        named = names or (str(input_path) if input_path is not None else None)
        if outcome.status == "error" and named is not None and named not in outcome.detail:
            return Outcome(
                "mishandled",
                f"the error does not name {named}: {outcome.detail}",
                outcome.peak_mb,
                outcome.seconds,
            )
        return outcome

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(10)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------ the catalogue
# A case makes its input in a folder: (argv, the input file or None, what an error must name or
# None for the input file).
Case = Callable[[Path], tuple[list[str], Path | None] | tuple[list[str], Path | None, str]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


def _predict(path: Path, *extra: str) -> list[str]:
    return ["predict", str(path), "--json", *extra]


def _good_dat(folder: Path) -> Path:
    from evoke_tools.synthetic import make_subject, write_dat

    path = folder / "good.dat"
    if not path.exists():
        data, labels = make_subject(1, 3, n_trials=1)
        write_dat(path, data, labels)
    return path


def _good_csv(folder: Path) -> Path:
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS

    path = folder / "good.csv"
    if not path.exists():
        x = np.random.default_rng(0).standard_normal((128 * 8, 32)) * 20
        t = np.arange(len(x)) / 128
        np.savetxt(path, np.column_stack([t, x]), delimiter=",", comments="",
                   header=",".join(["time", *DEAP_EEG_CHANNELS]), fmt="%.5f")  # fmt: skip
    return path


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# DEAP pickles ------------------------------------------------------------------------------
@case("dat: pickle that runs os.system")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "s01.dat", b"cos\nsystem\n(S'echo pwned > /tmp/evoke_pwned'\ntR.")
    return _predict(p), p


@case("dat: pickle of builtins.eval")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "s01.dat", pickle.dumps({"data": eval, "labels": 1}))
    return _predict(p), p


@case("dat: shared sub-lists (2**40 leaves expanded)")
def _(d: Path) -> tuple[list[str], Path]:
    inner: list[object] = [1.0]
    for _ in range(40):
        inner = [inner, inner]
    p = _write(d / "s01.dat", pickle.dumps({"data": inner, "labels": inner}, protocol=2))
    return _predict(p), p


@case("dat: one memoised 1 MB buffer used 3,000 times")
def _(d: Path) -> tuple[list[str], Path]:
    def text(t: str) -> bytes:
        return b"\x8c" + bytes([len(t)]) + t.encode()

    n = 1 << 20
    call = b"h\x00(h\x01" + text("u1") + b"J" + struct.pack("<i", n) + b"\x85" + text("C") + b"tR"
    body = (b"\x80\x05" + text("numpy.core.numeric") + text("_frombuffer") + b"\x93\x94"
            + b"\x8e" + struct.pack("<Q", n) + bytes(n) + b"\x94](" + call * 3000 + b"e.")  # fmt: skip
    p = _write(d / "s01.dat", body)
    return _predict(p), p


@case("dat: claims a 2**62-byte string")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "s01.dat", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 62) + b"xx.")
    return _predict(p), p


@case("dat: nested 100,000 lists deep")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "s01.dat", b"\x80\x02" + b"]" * 100_000 + b"e" * 0 + b".")
    return _predict(p), p


@case("dat: truncated halfway")
def _(d: Path) -> tuple[list[str], Path]:
    data = _good_dat(d).read_bytes()
    p = _write(d / "cut.dat", data[: len(data) // 2])
    return _predict(p), p


@case("dat: empty file")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "empty.dat", b"")
    return _predict(p), p


@case("dat: wrong shapes")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(
        d / "s01.dat", pickle.dumps({"data": np.zeros((2, 40, 100)), "labels": np.ones((2, 4))})
    )
    return _predict(p), p


@case("dat: NaN ratings")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(
        d / "s01.dat",
        pickle.dumps({"data": np.zeros((1, 40, 8064)), "labels": np.full((1, 4), np.nan)}),
    )
    return _predict(p), p


@case("dat: complex samples")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(
        d / "s01.dat",
        pickle.dumps({"data": np.zeros((1, 40, 8064), complex), "labels": np.ones((1, 4)) * 5}),
    )
    return _predict(p), p


@case("dat: object array")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(
        d / "s01.dat", pickle.dumps({"data": np.array([None, 1]), "labels": np.ones((1, 4))})
    )
    return _predict(p), p


@case("dat: all-zero EEG (every electrode flat)")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(
        d / "s01.dat",
        pickle.dumps({"data": np.zeros((1, 40, 8064)), "labels": np.ones((1, 4)) * 5}),
    )
    return _predict(p), p


@case("dat: a FIFO named s01.dat")
def _(d: Path) -> tuple[list[str], Path | None]:
    p = d / "fifo" / "s01.dat"
    p.parent.mkdir(exist_ok=True)
    if not p.exists():
        os.mkfifo(p)
    return _predict(p), None


@case("dat: a folder named s01.dat")
def _(d: Path) -> tuple[list[str], Path | None]:
    p = d / "dir" / "s01.dat"
    p.mkdir(parents=True, exist_ok=True)
    return _predict(p), None


# CSV -------------------------------------------------------------------------------------------
def _csv_case(name: str, text: str, *extra: str) -> None:
    """extra: options; where an option's value is what is wrong, the error must name the option."""

    @case(f"csv: {name}")
    def _(d: Path) -> tuple[list[str], Path, str]:
        p = _write(d / f"{abs(hash(name))}.csv", text)
        bad_option = extra and name.startswith("rate")
        return _predict(p, *extra), p, extra[0] if bad_option else str(p)


_HEAD = "time,Fp1,Fp2,F3,F4,C3,C4,P3,P4,O1,O2\n"
_csv_case("header only", _HEAD)
_csv_case("numbers as header", "1,2,3\n4,5,6\n", "--rate", "128")
_csv_case("ragged rows", _HEAD + "0,1,2\n")
_csv_case("words in cells", _HEAD + "0" + ",x" * 10 + "\n")
_csv_case(
    "time going backwards",
    _HEAD + "".join(f"{1 - k / 128:.5f}" + ",1" * 10 + "\n" for k in range(600)),
)
_csv_case(
    "time in milliseconds",
    _HEAD + "".join(f"{k * 7.8125:.4f}" + ",1" * 10 + "\n" for k in range(600)),
)
_csv_case(
    "rate 0.0001 Hz",
    "Fp1,Fp2,F3,F4,C3,C4,P3,P4,O1,O2\n" + "1,2,3,4,5,6,7,8,9,10\n" * 600,
    "--rate",
    "0.0001",
)
_csv_case(
    "rate 1e9 Hz",
    "Fp1,Fp2,F3,F4,C3,C4,P3,P4,O1,O2\n" + "1,2,3,4,5,6,7,8,9,10\n" * 600,
    "--rate",
    "1e9",
)
_csv_case("rate nan", "Fp1,Fp2,F3,F4,C3,C4,P3,P4,O1,O2\n" + "1,2\n", "--rate", "nan")
_csv_case(
    "1e308 values", _HEAD + "".join(f"{k / 128:.5f}" + ",1e308" * 10 + "\n" for k in range(1500))
)
_csv_case("all NaN", _HEAD + "".join(f"{k / 128:.5f}" + ",nan" * 10 + "\n" for k in range(1500)))
_csv_case("inf values", _HEAD + "".join(f"{k / 128:.5f}" + ",inf" * 10 + "\n" for k in range(1500)))
_csv_case("too short", _HEAD + "".join(f"{k / 128:.5f}" + ",1" * 10 + "\n" for k in range(200)))
_csv_case(
    "Muse channels",
    "time,TP9,AF7,AF8,TP10\n" + "".join(f"{k / 256:.5f},1,2,3,4\n" for k in range(3000)),
)
_csv_case(
    "5,000 columns",
    "time," + ",".join(f"C{k}" for k in range(5000)) + "\n" + "0" + ",1" * 5000 + "\n",
)
_csv_case("a 2 MB header line", "x" * 2_000_000 + "\n1\n")
_csv_case("binary junk", "\x00\x01\x02" * 1000)
_csv_case("empty file", "")


@case("csv: latin-1 bytes")
def _(d: Path) -> tuple[list[str], Path]:
    p = _write(d / "latin.csv", b"time,Fp1\n" + b"0,\xe9\xe9\n")
    return _predict(p), p


# XDF -------------------------------------------------------------------------------------------
def _xdf_chunk(tag: int, content: bytes) -> bytes:
    n = len(content) + 2
    return b"\x04" + struct.pack("<I", n) + struct.pack("<H", tag) + content


def _xdf_header(channels: int, fmt: str = "float32", rate: float = 128.0) -> bytes:
    xml = (f'<?xml version="1.0"?><info><name>EEG</name><type>EEG</type><channel_count>{channels}'
           f"</channel_count><nominal_srate>{rate}</nominal_srate><channel_format>{fmt}</channel_format>"
           "<source_id>x</source_id></info>")  # fmt: skip
    return _xdf_chunk(2, struct.pack("<I", 1) + xml.encode())


def _xdf_case(name: str, body: bytes, *extra: str) -> None:
    @case(f"xdf: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = _write(d / f"{abs(hash(name))}.xdf", b"XDF:" + body)
        return _predict(p, *extra), p


_FILE_HEADER = _xdf_chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
_xdf_case("2e7 channels declared", _FILE_HEADER + _xdf_header(20_000_000))
_xdf_case(
    "a chunk declaring 1e9 samples",
    _FILE_HEADER
    + _xdf_header(4)
    + _xdf_chunk(3, struct.pack("<I", 1) + b"\x04" + struct.pack("<I", 10**9)),
)
_xdf_case("-1 channels", _FILE_HEADER + _xdf_header(-1))
_xdf_case("unknown format", _FILE_HEADER + _xdf_header(4, "complex128"))
_xdf_case(
    "chunk longer than the file", _FILE_HEADER + b"\x08" + struct.pack("<Q", 1 << 60) + b"\x03\x00"
)
_xdf_case("bad length width", _FILE_HEADER + b"\x03abc")
_xdf_case("only the magic", b"")
_xdf_case("rate 0.0001 Hz", _FILE_HEADER + _xdf_header(4, "float32", 0.0001))
_xdf_case(
    "stream header of 2 MB", _FILE_HEADER + _xdf_chunk(2, struct.pack("<I", 1) + b"<" * 2_000_000)
)


@case("xdf: gzip bomb (.xdfz inflating 1000x)")
def _(d: Path) -> tuple[list[str], Path]:
    import gzip

    p = d / "bomb.xdfz"
    with gzip.open(p, "wb") as f:
        f.write(b"XDF:" + _FILE_HEADER + _xdf_header(4) + _xdf_chunk(5, bytes(200_000_000)))
    return _predict(p), p


# EDF/BDF ------------------------------------------------------------------------------------------
def _edf_header(ns: int, records: str, duration: str, samples: str, bdf: bool = False,
                phys: tuple[str, str] = ("-500", "500"), dig: tuple[str, str] = ("-32768", "32767")) -> bytes:  # fmt: skip
    def field(text: str, width: int) -> bytes:
        return text.encode()[:width].ljust(width)

    head = (b"\xffBIOSEMI" if bdf else b"0".ljust(8)) + field("patient", 80) + field("rec", 80)
    head += field("01.01.20", 8) + field("00.00.00", 8) + field(str(256 * (ns + 1)), 8)
    head += field("", 44) + field(records, 8) + field(duration, 8) + field(str(ns), 4)
    labels = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]
    for width, value in ((16, None), (80, ""), (8, "uV"), (8, phys[0]), (8, phys[1]), (8, dig[0]),
                         (8, dig[1]), (80, ""), (8, samples), (32, "")):  # fmt: skip
        head += b"".join(
            field(value if value is not None else labels[k % 10], width) for k in range(ns)
        )
    return head


def _edf_case(name: str, header: bytes, data_bytes: int, suffix: str = ".edf") -> None:
    @case(f"edf: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = _write(d / f"{abs(hash(name))}{suffix}", header + bytes(data_bytes))
        return _predict(p), p


_edf_case("1000 s records of 1e6 samples in 15 KB", _edf_header(10, "1", "1000", "1000000"), 12_000)
_edf_case("-1 records, 1 s of data", _edf_header(10, "-1", "1", "256"), 256 * 10 * 2 * 1)
_edf_case("9999 signals declared", _edf_header(10, "1", "1", "256")[:252] + b"9999", 0)
_edf_case("record duration 0", _edf_header(10, "5", "0", "256"), 256 * 10 * 2 * 5)
_edf_case("record duration -1", _edf_header(10, "5", "-1", "256"), 256 * 10 * 2 * 5)
_edf_case("rate 0.0001 Hz", _edf_header(10, "5", "10000", "1"), 10 * 2 * 5)
_edf_case("text in number fields", _edf_header(10, "abc", "x", "y"), 100)
_edf_case(
    "physical min = max", _edf_header(10, "20", "1", "256", phys=("5", "5")), 256 * 10 * 2 * 20
)
_edf_case("digital min = max", _edf_header(10, "20", "1", "256", dig=("7", "7")), 256 * 10 * 2 * 20)
_edf_case(
    "inf physical range", _edf_header(10, "20", "1", "256", phys=("-inf", "inf")), 256 * 10 * 2 * 20
)
_edf_case("header only", _edf_header(10, "20", "1", "256"), 0)
_edf_case(
    "BDF, 1e6 samples a record", _edf_header(10, "1", "1", "1000000", bdf=True), 30_000, ".bdf"
)
_edf_case("128 bytes", b"0" * 128, 0)


# models and tables ---------------------------------------------------------------------------------
def _model_case(name: str, make: Callable[[Path], Path]) -> None:
    @case(f"model: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = make(d)
        return _predict(_good_csv(d), "--model", str(p)), p


def _with_metadata(d: Path, name: str, change: Callable[[dict[str, Any]], Any]) -> Path:
    from inference.model.model_file import save_model, untrained_metadata, untrained_weights

    path = save_model(d / f"{name}.npz", untrained_weights(), untrained_metadata())
    with zipfile.ZipFile(path) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    meta = json.loads(np.lib.format.read_array(io.BytesIO(entries["metadata.json.npy"])).tobytes())
    meta = change(meta) or meta
    buf = io.BytesIO()
    raw = json.dumps(meta).encode() if not isinstance(meta, bytes) else meta
    np.lib.format.write_array(buf, np.frombuffer(raw, dtype=np.uint8))
    entries["metadata.json.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for member, data in entries.items():
            z.writestr(member, data)
    return path


for _name, _change in {
    "features: []": lambda m: m.__setitem__("features", []),
    "rate 8192": lambda m: m["features"].__setitem__("rate", 8192),
    "rate 0.0001": lambda m: m["features"].__setitem__("rate", 0.0001),
    "filter_order 100000": lambda m: m["features"].__setitem__("filter_order", 100000),
    "baseline_s 100": lambda m: m["features"].__setitem__("baseline_s", 100),
    "baseline_s 6 (more than DEAP's 3 s)": lambda m: m["features"].__setitem__("baseline_s", 6),
    "bands above Nyquist": lambda m: m["features"].__setitem__(
        "bands", [[4, 8], [8, 14], [14, 31], [31, 90]]
    ),
    "three bands": lambda m: m["features"].__setitem__("bands", [[4, 8], [8, 14], [14, 31]]),
    "band as text": lambda m: m["features"].__setitem__("bands", "theta"),
    "window 1e9 s": lambda m: m["features"].__setitem__("window_s", 1e9),
    "kind 'x'": lambda m: m["features"].__setitem__("kind", "x"),
    "provenance a list": lambda m: m.__setitem__("provenance", [1, 2]),
    "metrics mean_accuracy text": lambda m: m["provenance"].__setitem__(
        "metrics", {"mean_accuracy": "high"}
    ),
    "emotion table of 3": lambda m: m.__setitem__(
        "emotion_table", {"emotions": [{"vad": [0, 0, 0], "name": "x"}]}
    ),
    "labels a string": lambda m: m.__setitem__("labels", "x"),
    "format version 99": lambda m: m.__setitem__("format_version", 99),
    "JSON nested 100,000 deep": lambda m: b"[" * 100_000 + b"]" * 100_000,
    "metadata not JSON": lambda m: b"\xff\xfe not json",
}.items():

    def _make_meta(d: Path, n: str = _name, c: Callable[[dict[str, Any]], Any] = _change) -> Path:
        return _with_metadata(d, f"m{abs(hash(n))}", c)

    _model_case(_name, _make_meta)


def _model_weights(d: Path, name: str, weights: dict[str, np.ndarray]) -> Path:
    from inference.model.model_file import save_model, untrained_metadata, untrained_weights

    good = save_model(d / f"{name}-good.npz", untrained_weights(), untrained_metadata())
    path = d / f"{name}.npz"
    with zipfile.ZipFile(good) as z:
        meta = z.read("metadata.json.npy")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json.npy", meta)
        for key, value in weights.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, value)
            z.writestr(f"{key}.npy", buf.getvalue())
    return path


def _weights(change: Callable[[dict[str, np.ndarray]], None]) -> dict[str, np.ndarray]:
    from inference.model.model_file import untrained_weights

    w = untrained_weights()
    change(w)
    return w


for _name, _w in {
    "complex weights": lambda w: w.__setitem__("fc2.weight", w["fc2.weight"].astype(complex)),
    "string weights": lambda w: w.__setitem__("fc2.bias", np.array(["a", "b", "c"])),
    "NaN weights": lambda w: w["fc1.weight"].__setitem__((0, 0), np.nan),
    "wrong shape": lambda w: w.__setitem__("fc1.weight", w["fc1.weight"][:, :10]),
    "a missing layer": lambda w: w.pop("conv2.bias"),
}.items():

    def _make_weights(
        d: Path, n: str = _name, c: Callable[[dict[str, np.ndarray]], Any] = _w
    ) -> Path:
        return _model_weights(d, f"w{abs(hash(n))}", _weights(c))

    _model_case(_name, _make_weights)


@case("model: a 1.5 GB member in a 2 MB zip")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "bomb.npz"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("fc1.weight.npy", "w", force_zip64=True) as f:
            for _ in range(1500):
                f.write(bytes(1 << 20))
    return _predict(_good_csv(d), "--model", str(p)), p


@case("model: baseline_s 6 on DEAP's 3 s baselines")
def _(d: Path) -> tuple[list[str], Path]:
    p = _with_metadata(d, "baseline6", lambda m: m["features"].__setitem__("baseline_s", 6))
    return _predict(_good_dat(d), "--model", str(p)), p


@case("model: a .npy renamed .npz")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "renamed.npz"
    np.save(d / "renamed.npy", np.zeros(3))
    (d / "renamed.npy").rename(p)
    return _predict(_good_csv(d), "--model", str(p)), p


@case("model: /dev/zero")
def _(d: Path) -> tuple[list[str], Path | None]:
    return _predict(_good_csv(d), "--model", "/dev/zero"), None


@case("model: a FIFO")
def _(d: Path) -> tuple[list[str], Path | None]:
    p = d / "model-fifo.npz"
    if not p.exists():
        os.mkfifo(p)
    return _predict(_good_csv(d), "--model", str(p)), None


def _table_case(name: str, text: str | bytes) -> None:
    @case(f"table: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = _write(d / f"t{abs(hash(name))}.json", text)
        return _predict(_good_csv(d), "--emotions", str(p)), p


_table_case("not JSON", "{")
_table_case("nested 100,000 deep", "[" * 100_000 + "]" * 100_000)
_table_case("a list", "[1, 2]")
_table_case(
    "seven emotions",
    json.dumps({"emotions": [{"vad": [0, 0, k & 1], "name": str(k)} for k in range(7)]}),
)
_table_case("bits 2", json.dumps({"emotions": [{"vad": [2, 0, 0], "name": "x"}]}))
_table_case("a 5 MB name", json.dumps({"emotions": [{"vad": [0, 0, 0], "name": "x" * 5_000_000}]}))


@case("table: /dev/zero")
def _(d: Path) -> tuple[list[str], Path | None]:
    return _predict(_good_csv(d), "--emotions", "/dev/zero"), None


# options -----------------------------------------------------------------------------------------
_NUMERIC_OPTIONS = ("--tau", "--dwell", "--hysteresis", "--hop", "--rate")  # argparse names them
for _name, _extra in {
    "--tau nan": ["--tau", "nan"], "--tau inf": ["--tau", "inf"], "--dwell inf": ["--dwell", "inf"],
    "--dwell -1": ["--dwell", "-1"], "--hysteresis 0.7": ["--hysteresis", "0.7"],
    "--hop 0": ["--hop", "0"], "--hop nan": ["--hop", "nan"], "--hop 0.3 (not whole samples)": ["--hop", "0.3"],
    "--hop 1e9": ["--hop", "1e9"], "--trial 0": ["--trial", "0"], "--between 1 2 without markers": ["--between", "1", "2"],
    "--channel-map junk": ["--channel-map", "Ch1"], "--montage on 11 channels": ["--montage", "emotiv-epoc"],
}.items():  # fmt: skip

    @case(f"option: {_name}")
    def _(d: Path, extra: list[str] = _extra) -> tuple[list[str], Path, str]:
        p = _good_csv(d)
        return _predict(p, *extra), p, extra[0] if extra[0] in _NUMERIC_OPTIONS else str(p)


def run_catalogue(only: str | None = None) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="evoke-hostile-") as tmp, Sandbox() as box:
        folder = Path(tmp)
        for name, make in CASES.items():
            if only and only not in name:
                continue
            made = make(folder)
            outcome = box.run(made[0], made[1], names=made[2] if len(made) > 2 else None)
            rows.append({"case": name, **asdict(outcome)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", help="write every outcome to this file")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args(argv)
    rows = run_catalogue(args.only)
    bad = [r for r in rows if r["status"] == "mishandled"]
    for r in rows:
        mark = "BAD " if r["status"] == "mishandled" else "    "
        print(
            f"{mark}{r['case']:55s} {r['status']:10s} {r['peak_mb']:7.0f} MiB {r['seconds']:5.1f} s  {r['detail'][:110]}"
        )
    worst = max(rows, key=lambda r: r["peak_mb"]) if rows else None
    print(f"\n{len(rows)} kinds of bad input, {len(bad)} mishandled; worst peak memory "
          f"{worst['peak_mb']:.0f} MiB ({worst['case']})" if worst else "no cases")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": rows, "kinds": len(rows), "mishandled": len(bad),
                                               "worst_peak_mb": worst["peak_mb"] if worst else 0}, indent=1))  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
