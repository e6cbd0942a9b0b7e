"""EDF/EDF+ and BDF/BDF+ files (European/BioSemi Data Format) as Recordings.

edfio parses the header (and the annotations, `edf_header`); the samples are decoded here. Why
edfio rather than pyEDFlib: edfio is pure Python on numpy, so one wheel serves every Python and
platform Blender runs (pyEDFlib is a C extension with a wheel per Python version, and a zip that
bundles one is refused by the other Pythons). pyEDFlib is the independent reference in the tests.

Why the samples are decoded here: edfio gives each signal as float64 (4x a 16-bit EDF's bytes,
and for BDF it first holds the whole file and an int32 copy: 17x the file at the peak). Here the
data records are read a block at a time (`READ_BLOCK_BYTES`) and each block is calibrated
(edfio's formula: (digital + offset) * gain, bit for bit) straight into one float32 array of
the kept signals: a 16-bit EDF is held 2x, a 24-bit BDF 1.33x, plus one block. float32 keeps
24 bits: a BDF's 31 nV steps at a 20 mV DC offset round by 2 nV.

Labels come from the signal headers and values are physical, converted to microvolts where the
header names another voltage unit (nV, mV, V). Signals whose calibration is unusable (physical
or digital minimum equal to the maximum, an infinite range) are left out with one note. A
Recording has one rate: the reader keeps the signals at the rate most of the recognised EEG
electrodes use (or, when no label is a 10-20 electrode, the rate most signals use) and reports
every dropped signal in `Recording.notes`. Annotation signals ("EDF Annotations", "BDF
Annotations") are never data: their annotations become the Recording's markers. A BioSemi
Status channel is never data either: its codes become markers, and DEAP's original recordings
their trials (`edf_status`).
"""

from __future__ import annotations

import io
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..dsp.electrodes import canonical_name
from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_RECORDING_BYTES, READ_BLOCK_BYTES
from . import deap_files as deap
from .edf_header import (
    Layout,
    annotation_markers,
    edfio_module,
    equipment,
    header_encoding,
    layout_of,
    open_edf,
    parse_header,
    read_header,
)
from .edf_status import (
    STATUS_LABELS,
    UNLABELLED_STATUS,
    code_markers,
    deap_trials,
    settle_status,
    trigger_codes,
)
from .recording import Recording
from .safe_files import check_regular
from .units import microvolt_scale, unit_words

PathLike = str | os.PathLike[str]


def _choose_rate(labels: list[str], rates: list[float]) -> float:
    """The rate most recognised EEG electrodes share (else most signals); ties: first in file."""
    eeg = [r for label, r in zip(labels, rates, strict=True) if canonical_name(label) is not None]
    return Counter(eeg or rates).most_common(1)[0][0]


def read_edf(path: PathLike) -> Recording:
    """An EDF(+) or BDF(+) file as a Recording in microvolts (see the module notes)."""
    source = str(path)
    file = Path(path)
    size = check_regular(file, "EDF/BDF", MAX_RECORDING_BYTES)
    edfio_module(source)  # say what to install before anything else
    notes: list[str] = []
    with open_edf(file, source) as f:
        header, kind = read_header(f, source)
        encoding = header_encoding(header, kind, notes)
        layout = layout_of(header, kind, size, source, notes)
        parsed = parse_header(header, kind, encoding, source, notes)
        plan = _plan(parsed, layout, source, notes)
        samples, status, annotation_bytes = _decode(f, layout, plan, source)
    rate = plan.rate
    samples, status, labels = settle_status(samples, status, list(plan.labels), plan.candidate)
    markers = annotation_markers(header, layout, annotation_bytes, encoding, rate, notes)
    codes = None
    if status is not None:
        codes = trigger_codes(status, notes)
        markers += code_markers(codes, notes)
    converted = sorted({unit_words(u) for u in plan.units if microvolt_scale(u) not in (None, 1.0)})
    if converted:
        notes.append(f"converted {', '.join(converted)} to microvolts")
    trials = deap_trials(codes, rate, len(samples)) if codes is not None else ()
    if trials:
        notes.append(
            f"Status codes follow DEAP's original recordings: {len(trials)} trials of "
            f"{deap.TRIAL_S:g} s from each video start (code {deap.STATUS_VIDEO_START}), numbered "
            "in the order they were shown; DEAP's preprocessed files number them in video order"
        )
    details: dict[str, object] = {
        "equipment": equipment(parsed),
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


def _plan(parsed: Any, layout: Layout, source: str, notes: list[str]) -> _Plan:
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
    status = next((k for k, lab in enumerate(labels) if lab.upper() in STATUS_LABELS), None)
    candidate = False
    if status is None and layout.kind == "BDF" and labels and labels[-1] in UNLABELLED_STATUS:
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
    f: io.BufferedReader, layout: Layout, plan: _Plan, source: str
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
