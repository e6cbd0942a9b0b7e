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
