"""`pip install .` must give a working runtime: the model and the emotion table are package data,
so a wheel installed in a fresh environment (numpy only, no checkout on the path) predicts exactly
what the checkout predicts. The editable install the Makefile uses would hide a missing file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from evoke_tools.paths import ROOT

from inference import PredictOptions, load_model, predict, read_recording

# what a build must not copy: environments, caches and outputs of this checkout
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist", "out", "runs", "data",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".gl", ".whl", "wheels",
)  # fmt: skip


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtual environment holding only the wheel and what it depends on."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(
        ROOT, source, ignore=_NOT_SOURCES
    )  # build from a copy: the checkout stays clean
    built = work / "built"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(built), str(source)],
        check=True, timeout=300,
    )  # fmt: skip
    (wheel,) = built.glob("evoke_blender-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"inference/model/evoke_student.npz", "inference/emotion/emotion_table.json"} <= names
    # the runtime alone: not the torch companion (torch is no dependency) nor the checkout's tools
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"inference"}, sorted(tops)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    env = work / "env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True, timeout=600,
    )  # fmt: skip
    return python


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # a clean environment: nothing of this checkout or of the test environment on the path
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(python), "-m", "inference", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_installed_wheel_is_the_runtime_alone(fresh_install: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(fresh_install), "-c", "import inference, numpy, importlib.util as u; "
         "print(inference.__file__); print(u.find_spec('torch') is None, u.find_spec('bpy') is None)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    module, no_torch_no_bpy = where.stdout.splitlines()
    assert Path(module).resolve().is_relative_to(fresh_install.parent.parent.resolve())
    assert no_torch_no_bpy == "True True"


def test_the_installed_wheel_reports_the_bundled_model(fresh_install: Path, tmp_path: Path) -> None:
    done = _run(fresh_install, "model-info", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    meta = json.loads(done.stdout.split("\n", 1)[1])
    assert meta == load_model().metadata


def test_the_installed_wheel_predicts_what_the_checkout_predicts(
    fresh_install: Path, tmp_path: Path, deap_two_trials: Path
) -> None:
    done = _run(
        fresh_install, "predict", str(deap_two_trials), "--trial", "2", "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    model = load_model()
    (timeline,) = predict(
        read_recording(deap_two_trials, trial=[2]), model, PredictOptions()
    ).timelines
    expected = timeline.records(model.emotions)
    assert len(rows) == len(expected) > 50
    assert [r["emotion"] for r in rows] == [r["emotion"] for r in expected]
    # the fresh environment may hold another numpy than this one: probabilities within 1e-3
    for axis in ("valence", "arousal", "dominance"):
        got, want = [r[axis] for r in rows], [r[axis] for r in expected]
        assert got == pytest.approx(want, abs=1e-3)


def test_the_installed_wheel_has_the_live_command(fresh_install: Path, tmp_path: Path) -> None:
    """`evoke-live` comes with the wheel ([project.scripts]); without the `boards` extra a
    BrainFlow source is one line saying what to install, never a traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    script = fresh_install.parent / ("evoke-live.exe" if os.name == "nt" else "evoke-live")
    helped = subprocess.run([str(script), "--help"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert helped.returncode == 0 and "--source" in helped.stdout, helped.stderr
    done = subprocess.run([str(script), "--source", "brainflow:synthetic", "--seconds", "1"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and "pip install brainflow" in lines[0]
