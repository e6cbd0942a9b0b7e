"""A small study for the batch's tests and benchmark: DEAP subjects, a corrupt file and a raw
EDF+ session (written by pyEDFlib) in a sub-folder, as a lab's folder of mixed recordings; and
the references a batch's outputs are checked against."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from evoke_tools.paths import ROOT

CORRUPT = b"not a pickle"  # s04.dat: a DEAP name over bytes that are no pickle


def write_study(folder: Path, subjects: int = 2, trials: int = 2, seed: int = 3) -> Path:
    """sNN.dat for `subjects` subjects, a corrupt s04.dat (when subjects < 4) and lab/p01.edf."""
    from evoke_tools.sessions import make_session
    from evoke_tools.synthetic import write_deap_folder
    from evoke_tools.writers import write_edf
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS

    write_deap_folder(folder, subjects, seed=seed, n_trials=trials)
    if subjects < 4:
        (folder / "s04.dat").write_bytes(CORRUPT)
    s = make_session(2, seed=seed + 1, rest_s=35.0, trials=1)
    (folder / "lab").mkdir(exist_ok=True)
    write_edf(folder / "lab" / "p01.edf", DEAP_EEG_CHANNELS, (s.rate,) * 32, list(s.samples.T))
    return folder


def expected_rows(path: Path) -> list[dict[str, Any]]:
    """`predict PATH --json`'s rows, from the command itself in its own process, with BLAS on
    one thread as in a batch worker (several threads add in another order, which can move the
    4th decimal)."""
    done = run_cli("predict", str(path), "--json", env={"OPENBLAS_NUM_THREADS": "1"})
    if done.returncode != 0:
        raise AssertionError(f"predict {path} failed: {done.stderr}")
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def output_state(out: Path) -> dict[str, tuple[int, int]]:
    """Every output under `out` (not the summary) -> (inode, mtime in ns): rewriting a file
    (a new file renamed over it) changes its inode."""
    return {
        str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith("summary.")
    }


def run_cli(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m inference ARGS` from the checkout (with `env` added to this one's)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "inference", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout,
    )  # fmt: skip
