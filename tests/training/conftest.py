"""Tiny synthetic DEAP-format sets shared by the training tests (2 subjects x 3 trials)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from evoke_tools.synthetic import write_deap_folder


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Written by the project's generator, with its SYNTHETIC.txt marker (seed 5)."""
    folder = tmp_path_factory.mktemp("synth")
    write_deap_folder(folder, 2, seed=5, n_trials=3)
    return folder


@pytest.fixture(scope="session")
def unmarked(synth: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same files without the generator's marker: nothing says what they are."""
    folder = tmp_path_factory.mktemp("unmarked")
    for f in synth.glob("s*.dat"):
        (folder / f.name).symlink_to(f)
    return folder


@pytest.fixture
def no_paths() -> Callable[..., None]:
    """A check: no path of this machine (as given or resolved) in a report or a model file."""

    def check(text: str, *paths: Path) -> None:
        for p in paths:
            assert str(p) not in text and str(p.resolve()) not in text, p

    return check
