"""One meaning of `t` (seconds from the recording's start, or from a trial's onset), explicit
smoothing choices on the command line, and a smoother that never prints NaN."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from evoke_tools.paths import ROOT

from inference.dsp.electrodes import DEAP_EEG_CHANNELS


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "inference", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def session_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw 256 Hz session (45 s of rest with blinks, then a trial) in an EDF+ pyEDFlib wrote."""
    from evoke_tools.sessions import make_session
    from evoke_tools.writers import write_edf

    s = make_session(2, seed=4, rest_s=45.0, trials=1)
    path = tmp_path_factory.mktemp("session") / "session.edf"
    write_edf(path, DEAP_EEG_CHANNELS, (s.rate,) * 32, list(s.samples.T))
    return path


def _rows(path: Path, *args: str) -> list[dict]:
    out = cli("predict", str(path), "--json", "--hop", "0.5", *args)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert all(np.isfinite([r["valence"], r["confidence"]]).all() for r in rows)
    return rows


def test_a_calibration_moves_the_first_window_not_the_clock(session_edf: Path) -> None:
    """`--calibration 30` and `--calibration-span 0 30` are the same baseline: every window they
    share has the same `t` (once 404 of 830 rows agreed) and the same raw evidence."""
    first = _rows(session_edf, "--calibration", "30", "--smoother", "none")
    span = _rows(session_edf, "--calibration-span", "0", "30", "--smoother", "none")
    assert first[0]["t"] == 30.0 and span[0]["t"] == 0.0
    by_t = {r["t"]: r for r in span}
    shared = [(r, by_t[r["t"]]) for r in first]
    assert len(shared) == len(first) > 20
    for a, b in shared:
        assert a["emotion"] == b["emotion"]
        assert a["valence"] == pytest.approx(b["valence"], abs=1e-4)


def test_as_live_and_hindsight_differ_only_in_smoothing(session_edf: Path) -> None:
    live = _rows(session_edf, "--as-live")
    baked = _rows(session_edf)
    assert [r["t"] for r in live] == [r["t"] for r in baked]
    assert [r["valence"] for r in live] != [r["valence"] for r in baked]


@pytest.mark.parametrize("args", [("--hop", "60", "--evidence", "10"),
                                  ("--hop", "5", "--evidence", "100"),
                                  ("--hop", "5", "--evidence", "100", "--as-live")])  # fmt: skip
def test_extreme_smoother_settings_print_numbers(session_edf: Path, args: tuple[str, ...]) -> None:
    """Once every row read 'nan nan nan neutral nan', or --json refused its own NaN."""
    out = cli("predict", str(session_edf), "--calibration", "10", "--json", *args)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows and all(np.isfinite([r["valence"], r["confidence"]]).all() for r in rows)
