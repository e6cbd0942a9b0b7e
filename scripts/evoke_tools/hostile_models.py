"""The hostile catalogue's models, emotion tables and options, each run on a good recording."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from evoke_tools.hostile_cases import _long_csv, _predict, _write, case
from evoke_tools.hostile_recordings import _good_csv, _good_dat


# models and tables ---------------------------------------------------------------------------------
def _model_case(name: str, make: Callable[[Path], Path]) -> None:
    @case(f"model: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = make(d)
        return _predict(_good_csv(d), "--model", str(p)), p


def _with_metadata(d: Path, name: str, change: Callable[[dict[str, Any]], Any]) -> Path:
    from inference.model.model_file import save_model
    from inference.model.untrained import untrained_metadata, untrained_weights

    path = save_model(d / f"{name}.npz", untrained_weights(), untrained_metadata())
    with zipfile.ZipFile(path) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    meta = json.loads(np.lib.format.read_array(io.BytesIO(entries["metadata.json.npy"])).tobytes())
    meta = change(meta) or meta
    buf = io.BytesIO()
    raw = json.dumps(meta).encode() if not isinstance(meta, bytes) else meta
    np.lib.format.write_array(buf, np.frombuffer(raw, dtype=np.uint8))
    entries["metadata.json.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for member, data in entries.items():
            z.writestr(member, data)
    return path


for _name, _change in {
    "features: []": lambda m: m.__setitem__("features", []),
    "rate 8192": lambda m: m["features"].__setitem__("rate", 8192),
    "rate 0.0001": lambda m: m["features"].__setitem__("rate", 0.0001),
    "filter_order 100000": lambda m: m["features"].__setitem__("filter_order", 100000),
    "baseline_s 100": lambda m: m["features"].__setitem__("baseline_s", 100),
    "baseline_s 6 (more than DEAP's 3 s)": lambda m: m["features"].__setitem__("baseline_s", 6),
    "bands above Nyquist": lambda m: m["features"].__setitem__(
        "bands", [[4, 8], [8, 14], [14, 31], [31, 90]]
    ),
    "three bands": lambda m: m["features"].__setitem__("bands", [[4, 8], [8, 14], [14, 31]]),
    "band as text": lambda m: m["features"].__setitem__("bands", "theta"),
    "window 1e9 s": lambda m: m["features"].__setitem__("window_s", 1e9),
    "kind 'x'": lambda m: m["features"].__setitem__("kind", "x"),
    "provenance a list": lambda m: m.__setitem__("provenance", [1, 2]),
    "metrics mean_accuracy text": lambda m: m["provenance"].__setitem__(
        "metrics", {"mean_accuracy": "high"}
    ),
    "emotion table of 3": lambda m: m.__setitem__(
        "emotion_table", {"emotions": [{"vad": [0, 0, 0], "name": "x"}]}
    ),
    "labels a string": lambda m: m.__setitem__("labels", "x"),
    "format version 99": lambda m: m.__setitem__("format_version", 99),
    "JSON nested 100,000 deep": lambda m: b"[" * 100_000 + b"]" * 100_000,
    "metadata not JSON": lambda m: b"\xff\xfe not json",
}.items():

    def _make_meta(d: Path, n: str = _name, c: Callable[[dict[str, Any]], Any] = _change) -> Path:
        return _with_metadata(d, f"m{abs(hash(n))}", c)

    _model_case(_name, _make_meta)


def _model_weights(d: Path, name: str, weights: dict[str, np.ndarray]) -> Path:
    from inference.model.model_file import save_model
    from inference.model.untrained import untrained_metadata, untrained_weights

    good = save_model(d / f"{name}-good.npz", untrained_weights(), untrained_metadata())
    path = d / f"{name}.npz"
    with zipfile.ZipFile(good) as z:
        meta = z.read("metadata.json.npy")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json.npy", meta)
        for key, value in weights.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, value)
            z.writestr(f"{key}.npy", buf.getvalue())
    return path


def _weights(change: Callable[[dict[str, np.ndarray]], None]) -> dict[str, np.ndarray]:
    from inference.model.untrained import untrained_weights

    w = untrained_weights()
    change(w)
    return w


for _name, _w in {
    "complex weights": lambda w: w.__setitem__("fc2.weight", w["fc2.weight"].astype(complex)),
    "string weights": lambda w: w.__setitem__("fc2.bias", np.array(["a", "b", "c"])),
    "NaN weights": lambda w: w["fc1.weight"].__setitem__((0, 0), np.nan),
    "wrong shape": lambda w: w.__setitem__("fc1.weight", w["fc1.weight"][:, :10]),
    "a missing layer": lambda w: w.pop("conv2.bias"),
}.items():

    def _make_weights(
        d: Path, n: str = _name, c: Callable[[dict[str, np.ndarray]], Any] = _w
    ) -> Path:
        return _model_weights(d, f"w{abs(hash(n))}", _weights(c))

    _model_case(_name, _make_weights)


@case("model: a 1.5 GB member in a 2 MB zip")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "bomb.npz"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("fc1.weight.npy", "w", force_zip64=True) as f:
            for _ in range(1500):
                f.write(bytes(1 << 20))
    return _predict(_good_csv(d), "--model", str(p)), p


@case("model: baseline_s 6 on DEAP's 3 s baselines")
def _(d: Path) -> tuple[list[str], Path]:
    p = _with_metadata(d, "baseline6", lambda m: m["features"].__setitem__("baseline_s", 6))
    return _predict(_good_dat(d), "--model", str(p)), p


@case("model: a .npy renamed .npz")
def _(d: Path) -> tuple[list[str], Path]:
    p = d / "renamed.npz"
    np.save(d / "renamed.npy", np.zeros(3))
    (d / "renamed.npy").rename(p)
    return _predict(_good_csv(d), "--model", str(p)), p


@case("model: /dev/zero")
def _(d: Path) -> tuple[list[str], Path | None]:
    return _predict(_good_csv(d), "--model", "/dev/zero"), None


@case("model: a FIFO")
def _(d: Path) -> tuple[list[str], Path | None]:
    p = d / "model-fifo.npz"
    if not p.exists():
        os.mkfifo(p)
    return _predict(_good_csv(d), "--model", str(p)), None


def _table_case(name: str, text: str | bytes) -> None:
    @case(f"table: {name}")
    def _(d: Path) -> tuple[list[str], Path]:
        p = _write(d / f"t{abs(hash(name))}.json", text)
        return _predict(_good_csv(d), "--emotions", str(p)), p


_table_case("not JSON", "{")
_table_case("nested 100,000 deep", "[" * 100_000 + "]" * 100_000)
_table_case("a list", "[1, 2]")
_table_case(
    "seven emotions",
    json.dumps({"emotions": [{"vad": [0, 0, k & 1], "name": str(k)} for k in range(7)]}),
)
_table_case("bits 2", json.dumps({"emotions": [{"vad": [2, 0, 0], "name": "x"}]}))
_table_case("a 5 MB name", json.dumps({"emotions": [{"vad": [0, 0, 0], "name": "x" * 5_000_000}]}))


@case("table: /dev/zero")
def _(d: Path) -> tuple[list[str], Path | None]:
    return _predict(_good_csv(d), "--emotions", "/dev/zero"), None


# options -----------------------------------------------------------------------------------------
_NUMERIC_OPTIONS = ("--tau", "--dwell", "--hysteresis", "--hop", "--rate")  # argparse names them
for _name, _extra in {
    "--tau nan": ["--tau", "nan"], "--tau inf": ["--tau", "inf"], "--dwell inf": ["--dwell", "inf"],
    "--dwell -1": ["--dwell", "-1"], "--hysteresis 0.7": ["--hysteresis", "0.7"],
    "--hop 0": ["--hop", "0"], "--hop nan": ["--hop", "nan"], "--hop 0.3 (not whole samples)": ["--hop", "0.3"],
    "--hop 1e9": ["--hop", "1e9"], "--trial 0": ["--trial", "0"], "--between 1 2 without markers": ["--between", "1", "2"],
    "--channel-map junk": ["--channel-map", "Ch1"], "--montage on 11 channels": ["--montage", "emotiv-epoc"],
}.items():  # fmt: skip

    @case(f"option: {_name}")
    def _(d: Path, extra: list[str] = _extra) -> tuple[list[str], Path, str]:
        p = _good_csv(d)
        return _predict(p, *extra), p, extra[0] if extra[0] in _NUMERIC_OPTIONS else str(p)


# Round three (issue 28): the calibration and smoother options on a 150 s recording, so that a
# 30 s calibration leaves windows; extreme but valid values must give finite JSON (the octant
# filter once underflowed to NaN rows), invalid ones a line naming the option
_SMOOTHING_OPTIONS = ("--evidence", "--switch", "--confidence", "--smoother", "--calibration",
                      "--adapt", "--outlier-z", "--calibration-span")  # fmt: skip
for _name, _extra in {
    "--hop 60 --evidence 10 (underflow)": ["--hop", "60", "--evidence", "10"],
    "--hop 5 --evidence 100": ["--hop", "5", "--evidence", "100"],
    "--evidence nan": ["--evidence", "nan"], "--evidence 0": ["--evidence", "0"],
    "--switch 0": ["--switch", "0"], "--switch inf": ["--switch", "inf"],
    "--confidence 1.5": ["--confidence", "1.5"], "--confidence nan": ["--confidence", "nan"],
    "--smoother none --dwell 3600": ["--smoother", "none", "--dwell", "3600"],
    "--calibration 1 (below the model's 3 s)": ["--calibration", "1"],
    "--calibration nan": ["--calibration", "nan"], "--calibration 1e9": ["--calibration", "1e9"],
    "--adapt nan": ["--adapt", "nan"], "--adapt 1e12": ["--adapt", "1e12"],
    "--adapt 20 --hop 0.125": ["--adapt", "20", "--hop", "0.125"],
    "--outlier-z -1": ["--outlier-z", "-1"], "--calibration-span 10 5": ["--calibration-span", "10", "5"],
}.items():  # fmt: skip

    @case(f"option: {_name}")
    def _(d: Path, extra: list[str] = _extra) -> tuple[list[str], Path, str]:
        p = _long_csv(d)
        named = extra[0] in (*_NUMERIC_OPTIONS, *_SMOOTHING_OPTIONS)
        return _predict(p, *extra), p, extra[0] if named else str(p)


# The second round (issue 20) ---------------------------------------------------------------------
for _name, _w in {
    "weights of 3e38": lambda w: w.__setitem__("fc2.weight", w["fc2.weight"] * np.float32(3e38)),
    "weights of 1e6": lambda w: w["conv1.weight"].__setitem__((0, 0, 0, 0), 1e6),
}.items():

    def _make_weights2(
        d: Path, n: str = _name, c: Callable[[dict[str, np.ndarray]], Any] = _w
    ) -> Path:
        return _model_weights(d, f"w{abs(hash(n))}", _weights(c))

    _model_case(_name, _make_weights2)

for _name, _change in {
    "format_version true": lambda m: m.__setitem__("format_version", True),
    "NaN in the metadata": lambda m: json.dumps(m).replace('"rate": 128.0', '"rate": NaN').encode(),
    "Infinity in a metric": lambda m: json.dumps(m).replace('"metrics": {}', '"metrics": {"x": Infinity}').encode(),
}.items():  # fmt: skip

    def _make_meta2(d: Path, n: str = _name, c: Callable[[dict[str, Any]], Any] = _change) -> Path:
        return _with_metadata(d, f"m{abs(hash(n))}", c)

    _model_case(_name, _make_meta2)


@case("model-info: NaN in the metadata")
def _(d: Path) -> tuple[list[str], Path]:
    p = _with_metadata(
        d, "info-nan", lambda m: json.dumps(m).replace('"rate": 128.0', '"rate": NaN').encode()
    )
    return ["model-info", str(p)], p


for _option in ("--model", "--emotions"):

    @case(f"option: {_option} /proc/self/mem")
    def _(d: Path, option: str = _option) -> tuple[list[str], Path | None, str]:
        return _predict(_good_csv(d), option, "/proc/self/mem"), None, "/proc/self/mem"


_table_case(
    "names with ANSI escapes and newlines",
    json.dumps({"emotions": [{"vad": [k >> 2 & 1, k >> 1 & 1, k & 1], "name": f"\x1b[2J{k}\nerror: x"}
                             for k in range(8)]}),
)  # fmt: skip


@case("option: --trial 1 repeated 300 times on a 7.7 MB file")
def _(d: Path) -> tuple[list[str], Path]:
    from evoke_tools.synthetic import make_subject, write_dat

    p = d / "three" / "s01.dat"
    p.parent.mkdir(exist_ok=True)
    data, labels = make_subject(1, 3, n_trials=3)
    write_dat(p, data, labels)
    return _predict(p, *["--trial", "1"] * 300), p


@case("option: --channel-map nested 60,000 deep")
def _(d: Path) -> tuple[list[str], Path]:
    p = _good_csv(d)
    return _predict(p, "--channel-map", '{"a": ' * 60_000), p


@case("option: --channel-map naming electrodes outside DEAP's 32")
def _(d: Path) -> tuple[list[str], Path]:
    p = _good_csv(d)
    return _predict(p, "--channel-map", "Fp1=Fpz,Fp2=T9,F3=FT7"), p


@case("option: --channel-map a JSON file nested 100,000 deep")
def _(d: Path) -> tuple[list[str], Path, str]:
    m = _write(d / "deep-map.json", "{" * 100_000)
    return _predict(_good_csv(d), "--channel-map", str(m)), m, str(m)


@case("option: --channel-map /proc/self/mem")
def _(d: Path) -> tuple[list[str], Path | None, str]:
    return _predict(_good_csv(d), "--channel-map", "/proc/self/mem"), None, "/proc/self/mem"


# The third round (issue 28): duplicate archive members; settings that validate but cannot run
@case("model: 40,000 copies of fc1.weight")
def _(d: Path) -> tuple[list[str], Path]:
    """Each copy a valid, deflated fc1.weight of zeros (1.3 MB, 1.3 KB packed: 52 GB inflated in
    all), appended as raw bytes: compressing 40,000 copies would take minutes."""
    import copy

    from inference.model.model_file import save_model
    from inference.model.untrained import untrained_metadata, untrained_weights

    p = save_model(d / "dup.npz", untrained_weights(), untrained_metadata())
    packed = io.BytesIO()
    zeros = io.BytesIO()
    np.lib.format.write_array(zeros, np.zeros((128, 2592), dtype=np.float32))
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("fc1.weight.npy", zeros.getvalue())
    info = zipfile.ZipFile(packed).getinfo("fc1.weight.npy")
    local = packed.getvalue()[: info.compress_size + 30 + len(info.filename) + len(info.extra)]
    with zipfile.ZipFile(p, "a") as z:  # raw local entries, then zipfile writes the directory
        assert z.fp is not None
        for _ in range(40_000):
            entry = copy.copy(info)
            entry.header_offset = z.fp.tell()
            z.fp.write(local)
            z.filelist.append(entry)
        z.start_dir = z.fp.tell()
        z._didModify = True  # type: ignore[attr-defined]  # zipfile then writes the directory
    return _predict(_good_csv(d), "--model", str(p)), p


for _name, _features in {
    "rate 512 Hz with filter_order 6": {"rate": 512.0, "filter_order": 6},
    "rate 1024 Hz with filter_order 5": {"rate": 1024.0, "filter_order": 5},
    "rate 1024 Hz, window 4 s, baseline 40 s, order 10": {
        "rate": 1024.0,
        "window_s": 4.0,
        "baseline_s": 40.0,
        "filter_order": 10,
    },
    "rate 1024 Hz, window 4 s, order 2 (stable, 512 MiB of filters)": {
        "rate": 1024.0,
        "window_s": 4.0,
        "baseline_s": 4.0,
        "filter_order": 2,
    },
}.items():

    def _make_combo(d: Path, n: str = _name, f: dict[str, Any] = _features) -> Path:
        return _with_metadata(d, f"c{abs(hash(n))}", lambda m: m["features"].update(f))

    _model_case(_name, _make_combo)
