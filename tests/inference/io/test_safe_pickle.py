"""The DEAP pickle loader rebuilds number arrays and refuses, without running, everything else."""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from evoke_tools.synthetic import make_subject, write_dat

from inference.errors import InputError, UnsafeFileError
from inference.io.safe_pickle import load_pickle


class _Reduces:
    """Pickles as a call of `func(*args)`: what a hostile .dat would carry."""

    def __init__(self, func: object, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return self.func, self.args


def _write(path: Path, payload: bytes) -> Path:
    path.write_bytes(payload)
    return path


def _global(module: str, name: str, arg: str) -> bytes:
    """A protocol-0 pickle calling module.name(arg), written opcode by opcode."""
    return f"c{module}\n{name}\n(V{arg}\ntR.".encode()


def _touch_command(marker: Path) -> str:
    return f"touch {marker}"


def _python_creating(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()"


def _payloads(marker: Path) -> dict[str, bytes]:
    from numpy.testing._private.utils import runstring

    code = _python_creating(marker)
    return {
        "os.system": _global("os", "system", _touch_command(marker)),
        "posix.system": pickle.dumps(_Reduces(os.system, _touch_command(marker)), protocol=2),
        "builtins.exec": pickle.dumps(_Reduces(exec, code), protocol=4),
        "__builtin__.eval": _global("__builtin__", "eval", code),
        "builtins.eval": _global("builtins", "eval", code),
        "builtins.getattr": (
            b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V"
            + _touch_command(marker).encode()
            + b"\ntR."
        ),
        "builtins.__import__": _global("builtins", "__import__", "os"),
        "subprocess.call": pickle.dumps(
            _Reduces(subprocess.call, ["touch", str(marker)]), protocol=2
        ),
        "subprocess.Popen": pickle.dumps(
            _Reduces(subprocess.Popen, ["touch", str(marker)]), protocol=5
        ),
        "numpy runstring": pickle.dumps(_Reduces(runstring, code, {}), protocol=2),
        "numpy.load": _global("numpy", "load", str(marker)),
        "numpy.lib.npyio.load": _global("numpy.lib.npyio", "load", str(marker)),
        "numpy.f2py": _global("numpy.f2py", "compile", code),
        "numpy.ctypeslib": _global("numpy.ctypeslib", "load_library", "libc"),
        "numpy.core.multiarray other": _global("numpy.core.multiarray", "fromstring", "1"),
        "copy_reg._reconstructor": b"ccopy_reg\n_reconstructor\n(cos\nsystem\nNNtR.",
    }


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "posix.system",
        "builtins.exec",
        "__builtin__.eval",
        "builtins.eval",
        "builtins.getattr",
        "builtins.__import__",
        "subprocess.call",
        "subprocess.Popen",
        "numpy runstring",
        "numpy.load",
        "numpy.lib.npyio.load",
        "numpy.f2py",
        "numpy.ctypeslib",
        "numpy.core.multiarray other",
        "copy_reg._reconstructor",
    ],
)
def test_code_running_pickles_are_refused_without_running(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "pwned"
    payload = _payloads(marker)[name]
    path = _write(tmp_path / "s01.dat", payload)
    with pytest.raises(UnsafeFileError) as info:
        load_pickle(path)
    message = str(info.value)
    assert "s01.dat" in message and "refused to load" in message
    assert "a DEAP file only holds arrays" in message
    assert not marker.exists()


def test_the_message_names_the_refused_global(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _write(tmp_path / "s01.dat", _global("os", "system", _touch_command(marker)))
    with pytest.raises(UnsafeFileError, match=r"s01\.dat: refused to load: .* os\.system"):
        load_pickle(path)


def test_object_arrays_are_refused_before_their_items_are_built(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = np.array([1, _Reduces(os.system, _touch_command(marker))], dtype=object)
    for protocol in (2, 4, 5):
        path = _write(tmp_path / "s02.dat", pickle.dumps({"data": hostile}, protocol=protocol))
        with pytest.raises(UnsafeFileError, match="dtype"):
            load_pickle(path)
    assert not marker.exists()
    plain = _write(tmp_path / "s03.dat", pickle.dumps(np.array([1, "a"], dtype=object)))
    with pytest.raises(UnsafeFileError):
        load_pickle(plain)


def test_structured_dtypes_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "s01.dat", pickle.dumps(np.zeros(2, dtype=[("a", "f8")])))
    with pytest.raises(UnsafeFileError):
        load_pickle(path)


def test_dtype_flags_cannot_turn_floats_into_object_pointers(tmp_path: Path) -> None:
    # A dtype's pickled state carries numpy's flags; 63 would mark raw floats as object pointers.
    genuine = pickle.dumps(np.arange(4.0), protocol=2)
    flags = b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00"
    assert genuine.count(flags) == 1
    forged = genuine.replace(flags, flags[:-1] + bytes([63]))
    # (pickle.loads would believe it and later decref the floats as pointers: not run here)
    loaded = load_pickle(_write(tmp_path / "s01.dat", forged))
    assert isinstance(loaded, np.ndarray) and not loaded.dtype.hasobject
    np.testing.assert_array_equal(loaded, np.arange(4.0))


def test_reconstruct_only_builds_plain_arrays(tmp_path: Path) -> None:
    # _reconstruct with a dict as the "subtype": allowed names, disallowed use.
    payload = b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n}K\x00\x85U\x01b\x87R."
    with pytest.raises(UnsafeFileError, match="_reconstruct"):
        load_pickle(_write(tmp_path / "s01.dat", payload))
    calling_ndarray = b"\x80\x02cnumpy\nndarray\nK\x03\x85R."
    with pytest.raises(UnsafeFileError, match="ndarray"):
        load_pickle(_write(tmp_path / "s02.dat", calling_ndarray))
    other_codec = b"c_codecs\nencode\n(Vabc\nVrot13\ntR."
    with pytest.raises(UnsafeFileError, match="latin1"):
        load_pickle(_write(tmp_path / "s03.dat", other_codec))


def test_build_cannot_alter_the_allowed_names(tmp_path: Path) -> None:
    # BUILD with a dict state would otherwise write attributes into the stand-in callable.
    payload = b"\x80\x02cnumpy\ndtype\n}(V_call\ncos\nsystem\nub."
    with pytest.raises(UnsafeFileError):
        load_pickle(_write(tmp_path / "s01.dat", payload))
    payload = b"\x80\x02cnumpy\ndtype\n}(V_call\nNub."
    with pytest.raises(UnsafeFileError, match="changing dtype"):
        load_pickle(_write(tmp_path / "s02.dat", payload))


def test_a_huge_length_claim_is_an_input_error_not_an_allocation(tmp_path: Path) -> None:
    payload = b"\x80\x04\x8e" + struct.pack("<Q", 2**60) + b"abc"
    with pytest.raises(InputError, match="s01.dat"):
        load_pickle(_write(tmp_path / "s01.dat", payload))


def test_truncated_dat_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    data, labels = make_subject(1, seed=0, n_trials=2)
    path = tmp_path / "s01.dat"
    write_dat(path, data, labels)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match="s01.dat") as info:
        load_pickle(path)
    assert not isinstance(info.value, UnsafeFileError)
    assert "truncated or corrupt" in str(info.value)


def test_not_a_pickle_and_missing_file(tmp_path: Path) -> None:
    text = _write(tmp_path / "s01.dat", b"this is not a pickle at all\n")
    with pytest.raises(InputError, match="s01.dat"):
        load_pickle(text)
    with pytest.raises(InputError, match="no such file"):
        load_pickle(tmp_path / "s09.dat")


def test_size_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "s01.dat", pickle.dumps(np.zeros(100)))
    with pytest.raises(InputError, match="more than a DEAP .dat file can be"):
        load_pickle(path, max_bytes=100)


def test_shared_references_are_rebuilt_once_not_per_reference(tmp_path: Path) -> None:
    """A few hundred bytes naming one list again and again (2**40 leaves if expanded)."""
    inner: list[object] = [1.0, 2.0]
    for _ in range(40):
        inner = [inner, inner]
    path = _write(tmp_path / "s01.dat", pickle.dumps({"data": inner, "labels": inner}, protocol=2))
    assert path.stat().st_size < 2000
    loaded = load_pickle(path)
    assert isinstance(loaded, dict) and loaded["data"] is loaded["labels"]  # still shared


def test_one_buffer_named_many_times_is_refused(tmp_path: Path) -> None:
    """A memoised 1 MB buffer turned into 3,000 arrays would take 3 GB from a 1 MB file."""
    one = np.zeros(2**17)  # 1 MiB
    path = _write(
        tmp_path / "s01.dat", pickle.dumps({"data": [one] * 3, "labels": one}, protocol=2)
    )
    assert isinstance(load_pickle(path), dict)  # the same array object, shared: fine
    path = _write(tmp_path / "s02.dat", _frombuffer_repeated(2**20, 3000))
    assert path.stat().st_size < 2**21
    with pytest.raises(UnsafeFileError, match="more bytes than the file holds"):
        load_pickle(path)


def _frombuffer_repeated(nbytes: int, times: int) -> bytes:
    """A protocol-5 pickle: one memoised buffer of `nbytes` handed to numpy's `_frombuffer`
    `times` times (each call builds a new array)."""

    def text(t: str) -> bytes:
        return b"\x8c" + bytes([len(t)]) + t.encode()

    call = (
        b"h\x00" + b"(" + b"h\x01" + text("u1") + b"J" + struct.pack("<i", nbytes) + b"\x85"
        + text("C") + b"tR"
    )  # fmt: skip
    return (
        b"\x80\x05" + text("numpy.core.numeric") + text("_frombuffer") + b"\x93\x94"
        + b"\x8e" + struct.pack("<Q", nbytes) + bytes(nbytes) + b"\x94"
        + b"](" + call * times + b"e."
    )  # fmt: skip


def test_genuine_synthetic_file_loads_and_equals_what_was_written(tmp_path: Path) -> None:
    data, labels = make_subject(1, seed=0, n_trials=2)
    path = tmp_path / "s01.dat"
    write_dat(path, data, labels)
    loaded = load_pickle(path)
    assert isinstance(loaded, dict) and sorted(loaded) == ["data", "labels"]
    assert type(loaded["data"]) is np.ndarray and loaded["data"].dtype == np.float64
    np.testing.assert_array_equal(loaded["data"], data)
    np.testing.assert_array_equal(loaded["labels"], labels)
    # a read-only view of the bytes the file held: the samples are in memory once
    assert not loaded["data"].flags.writeable and not loaded["data"].flags.owndata


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_python3_pickles_of_number_arrays_load(tmp_path: Path, protocol: int) -> None:
    content = {
        "data": np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
        "labels": np.arange(8, dtype=">f8").reshape(2, 4),
        "empty": np.zeros((0, 3)),
        "meta": [1, 2.5, "text", None, (True, b"raw")],
    }
    raw = pickle.dumps(content, protocol=protocol)
    loaded = load_pickle(_write(tmp_path / "s01.dat", raw))
    reference = pickle.loads(raw)
    assert isinstance(loaded, dict)
    for key in ("data", "labels", "empty"):
        assert type(loaded[key]) is np.ndarray
        assert loaded[key].dtype == reference[key].dtype
        np.testing.assert_array_equal(loaded[key], reference[key])
    assert loaded["meta"] == reference["meta"]


@pytest.mark.parametrize(
    ("head", "unit", "count"),
    [
        (b"(", b"}", 5_000_000),  # 5 MB of EMPTY_DICT: 1.2 GB of dicts when built
        (b"\x80\x04(", b"(\x91", 2_500_000),  # MARK FROZENSET: empty frozensets
        (b"\x80\x02(", b"N", 5_000_000),  # a list of 5e6 None
    ],
)
def test_opcode_floods_are_refused_before_anything_is_built(
    tmp_path: Path, head: bytes, unit: bytes, count: int
) -> None:
    """Containers and values are counted in the opcode walk, which runs before the unpickler:
    a flood of tiny opcodes is refused at MAX_PICKLE_OPCODES, quickly and with no objects."""
    import time

    from inference.limits import MAX_PICKLE_OPCODES

    assert len(pickle.loads(head + unit * 10 + b"l.")) == 10  # Python's unpickler builds them
    path = _write(tmp_path / "s01.dat", head + unit * count + b"l.")
    start = time.process_time()  # CPU time spent here, which a loaded machine does not stretch
    with pytest.raises(UnsafeFileError, match=f"more than {MAX_PICKLE_OPCODES:,} opcodes"):
        load_pickle(path)
    assert time.process_time() - start < 5
