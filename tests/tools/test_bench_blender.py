"""scripts/evoke.py bench_blender as a user runs it: it reports its figures and leaves nothing in
the temp folder (it used to leave ~100 MB, the synthetic subject and the clip, on every run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from evoke_tools.paths import ROOT


@pytest.mark.slow
def test_bench_blender_reports_and_leaves_the_temp_folder_empty(tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("BLENDER_USER_RESOURCES", None)  # the tool's own throw-away user folder
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evoke.py"), "bench_blender", "--json",
         "--frames", "1", "--trials", "1", "--height", "120"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout[done.stdout.index("{") :])
    assert figures["bake_trial_windows"] == 237 and figures["bake_subject_1_trials_s"] > 0
    assert figures["zip_kib"] > 0 and figures["render_s_per_frame"] > 0
    assert sorted(temp.rglob("*")) == []
