"""Hold numpy's OpenBLAS to one thread for a moment, so our own worker threads own the cores.

Large batches run faster as one chunk per core (numpy releases the GIL) than as one stream of
BLAS-threaded products, but only if BLAS does not also spread each product over every core.
numpy offers no switch, so this finds OpenBLAS's own setter in numpy's bundled library: named
`libopenblas*` with `openblas_*` symbols in numpy 1.x wheels, `libscipy_openblas*` with
`scipy_openblas_*` symbols in numpy 2.x wheels. Where it cannot be found (another BLAS, an unusual
build), `available()` is False and callers stay serial.
"""

from __future__ import annotations

import ctypes
import glob
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

_lock = threading.Lock()
_api: tuple[Any, Any] | None | bool = False  # False: not looked up yet; None: unavailable


def _find() -> tuple[Any, Any] | None:
    base = os.path.dirname(np.__file__)
    patterns = [
        os.path.join(base, os.pardir, "numpy.libs", f"lib{name}*")
        for name in ("openblas", "scipy_openblas")
    ] + [os.path.join(base, ".dylibs", f"lib{name}*") for name in ("openblas", "scipy_openblas")]
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in itertools.product(("", "scipy_"), ("64_", "")):
            get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype = ctypes.c_int
                put.argtypes = [ctypes.c_int]
                return get, put
    return None


def _blas() -> tuple[Any, Any] | None:
    global _api
    if _api is False:
        _api = _find()
    return _api if isinstance(_api, tuple) else None


def available() -> bool:
    return _blas() is not None


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS at one thread inside the block, restored after (serialised: one block at a time)."""
    api = _blas()
    if api is None:
        yield
        return
    get, put = api
    with _lock:
        before = int(get())
        put(1)
        try:
            yield
        finally:
            put(before)
