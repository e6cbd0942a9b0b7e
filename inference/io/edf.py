"""EDF/EDF+ and BDF/BDF+ files (European/BioSemi Data Format) as Recordings.

edfio parses the header (and the annotations); the samples are decoded here. Why edfio rather
than pyEDFlib: edfio is pure Python on numpy, so one wheel serves every Python and platform
Blender runs (pyEDFlib is a C extension with a wheel per Python version, and a zip that bundles
one is refused by the other Pythons). pyEDFlib is the independent reference in the tests.

Why the samples are decoded here: edfio gives each signal as float64 (4x a 16-bit EDF's bytes,
and for BDF it first holds the whole file and an int32 copy: 17x the file at the peak). Here the
data records are read a block at a time (`READ_BLOCK_BYTES`) and each block is calibrated
(edfio's formula: (digital + offset) * gain, bit for bit) straight into one float32 array of
the kept signals: a 16-bit EDF is held 2x, a 24-bit BDF 1.33x, plus one block. float32 keeps
24 bits: a BDF's 31 nV steps at a 20 mV DC offset round by 2 nV. The data records are counted
from the file's size, never the header's claim, so a header with an unknown (-1) or wrong record
count, or a file cut short, reads the whole records it holds, with a note (as MNE reads it).

Labels come from the signal headers and values are physical, converted to microvolts where the
header names another voltage unit (nV, mV, V). Header text that is not ASCII (a Latin-1 "µV") is
read as UTF-8 or else Latin-1, with one note. Signals whose calibration is unusable (physical or
digital minimum equal to the maximum, an infinite range) are left out with one note. A
Recording has one rate: the reader keeps the signals at the rate most of the recognised EEG
electrodes use (or, when no label is a 10-20 electrode, the rate most signals use) and reports
every dropped signal in `Recording.notes`. Annotation signals ("EDF Annotations", "BDF
Annotations") are never data: their annotations become the Recording's markers.

A BioSemi Status channel is never data either. It is the signal labelled "Status" or "Trigger",
or, in a BDF, the last signal when its label is blank or "-1" and its values behave as a status
channel (they change in at most 1 % of samples): DEAP's original recordings have both layouts
(s24-s28 a blank label, s29-s32 "-1"). Its trigger code is the low 16 bits with the bits held
constant over the whole recording removed (DEAP's later subjects hold the upper trigger lines
high: 0x18FF01-0x18FF07), so the codes come out as 1..7. Each change to a non-zero code becomes
a marker; where the codes follow DEAP's original recordings (a 4 starts each music video, a 5
follows about 60 s later) the file is split into trials as DEAP's preprocessed files are (60 s
from each 4, the 3 s before it as baseline). Trial numbers are then the order of presentation in
that recording; DEAP's preprocessed files number trials in video order, and the table between
the two is DEAP's (licensed, so not bundled). Otherwise `trials` is empty and the pipeline uses
the first seconds as the resting baseline.
"""

from __future__ import annotations

import io
import math
import os
import stat
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..dsp.electrodes import canonical_name
from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_MARKERS, MAX_RECORDING_BYTES, READ_BLOCK_BYTES
from . import deap_files as deap
from .recording import Marker, Recording, Trial
from .safe_files import check_regular
from .units import microvolt_scale, unit_words

PathLike = str | os.PathLike[str]

_BDF_MAGIC = b"\xffBIOSEMI"
_HEADER_BYTES = 256
# Per-signal header fields, each stored for every signal before the next field begins.
_SIGNAL_FIELDS = (
    ("label", 16), ("transducer", 80), ("dimension", 8), ("physical_min", 8),
    ("physical_max", 8), ("digital_min", 8), ("digital_max", 8), ("prefiltering", 80),
    ("samples_per_record", 8), ("reserved", 32),
)  # fmt: skip
_STATUS_LABELS = ("STATUS", "TRIGGER")
_UNLABELLED_STATUS = ("", "-1")  # DEAP's s24-s28 and s29-s32: BDF's last signal
_TRIGGER_BITS = 0xFFFF  # BioSemi: trigger lines in bits 0-15, amplifier state above
_STATUS_CHANGES = 0.01  # a status channel changes in at most this share of its samples


@dataclass(frozen=True)
class _Layout:
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


def _choose_rate(labels: list[str], rates: list[float]) -> float:
    """The rate most recognised EEG electrodes share (else most signals); ties: first in file."""
    eeg = [r for label, r in zip(labels, rates, strict=True) if canonical_name(label) is not None]
    return Counter(eeg or rates).most_common(1)[0][0]


def _open(path: Path, source: str) -> io.BufferedReader:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{source}: cannot open ({exc.strerror or exc})") from None
    f = io.BufferedReader(io.FileIO(fd, "rb"))
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check
        f.close()
        raise InputError(f"{source}: not a regular file, so not an EDF/BDF file")
    return f


def _read_header(f: IO[bytes], source: str) -> tuple[bytes, str]:
    """The whole header (fixed part and signal headers) and its format."""
    head = f.read(_HEADER_BYTES)
    if len(head) < _HEADER_BYTES:
        raise InputError(f"{source}: not a readable EDF/BDF file (the header is cut short)")
    kind = "BDF" if head.startswith(_BDF_MAGIC) else "EDF"  # the header says, whatever the suffix
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
    rest = f.read(_HEADER_BYTES * ns)
    if len(rest) < _HEADER_BYTES * ns:
        raise InputError(f"{source}: not a readable EDF/BDF file (the header is cut short)")
    return head + rest, kind


def _encoding(header: bytes, notes: list[str]) -> str:
    """ASCII as EDF requires; else UTF-8 if it decodes, else Latin-1 (a "µV" from Windows)."""
    if header.isascii():
        return "ascii"
    try:
        header.decode("utf-8")
    except UnicodeDecodeError:
        notes.append("the header holds text that is not ASCII (as EDF requires): read as Latin-1")
        return "latin-1"
    notes.append("the header holds text that is not ASCII (as EDF requires): read as UTF-8")
    return "utf-8"


def _fields(header: bytes, ns: int, name: str) -> list[bytes]:
    """One per-signal header field of every signal, raw."""
    offset = _HEADER_BYTES
    for field, width in _SIGNAL_FIELDS:
        if field == name:
            return [header[offset + k * width : offset + (k + 1) * width] for k in range(ns)]
        offset += width * ns
    raise KeyError(name)


def _layout(header: bytes, kind: str, size: int, source: str, notes: list[str]) -> _Layout:
    ns = (len(header) - _HEADER_BYTES) // _HEADER_BYTES
    try:
        spr = np.array(
            [int(v.decode("ascii").strip()) for v in _fields(header, ns, "samples_per_record")]
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
        [v.decode("latin-1").rstrip() == label for v in _fields(header, ns, "label")]
    )
    layout = _Layout(kind, len(header), spr, annotation, 0)
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
    return _Layout(kind, len(header), spr, annotation, records)


def _edfio(source: str) -> Any:
    try:
        import edfio
    except ImportError:
        raise InputError(
            f"{source}: reading EDF/BDF files needs edfio (pip install edfio)"
        ) from None
    return edfio


def _parse(header: bytes, kind: str, encoding: str, source: str, notes: list[str]) -> Any:
    """edfio's view of the header alone (labels, units, ranges, rates, EDF+ fields)."""
    edfio = _edfio(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = edfio.read_bdf if kind == "BDF" else edfio.read_edf
            parsed = reader(header, header_encoding=encoding)  # no data records: counted below
        except Exception as exc:  # ValueError/IndexError/... for headers that do not parse
            raise InputError(f"{source}: not a readable EDF/BDF file ({exc})") from None
    notes += [f"{kind} file: {w.message}" for w in caught if "data records" not in str(w.message)]
    return parsed


def read_edf(path: PathLike) -> Recording:
    """An EDF(+) or BDF(+) file as a Recording in microvolts (see the module notes)."""
    source = str(path)
    file = Path(path)
    size = check_regular(file, "EDF/BDF", MAX_RECORDING_BYTES)
    _edfio(source)  # say what to install before anything else
    notes: list[str] = []
    with _open(file, source) as f:
        header, kind = _read_header(f, source)
        encoding = _encoding(header, notes)
        layout = _layout(header, kind, size, source, notes)
        parsed = _parse(header, kind, encoding, source, notes)
        plan = _plan(parsed, layout, source, notes)
        samples, status, annotation_bytes = _decode(f, layout, plan, source)
    rate = plan.rate
    samples, status, labels = _settle_status(samples, status, plan)
    markers = _annotation_markers(header, layout, annotation_bytes, encoding, rate, notes)
    codes = None
    if status is not None:
        codes = _trigger_codes(status, notes)
        markers += _code_markers(codes, notes)
    converted = sorted({unit_words(u) for u in plan.units if microvolt_scale(u) not in (None, 1.0)})
    if converted:
        notes.append(f"converted {', '.join(converted)} to microvolts")
    trials = _deap_trials(codes, rate, len(samples)) if codes is not None else ()
    if trials:
        notes.append(
            f"Status codes follow DEAP's original recordings: {len(trials)} trials of "
            f"{deap.TRIAL_S:g} s from each video start (code {deap.STATUS_VIDEO_START}), numbered "
            "in the order they were shown; DEAP's preprocessed files number them in video order"
        )
    details: dict[str, object] = {
        "equipment": _equipment(parsed),
        "file_duration_s": layout.records * plan.record_s,
        "units": plan.units[: len(labels)],
    }
    in_range = sorted(m for m in markers if 0 <= m.sample < len(samples))
    return Recording(
        samples, tuple(labels), rate, source, trials, tuple(in_range), format=kind,
        notes=tuple(notes), details=details,
        unit_known=plan.voltage,  # False: no signal names a voltage, guessed later
    )  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """Which raw signals become data columns, how each is calibrated, and the status signal."""

    rate: float
    record_s: float
    columns: tuple[int, ...]  # raw signal indices, in file order
    labels: tuple[str, ...]
    units: tuple[str, ...]
    gain: np.ndarray  # (columns,) per column, the unit to microvolts folded in
    offset: np.ndarray  # (columns,)
    voltage: bool
    status: int | None  # raw index of the status signal
    candidate: bool  # the status is the last column's signal, still to be judged by its values


def _plan(parsed: Any, layout: _Layout, source: str, notes: list[str]) -> _Plan:
    what = f"{source}: the {layout.kind} file"
    if layout.records == 0 or layout.record_bytes == 0:
        raise InputError(f"{what} holds no samples")
    raw = np.flatnonzero(~layout.annotation)
    try:
        signals = list(parsed.signals)  # annotation signals are not among them
        if len(signals) != len(raw):
            raise ValueError("the signal headers do not add up")
        labels = [str(s.label).strip() for s in signals]
        rates = [float(s.sampling_frequency) for s in signals]
        units = [str(s.physical_dimension).strip() for s in signals]
        record_s = float(parsed.data_record_duration)
        ranges = [_range(s) for s in signals]
    except Exception as exc:  # a header that parses but whose fields cannot be read
        raise InputError(
            f"{source}: cannot read the signals of this {layout.kind} file ({exc})"
        ) from None
    count = [int(layout.samples_per_record[i]) for i in raw]
    status = next((k for k, lab in enumerate(labels) if lab.upper() in _STATUS_LABELS), None)
    candidate = False
    if status is None and layout.kind == "BDF" and labels and labels[-1] in _UNLABELLED_STATUS:
        status, candidate = len(labels) - 1, True  # judged by its values once read
    usable = [
        k
        for k in range(len(signals))
        if count[k] > 0 and rates[k] > 0 and (k != status or candidate)
    ]
    uncalibrated = [k for k in usable if ranges[k] is None]
    if uncalibrated:
        shown = _listed([repr(labels[k]) for k in uncalibrated])
        notes.append(
            "signals with no usable calibration (physical or digital minimum equal to the "
            f"maximum, or not finite) were left out: {shown}"
        )
        usable = [k for k in usable if ranges[k] is not None]
        if not usable:
            raise InputError(f"{what}: no signal has a usable calibration ({shown})")
    rate, keep = _keep_one_rate(usable, labels, rates, what, notes)
    if status is not None and (rates[status] != rate or count[status] == 0):
        if not candidate:
            notes.append(
                f"the Status signal ({rates[status]:g} Hz) is not at {rate:g} Hz: not read"
            )
        status, candidate = None, False
    if candidate and keep[-1] != status:  # left out (no calibration): no column to judge it in
        candidate = False
    if status is not None and not candidate:
        keep = [k for k in keep if k != status]
    scales = [microvolt_scale(units[k]) for k in keep]
    odd = [f"{labels[k]} ({units[k]!r})" for k, scale in zip(keep, scales, strict=True)
           if scale is None and units[k] and canonical_name(labels[k]) is not None]  # fmt: skip
    if odd:
        notes.append(f"units that are not voltages, values used as they are: {_listed(odd)}")
    gains = [
        (ranges[k] or (1.0, 0.0))[0] * (scale or 1.0) for k, scale in zip(keep, scales, strict=True)
    ]
    offsets = [(ranges[k] or (1.0, 0.0))[1] for k in keep]
    voltage = any(scale is not None for scale in scales)
    return _Plan(rate, record_s, tuple(int(raw[k]) for k in keep), tuple(labels[k] for k in keep),
                 tuple(units[k] for k in keep), np.array(gains), np.array(offsets), voltage,
                 None if status is None else int(raw[status]), candidate)  # fmt: skip


def _listed(items: list[str], most: int = 16) -> str:
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more


def _range(signal: Any) -> tuple[float, float] | None:
    """(gain, offset) as edfio calibrates, or None where the calibration is unusable."""
    pmin, pmax = float(signal.physical_min), float(signal.physical_max)
    dmin, dmax = float(signal.digital_min), float(signal.digital_max)
    if dmax == dmin or pmax == pmin:
        return None
    gain = (pmax - pmin) / (dmax - dmin)
    offset = pmax / gain - dmax
    return (gain, offset) if math.isfinite(gain) and math.isfinite(offset) and gain != 0 else None


def _keep_one_rate(
    data: list[int], labels: list[str], rates: list[float], what: str, notes: list[str]
) -> tuple[float, list[int]]:
    """The EEG rate and the signals sampled at it; the others are named in a note."""
    if not data:
        raise InputError(f"{what} holds no samples")
    if len(data) > MAX_CHANNELS:
        raise InputError(f"{what} has {len(data)} signals; at most {MAX_CHANNELS} are read")
    rate = _choose_rate([labels[i] for i in data], [rates[i] for i in data])
    dropped = [i for i in data if rates[i] != rate]
    if dropped:
        shown = _listed([f"{labels[i]} ({rates[i]:g} Hz)" for i in dropped])
        notes.append(f"signals at other rates than {rate:g} Hz were left out: {shown}")
    return rate, [i for i in data if rates[i] == rate]


def _decode(
    f: io.BufferedReader, layout: _Layout, plan: _Plan, source: str
) -> tuple[np.ndarray, np.ndarray | None, list[np.ndarray]]:
    """(samples float32 microvolts, the status signal's digital values, each annotation
    signal's bytes), reading the data records a block at a time."""
    spr = int(layout.samples_per_record[plan.columns[0]])
    n = layout.records * spr
    out = np.empty((n, len(plan.columns)), dtype=np.float32)
    status = None if plan.status is None else np.empty(n, dtype=np.int32)
    starts = layout.starts
    within = np.arange(spr)
    columns = starts[list(plan.columns)][None, :] + within[:, None]  # (spr, kept)
    status_at = None if plan.status is None else starts[plan.status] + within
    bps = layout.bytes_per_sample
    notes_ann = [int(i) for i in np.flatnonzero(layout.annotation)]
    annotations: list[list[np.ndarray]] = [[] for _ in notes_ann]
    record = layout.record_bytes
    per_block = max(1, READ_BLOCK_BYTES // record)
    # samples of one record per step, so that a single huge record stays within the block size
    step = max(1, READ_BLOCK_BYTES // (bps * len(plan.columns) * per_block))
    buffer = bytearray(per_block * record)
    f.seek(layout.header_bytes)
    for first in range(0, layout.records, per_block):  # blocks of records, not samples
        count = min(per_block, layout.records - first)
        view = memoryview(buffer)[: count * record]
        if f.readinto(view) != len(view):
            raise InputError(f"{source}: the file changed while it was read")
        raw = np.frombuffer(view, dtype=np.uint8).reshape(count, record)
        rows = slice(first * spr, (first + count) * spr)
        for a in range(0, spr, step):  # slices of a record's samples, for huge records only
            block = _digital(raw, columns[a : a + step], bps).astype(np.float64)
            block += plan.offset  # edfio's calibration, in place: (digital + offset) * gain
            block *= plan.gain
            out[rows].reshape(count, spr, -1)[:, a : a + step] = block
        if status is not None and status_at is not None:
            status[rows] = _digital(raw, status_at[:, None], bps).reshape(-1)
        for k, i in enumerate(notes_ann):
            lo = int(starts[i]) * bps
            annotations[k].append(raw[:, lo : lo + int(layout.samples_per_record[i]) * bps].copy())
    joined = [
        np.concatenate(parts) if parts else np.zeros((0, 0), np.uint8) for parts in annotations
    ]
    return out, status, joined


def _digital(raw: np.ndarray, at: np.ndarray, bps: int) -> np.ndarray:
    """The integer samples at record positions `at` ((s, c) sample indices) of every record."""
    if bps == 2:
        return raw.view("<i2")[:, at].astype(np.int32)
    b = raw.reshape(raw.shape[0], -1, 3)[:, at].astype(np.int32)  # (records, s, c, 3 bytes)
    value = b[..., 0] | (b[..., 1] << 8) | (b[..., 2] << 16)
    return (value ^ 0x800000) - 0x800000  # 24-bit two's complement


def _settle_status(
    samples: np.ndarray, status: np.ndarray | None, plan: _Plan
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """An unlabelled last signal is the status channel when its values behave as one; then it
    is not data (a view without its column)."""
    labels = list(plan.labels)
    if not plan.candidate or status is None:
        return samples, status, labels
    changes = int(np.count_nonzero(np.diff(status)))
    if changes > _STATUS_CHANGES * len(status):
        return samples, None, labels  # an ordinary signal that happens to have no label
    return samples[:, :-1], status, labels[:-1]


def _trigger_codes(status: np.ndarray, notes: list[str]) -> np.ndarray:
    """Trigger codes: the low 16 bits, less the bits held constant over the whole recording."""
    low = status & _TRIGGER_BITS
    held = int(np.bitwise_and.reduce(low))
    changing = int(np.bitwise_or.reduce(low)) & ~held
    if held:
        notes.append(
            f"Status: trigger lines {held:#06x} are held high throughout: codes are read from the "
            f"lines that change ({changing:#06x})"
        )
    return low & changing


def _code_markers(codes: np.ndarray, notes: list[str]) -> list[Marker]:
    """A marker wherever the trigger code changes to a non-zero value."""
    change = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    change = change[codes[change] != 0]
    if change.size > MAX_MARKERS:
        notes.append(f"the Status signal changes {change.size:,} times: not read as markers "
                     f"(at most {MAX_MARKERS:,})")  # fmt: skip
        return []
    return [Marker(int(i), f"code {int(c)}") for i, c in zip(change, codes[change], strict=True)]


def _annotation_markers(
    header: bytes,
    layout: _Layout,
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
    fixed = bytearray(header[:_HEADER_BYTES])
    fixed[184:192] = f"{_HEADER_BYTES * (len(keep) + 1):<8d}".encode()
    fixed[236:244] = f"{layout.records:<8d}".encode()
    fixed[252:256] = f"{len(keep):<4d}".encode()
    fields = b"".join(
        b"".join(_fields(header, ns, name)[k] for k in keep) for name, _ in _SIGNAL_FIELDS
    )
    body = np.concatenate([d.reshape(layout.records, -1) for d in data], axis=1).tobytes()
    try:
        edfio = _edfio("")
        reader = edfio.read_bdf if layout.kind == "BDF" else edfio.read_edf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = list(reader(bytes(fixed) + fields + body, header_encoding=encoding).annotations)
    except Exception:  # annotations that do not parse: no markers, not an error
        notes.append("the annotations do not parse: no markers from them")
        return []
    return [Marker(round(float(a.onset) * rate), str(a.text)) for a in found[:MAX_MARKERS]]


def _equipment(parsed: Any) -> str:
    """EDF+/BDF+ headers carry structured recording fields; plain EDF's may not parse."""
    try:
        return str(parsed.recording.equipment_code).strip()
    except Exception:  # edfio raises for a field that is not EDF+ formatted
        return ""


def _deap_trials(codes: np.ndarray, rate: float, n: int) -> tuple[Trial, ...]:
    """Trials of DEAP's original recordings from their Status codes; () for any other layout."""
    starts = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    video = starts[codes[starts] == deap.STATUS_VIDEO_START]
    after = starts[codes[starts] == deap.STATUS_VIDEO_START + 1]
    if video.size == 0 or after.size == 0:
        return ()
    following = np.searchsorted(after, video)
    paired = following < after.size
    spans = (after[following[paired]] - video[paired]) / rate
    if spans.size == 0 or abs(float(np.median(spans)) - deap.TRIAL_S) > 2.0:
        return ()  # code 4s that are not DEAP's one-minute videos
    length = round(deap.TRIAL_S * rate)
    base = round(deap.BASELINE_S * rate)
    return tuple(
        Trial(int(onset), min(int(onset) + length, n), deap.BASELINE_S, (), k + 1)
        for k, onset in enumerate(video)
        if onset >= base and onset + rate <= n
    )
