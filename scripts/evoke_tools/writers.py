"""Writers of real files for the tests: XDF (to the XDF 1.0 specification; pyxdf has no writer,
so every test that reads one also checks pyxdf reads it back), EDF/BDF through pyEDFlib (an
independent writer), and DEAP's original BDF layout (48 channels at 512 Hz with a Status channel)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pyedflib

from evoke_tools.paths import ROOT

BOUNDARY = bytes.fromhex("43A546DCCBF5410FB30ED5467383CBE4")


def _varlen(n: int) -> bytes:
    if n < 256:
        return b"\x01" + struct.pack("<B", n)
    if n < 2**32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def _chunk(tag: int, content: bytes) -> bytes:
    """[NumLengthBytes][Length][Tag][Content]: Length counts the tag and the content."""
    return _varlen(len(content) + 2) + struct.pack("<H", tag) + content


def _header_xml(stream: dict[str, Any]) -> bytes:
    channels = "".join(
        f"<channel><label>{escape(label)}</label><unit>{escape(stream.get('unit', 'microvolts'))}"
        f"</unit><type>{escape(stream['type'])}</type></channel>"
        for label in stream.get("labels", ())
    )
    return (
        '<?xml version="1.0"?><info>'
        f"<name>{escape(stream['name'])}</name><type>{escape(stream['type'])}</type>"
        f"<channel_count>{stream['channel_count']}</channel_count>"
        f"<nominal_srate>{stream['rate']}</nominal_srate>"
        f"<channel_format>{stream['format']}</channel_format>"
        f"<source_id>{escape(stream['name'])}-src</source_id><version>1.1</version>"
        "<created_at>100.0</created_at><uid>0</uid><session_id>default</session_id>"
        "<hostname>localhost</hostname>"
        f"<desc><channels>{channels}</channels></desc></info>"
    ).encode()


def _samples_content(stream: dict[str, Any], start: int, stop: int) -> bytes:
    stamps = stream["stamps"][start:stop]
    n = len(stamps)
    head = _varlen(n)
    if stream["format"] == "string":
        body = b"".join(
            b"\x08" + struct.pack("<d", ts) + _varlen(len(v.encode())) + v.encode()
            for ts, v in zip(stamps, stream["values"][start:stop], strict=True)
        )
        return head + body
    fmt = {"float32": "<f4", "double64": "<f8", "int16": "<i2", "int32": "<i4"}[stream["format"]]
    record = np.dtype([("tsb", "u1"), ("ts", "<f8"), ("v", fmt, (stream["channel_count"],))])
    rows = np.zeros(n, dtype=record)
    rows["tsb"], rows["ts"], rows["v"] = 8, stamps, stream["values"][start:stop]
    return head + rows.tobytes()


def write_xdf(path: Path, streams: list[dict[str, Any]], chunk: int = 100) -> None:
    """A minimal valid XDF 1.0 file: FileHeader, StreamHeaders, Samples, offsets, footers.

    A stream's "clock" (optional): its clock offsets as (time, value) pairs; two of 0 else."""
    out = [b"XDF:", _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, s in enumerate(streams, start=1):
        out.append(_chunk(2, struct.pack("<I", sid) + _header_xml(s)))
    out.append(_chunk(5, BOUNDARY))
    longest = max(len(s["stamps"]) for s in streams)
    for start in range(0, longest, chunk):
        for sid, s in enumerate(streams, start=1):
            if start < len(s["stamps"]):
                content = _samples_content(s, start, start + chunk)
                out.append(_chunk(3, struct.pack("<I", sid) + content))
    for sid, s in enumerate(streams, start=1):
        # (time on the stream's clock, offset to the recording's), as LabRecorder measures them
        clock = s.get("clock", [(float(s["stamps"][0]), 0.0), (float(s["stamps"][-1]), 0.0)])
        out += [_chunk(4, struct.pack("<Idd", sid, t, v)) for t, v in clock]
        footer = (
            '<?xml version="1.0"?><info>'
            f"<first_timestamp>{s['stamps'][0]}</first_timestamp>"
            f"<last_timestamp>{s['stamps'][-1]}</last_timestamp>"
            f"<sample_count>{len(s['stamps'])}</sample_count>"
            "<clock_offsets><offset><time>0</time><value>0</value></offset></clock_offsets>"
            "</info>"
        ).encode()
        out.append(_chunk(6, struct.pack("<I", sid) + footer))
    path.write_bytes(b"".join(out))


def _eeg_stream(labels: tuple[str, ...], rate: float, seconds: float, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n = round(rate * seconds)
    return {
        "name": "TestAmp",
        "type": "EEG",
        "rate": rate,
        "format": "float32",
        "channel_count": len(labels),
        "labels": labels,
        "stamps": 1000.0 + np.arange(n) / rate,
        "values": (rng.standard_normal((n, len(labels))) * 20).astype(np.float32),
    }


def write_edf(
    path: Path,
    labels: tuple[str, ...],
    rates: tuple[float, ...],
    signals: list[np.ndarray],
    unit: str = "uV",
    bdf: bool = False,
) -> None:
    kind = pyedflib.FILETYPE_BDFPLUS if bdf else pyedflib.FILETYPE_EDFPLUS
    writer = pyedflib.EdfWriter(str(path), len(labels), file_type=kind)
    try:
        span = float(np.ceil(max(float(np.abs(s).max()) for s in signals) * 1.01))
        digital = 8388607 if bdf else 32767
        headers: list[dict[str, str | int | float | None]] = [
            {
                "label": label,
                "dimension": unit,
                "sample_frequency": rate,
                "physical_min": -span,
                "physical_max": span,
                "digital_min": -digital - 1,
                "digital_max": digital,
                "transducer": "",
                "prefilter": "",
            }
            for label, rate in zip(labels, rates, strict=True)
        ]
        writer.setSignalHeaders(headers)
        writer.writeSamples(signals)
    finally:
        writer.close()


def _pyedflib_read(path: Path) -> tuple[list[str], list[float], list[np.ndarray]]:
    f = pyedflib.EdfReader(str(path))
    try:
        labels = list(f.getSignalLabels())
        rates = [float(r) for r in f.getSampleFrequencies()]
        signals = [f.readSignal(i) for i in range(f.signals_in_file)]
    finally:
        f.close()
    return labels, rates, signals


# DEAP's original recordings: 32 EEG channels (Twente order for s01-s22, Geneva order for
# s23-s32), EXG1-8, GSR1, GSR2, Erg1, Erg2, Resp, Plet, Temp and the Status channel, at 512 Hz.
TWENTE_ORDER = (
    "Fp1", "AF3", "F7", "F3", "FC1", "FC5", "T7", "C3", "CP1", "CP5", "P7", "P3", "Pz", "PO3",
    "O1", "Oz", "O2", "PO4", "P4", "P8", "CP6", "CP2", "C4", "T8", "FC6", "FC2", "F4", "F8",
    "AF4", "Fp2", "Fz", "Cz",
)  # fmt: skip
DEAP_RAW_OTHERS = (
    *(f"EXG{k}" for k in range(1, 9)), "GSR1", "GSR2", "Erg1", "Erg2", "Resp", "Plet", "Temp",
)  # fmt: skip


def write_deap_original_bdf(
    path: Path,
    trials: list[np.ndarray],
    geneva_labels: tuple[str, ...],
    order: tuple[str, ...],
    *,
    status_label: str = "Status",
    held: int = 0,
    lead_zeros: int = 0,
    tail: int = 0,
) -> list[int]:
    """A BDF+ laid out as DEAP's original recordings; returns each video's start sample.

    trials: (63 s * 512, 32) microvolts in `geneva_labels` order: 3 s pre-trial baseline, then
    60 s of video. Each trial is recorded as 2 s more fixation (code 3 from 5 s before the
    video), the video (code 4), 3 s of fixation after it (code 5) and 2 s with no code.
    status_label, held: DEAP's later subjects label the Status channel "" (s24-s28) or "-1"
    (s29-s32), and hold the upper trigger lines and amplifier bits high (held=0x18FF00: values
    0x18FF00-0x18FF07). lead_zeros: Status samples that are 0 at the start; tail: samples after
    the last trial, fewer than a record's 512 so that pyEDFlib pads the last record with zeros
    (as some of DEAP's later files end).
    """
    rate = 512
    rng = np.random.default_rng(5)
    pieces, codes, starts = [], [], []
    position = 0
    for trial in trials:
        pre = rng.standard_normal((2 * rate, 32)) * 10
        post = rng.standard_normal((5 * rate, 32)) * 10
        pieces += [pre, trial, post]
        codes += [
            np.full(5 * rate, 3),
            np.full(60 * rate, 4),
            np.full(3 * rate, 5),
            np.zeros(2 * rate),
        ]
        starts.append(position + 5 * rate)
        position += len(pre) + len(trial) + len(post)
    pieces.append(np.zeros((tail, 32)))  # no draw: the other files' samples stay the same
    codes.append(np.zeros(tail))
    offsets = rng.uniform(-20_000, 20_000, 32)  # BioSemi is DC-coupled: offsets of mV
    eeg = (np.concatenate(pieces) + offsets)[:, [geneva_labels.index(name) for name in order]]
    status = (np.concatenate(codes).astype(np.int64) | held).astype(np.float64)
    status[:lead_zeros] = 0
    others = rng.standard_normal((len(eeg), len(DEAP_RAW_OTHERS))) * 50
    labels = (*order, *DEAP_RAW_OTHERS, status_label)
    writer = pyedflib.EdfWriter(str(path), len(labels), file_type=pyedflib.FILETYPE_BDFPLUS)
    try:
        headers: list[dict[str, str | int | float | None]] = []
        for k, label in enumerate(labels):
            status_channel = k == len(labels) - 1
            span = 8388607 if status_channel else 262143  # BioSemi: 31.25 nV steps
            headers.append({
                "label": label, "dimension": "Boolean" if status_channel else "uV",
                "sample_frequency": rate, "physical_min": -span - (1 if status_channel else 0),
                "physical_max": span, "digital_min": -8388608, "digital_max": 8388607,
                "transducer": "", "prefilter": "",
            })  # fmt: skip
        writer.setSignalHeaders(headers)
        writer.writeSamples([*np.ascontiguousarray(eeg.T), *np.ascontiguousarray(others.T), status])
    finally:
        writer.close()
    return starts


def write_fif(path: Path, samples_uv: np.ndarray, rate: float) -> Path:
    """A FIF file as MNE writes it (volts), with DEAP's 32 electrode names, from (samples, 32) uV."""
    import mne

    from inference.dsp.electrodes import DEAP_EEG_CHANNELS

    info = mne.create_info(list(DEAP_EEG_CHANNELS), rate, "eeg")
    mne.io.RawArray(samples_uv.T * 1e-6, info, verbose="error").save(path, verbose="error")
    return path


def write_brainvision(
    base: Path, samples_uv: np.ndarray, rate: float, labels: tuple[str, ...]
) -> list[Path]:
    """BrainVision as pybv writes it (float32 samples): [.vhdr, .vmrk, .eeg] from (n, ch) uV."""
    from pybv import write_brainvision as pybv_write

    pybv_write(data=np.ascontiguousarray(samples_uv.T) * 1e-6, sfreq=rate, ch_names=list(labels),
               fname_base=base.name, folder_out=str(base.parent), overwrite=True)  # fmt: skip
    return [base.with_suffix(suffix) for suffix in (".vhdr", ".vmrk", ".eeg")]


def write_eeglab_fdt(
    path: Path, samples_uv: np.ndarray, rate: float, labels: tuple[str, ...]
) -> list[Path]:
    """EEGLAB with a separate `.fdt`, as EEGLAB saves long recordings: [.set, .fdt].

    eeglabio (what `mne.export` uses) writes the samples inside the `.set`; the `.set` is then
    rewritten as EEGLAB's two-file layout: its `data` names the `.fdt`, which holds the samples as
    float32 in EEGLAB's order (channels x samples, column-major: one sample of every channel
    after another)."""
    from eeglabio.raw import export_set
    from scipy.io import loadmat, savemat

    x = np.asarray(samples_uv, dtype=np.float32)
    export_set(str(path), np.ascontiguousarray(x.T) * 1e-6, rate, list(labels))
    content = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    fdt = path.with_suffix(".fdt")
    x.astype("<f4").tofile(fdt)
    content["data"] = fdt.name
    savemat(path, content)
    return [path, fdt]


def write_eeglab_struct(
    path: Path,
    samples_uv: np.ndarray,
    rate: float,
    labels: tuple[str, ...],
    fdt_name: str,
    history_chars: int = 0,
) -> list[Path]:
    """EEGLAB's own layout, one `EEG` struct whose `data` names an .fdt (here `fdt_name`, another
    name than the .set's, as a renamed recording has): eeglabio's fields moved into the struct.
    history_chars: a history text that long (EEGLAB keeps every command), to pass 1 MiB."""
    from scipy.io import loadmat, savemat

    parts = write_eeglab_fdt(path, samples_uv, rate, labels)
    content = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    fdt = path.with_name(fdt_name)
    parts[1].rename(fdt)
    content["data"] = fdt.name
    content["history"] = "x" * history_chars
    savemat(path, {"EEG": content})
    return [path, fdt]


def start_player_lsl(recording: Path, name: str, seconds: float = 60.0) -> Any:
    """mne-lsl's PlayerLSL replaying `recording` (any file MNE reads, sent in volts as MNE holds
    it) as an LSL stream, in its own process as a real sender would be."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from mne_lsl.player import PlayerLSL\n"
        "player = PlayerLSL(sys.argv[1], chunk_size=16, name=sys.argv[2], source_id=sys.argv[2])\n"
        "player.start()\n"
        "print('playing', flush=True)\n"
        "time.sleep(float(sys.argv[3]))\n"
        "player.stop()\n"
    )
    root = ROOT
    env = {**os.environ, "LSLAPICFG": str(root / "tests" / "lsl_loopback.cfg")}
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(recording), name, str(seconds)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:  # MNE prints what it opens first
        if line.strip() == "playing":
            return process
    raise AssertionError(f"PlayerLSL did not start (exit code {process.wait(10)})")
