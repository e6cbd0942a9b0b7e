"""How many bytes a MATLAB v5 file's variables inflate to, measured before anything loads them.

scipy's `loadmat` decompresses a compressed variable whole: a `.set` of a few megabytes can hold
an `EEG` struct that inflates to gigabytes (zeros compress a thousandfold). Here each top-level
element's tag is read and a compressed one is inflated a block at a time and discarded, counting
its bytes, so a file is refused once it would inflate MAX_INFLATION-fold (plus a mebibyte) before
scipy (or MNE) holds any of it. Files that are not v5 MAT files are left to scipy to refuse.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import IO

from ..errors import InputError
from ..limits import MAX_INFLATION, READ_BLOCK_BYTES, MiB

_HEADER_BYTES = 128
_COMPRESSED = 15  # miCOMPRESSED


def check_mat_inflation(path: Path, source: str) -> int:
    """The bytes the file's elements hold once inflated; InputError beyond the budget."""
    size = os.path.getsize(path)
    budget = MAX_INFLATION * size + MiB
    total = 0
    with open(path, "rb") as f:
        head = f.read(_HEADER_BYTES)
        if len(head) < _HEADER_BYTES or head[126:128] not in (b"IM", b"MI"):
            return 0  # not a v5 MAT file: scipy says what it is
        order = "<" if head[126:128] == b"IM" else ">"
        while len(tag := f.read(8)) == 8:
            kind, length = struct.unpack(order + "II", tag)
            if kind != _COMPRESSED:
                total += length
                f.seek(length + (-length % 8), os.SEEK_CUR)  # uncompressed: 8-byte aligned
            else:
                total += _inflated(f, length, budget - total, source)
            if total > budget:
                break
    if total > budget:
        raise InputError(
            f"{source}: its variables inflate to more than {budget:,} bytes ({MAX_INFLATION}x "
            "the file): not a recording to load"
        )
    return total


def _inflated(f: IO[bytes], length: int, room: int, source: str) -> int:
    """The inflated bytes of one compressed element, stopping once beyond `room`."""
    inflate = zlib.decompressobj()
    left, count = length, 0
    while left > 0 and count <= room:
        chunk = f.read(min(left, READ_BLOCK_BYTES))
        if not chunk:
            break
        left -= len(chunk)
        try:
            count += len(inflate.decompress(chunk, READ_BLOCK_BYTES))
            while inflate.unconsumed_tail and count <= room:  # a block can inflate a lot
                count += len(inflate.decompress(inflate.unconsumed_tail, READ_BLOCK_BYTES))
        except zlib.error as exc:
            raise InputError(f"{source}: a compressed variable is damaged ({exc})") from None
    return count
