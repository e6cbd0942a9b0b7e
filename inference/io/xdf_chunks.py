"""The XDF chunk walk: before pyxdf parses anything, every chunk's length field and every stream
header is read once (samples never), so that a truncated file fails with a clear message instead
of quietly losing its end, and nothing pyxdf allocates can exceed what the file holds: stream
headers are parsed as pyxdf parses them (the <info> element's own children: a channel_count in
<desc> or in a comment is not the stream's), text samples count at least two bytes a value,
streams are at most MAX_XDF_STREAMS and clock offsets at most MAX_CLOCK_OFFSETS.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import numpy as np

from ..errors import InputError
from ..limits import (
    MAX_CHANNELS,
    MAX_CLOCK_OFFSETS,
    MAX_INFLATION,
    MAX_RECORDING_BYTES,
    MAX_TEXT_BYTES,
    MAX_XDF_STREAMS,
    MiB,
)
from .safe_files import check_regular

PathLike = str | os.PathLike[str]
MAGIC = b"XDF:"


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".xdfz" or path.suffixes[-2:] == [".xdf", ".gz"]:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


_ITEM_BYTES = {"int8": 1, "int16": 2, "int32": 4, "int64": 8, "float32": 4, "double64": 8}


@dataclass
class StreamLayout:
    """What the chunk walk learns of a stream: enough to bound what pyxdf will allocate."""

    channels: int
    item: int  # bytes per value; 0 = text
    info: dict[str, Any] = field(default_factory=dict)  # as pyxdf.resolve_streams describes it
    samples: int = 0  # declared by its Samples chunks


@dataclass
class ChunkSummary:
    chunks: int = 0
    streams: dict[int, StreamLayout] = field(default_factory=dict)
    clock_offsets: int = 0


def check_chunks(path: PathLike) -> ChunkSummary:
    """Walk the chunk headers of an XDF file; returns what they declare or raises InputError.

    One read of a length field and one seek per chunk: samples themselves are never read. Stream
    headers must declare at most MAX_CHANNELS channels, and each Samples chunk must hold the
    samples it declares (pyxdf allocates what a chunk declares before reading it: for text, a
    list of channels x samples): so a file of a few bytes cannot ask for gigabytes. Compressed
    files may inflate MAX_INFLATION-fold at most; ClockOffset chunks are at most
    MAX_CLOCK_OFFSETS (pyxdf fits them, a few operations each).
    """
    file = Path(path)
    compressed = file.suffix.lower() == ".xdfz" or file.suffixes[-2:] == [".xdf", ".gz"]
    size = check_regular(file, "XDF", MAX_RECORDING_BYTES)
    limit = None if not compressed else MAX_INFLATION * size + MiB
    end_of_file = None if compressed else size
    summary = ChunkSummary()
    try:
        with _open(file) as f:
            if f.read(4) != MAGIC:
                raise InputError(f"{file}: not an XDF file (it does not start with 'XDF:')")
            while (chunk := _chunk_header(f, file, end_of_file, limit)) is not None:
                start, tag, length, end = chunk
                if tag == 2:
                    _stream_header(f, length - 2, summary.streams, file)
                elif tag == 3:
                    _samples_header(f, length - 2, summary.streams, file, start)
                elif tag == 4:
                    summary.clock_offsets += 1
                    if summary.clock_offsets > MAX_CLOCK_OFFSETS:
                        raise InputError(
                            f"{file}: more than {MAX_CLOCK_OFFSETS:,} clock offsets (LabRecorder "
                            "writes one every 5 s of each stream)"
                        )
                f.seek(end)  # gzip: decompresses and discards in small pieces
                if compressed and f.tell() != end:
                    raise InputError(_cut_short(file, start, length))
                summary.chunks += 1
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # a compressed file cut short
        raise InputError(f"{file}: truncated or damaged compressed XDF file ({exc})") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot read this XDF file ({exc})") from exc
    if summary.chunks == 0:
        raise InputError(f"{file}: empty XDF file (no chunks after the 'XDF:' magic)")
    return summary


def _cut_short(file: Path, start: int, length: int) -> str:
    return (
        f"{file}: truncated XDF file: the chunk at byte {start} needs "
        f"{length} bytes but the file ends before"
    )


def _chunk_header(
    f: IO[bytes], file: Path, size: int | None, limit: int | None
) -> tuple[int, int, int, int] | None:
    """(start, tag, length, end) of the next chunk, None at the end of the file."""
    start = f.tell()
    if limit is not None and start > limit:
        raise InputError(
            f"{file}: inflates to more than {limit:,} bytes ({MAX_INFLATION}x its size)"
        )
    head = f.read(1)
    if not head:
        return None
    width = head[0]
    if width not in (1, 4, 8):
        raise InputError(f"{file}: damaged XDF file: bad chunk length field at byte {start}")
    raw = f.read(width)
    length = int.from_bytes(raw, "little")
    if len(raw) == width and length < 2:
        raise InputError(f"{file}: damaged XDF file: empty chunk at byte {start}")
    body = f.read(2) if len(raw) == width else b""
    if len(body) != 2:
        raise InputError(f"{file}: truncated XDF file: it ends inside a chunk header")
    tag = struct.unpack("<H", body)[0]
    if tag not in range(1, 7):
        raise InputError(f"{file}: damaged XDF file: unknown chunk tag {tag} at byte {start}")
    end = f.tell() + length - 2
    if any(bound is not None and end > bound for bound in (size, limit)):
        raise InputError(_cut_short(file, start, length))
    return start, tag, length, end


def _stream_header(f: IO[bytes], length: int, streams: dict[int, StreamLayout], file: Path) -> None:
    if length < 4 or length > MAX_TEXT_BYTES:
        raise InputError(f"{file}: damaged XDF file: a stream header of {length} bytes")
    content = f.read(length)
    if len(content) != length:
        raise InputError(f"{file}: truncated XDF file: it ends inside a stream header")
    stream_id = struct.unpack("<I", content[:4])[0]
    if len(streams) >= MAX_XDF_STREAMS and stream_id not in streams:
        raise InputError(
            f"{file}: more than {MAX_XDF_STREAMS:,} streams (LabRecorder records a few per "
            "device): not a recording to read"
        )
    try:  # as pyxdf reads it: the <info> element's own children, never <desc> or a comment
        info = ElementTree.fromstring(content[4:].decode("utf-8", "replace"))
    except ElementTree.ParseError as exc:
        raise InputError(f"{file}: stream {stream_id}'s header is not XML ({exc})") from None
    count = (info.findtext("channel_count") or "").strip()
    kind = (info.findtext("channel_format") or "").strip()
    try:
        rate = float((info.findtext("nominal_srate") or "0").strip())
    except ValueError:
        raise InputError(f"{file}: stream {stream_id}'s nominal_srate is not a number") from None
    channels = int(count) if count.lstrip("-").isdigit() and len(count) < 12 else -1
    if not 1 <= channels <= MAX_CHANNELS:
        raise InputError(
            f"{file}: stream {stream_id} declares {channels} channels (1..{MAX_CHANNELS} allowed)"
        )
    if kind != "string" and kind not in _ITEM_BYTES:
        raise InputError(f"{file}: stream {stream_id} has an unknown channel format '{kind[:32]}'")
    described = {
        "stream_id": stream_id,
        "name": info.findtext("name"),
        "type": info.findtext("type"),
        "channel_count": channels,
        "channel_format": kind,
        "nominal_srate": rate if np.isfinite(rate) else 0.0,
    }
    streams[stream_id] = StreamLayout(channels, _ITEM_BYTES.get(kind, 0), described)


def _samples_header(
    f: IO[bytes], length: int, streams: dict[int, StreamLayout], file: Path, start: int
) -> None:
    """A Samples chunk may not declare more samples than its bytes can hold."""
    head = f.read(min(length, 13))
    if len(head) < 6:
        raise InputError(f"{file}: damaged XDF file: a samples chunk at byte {start} is too short")
    stream_id = struct.unpack("<I", head[:4])[0]
    width = head[4]
    if width not in (1, 4, 8) or len(head) < 5 + width:
        raise InputError(f"{file}: damaged XDF file: bad sample count at byte {start}")
    count = int.from_bytes(head[5 : 5 + width], "little")
    stream = streams.get(stream_id, StreamLayout(1, 0))
    # a time-stamp byte, then each value: numbers their bytes, text at least a length-width
    # byte and a length byte
    per_sample = 1 + stream.channels * (stream.item or 2)
    stream.samples += count
    if count * per_sample > length:
        raise InputError(
            f"{file}: damaged XDF file: the chunk at byte {start} declares {count:,} samples "
            f"but holds {length:,} bytes"
        )
