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


# XDF: what pyxdf allocates, from what a header says
def _string_header(channels: int, sid: int = 2) -> bytes:
    xml = (f'<?xml version="1.0"?><info><name>Markers</name><type>Markers</type>'
           f"<channel_count>{channels}</channel_count><nominal_srate>0</nominal_srate>"
           "<channel_format>string</channel_format><source_id>m</source_id></info>")  # fmt: skip
    return _xdf_chunk(2, struct.pack("<I", sid) + xml.encode())


def _eeg_body(seconds: float = 40.0, stream: int = 1) -> bytes:
    """A valid float32 EEG stream of 10 DEAP electrodes, in one-second chunks."""
    rate = 128
    labels = "".join(f"<channel><label>{n}</label><unit>microvolts</unit></channel>"
                     for n in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"))  # fmt: skip
    xml = (f'<?xml version="1.0"?><info><name>EEG</name><type>EEG</type><channel_count>10'
           f"</channel_count><nominal_srate>{rate}</nominal_srate><channel_format>float32"
           f"</channel_format><source_id>x</source_id><desc><channels>{labels}</channels></desc>"
           "</info>")  # fmt: skip
    out = [_xdf_chunk(2, struct.pack("<I", stream) + xml.encode())]
    rng = np.random.default_rng(0)
    record = np.dtype([("tsb", "u1"), ("ts", "<f8"), ("v", "<f4", (10,))])
    for second in range(int(seconds)):
        rows = np.zeros(rate, dtype=record)
        rows["tsb"], rows["ts"] = 8, 100.0 + second + np.arange(rate) / rate
        rows["v"] = rng.standard_normal((rate, 10)) * 20
        content = struct.pack("<I", stream) + b"\x04" + struct.pack("<I", rate) + rows.tobytes()
        out.append(_xdf_chunk(3, content))
    return b"".join(out)


_xdf_case(
    "a 1,024-channel string stream with one 500,000-sample chunk",
    _FILE_HEADER + _eeg_body(10) + _string_header(1024)
    + _xdf_chunk(3, struct.pack("<I", 2) + b"\x04" + struct.pack("<I", 500_000)
                 + (b"\x00" + b"\x01\x00" * 1024) * 490),  # 1 MB: 2 bytes a sample's text
)  # fmt: skip
_xdf_case(
    "a decoy channel_count in <desc> before the real one",
    _FILE_HEADER
    + _xdf_chunk(2, struct.pack("<I", 1) + b'<?xml version="1.0"?><info><desc><channel_count>1'
                 b"</channel_count><channel_format>int8</channel_format></desc><name>EEG</name>"
                 b"<type>EEG</type><channel_count>1024</channel_count><nominal_srate>128"
                 b"</nominal_srate><channel_format>double64</channel_format></info>")
    + _xdf_chunk(3, struct.pack("<I", 1) + b"\x04" + struct.pack("<I", 1_000_000) + bytes(2_000_000)),
)  # fmt: skip
_xdf_case(
    "a decoy channel_count in an XML comment",
    _FILE_HEADER
    + _xdf_chunk(2, struct.pack("<I", 1) + b'<?xml version="1.0"?><info><!-- <channel_count>1'
                 b"</channel_count><channel_format>int8</channel_format> --><name>EEG</name>"
                 b"<type>EEG</type><channel_count>1024</channel_count><nominal_srate>128"
                 b"</nominal_srate><channel_format>double64</channel_format></info>")
    + _xdf_chunk(3, struct.pack("<I", 1) + b"\x04" + struct.pack("<I", 1_000_000) + bytes(2_000_000)),
)  # fmt: skip
# every third offset steps back in time and jumps 5 s in value: pyxdf's reset search sees a
# clock reset there and fits each of the 6,667 spans apart (1,000 iterations, ~4 ms each)
_xdf_case(
    "20,000 clock offsets that look like clock resets",
    _FILE_HEADER + _eeg_body(40)
    + b"".join(_xdf_chunk(4, struct.pack("<Idd", 1, 100.0 + 5 * (k % 3), 5.0 * (k // 3)))
               for k in range(20_000)),
)  # fmt: skip
_xdf_case(
    "150,000 clock offsets",
    _FILE_HEADER + _eeg_body(10)
    + b"".join(_xdf_chunk(4, struct.pack("<Idd", 1, 100.0 + k, 0.0)) for k in range(150_000)),
)  # fmt: skip
_xdf_case(
    "a marker stream of 200,000 markers",
    _FILE_HEADER + _eeg_body(40) + _string_header(1)
    + _xdf_chunk(3, struct.pack("<I", 2) + b"\x04" + struct.pack("<I", 200_000)
                 + (b"\x08" + struct.pack("<d", 110.0) + b"\x01\x01x") * 200_000),
)  # fmt: skip
_xdf_case(
    "a stream header that is not XML",
    _FILE_HEADER + _xdf_chunk(2, struct.pack("<I", 1) + b"<info><channel_count>4</info"),
)


@case("xdf: a truncated .xdfz")
def _(d: Path) -> tuple[list[str], Path]:
    import gzip

    p = d / "cut.xdfz"
    p.write_bytes(gzip.compress(b"XDF:" + _FILE_HEADER + _eeg_body(20))[:-2000])
    return _predict(p), p


# MNE formats: the files a header names
def _brainvision(d: Path) -> tuple[Path, Path, Path]:
    from evoke_tools.writers import write_brainvision

    folder = d / f"bv{len(list(d.glob('bv*')))}"
    folder.mkdir()
    x = np.random.default_rng(0).standard_normal((128 * 4, 10)).astype(np.float32) * 20
    vhdr, vmrk, eeg = write_brainvision(folder / "rec", x, 128.0, tuple(f"C{k}" for k in range(10)))
    return vhdr, vmrk, eeg


@case("vhdr: its DataFile is a sparse 64 GB file")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    with open(eeg, "wb") as f:
        f.truncate(64 << 30)
    return _predict(vhdr), vhdr


@case("vhdr: its DataFile is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    eeg.unlink()
    os.mkfifo(eeg)
    return _predict(vhdr), vhdr


@case("vhdr: its MarkerFile is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, vmrk, _ = _brainvision(d)
    vmrk.unlink()
    os.mkfifo(vmrk)
    return _predict(vhdr), vhdr


@case("vhdr: its MarkerFile is /dev/zero")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    vhdr.write_text(vhdr.read_text().replace("MarkerFile=rec.vmrk", "MarkerFile=/dev/zero"))
    return _predict(vhdr), vhdr


@case("vhdr: its DataFile is missing")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    eeg.unlink()
    return _predict(vhdr), vhdr


@case("set: its .fdt is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    from evoke_tools.writers import write_eeglab_fdt

    x = np.random.default_rng(0).standard_normal((128 * 4, 10)).astype(np.float32)
    path, fdt = write_eeglab_fdt(d / "fifo.set", x, 128.0, tuple(f"C{k}" for k in range(10)))
    fdt.unlink()
    os.mkfifo(fdt)
    return _predict(path), path


# EDF/BDF: rates, units and calibrations as files have them
@case("bdf: 29 MB at 20 kHz")
def _(d: Path) -> tuple[list[str], Path]:
    from evoke_tools.writers import write_edf

    p = d / "fast.bdf"
    rng = np.random.default_rng(0)
    names = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
    write_edf(p, names, (20_000.0,) * 10,
              [np.ascontiguousarray(rng.standard_normal(20_000 * 48) * 20) for _ in names], bdf=True)  # fmt: skip
    return _predict(p), p


@case("edf: 'µV' in Latin-1 on 26 signals")
def _(d: Path) -> tuple[list[str], Path]:
    header = _edf_header(26, "40", "1", "128")
    header = header.replace(b"uV      ", "µV      ".encode("latin-1"))
    data = np.random.default_rng(1).integers(-2000, 2000, 26 * 128 * 40).astype("<i2")
    p = _write(d / "latin1.edf", header + data.tobytes())
    return _predict(p), p


_edf_case(
    "every signal physical min = max", _edf_header(10, "40", "1", "128", phys=("3", "3")), 102_400
)
_edf_case("a record duration of nan", _edf_header(10, "5", "nan", "256"), 25_600)
_edf_case("9999 records of 1e6 samples declared", _edf_header(10, "9999", "1", "1000000"), 4096)
