"""Load DEAP's pickled `.dat` files without letting a pickle run code.

A pickle is a small program: GLOBAL names any importable function and REDUCE calls it, so a
hostile `.dat` could run `os.system` the moment it is loaded. This unpickler hands the pickle
only stand-ins for what numpy's own array pickles use, each checking its arguments, and refuses
every other global before anything is called:

- `numpy.core.multiarray._reconstruct` (also `numpy._core...`): only to make a plain array;
- `numpy.ndarray`: a token that `_reconstruct` accepts as its subtype and that cannot be called;
- `numpy.core.numeric._frombuffer` (pickle protocol 5): only raw bytes into a number array;
- `numpy.dtype`: only numbers (bool, int, unsigned, float, complex), never objects or records;
- `numpy.core.multiarray.scalar`: a number of such a dtype;
- `_codecs.encode`: only text to latin-1 bytes, and `builtins.bytes` only with no argument
  (Python 3 writes bytes, and empty bytes, this way at protocols 0-2).

Real dtypes and arrays never reach the pickle stream, so no BUILD opcode can change a dtype's
flags after an array uses it (numpy would then read raw floats as object pointers). Every length
the pickle claims is checked against the file's size before anything is allocated.

Arrays are views of the bytes the pickle holds (read-only; callers copy what they change), so
the samples are in memory once. Memory stays bounded by the file's size: a pickle may name one memoised buffer many times, but
the arrays built from buffers may not add up to more bytes than the file holds (a legitimate file
stores each array's bytes once), and shared lists and dicts are rebuilt once, not once per
reference (a few hundred bytes of nested references would otherwise expand without end).
"""

from __future__ import annotations

import contextvars
import io
import math
import os
import pickle
import pickletools
import stat
import struct
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ..errors import EvokeError, InputError, UnsafeFileError
from ..limits import MAX_PICKLE_DEPTH, MAX_PICKLE_OPCODES, MAX_PICKLE_VALUES, MAX_RECORDING_BYTES
from .safe_files import check_regular

# Files larger than this are refused before reading (a DEAP .dat is about 100 MB).
MAX_FILE_BYTES = MAX_RECORDING_BYTES
# Nesting deeper than MAX_PICKLE_DEPTH is not data that a DEAP file holds (and may be a cycle);
# MAX_PICKLE_VALUES bounds the containers and values rebuilt (DEAP's files hold a handful), and
# MAX_PICKLE_OPCODES the opcodes walked before the unpickler runs: 5 MB of EMPTY_DICT or
# EMPTY_FROZENSET opcodes would build millions of objects (1.2-1.6 GB), 5e7 NONEs a list of
# 400 MB, before anything could look at what they built.
# Bytes of array data the load may still build (the file's size): see the module notes.
_array_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("array_budget")
# Array data by id of the (still empty) _GuardedArray: the plain array is made a view of these
# bytes afterwards, so the file's samples are held once, not copied again into the array.
_array_data: contextvars.ContextVar[
    dict[int, tuple[bytes, np.dtype[Any], tuple[int, ...], bool]]
] = contextvars.ContextVar("array_data")


def _spend(nbytes: int) -> None:
    budget = _array_budget.get()
    budget[0] -= nbytes
    if budget[0] < 0:
        raise _Refuse(
            "arrays adding up to more bytes than the file holds (one buffer used many times)"
        )


_NUMBER_KINDS = "biufc"  # bool, signed, unsigned, float, complex

# numpy.core.multiarray._reconstruct and .scalar (numpy._core... in numpy 2), found without
# importing a module path that moved between versions.
_RECONSTRUCT = cast(Callable[..., np.ndarray], np.empty(0).__reduce__()[0])
_SCALAR = cast(Callable[..., np.generic], np.float64(0).__reduce__()[0])


class _Refuse(Exception):
    """A pickle asked for something outside the allowed set; `load_pickle` names the file."""


def _text(value: object) -> object:
    """A Python 2 str, which loads as bytes (see load_pickle), as text; anything else as is."""
    return value.decode("latin1") if isinstance(value, bytes) else value


def _number_dtype(spec: object) -> np.dtype[Any]:
    """A real numeric dtype from a type code ('f8', '<f4', 'b'), refusing anything else."""
    if isinstance(spec, _DtypeSpec):
        return spec.real()
    if isinstance(spec, bytes):
        spec = spec.decode("latin1")
    if not isinstance(spec, str):
        raise _Refuse(f"a dtype described by {type(spec).__name__}")
    try:
        dtype = np.dtype(spec)
    except TypeError as exc:
        raise _Refuse(f"the dtype {spec!r}") from exc
    if dtype.kind not in _NUMBER_KINDS or dtype.hasobject or dtype.fields or dtype.subdtype:
        raise _Refuse(f"the dtype {spec!r} (only number arrays are allowed)")
    return dtype


class _DtypeSpec:
    """What the pickle gets for `numpy.dtype(...)`: a description, turned into a dtype on use."""

    __slots__ = ("_code", "_order")

    def __init__(self, code: str) -> None:
        self._code = code
        self._order = "="

    def __setstate__(self, state: object) -> None:
        # numpy's dtype state: (version, byteorder, subarray, names, fields, elsize, align, flags
        # [, metadata]); only the byte order matters for a plain number type.
        if not (isinstance(state, tuple) and len(state) >= 5):
            raise _Refuse("a dtype with an unexpected state")
        order = _text(state[1])
        if not isinstance(order, str):
            raise _Refuse("a dtype with an unexpected state")
        if any(part is not None for part in state[2:5]) or order not in ("<", ">", "=", "|"):
            raise _Refuse("a structured or sub-array dtype")
        self._order = order

    def real(self) -> np.dtype[Any]:
        dtype = _number_dtype(self._code)
        if self._order == "<":
            return dtype.newbyteorder("<")
        return dtype.newbyteorder(">") if self._order == ">" else dtype


class _GuardedArray(np.ndarray):
    """What `_reconstruct` returns: an array whose state is checked before numpy applies it."""

    __slots__ = ()

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refuse("an array with an unexpected state")
        shape, spec, fortran, raw = state[-4:]  # (version,) shape, dtype, fortran, data
        dtype = _number_dtype(spec)
        if isinstance(raw, str):  # data written as text (latin-1 maps them back to bytes)
            raw = raw.encode("latin1")
        if not isinstance(raw, bytes | bytearray):
            raise _Refuse("an array whose data are not raw bytes (an object array?)")
        if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
            raise _Refuse("an array with an invalid shape")
        if math.prod(shape) * dtype.itemsize != len(raw):
            raise _Refuse(f"an array of shape {shape} with {len(raw)} bytes of data")
        _spend(len(raw))
        _array_data.get()[id(self)] = (bytes(raw), dtype, shape, bool(fortran))


class _Allowed:
    """A callable the pickle may name; it has a refusing __setstate__ so BUILD cannot alter it."""

    __slots__ = ("_call", "name")

    def __init__(self, name: str, call: Any) -> None:
        self.name = name
        self._call = call

    def __call__(self, *args: object) -> object:
        return self._call(*args)

    def __setstate__(self, state: object) -> None:
        raise _Refuse(f"changing {self.name}")


class _NdarrayToken:
    """Stands for `numpy.ndarray`, which pickles name only as `_reconstruct`'s first argument."""

    __slots__ = ()

    def __call__(self, *args: object) -> object:
        raise _Refuse("numpy.ndarray called directly")

    def __setstate__(self, state: object) -> None:
        raise _Refuse("changing numpy.ndarray")


_NDARRAY = _NdarrayToken()


def _reconstruct(subtype: object, shape: object, typecode: object) -> np.ndarray:
    if subtype is not _NDARRAY:
        raise _Refuse(f"_reconstruct of {type(subtype).__name__} (only numpy.ndarray)")
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise _Refuse("_reconstruct with an invalid shape")
    dtype = _number_dtype(typecode)
    if math.prod(shape) * dtype.itemsize > 2**20:  # numpy always passes (0,): data come later
        raise _Refuse(f"_reconstruct of a {shape} array before its data")
    return _RECONSTRUCT(_GuardedArray, shape, dtype)


def _frombuffer(buffer: object, spec: object, shape: object, order: object = "C") -> np.ndarray:
    dtype = _number_dtype(spec)
    if not isinstance(buffer, bytes | bytearray) or order not in ("C", "F"):
        raise _Refuse("_frombuffer of something other than raw bytes")
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise _Refuse("_frombuffer with an invalid shape")
    if math.prod(shape) * dtype.itemsize != len(buffer):
        raise _Refuse(f"an array of shape {shape} with {len(buffer)} bytes of data")
    _spend(len(buffer))
    array = np.frombuffer(buffer, dtype=dtype).reshape(shape, order="F" if order == "F" else "C")
    return array.copy(order="K").view(_GuardedArray)  # writable, and guarded against BUILD


def _dtype(code: object, align: object = False, copy: object = True) -> _DtypeSpec:
    _number_dtype(code)  # refuse early, before any state arrives
    return _DtypeSpec(code.decode("latin1") if isinstance(code, bytes) else str(code))


def _scalar(spec: object, data: object = b"") -> object:
    dtype = _number_dtype(spec)
    if isinstance(data, str):
        data = data.encode("latin1")
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise _Refuse("a numpy scalar with malformed data")
    return _SCALAR(dtype, data).item()  # a plain Python number: nothing left to BUILD on


def _encode(text: object, encoding: object = "utf-8") -> bytes:
    if not isinstance(text, str) or str(encoding).lower().replace("-", "") != "latin1":
        raise _Refuse(f"_codecs.encode with encoding {encoding!r} (only latin1)")
    return text.encode("latin1")


def _empty_bytes(*args: object) -> bytes:
    if args:
        raise _Refuse("builtins.bytes with arguments")
    return b""


_ALLOWED: dict[tuple[str, str], object] = {
    ("numpy.core.multiarray", "_reconstruct"): _Allowed("_reconstruct", _reconstruct),
    ("numpy._core.multiarray", "_reconstruct"): _Allowed("_reconstruct", _reconstruct),
    ("numpy.core.multiarray", "scalar"): _Allowed("scalar", _scalar),
    ("numpy._core.multiarray", "scalar"): _Allowed("scalar", _scalar),
    ("numpy.core.numeric", "_frombuffer"): _Allowed("_frombuffer", _frombuffer),
    ("numpy._core.numeric", "_frombuffer"): _Allowed("_frombuffer", _frombuffer),
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Allowed("dtype", _dtype),
    ("_codecs", "encode"): _Allowed("encode", _encode),
    ("__builtin__", "bytes"): _Allowed("bytes", _empty_bytes),
    ("builtins", "bytes"): _Allowed("bytes", _empty_bytes),
}


class _RestrictedUnpickler(pickle._Unpickler):
    """An unpickler that resolves globals only from the allowed table.

    Python's own (pure Python) unpickler rather than the C one: the C unpickler copies a large
    string out of the block it read, so a subject's samples would sit in memory twice while
    loading; this one keeps the block read. DEAP's pickles hold a handful of opcodes, and
    `_check_lengths` has walked every opcode in Python already, so it costs no more in time."""

    def find_class(self, module: str, name: str) -> object:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise _Refuse(f"{module}.{name}")
        return allowed

    def persistent_load(self, pid: object) -> object:
        raise _Refuse("a persistent id")


_OPCODES = {op.code.encode("latin-1"): op for op in pickletools.opcodes}
# Arguments that carry their own length (strings, bytes): the length's struct format
_LENGTH_PREFIX = {
    pickletools.TAKEN_FROM_ARGUMENT1: "<B",
    pickletools.TAKEN_FROM_ARGUMENT4: "<i",
    pickletools.TAKEN_FROM_ARGUMENT4U: "<I",
    pickletools.TAKEN_FROM_ARGUMENT8U: "<Q",
}


def _check_lengths(f: io.BufferedReader, size: int) -> None:
    """Walk the opcodes once: every claimed length must fit in the file (no huge allocations).

    Data arguments are skipped by their length, never read: the walk holds no copy of a
    subject's samples (pickletools.genops would read and decode each, two copies at once). At
    most MAX_PICKLE_OPCODES opcodes: each may make an object, and DEAP's hold a few dozen."""
    for _ in range(MAX_PICKLE_OPCODES):  # opcodes, not samples: an array's data is one
        code = f.read(1)
        op = _OPCODES.get(code)
        if op is None:
            where = f"at byte {f.tell() - 1}, unknown opcode {code!r}"
            raise ValueError(where if code else "the pickle ends before its STOP opcode")
        arg = op.arg
        if arg is not None and arg.n in _LENGTH_PREFIX:
            fmt = _LENGTH_PREFIX[arg.n]
            raw = f.read(struct.calcsize(fmt))
            if len(raw) != struct.calcsize(fmt):
                raise ValueError(f"{op.name}: the pickle ends inside a length")
            (n,) = struct.unpack(fmt, raw)
            if n < 0 or f.tell() + n > size:
                raise ValueError(f"{op.name} claims {n} bytes, past the end of the file")
            f.seek(n, io.SEEK_CUR)
        elif arg is not None:
            arg.reader(f)  # a fixed-size number, or one line of text
        if code == b".":
            return
    raise _Refuse(f"more than {MAX_PICKLE_OPCODES:,} opcodes (a DEAP file holds a few dozen)")


class _Plain:
    """Turns the loaded value into plain Python and numpy, each shared object once."""

    def __init__(self) -> None:
        self.done: dict[int, object] = {}  # id -> converted: shared references stay shared
        self.open: set[int] = set()  # ids being converted: meeting one again is a cycle
        self.nodes = 0

    def __call__(self, value: object, depth: int = 0) -> object:
        if depth > MAX_PICKLE_DEPTH:
            raise _Refuse("data nested too deeply")
        key = id(value)
        if key in self.done:
            return self.done[key]
        if key in self.open:
            raise _Refuse("data that refers to itself")
        self.nodes += 1
        if self.nodes > MAX_PICKLE_VALUES:
            raise _Refuse(f"more than {MAX_PICKLE_VALUES:,} values (a DEAP file holds a handful)")
        self.open.add(key)
        out = self._convert(value, depth)
        self.open.discard(key)
        self.done[key] = out
        return out

    def _convert(self, value: object, depth: int) -> object:
        if isinstance(value, _GuardedArray):
            data = _array_data.get().get(id(value))
            if data is None:  # from _frombuffer: already a filled array
                return value.view(np.ndarray)
            raw, dtype, shape, fortran = data
            array = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
            if not dtype.isnative:  # as numpy's own unpickling: native byte order (a copy)
                return array.astype(dtype.newbyteorder("="))
            return array
        if isinstance(value, dict):  # Python 2's str keys ('data', 'labels') load as bytes
            return {_text(self(k, depth + 1)): self(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, depth + 1) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v, depth + 1) for v in value)
        if isinstance(value, _DtypeSpec):
            return value.real()
        if value is None or isinstance(
            value, bool | int | float | complex | str | bytes | bytearray
        ):
            return value
        raise _Refuse(f"an object of type {type(value).__name__}")


def load_pickle(path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> object:
    """Unpickle a DEAP `.dat` file, rebuilding only number arrays, containers, numbers and text.

    Raises UnsafeFileError when the pickle asks for anything else (nothing it names is called),
    InputError when the file is missing, too large, truncated or corrupt.
    """
    source = str(path)
    size = check_regular(path, "DEAP .dat", max_bytes)
    token = _array_budget.set([size])
    data_token = _array_data.set({})
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check
                raise InputError(f"{source}: not a regular file, so not a DEAP .dat file")
            _check_lengths(f, size)
            f.seek(0)
            # Python 2's str loads as bytes: an array's data arrive as the bytes numpy wrote,
            # held once (as latin-1 text they would be decoded, then encoded back: 2 copies)
            value = _RestrictedUnpickler(f, encoding="bytes").load()
        return _Plain()(value)
    except _Refuse as exc:
        raise UnsafeFileError(
            f"{source}: refused to load: the pickle asks for {exc}, a DEAP file only holds arrays"
        ) from None
    except EvokeError:
        raise
    except RecursionError as exc:
        raise InputError(f"{source}: not a readable pickle (nested too deeply)") from exc
    except MemoryError:
        raise InputError(f"{source}: not enough memory to read this pickle") from None
    except Exception as exc:  # any other failure means a truncated or corrupt file
        raise InputError(
            f"{source}: not a readable pickle (truncated or corrupt?): {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        _array_budget.reset(token)
        _array_data.reset(data_token)
