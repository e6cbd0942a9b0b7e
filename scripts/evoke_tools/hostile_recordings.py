"""The hostile catalogue's recordings as text and pickles: bad DEAP pickles and MATLAB files,
CSV, BrainFlow and OpenBCI GUI files. Importing it registers the other recording families too
(`hostile_headers`, `hostile_linked`)."""

from __future__ import annotations

import os
import pickle
import struct
from pathlib import Path

import numpy as np

from evoke_tools import hostile_headers, hostile_linked  # noqa: F401  (they register their cases)
from evoke_tools.hostile_cases import _good_csv, _good_dat, _predict, _write, case

__all__ = ["_good_csv", "_good_dat"]  # where the fuzz tests and the model cases import them


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


# The second round (issue 20, and issue 19's readers) ---------------------------------------------
# DEAP pickles: floods of tiny opcodes, each an object once built
for _name, _body in {
    "5 MB of EMPTY_DICT opcodes": b"\x80\x02(" + b"}" * 5_000_000 + b"l.",
    "5 MB of empty frozensets": b"\x80\x04(" + b"(\x91" * 2_500_000 + b"l.",
    "a list of 5e7 None": b"\x80\x02(" + b"N" * 50_000_000 + b"l.",
    "200,000 empty tuples on the stack": b"\x80\x02" + b")" * 200_000 + b".",
}.items():

    @case(f"dat: {_name}")
    def _(d: Path, body: bytes = _body) -> tuple[list[str], Path]:
        p = _write(d / "s01.dat", body)
        return _predict(p), p


def _mat_element(name: str, shape: tuple[int, ...], zeros: bool) -> bytes:
    """One compressed miMATRIX element of doubles (zeros streamed through zlib when large)."""
    import zlib

    def tag(kind: int, data: bytes) -> bytes:
        pad = (-len(data)) % 8
        return struct.pack("<II", kind, len(data)) + data + bytes(pad)

    n = int(np.prod(shape))
    flags = tag(6, struct.pack("<II", 6, 0))  # miUINT32: mxDOUBLE_CLASS
    dims = tag(5, struct.pack(f"<{len(shape)}i", *shape))  # miINT32
    head = flags + dims + tag(1, name.encode())  # miINT8 name
    real_head = struct.pack("<II", 9, n * 8)  # miDOUBLE
    matrix_len = len(head) + 8 + n * 8 + ((-n * 8) % 8)
    z = zlib.compressobj(1)
    out = [z.compress(struct.pack("<II", 14, matrix_len) + head + real_head)]
    block = bytes(1 << 22)
    left = n * 8
    while left:
        step = min(left, len(block))
        out.append(z.compress(block[:step] if zeros else np.ones(step // 8).tobytes()))
        left -= step
    out.append(z.flush())
    body = b"".join(out)
    return struct.pack("<II", 15, len(body)) + body  # miCOMPRESSED


@case("mat: 'data' declared twice (a 512 MB bomb first, a small array last)")
def _(d: Path) -> tuple[list[str], Path]:
    from scipy.io import savemat

    p = d / "s01.mat"
    savemat(p, {"labels": np.ones((40, 4)) * 5})
    header = p.read_bytes()
    p.write_bytes(header + _mat_element("data", (40, 40, 41_667), True)
                  + _mat_element("data", (1, 40, 8064), False))  # fmt: skip
    return _predict(p), p


# CSV: cells and lines as wide as text allows
# one wide cell among 8,191 short rows: a fixed-width string array for the block made every cell
# of it 60,000 characters wide (8,192 x 11 x 60,000 x 4 bytes)
_csv_case(
    "a cell of 60,000 spaces among short rows",
    _HEAD + "0" + ",1" * 9 + "," + " " * 60_000 + "\n"
    + "".join(f"{k / 128:.5f}" + ",1" * 10 + "\n" for k in range(1, 8192)),
)  # fmt: skip
_csv_case("a 70-character number", _HEAD + "0" + ",1" * 9 + "," + "1" * 70 + "\n")
_csv_case("a line of 1,000,000 values", _HEAD + "0" + ",1" * 1_000_000 + "\n")


@case("csv: one 60 MB line")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "wide-line.csv"
    with p.open("wb") as f:
        f.write(_HEAD.encode())
        for _ in range(60):
            f.write(b"1," * 500_000)
        f.write(b"\n")
    return _predict(p), p


@case("csv: 10 KB channel labels (a 160 KB message)")
def _(d: Path) -> tuple[list[str], Path]:
    labels = ["L" + "x" * 10_000 + str(k) for k in range(16)]
    p = _write(d / "labels.csv", ",".join(labels) + "\n" + ("1," * 15 + "1\n") * 600)
    return _predict(p, "--rate", "128"), p


@case("csv: a newline and an escape in the file name")
def _(d: Path) -> tuple[list[str], Path, str]:
    p = _write(d / "a\nerror: forged\x1b[2J.csv", "time,Fp1\n0,1\n")
    return _predict(p), p, "a\\nerror: forged\\x1b[2J.csv"


# The third round (issue 28): blank CSV files in bulk; BrainFlow and OpenBCI GUI files
@case("csv: 50 MB of blank lines")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "blank-lines.csv"
    with p.open("wb") as f:
        f.write(_HEAD.encode())
        for _ in range(50):
            f.write(b"\n" * 1_000_000)
    return _predict(p), p


@case("csv: 20 MB of blank cells")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "blank-cells.csv"
    with p.open("wb") as f:
        f.write(_HEAD.encode())
        for _ in range(20):
            f.write(b",,,,,,,,,,\n" * 95_000)
    return _predict(p), p


def _text_case(name: str, file: str, text: bytes | str, *extra: str) -> None:
    @case(name)
    def _(d: Path) -> tuple[list[str], Path]:
        p = _write(d / file, text)
        return _predict(p, *extra), p


# (--board cases are the command line's alone: the unit tests hold them, the panel has no field)
_CYTON_ROW = "\t".join(["0"] + ["1.5"] * 21 + ["1700000000.0", "0"]) + "\n"
_text_case("brainflow: 11 columns", "bf11.csv", "\t".join(["1"] * 11) + "\n")
_text_case("brainflow: a line of 1,000,000 values", "bfwide.csv", "1\t" * 1_000_000 + "1\n")
_text_case(
    "brainflow: every time stamp 0", "bfzero.csv", _CYTON_ROW.replace("1700000000.0", "0") * 2000
)
_text_case(
    "brainflow: words after numbers", "bfwords.csv", _CYTON_ROW + _CYTON_ROW.replace("1.5", "x")
)
_OPENBCI = "%OpenBCI Raw EXG Data\n%Number of channels = 8\n%Sample Rate = 250 Hz\n%Board = x\n"
_OPENBCI_NAMES = "Sample Index, " + ", ".join(f"EXG Channel {k}" for k in range(8)) + "\n"
_text_case(
    "openbci: sample rate nan",
    "nan.txt",
    _OPENBCI.replace("250 Hz", "nan Hz") + _OPENBCI_NAMES + "0" + ", 1" * 8 + "\n",
)
_text_case(
    "openbci: sample rate 1e300", "big.txt", _OPENBCI.replace("250 Hz", "1e300 Hz") + _OPENBCI_NAMES
)
_text_case("openbci: 100,000 comment lines", "comments.txt", _OPENBCI + "%x\n" * 100_000)
_text_case(
    "openbci: a header then one 30 MB line",
    "long.txt",
    _OPENBCI + _OPENBCI_NAMES + "1, " * 10_000_000,
)
_text_case(
    "openbci: no channels count, no column names",
    "nocount.txt",
    _OPENBCI.replace("%Number of channels = 8\n", "") + "0, 1, 2\n",
)
_text_case("openbci: EXG columns but no samples", "empty.txt", _OPENBCI + _OPENBCI_NAMES)
