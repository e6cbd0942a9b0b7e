"""Memory of the offline path: a DEAP subject is read and predicted holding its samples about
1.5 times (the pickle's bytes, the float32 recording, the 32 electrodes), never the 2.5-3 times
it took when the opcode walk, the unpickler, the trial stack and the windows each made a copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_CHILD = """
import json, sys


def high_water_kib():  # VmHWM: ru_maxrss would start at the parent's size (kept across fork)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the high-water mark starts afresh at this process's own size
import inference
model = inference.load_model()
before = high_water_kib()
pred = inference.predict(inference.read_recording(sys.argv[1]), model)
print(json.dumps({"before_kib": before, "peak_kib": high_water_kib(), "trials": len(pred.timelines)}))
"""
# Peak above the interpreter with the runtime and model loaded, as a multiple of the file: 1.5 when
# measured (numpy 1.26 and 2.5); one more copy of the samples anywhere pushes it past 1.9.
MAX_PEAK_OVER_FILE = 1.75


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak from Linux's /proc")
def test_a_deap_subject_is_held_about_one_and_a_half_times(tmp_path: Path) -> None:
    from evoke_tools.synthetic import write_deap_folder

    write_deap_folder(tmp_path, subjects=1, seed=3)  # DEAP's own layout: 40 trials, float64
    path = tmp_path / "s01.dat"
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, check=True, timeout=300)  # fmt: skip
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    assert fig["trials"] == 40
    over = (fig["peak_kib"] - fig["before_kib"]) * 1024 / path.stat().st_size
    assert over <= MAX_PEAK_OVER_FILE, f"peak {over:.2f} x the file above the interpreter"


# Other formats: 10 minutes of 32 channels at 512 Hz, written by other programs' writers, read
# and predicted in a fresh process (`evoke_tools.bench_memory`, which the README's figures come
# from), predicted as the command line runs. Reading holds the samples once as float32 (a 16-bit
# EDF's 2 bytes become 4: 2x) plus a block; predicting holds them with their electrodes at
# 128 Hz (twice) until those are made, then lets them go (`predict(..., consume=True)`) before
# the features and the student's working set: the goal, 2x the file + 32 MiB (EDF: 64.6 of
# 69.6 MiB on numpy 1.26 / Python 3.11, 65.5 on numpy 2.5 / Python 3.13 when measured; 70.4
# there while the parser's live stack imported http.server and ssl; 99.1 before the samples
# were let go).
READ_ALLOWANCE_MIB = 8  # one block of the file and the reader's own small structures
PREDICT_FACTOR, PREDICT_ALLOWANCE_MIB = 2.0, 32


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak from Linux's /proc")
@pytest.mark.parametrize("kind", ["edf", "bdf", "xdf", "vhdr"])
def test_long_recordings_are_read_within_twice_the_file(tmp_path: Path, kind: str) -> None:
    from evoke_tools.bench_memory import measure, write_recording

    (tmp_path / "warm").mkdir()
    warm, _ = write_recording(kind, tmp_path / "warm", 0.1)
    path, files = write_recording(kind, tmp_path, 10.0)
    fig = measure(path, files, warm)
    assert "error" not in fig, fig
    assert fig["samples_dtype"] == "float32" and fig["windows"] == 570
    file_mib = fig["file_mib"]
    assert fig["read_peak_mib"] <= 2.0 * file_mib + READ_ALLOWANCE_MIB, fig
    assert fig["predict_peak_mib"] <= PREDICT_FACTOR * file_mib + PREDICT_ALLOWANCE_MIB, fig


def test_a_consumed_recording_lets_its_samples_go_and_predicts_the_same() -> None:
    """`predict(..., consume=True)` (the command line's) frees the recording's samples once they
    are preprocessed, and predicts exactly what the recording kept would."""
    import gc
    import weakref

    import numpy as np
    from evoke_tools.artefacts import raw_trials

    from inference import load_model, predict
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS
    from inference.io.recording import Recording

    x = raw_trials(1, 1, 256.0, seed=2)[0][: 256 * 40, :32].astype(np.float32)
    model = load_model()
    kept = predict(Recording(x.copy(), tuple(DEAP_EEG_CHANNELS), 256.0), model)
    handed = Recording(x.copy(), tuple(DEAP_EEG_CHANNELS), 256.0)
    samples = weakref.ref(handed.samples)
    pred = predict(handed, model, consume=True)
    gc.collect()
    assert samples() is None and handed.samples.shape == (0, 32)
    np.testing.assert_array_equal(pred.timelines[0].raw_probs, kept.timelines[0].raw_probs)
    np.testing.assert_array_equal(pred.timelines[0].emotion, kept.timelines[0].emotion)
