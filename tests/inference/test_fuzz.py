"""Generated bad inputs (hypothesis) through the sandbox of `scripts/evoke.py hostile_inputs`: every
case runs the command line in a forked child under a memory limit and a time limit, and must
either succeed with finite output or fail with one line naming the file, within the budget of
`inference.limits` (peak <= MEMORY_FACTOR x the input's size + MEMORY_ALLOWANCE). A fixed seed
and a fixed number of examples per target (100) keep the suite to about a minute."""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from evoke_tools.hostile_cases import _good_csv
from evoke_tools.hostile_headers import _edf_header, _xdf_chunk, _xdf_header
from evoke_tools.sandbox import Outcome, Sandbox
from evoke_tools.writers import _eeg_stream, write_xdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inference.dsp.electrodes import DEAP_EEG_CHANNELS

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check(box: Sandbox, argv: list[str], path: Path) -> Outcome:
    outcome = box.run(argv, path, timeout=30.0)
    assert outcome.status != "mishandled", (outcome, path.read_bytes()[:200])
    return outcome


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, cut length, replacement) edits: flips, insertions, deletions, truncation."""
    out = bytearray(data)
    for position, cut, insert in edits:
        at = position % (len(out) + 1)
        out[at : at + cut] = insert
    return bytes(out)


EDITS = st.lists(
    st.tuples(st.integers(0, 1 << 24), st.integers(0, 64), st.binary(max_size=16)),
    min_size=1,
    max_size=6,
)


# ----------------------------------------------------------------------------- DEAP pickles
@pytest.fixture(scope="module")
def small_dat() -> bytes:
    rng = np.random.default_rng(0)
    content = {
        "data": rng.standard_normal((1, 40, 8064)).astype(np.float32) * 20,
        "labels": rng.uniform(1, 9, (1, 4)),
    }
    return pickle.dumps(content, protocol=2)


@pytest.mark.slow
@FUZZ
@given(edits=EDITS)
def test_mutated_deap_pickles(
    box: Sandbox, folder: Path, small_dat: bytes, edits: list[Any]
) -> None:
    path = folder / "s01.dat"
    path.write_bytes(mutate(small_dat, edits))
    check(box, ["predict", str(path), "--json"], path)


SNIPPETS = [
    b"]", b"}", b"(", b"l", b"d", b"t", b"e", b"a", b"s", b"u", b"\x94", b"0", b"2",
    b"h\x00", b"h\x01", b"h\x05", b"r\x00\x00\x00\x00", b"K\x07", b"J\xff\xff\xff\x7f",
    b"\x8c\x04data", b"\x8c\x06labels", b"C\x04abcd", b"B\x00\x00\x10\x00", b"\x8e" + struct.pack("<Q", 1 << 40),
    b"\x8c\x13numpy.core.numeric\x8c\x0b_frombuffer\x93", b"\x8c\x05numpy\x8c\x05dtype\x93",
    b"\x8c\x02os\x8c\x06system\x93", b"R", b"b", b"\x85", b"\x86", b"\x87", b"N", b"\x88",
]  # fmt: skip


@pytest.mark.slow
@FUZZ
@given(program=st.lists(st.sampled_from(SNIPPETS), max_size=60), repeat=st.integers(1, 400))
def test_generated_pickle_programs(
    box: Sandbox, folder: Path, program: list[bytes], repeat: int
) -> None:
    """Opcode soup with memo puts and gets repeated: the shapes of shared-reference bombs."""
    body = b"".join(program)
    path = folder / "s02.dat"
    path.write_bytes(b"\x80\x04" + body[: len(body) // 2] + body[len(body) // 2 :] * repeat + b".")
    check(box, ["predict", str(path), "--json"], path)


# ----------------------------------------------------------------------------- CSV
CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "-inf", "1e308", "x", '"1,2"', "0x10", " 5 ", "1_000"]),
    st.text(max_size=6),
)
LABELS = st.one_of(
    st.sampled_from([*DEAP_EEG_CHANNELS, "time", "t", "EEG.AF3", "Ch1", "TP9", ""]),
    st.text(max_size=8),
)


@pytest.mark.slow
@FUZZ
@given(
    header=st.lists(LABELS, min_size=1, max_size=12),
    rows=st.lists(st.lists(CELLS, max_size=12), max_size=40),
    body_repeat=st.integers(1, 200),
    delimiter=st.sampled_from([",", ";", "\t"]),
    rate=st.sampled_from([None, "128", "0.0001", "nan", "250", "-1"]),
)
def test_generated_csv(box: Sandbox, folder: Path, header: list[str], rows: list[list[str]],
                       body_repeat: int, delimiter: str, rate: str | None) -> None:  # fmt: skip
    text = (
        delimiter.join(header)
        + "\n"
        + "".join(delimiter.join(r) + "\n" for r in rows) * body_repeat
    )
    path = folder / "rec.csv"
    path.write_text(text)
    argv = ["predict", str(path), "--json", *(["--rate", rate] if rate else [])]
    outcome = box.run(argv, path, timeout=30.0)
    bad_rate = rate in ("0.0001", "nan", "-1")
    if not (bad_rate and outcome.status == "mishandled" and "--rate" in outcome.detail):
        assert outcome.status != "mishandled", (outcome, text[:300])


WIDE = settings(FUZZ, max_examples=40)  # inputs up to a few MB each: fewer of them


@pytest.mark.slow
@WIDE
@given(
    width=st.integers(0, 300_000), filler=st.sampled_from([" ", "1", "\t", '"', "x"]),
    row=st.integers(0, 9_000), rows=st.integers(1, 9_000), column=st.integers(0, 10),
)  # fmt: skip
def test_generated_wide_csv_cells(box: Sandbox, folder: Path, width: int, filler: str, row: int,
                                  rows: int, column: int) -> None:  # fmt: skip
    """One cell (or, past the header's columns, one line) as wide as text allows, among short
    rows: the reader's memory follows the file, not the widest cell times the block."""
    lines = [f"{k / 128:.5f}" + ",1" * 10 for k in range(rows)]
    cells = lines[row % rows].split(",")
    cells[column] = filler * width
    lines[row % rows] = ",".join(cells)
    path = folder / "wide.csv"
    path.write_text("time,Fp1,Fp2,F3,F4,C3,C4,P3,P4,O1,O2\n" + "\n".join(lines) + "\n")
    check(box, ["predict", str(path), "--json"], path)


# ----------------------------------------------------------------------------- XDF
@pytest.fixture(scope="module")
def small_xdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("xdf") / "small.xdf"
    write_xdf(path, [_eeg_stream(DEAP_EEG_CHANNELS[:10], 128.0, 6.0, seed=1)], chunk=64)
    return path.read_bytes()


@pytest.mark.slow
@FUZZ
@given(edits=EDITS)
def test_mutated_xdf(box: Sandbox, folder: Path, small_xdf: bytes, edits: list[Any]) -> None:
    path = folder / "rec.xdf"
    path.write_bytes(mutate(small_xdf, edits))
    check(box, ["predict", str(path), "--json"], path)


@pytest.mark.slow
@FUZZ
@given(
    channels=st.integers(-5, 1 << 40), fmt=st.sampled_from(["float32", "double64", "int16", "string", "x"]),
    rate=st.sampled_from([0.0, 1e-4, 128.0, 1e9, -5.0]), count=st.integers(0, 1 << 40), payload=st.integers(0, 4096),
)  # fmt: skip
def test_generated_xdf_headers(
    box: Sandbox, folder: Path, channels: int, fmt: str, rate: float, count: int, payload: int
) -> None:
    body = _xdf_header(channels, fmt, rate) + _xdf_chunk(
        3, struct.pack("<I", 1) + b"\x08" + struct.pack("<Q", count) + bytes(payload)
    )
    path = folder / "gen.xdf"
    path.write_bytes(b"XDF:" + _xdf_chunk(1, b"<info><version>1.0</version></info>") + body)
    check(box, ["predict", str(path), "--json"], path)


@pytest.mark.slow
@WIDE
@given(
    channels=st.integers(1, 4096), samples=st.integers(0, 1_000_000), text=st.integers(0, 3),
    decoy=st.sampled_from(["", "<desc><channel_count>1</channel_count><channel_format>int8"
                               "</channel_format></desc>",
                           "<!-- <channel_count>1</channel_count> -->"]),
    fmt=st.sampled_from(["string", "double64", "int8"]),
    offsets=st.integers(0, 30_000), reset_every=st.integers(0, 5),
)  # fmt: skip
def test_generated_xdf_streams(box: Sandbox, folder: Path, channels: int, samples: int, text: int,
                               decoy: str, fmt: str, offsets: int, reset_every: int) -> None:  # fmt: skip
    """A valid EEG stream beside a second stream that declares what the hostile catalogue's do
    (many channels, a decoy header element, a chunk of many samples holding little) and a run
    of clock offsets that may look like clock resets."""
    from evoke_tools.hostile_headers import _FILE_HEADER, _eeg_body

    xml = (f'<?xml version="1.0"?><info>{decoy}<name>S</name><type>Misc</type><channel_count>'
           f"{channels}</channel_count><nominal_srate>0</nominal_srate><channel_format>{fmt}"
           "</channel_format><source_id>s</source_id></info>")  # fmt: skip
    sample = b"\x00" + (bytes([1, text]) + b"x" * text) * min(channels, 64)
    chunk = struct.pack("<I", 2) + b"\x04" + struct.pack("<I", samples) + sample * 200
    clock = b"".join(
        _xdf_chunk(4, struct.pack("<Idd", 1, 100.0 + (5 * (k % reset_every) if reset_every else k),
                                  5.0 * (k // max(reset_every, 1))))
        for k in range(offsets)
    )  # fmt: skip
    path = folder / "streams.xdf"
    path.write_bytes(_FILE_HEADER + _eeg_body(12) + _xdf_chunk(2, struct.pack("<I", 2) + xml.encode())
                     + _xdf_chunk(3, chunk) + clock)  # fmt: skip
    check(box, ["predict", str(path), "--json"], path)


# ----------------------------------------------------------------------------- EDF/BDF
NUMBERS = st.one_of(
    st.sampled_from(
        ["-1", "0", "1", "256", "1e9", "nan", "inf", "-inf", "", "x", "99999999", "0.000001"]
    ),
    st.integers(-(10**7), 10**8).map(str),
)


@pytest.mark.slow
@FUZZ
@given(
    ns=st.integers(1, 40), records=NUMBERS, duration=NUMBERS, samples=NUMBERS,
    phys=st.tuples(NUMBERS, NUMBERS), dig=st.tuples(NUMBERS, NUMBERS), data=st.integers(0, 200_000),
    bdf=st.booleans(),
)  # fmt: skip
def test_generated_edf_headers(box: Sandbox, folder: Path, ns: int, records: str, duration: str, samples: str,
                               phys: tuple[str, str], dig: tuple[str, str], data: int, bdf: bool) -> None:  # fmt: skip
    path = folder / ("gen.bdf" if bdf else "gen.edf")
    header = _edf_header(ns, records, duration, samples, bdf=bdf, phys=phys, dig=dig)
    path.write_bytes(
        header + np.random.default_rng(data).integers(0, 256, data, dtype=np.uint8).tobytes()
    )
    check(box, ["predict", str(path), "--json"], path)


# ----------------------------------------------------------------------------- models and tables
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=10)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def model_entries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from inference.model.model_file import save_model
    from inference.model.untrained import untrained_metadata, untrained_weights

    path = save_model(
        tmp_path_factory.mktemp("model") / "m.npz", untrained_weights(), untrained_metadata()
    )
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


@pytest.mark.slow
@FUZZ
@given(
    where=st.sampled_from([("features",), ("features", "rate"), ("features", "bands"), ("features", "filter_order"),
                           ("features", "baseline_s"), ("features", "window_s"), ("features", "kind"), ("labels",),
                           ("emotion_table",), ("provenance",), ("provenance", "metrics"), ("format_version",)]),
    value=JSON_VALUES,
)  # fmt: skip
def test_generated_model_metadata(box: Sandbox, folder: Path, model_entries: dict[str, bytes],
                                  where: tuple[str, ...], value: Any) -> None:  # fmt: skip
    meta = json.loads(
        np.lib.format.read_array(io.BytesIO(model_entries["metadata.json.npy"])).tobytes()
    )
    target = meta
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    path = folder / "fuzz.npz"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in {**model_entries, "metadata.json.npy": buf.getvalue()}.items():
            z.writestr(name, data)
    check(box, ["predict", str(_good_csv(folder)), "--json", "--model", str(path)], path)


@pytest.mark.slow
@FUZZ
@given(edits=EDITS)
def test_mutated_model_files(
    box: Sandbox, folder: Path, model_entries: dict[str, bytes], edits: list[Any]
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in model_entries.items():
            z.writestr(name, data)
    path = folder / "mutated.npz"
    path.write_bytes(mutate(buf.getvalue(), edits))
    check(box, ["predict", str(_good_csv(folder)), "--json", "--model", str(path)], path)


@pytest.mark.slow
@FUZZ
@given(value=JSON_VALUES, names=st.lists(st.text(max_size=12), min_size=8, max_size=8),
       bits=st.lists(st.lists(st.integers(-1, 2), min_size=3, max_size=3), min_size=0, max_size=9))  # fmt: skip
def test_generated_emotion_tables(
    box: Sandbox, folder: Path, value: Any, names: list[str], bits: list[list[int]]
) -> None:
    path = folder / "table.json"
    entries = [{"vad": b, "name": n} for b, n in zip(bits, names, strict=False)]
    path.write_text(json.dumps(value if len(bits) % 3 == 0 else {"emotions": entries}))
    check(box, ["predict", str(_good_csv(folder)), "--json", "--emotions", str(path)], path)


@pytest.mark.slow
@FUZZ
@given(value=JSON_VALUES, depth=st.integers(0, 120_000), as_file=st.booleans(),
       pairs=st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=8))  # fmt: skip
def test_generated_channel_maps(box: Sandbox, folder: Path, value: Any, depth: int, as_file: bool,
                                pairs: list[tuple[str, str]]) -> None:  # fmt: skip
    """Channel maps as JSON of any shape, nested to any depth, or as pairs of any text; given
    inline or as a file."""
    if depth:
        text = "{" * depth if depth % 2 else "[" * depth + "]" * depth
    elif pairs:
        text = ",".join(f"{a}={b}" for a, b in pairs)
    else:
        text = json.dumps(value)
    path = folder / "map.json"
    path.write_text(text)
    argv = ["predict", str(_good_csv(folder)), "--json", "--channel-map"]
    if as_file:
        check(box, [*argv, str(path)], path)
        return
    outcome = box.run([*argv, text], None, timeout=30.0, names="channel map")
    assert outcome.status != "mishandled", (outcome, text[:200])
