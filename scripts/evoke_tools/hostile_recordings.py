"""The hostile catalogue's recordings: bad DEAP pickles, CSV, XDF and EDF/BDF files, and the
good recordings other cases (and the fuzz tests) start from."""

from __future__ import annotations

import os
import pickle
import struct
from pathlib import Path

import numpy as np

from evoke_tools.hostile_cases import _predict, _write, case


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
