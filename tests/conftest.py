"""Shared fixtures: synthetic DEAP-format files written by the project's own generator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="session")
def deap_two_trials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DEAP-format s01.dat with 2 trials (same layout as the real 40)."""
    from synth_deap import write_deap_folder

    folder = tmp_path_factory.mktemp("deap2")
    write_deap_folder(folder, subjects=1, seed=11, n_trials=2)
    return folder / "s01.dat"
