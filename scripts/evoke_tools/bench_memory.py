"""Peak memory of reading and predicting long recordings of every format, each in a fresh process.

`python scripts/evoke.py bench_memory [--minutes 10] [--json] [--only edf]`

Each recording (32 channels at 512 Hz, as a lab amplifier records) is written by another
program's writer: EDF (16-bit) and BDF (24-bit) by pyEDFlib, XDF (float32) to the specification
(`evoke_tools.writers.write_xdf`, read back by pyxdf), CSV by numpy's `savetxt`, FIF by MNE,
BrainVision by pybv and EEGLAB by eeglabio (through `mne.export`; the `.set` then split into a
`.set` and its `.fdt`, as EEGLAB saves long recordings). A fresh process imports the runtime,
loads the model, reads a 6 s file of the same format (so that the reader's library, MNE's
~100 MiB of modules for one, is imported: `library_mib`), starts its high-water mark (VmHWM)
afresh, then reads the long file and predicts it. The figures are the peaks above that start,
as multiples of the file's bytes (header and data files together): what README's "Bad input" promises (<= 2x the file for reading) and what
`tests/inference/test_memory.py` holds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

RATE = 512.0
FORMATS = ("edf", "bdf", "xdf", "csv", "fif", "vhdr", "set")

_CHILD = """
import json, sys, time


def high_water_kib():  # VmHWM: ru_maxrss would start at the parent's size (kept across fork)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
import inference
model = inference.load_model()
start = high_water_kib()
inference.read_recording(sys.argv[2])  # a short file of the format: its library is imported
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the high-water mark starts afresh with the runtime, model and library loaded
before = high_water_kib()
t = time.perf_counter()
recording = inference.read_recording(sys.argv[1])
read_s = time.perf_counter() - t
read_kib = high_water_kib()
pred = inference.predict(recording, model)
print(json.dumps({"start_kib": start, "before_kib": before, "read_kib": read_kib, "peak_kib": high_water_kib(),
                  "read_s": read_s, "total_s": time.perf_counter() - t,
                  "dtype": str(recording.samples.dtype),
                  "windows": sum(len(tl.t) for tl in pred.timelines)}))
"""


def _signals(minutes: float, channels: int = 32, seed: int = 0) -> np.ndarray:
    """(samples, channels) microvolts: EEG-like noise with DC offsets, as an amplifier gives."""
    rng = np.random.default_rng(seed)
    n = round(minutes * 60 * RATE)
    x = rng.standard_normal((n, channels)).astype(np.float32) * 20
    x += rng.uniform(-200, 200, channels).astype(np.float32)
    return x


def write_recording(kind: str, folder: Path, minutes: float) -> tuple[Path, list[Path]]:
    """(the path to read, every file it consists of) for one format."""
    from evoke_tools import writers
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS

    x = _signals(minutes)
    labels = tuple(DEAP_EEG_CHANNELS)
    path = folder / f"long.{kind}"
    if kind in ("edf", "bdf"):
        writers.write_edf(
            path,
            labels,
            (RATE,) * 32,
            list(np.ascontiguousarray(x.T, dtype=np.float64)),
            bdf=kind == "bdf",
        )
        return path, [path]
    if kind == "xdf":
        stream = writers._eeg_stream(labels, RATE, 1.0, seed=0)
        stream["stamps"] = 1000.0 + np.arange(len(x)) / RATE
        stream["values"] = x
        writers.write_xdf(path, [stream], chunk=512)
        return path, [path]
    if kind == "csv":
        t = np.arange(len(x)) / RATE
        np.savetxt(path, np.column_stack([t, x]), delimiter=",", comments="",
                   header=",".join(["time", *labels]), fmt=["%.6f"] + ["%.3f"] * 32)  # fmt: skip
        return path, [path]
    if kind == "fif":
        path = folder / "long_raw.fif"
        writers.write_fif(path, x, RATE)
        return path, [path]
    if kind == "vhdr":
        files = writers.write_brainvision(folder / "long", x, RATE, labels)
        return files[0], files
    if kind == "set":
        files = writers.write_eeglab_fdt(folder / "long.set", x, RATE, labels)
        return files[0], files
    raise ValueError(kind)


def measure(path: Path, files: list[Path], warm: Path) -> dict[str, Any]:
    """Peaks of reading and of reading + predicting `path` in a fresh process, after reading
    `warm` (a short file of the same format) so that the reader's library is imported."""
    import inference  # the child reads with the same runtime as this process imports

    here = str(Path(inference.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(warm)], capture_output=True,
                         text=True, timeout=1200, cwd=path.parent, env=env)  # fmt: skip
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:300]}
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    size = sum(f.stat().st_size for f in files)
    mib = 1 << 20
    return {
        "file_mib": round(size / mib, 1),
        "read_peak_mib": round((fig["read_kib"] - fig["before_kib"]) / 1024, 1),
        "read_peak_over_file": round((fig["read_kib"] - fig["before_kib"]) * 1024 / size, 2),
        "predict_peak_mib": round((fig["peak_kib"] - fig["before_kib"]) / 1024, 1),
        "predict_peak_over_file": round((fig["peak_kib"] - fig["before_kib"]) * 1024 / size, 2),
        "interpreter_mib": round(fig["start_kib"] / 1024, 1),
        "library_mib": round((fig["before_kib"] - fig["start_kib"]) / 1024, 1),
        "read_s": round(fig["read_s"], 2),
        "total_s": round(fig["total_s"], 2),
        "samples_dtype": fig["dtype"],
        "windows": fig["windows"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--only", choices=FORMATS, action="append")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    figures: dict[str, Any] = {"minutes": args.minutes, "rate_hz": RATE, "channels": 32}
    for kind in args.only or FORMATS:
        with tempfile.TemporaryDirectory(prefix="evoke-bench-memory-") as tmp:
            (Path(tmp) / "warm").mkdir()
            warm, _ = write_recording(kind, Path(tmp) / "warm", 0.1)
            path, files = write_recording(kind, Path(tmp), args.minutes)
            figures[kind] = measure(path, files, warm)
        if not args.json:
            print(f"{kind:5s} {figures[kind]}", flush=True)
    if args.json:
        print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
