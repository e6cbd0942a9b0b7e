"""The hostile catalogue's XDF and EDF/BDF files: what a header declares (channels, samples,
records, rates, calibrations, streams) against what the file holds."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from evoke_tools.hostile_cases import _predict, _write, case


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


# XDF: what pyxdf allocates, from what a header says
def _string_header(channels: int, sid: int = 2) -> bytes:
    xml = (f'<?xml version="1.0"?><info><name>Markers</name><type>Markers</type>'
           f"<channel_count>{channels}</channel_count><nominal_srate>0</nominal_srate>"
           "<channel_format>string</channel_format><source_id>m</source_id></info>")  # fmt: skip
    return _xdf_chunk(2, struct.pack("<I", sid) + xml.encode())


def _eeg_body(
    seconds: float = 40.0, stream: int = 1, nominal: str = "128", restart_s: int = 0
) -> bytes:
    """A valid float32 EEG stream of 10 DEAP electrodes at 128 Hz, in one-second chunks.
    nominal: the rate its header states; restart_s: the stamps start again every so many s."""
    rate = 128
    labels = "".join(f"<channel><label>{n}</label><unit>microvolts</unit></channel>"
                     for n in ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"))  # fmt: skip
    xml = (f'<?xml version="1.0"?><info><name>EEG</name><type>EEG</type><channel_count>10'
           f"</channel_count><nominal_srate>{nominal}</nominal_srate><channel_format>float32"
           f"</channel_format><source_id>x</source_id><desc><channels>{labels}</channels></desc>"
           "</info>")  # fmt: skip
    out = [_xdf_chunk(2, struct.pack("<I", stream) + xml.encode())]
    rng = np.random.default_rng(0)
    record = np.dtype([("tsb", "u1"), ("ts", "<f8"), ("v", "<f4", (10,))])
    for second in range(int(seconds)):
        rows = np.zeros(rate, dtype=record)
        at = second % restart_s if restart_s else second
        rows["tsb"], rows["ts"] = 8, 100.0 + at + np.arange(rate) / rate
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


# The third round (issue 28): many streams, and a rate that must be measured
_xdf_case(
    "60,000 string streams (11 MB)",
    _FILE_HEADER + _eeg_body(10) + b"".join(_string_header(1, sid) for sid in range(2, 60_002)),
)
_xdf_case(
    "900 marker streams of one marker each",
    _FILE_HEADER + _eeg_body(40)
    + b"".join(_string_header(1, sid) + _xdf_chunk(3, struct.pack("<I", sid) + b"\x01\x01\x08"
               + struct.pack("<d", 110.0) + b"\x01\x01x") for sid in range(2, 902)),
)  # fmt: skip
_xdf_case("nominal rate 0, stamps restarting every 20 s", _FILE_HEADER + _eeg_body(40, 1, "0", 20))
