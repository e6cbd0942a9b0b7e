"""XDF files (Lab Streaming Layer recordings, e.g. from LabRecorder) as Recordings, via pyxdf.

An XDF file holds several streams; one EEG stream becomes the Recording:
- `stream=` picks it by name, or else by type (both compared without case), or by stream id;
- by default, the first stream whose type is "EEG", else the regularly sampled numeric stream
  with the most channels. Marker and other string streams are never EEG.
Channel labels come from the stream's `desc/channels/channel/label` metadata (the LSL convention);
values in a `unit` of mV or V are converted to microvolts. The rate is the stream's nominal rate,
or, when that is 0, the time stamps' (over their span; where they go back, from the median step).
XDF marker streams are not turned
into trials (`trials` is empty and the pipeline uses the first seconds as the resting baseline)
but into the Recording's markers, placed on the EEG stream's samples by time stamp, so that a span
between two can be baked.

Before pyxdf parses anything, the chunk structure is walked once (`xdf_chunks`), so that nothing
pyxdf allocates can exceed what the file holds; marker streams with samples are read up to
MAX_MARKERS values (empty ones are not asked of pyxdf at all). pyxdf itself skips
damaged chunks and only logs them, and the reader refuses any file pyxdf logged damage in. The
samples are held once, as float32 (see `_load`).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..limits import MAX_MARKERS
from .recording import Marker, Recording
from .units import microvolt_scale, unit_words
from .xdf_chunks import check_chunks
from .xdf_clock import synchronized

PathLike = str | os.PathLike[str]


class _Damage(logging.Handler):
    """Collects the errors pyxdf logs (it skips damaged chunks instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _first(value: Any, default: Any = None) -> Any:
    """pyxdf keeps every XML element as a list of values: the first, or `default`."""
    if isinstance(value, list):
        return value[0] if value else default
    return default if value is None else value


def _describe(info: dict[str, Any]) -> str:
    rate = float(info.get("nominal_srate") or 0.0)
    return (
        f"'{info.get('name') or '?'}' (type {info.get('type') or '?'}, "
        f"{info.get('channel_count')} channels, {info.get('channel_format')}, {rate:g} Hz)"
    )


def _choose(infos: list[dict[str, Any]], stream: str | int | None, source: str) -> dict[str, Any]:
    found = "; ".join(_describe(i) for i in infos) or "none"
    if stream is not None:
        wanted = str(stream).strip().lower()
        for key in ("name", "type", "stream_id"):
            hits = [i for i in infos if str(i.get(key) or "").strip().lower() == wanted]
            if hits:
                chosen = hits[0]
                break
        else:
            raise InputError(f"{source}: no stream named or typed '{stream}'; streams: {found}")
        if chosen.get("channel_format") == "string":
            raise InputError(f"{source}: stream {_describe(chosen)} holds text, not EEG samples")
        return chosen
    numeric = [i for i in infos if i.get("channel_format") != "string"]
    eeg = [i for i in numeric if str(i.get("type") or "").strip().upper() == "EEG"]
    if eeg:
        return eeg[0]
    regular = [i for i in numeric if float(i.get("nominal_srate") or 0.0) > 0]
    if not regular:
        raise InputError(
            f"{source}: no EEG stream (no numeric, regularly sampled stream); streams: {found}"
        )
    return max(regular, key=lambda i: int(i.get("channel_count") or 0))


def _channels(stream: dict[str, Any], n: int) -> tuple[list[str], list[str]]:
    """Labels and units from desc/channels/channel; "Ch<k>" where a stream carries none."""
    desc = _first(stream["info"].get("desc"))
    entries: list[Any] = []
    if isinstance(desc, dict):
        channels = _first(desc.get("channels"))
        if isinstance(channels, dict):
            entries = list(channels.get("channel") or [])
    labels, units = [], []
    for k in range(n):
        entry = entries[k] if k < len(entries) and isinstance(entries[k], dict) else {}
        label = _first(entry.get("label")) or _first(entry.get("name")) or f"Ch{k + 1}"
        labels.append(str(label).strip())
        units.append(str(_first(entry.get("unit")) or "").strip())
    return labels, units


def read_xdf(path: PathLike, stream: str | int | None = None, unit: str | None = None) -> Recording:
    """One EEG stream of an XDF file as a Recording (see the module notes for the choice).

    unit: the unit of the stream's values when its description names none (or names it wrong).
    """
    source = str(path)
    notes: list[str] = []
    infos, chosen, streams, values = _load(Path(path), stream, notes)
    wanted = int(chosen["stream_id"])
    data = next((d for d in streams if int(_first(d["info"].get("stream_id"), -1)) == wanted), None)
    if data is None:
        raise InputError(f"{source}: stream {_describe(chosen)} could not be loaded")
    info = data["info"]
    n_channels = int(_first(info.get("channel_count"), 0))
    if values.ndim != 2 or values.shape[0] == 0:
        raise InputError(f"{source}: stream {_describe(chosen)} holds no samples")
    for d in streams:  # every stream onto the recording computer's clock
        d["time_stamps"], reset = synchronized(
            d.get("time_stamps", ()), d.get("clock_times", ()), d.get("clock_values", ())
        )
        if reset:
            notes.append(f"stream '{_first(d['info'].get('name'), '')}': its clock was reset {reset} time(s) "
                         "during the recording; each part placed by its own clock offsets")  # fmt: skip
    stamps = np.asarray(data.get("time_stamps", ()), dtype=np.float64)
    rate = _rate(info, stamps, f"{source}: stream {_describe(chosen)}", notes)
    labels, units = _channels(data, n_channels)
    if all(label == f"Ch{k + 1}" for k, label in enumerate(labels)):
        notes.append("the stream carries no channel labels (desc/channels/channel/label)")
    samples, units, known = _to_microvolts(values, units, unit, source, notes)
    if not _first(data.get("footer")):
        notes.append("the stream has no footer: the recording may have been cut short")
    details: dict[str, object] = {
        "stream": _first(info.get("name"), ""),
        "stream_type": _first(info.get("type"), ""),
        "stream_id": wanted,
        "streams": tuple(_describe(i) for i in infos),
        "units": tuple(units),
    }
    markers = _markers([d for d in streams if d is not data], stamps, len(samples))
    return Recording(
        samples, tuple(labels), rate, source, (), markers, format="XDF", notes=tuple(notes),
        unit_known=known,  # False: the stream names no unit, guessed later
        first_time_s=float(stamps[0]) if stamps.size else None, details=details,
    )  # fmt: skip


def _load(
    file: Path, stream: str | int | None, notes: list[str]
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]], np.ndarray]:
    """The file's stream descriptions, the chosen EEG stream's, the streams pyxdf loaded (the
    chosen one with the marker streams), and the chosen stream's samples as float32.

    The descriptions come from the chunk walk (pyxdf.resolve_streams would keep a dict per
    chunk). pyxdf hands each chunk of the chosen stream to `on_chunk`, which copies it into one
    float32 array sized from the declared samples and gives pyxdf back an empty one: the
    samples are held once, not as pyxdf's chunks plus their concatenation. Clock offsets are
    applied here (`xdf_clock`: across clock resets, in linear time; pyxdf's reset search fits
    once per suspected reset, 4 ms each, minutes for 20,000 offsets) and time stamps are not
    dejittered (a fit per gap: one per sample for a stream whose every sample follows a gap);
    the markers only need the stamps to within a sample.
    """
    source = str(file)
    try:
        import pyxdf
    except ImportError:
        raise InputError(f"{source}: reading XDF files needs pyxdf (pip install pyxdf)") from None
    if not file.is_file():
        raise InputError(f"{source}: no such file")
    summary = check_chunks(file)
    infos = [s.info for s in summary.streams.values()]
    chosen = _choose(infos, stream, source)
    wanted = int(chosen["stream_id"])
    layout = summary.streams[wanted]
    marker_ids, values_left = [], MAX_MARKERS
    for sid, s in summary.streams.items():
        if s.item == 0 and sid != wanted and s.samples > 0:  # an empty stream has no markers
            if s.samples * s.channels > values_left:
                notes.append(f"marker stream {_describe(s.info)} holds {s.samples:,} samples of "
                             f"{s.channels} values: not read (at most {MAX_MARKERS:,} values)")  # fmt: skip
                continue
            values_left -= s.samples * s.channels
            marker_ids.append(sid)
    out = np.empty((layout.samples, layout.channels), dtype=np.float32)
    filled = [0]
    empty = np.zeros((0, layout.channels), dtype=np.float32)

    def take(values: Any, stamps: Any, info: Any, sid: int) -> tuple[Any, Any, Any]:
        if sid != wanted:
            return values, stamps, info
        n = len(values)
        if filled[0] + n > len(out):  # more than the chunks declared: cannot happen
            raise InputError(f"{source}: a samples chunk holds more than it declares")
        out[filled[0] : filled[0] + n] = values
        filled[0] += n
        return empty, stamps, info

    damage = _Damage()
    log = logging.getLogger("pyxdf")
    log.addHandler(damage)
    try:
        # a set: pyxdf tests each chunk's stream id against it (a list of 60,000 ids: minutes)
        streams, _ = pyxdf.load_xdf(source, select_streams={wanted, *marker_ids}, on_chunk=take,
                                    synchronize_clocks=False, dejitter_timestamps=False)  # fmt: skip
    except InputError:
        raise
    except Exception as exc:  # XML parse errors, bad headers, short reads
        raise InputError(f"{source}: not a readable XDF file ({exc})") from None
    finally:
        log.removeHandler(damage)
    if damage.messages:
        raise InputError(f"{source}: damaged XDF file ({damage.messages[0]})")
    return infos, chosen, streams, out[: filled[0]]


def _rate(info: dict[str, Any], stamps: np.ndarray, what: str, notes: list[str]) -> float:
    """The nominal rate; where it is 0, the rate the time stamps show: over their span, or, where
    they go back (a sender restarted its clock), from the median step between them."""
    rate = float(_first(info.get("nominal_srate"), 0.0))
    if rate > 0:
        return rate
    steps = np.diff(stamps)
    back = int(np.count_nonzero(steps <= 0))
    if back:
        forward = steps[steps > 0]
        rate = 1.0 / float(np.median(forward)) if forward.size else 0.0
    else:
        span = float(stamps[-1] - stamps[0]) if stamps.size > 1 else 0.0
        rate = (stamps.size - 1) / span if span > 0 else 0.0
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(
            f"{what} has no sampling rate (nominal 0 Hz and too few time stamps to measure one)"
        )
    if back:
        notes.append(
            f"nominal rate is 0 and the time stamps go back {back:,} time(s) (restarted?): "
            f"using the median step's rate {rate:.3f} Hz"
        )
    else:
        notes.append(f"nominal rate is 0: using the measured rate {rate:.3f} Hz")
    return rate


def _to_microvolts(
    values: np.ndarray, units: list[str], unit: str | None, source: str, notes: list[str]
) -> tuple[np.ndarray, list[str], bool]:
    """Samples in microvolts (float32, scaled in place), the units used, and whether any unit
    was known."""
    samples = values.astype(np.float32, copy=False)
    if unit is not None:
        if microvolt_scale(unit) is None:
            raise InputError(f"{source}: unit {unit!r} is not a voltage (uV, mV or V)")
        units = [unit] * len(units)
    scales = np.array([microvolt_scale(u) or 1.0 for u in units])
    known = any(microvolt_scale(u) is not None for u in units)
    if np.any(scales != 1.0):
        samples *= scales
        converted = sorted({unit_words(u) for u, s in zip(units, scales, strict=True) if s != 1.0})
        notes.append(f"converted {', '.join(converted)} to microvolts")
    return samples, units, known


def _markers(streams: list[dict[str, Any]], stamps: np.ndarray, n: int) -> tuple[Marker, ...]:
    """Marker stream events placed on the EEG stream's samples by time stamp."""
    if stamps.size == 0:
        return ()
    out: list[Marker] = []
    order = np.argsort(stamps, kind="stable")  # stamps out of order (a reset left unpaired)
    ordered = stamps[order]
    for d in streams:
        name = str(_first(d["info"].get("name"), ""))
        times = np.asarray(d.get("time_stamps", ()), dtype=np.float64)
        values = d.get("time_series") or []
        at = np.searchsorted(ordered, times)
        after = at >= ordered.size  # markers after the EEG ended fall outside it
        where = np.where(after, n, order[np.minimum(at, ordered.size - 1)])
        for k, value in zip(where, values, strict=False):
            if k < n:
                text = str(value[0] if isinstance(value, list | tuple) and value else value)
                label = f"{name}: {text}" if len(streams) > 1 and name else text
                out.append(Marker(int(min(k, n - 1)), label))
    return tuple(sorted(out))
