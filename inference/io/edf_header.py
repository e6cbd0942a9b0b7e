"""The EDF/BDF header: its fixed part and signal headers read raw, their text encoding, where
each signal sits in a data record, edfio's parse of the header alone, and the EDF+/BDF+
annotations (edfio parses a file of the annotation signals alone).

Header text must be ASCII (EDF), except a BDF's first byte, 0xFF by the format's definition
(BioSemi's own files), which is never taken as text. Other bytes that are not ASCII (a "µV" from
Windows, in Latin-1, or in UTF-8) are read as UTF-8 if the header decodes so, else Latin-1, with
one note. The data records are counted from the file's size, never the header's claim, so a
header with an unknown (-1) or wrong record count, or a file cut short, reads the whole records
it holds, with a note (as MNE reads it).
"""

from __future__ import annotations

import io
import math
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_MARKERS
from .recording import Marker

BDF_MAGIC = b"\xffBIOSEMI"
HEADER_BYTES = 256
# Per-signal header fields, each stored for every signal before the next field begins.
_SIGNAL_FIELDS = (
    ("label", 16), ("transducer", 80), ("dimension", 8), ("physical_min", 8),
    ("physical_max", 8), ("digital_min", 8), ("digital_max", 8), ("prefiltering", 80),
    ("samples_per_record", 8), ("reserved", 32),
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """Where each signal's samples sit in a data record, from the raw header."""

    kind: str  # "EDF" or "BDF"
    header_bytes: int
    samples_per_record: np.ndarray  # (ns,) every signal, annotation signals included
    annotation: np.ndarray  # (ns,) bool
    records: int  # whole data records the file holds

    @property
    def bytes_per_sample(self) -> int:
        return 3 if self.kind == "BDF" else 2

    @property
    def starts(self) -> np.ndarray:
        return np.cumsum(self.samples_per_record) - self.samples_per_record

    @property
    def record_bytes(self) -> int:
        return int(self.samples_per_record.sum()) * self.bytes_per_sample


def open_edf(path: Path, source: str) -> io.BufferedReader:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{source}: cannot open ({exc.strerror or exc})") from None
    f = io.BufferedReader(io.FileIO(fd, "rb"))
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check
        f.close()
        raise InputError(f"{source}: not a regular file, so not an EDF/BDF file")
    return f


def read_header(f: IO[bytes], source: str) -> tuple[bytes, str]:
    """The whole header (fixed part and signal headers) and its format."""
    head = f.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES:
        raise InputError(f"{source}: not a readable EDF/BDF file (the header is cut short)")
    kind = "BDF" if head.startswith(BDF_MAGIC) else "EDF"  # the header says, whatever the suffix
    try:
        ns = int(head[252:256].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise InputError(
            f"{source}: not a readable EDF/BDF file (the number of signals is not a number)"
        ) from None
    if not 1 <= ns <= MAX_CHANNELS + 16:  # annotation signals on top of the data signals
        raise InputError(
            f"{source}: the {kind} header declares {ns} signals; at most {MAX_CHANNELS} are read"
        )
    rest = f.read(HEADER_BYTES * ns)
    if len(rest) < HEADER_BYTES * ns:
        raise InputError(f"{source}: not a readable EDF/BDF file (the header is cut short)")
    return head + rest, kind


def header_encoding(header: bytes, kind: str, notes: list[str]) -> str:
    """ASCII as EDF requires (a BDF's first byte, 0xFF, is the format's own and not text); else
    UTF-8 if it decodes, else Latin-1 (a "µV" from Windows)."""
    text = header[1:] if kind == "BDF" else header
    if text.isascii():
        return "ascii"
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        notes.append("the header holds text that is not ASCII (as EDF requires): read as Latin-1")
        return "latin-1"
    notes.append("the header holds text that is not ASCII (as EDF requires): read as UTF-8")
    return "utf-8"


def fields(header: bytes, ns: int, name: str) -> list[bytes]:
    """One per-signal header field of every signal, raw."""
    offset = HEADER_BYTES
    for field, width in _SIGNAL_FIELDS:
        if field == name:
            return [header[offset + k * width : offset + (k + 1) * width] for k in range(ns)]
        offset += width * ns
    raise KeyError(name)


def layout_of(header: bytes, kind: str, size: int, source: str, notes: list[str]) -> Layout:
    ns = (len(header) - HEADER_BYTES) // HEADER_BYTES
    try:
        spr = np.array(
            [int(v.decode("ascii").strip()) for v in fields(header, ns, "samples_per_record")]
        )
        duration = float(header[244:252].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise InputError(
            f"{source}: not a readable EDF/BDF file (a sample count or the record duration is "
            "not a number)"
        ) from None
    if not (math.isfinite(duration) and duration > 0):
        raise InputError(
            f"{source}: not a readable EDF/BDF file (a data record lasts {duration:g} s)"
        )
    try:
        declared = int(header[236:244].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        declared = -1  # counted from the file's size below, as for an unknown count
    if (spr < 0).any():
        raise InputError(f"{source}: not a readable EDF/BDF file (a negative sample count)")
    label = f"{kind} Annotations"
    annotation = np.array(
        [v.decode("latin-1").rstrip() == label for v in fields(header, ns, "label")]
    )
    layout = Layout(kind, len(header), spr, annotation, 0)
    record = layout.record_bytes
    data = size - len(header)
    records = data // record if record > 0 else 0
    if record > 0 and records * record < data:
        notes.append(
            f"the file ends inside a data record (truncated?): its {records} whole records are read"
        )
    if declared != records and record > 0:
        shown = "an unknown number of" if declared == -1 else f"{declared}"
        notes.append(
            f"the header declares {shown} data records, the file holds {records}: read those"
        )
    return Layout(kind, len(header), spr, annotation, records)


def edfio_module(source: str) -> Any:
    try:
        import edfio
    except ImportError:
        raise InputError(
            f"{source}: reading EDF/BDF files needs edfio (pip install edfio)"
        ) from None
    return edfio


def parse_header(header: bytes, kind: str, encoding: str, source: str, notes: list[str]) -> Any:
    """edfio's view of the header alone (labels, units, ranges, rates, EDF+ fields)."""
    edfio = edfio_module(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = edfio.read_bdf if kind == "BDF" else edfio.read_edf
            parsed = reader(header, header_encoding=encoding)  # no data records: counted below
        except Exception as exc:  # ValueError/IndexError/... for headers that do not parse
            raise InputError(f"{source}: not a readable EDF/BDF file ({exc})") from None
    notes += [f"{kind} file: {w.message}" for w in caught if "data records" not in str(w.message)]
    return parsed


def annotation_markers(
    header: bytes,
    layout: Layout,
    data: list[np.ndarray],
    encoding: str,
    rate: float,
    notes: list[str],
) -> list[Marker]:
    """EDF+/BDF+ annotations as markers: edfio parses a file of the annotation signals alone."""
    if not data:
        return []
    if sum(int(np.count_nonzero(d == 0x14)) for d in data) > 2 * MAX_MARKERS + 2 * layout.records:
        notes.append(f"more than {MAX_MARKERS:,} annotations: not read as markers")
        return []
    ns = len(layout.annotation)
    keep = np.flatnonzero(layout.annotation)
    fixed = bytearray(header[:HEADER_BYTES])
    fixed[184:192] = f"{HEADER_BYTES * (len(keep) + 1):<8d}".encode()
    fixed[236:244] = f"{layout.records:<8d}".encode()
    fixed[252:256] = f"{len(keep):<4d}".encode()
    kept = b"".join(
        b"".join(fields(header, ns, name)[k] for k in keep) for name, _ in _SIGNAL_FIELDS
    )
    body = np.concatenate([d.reshape(layout.records, -1) for d in data], axis=1).tobytes()
    try:
        edfio = edfio_module("")
        reader = edfio.read_bdf if layout.kind == "BDF" else edfio.read_edf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = list(reader(bytes(fixed) + kept + body, header_encoding=encoding).annotations)
    except Exception:  # annotations that do not parse: no markers, not an error
        notes.append("the annotations do not parse: no markers from them")
        return []
    return [Marker(round(float(a.onset) * rate), str(a.text)) for a in found[:MAX_MARKERS]]


def equipment(parsed: Any) -> str:
    """EDF+/BDF+ headers carry structured recording fields; plain EDF's may not parse."""
    try:
        return str(parsed.recording.equipment_code).strip()
    except Exception:  # edfio raises for a field that is not EDF+ formatted
        return ""
