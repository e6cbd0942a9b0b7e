"""`pip install .` must give a working runtime: the model and the emotion table are package data,
so a wheel installed in a fresh environment (numpy only, no checkout on the path) predicts exactly
what the checkout predicts. The editable install the Makefile uses would hide a missing file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
import zipfile
from pathlib import Path

import pytest
from evoke_tools.paths import ROOT

from inference import PredictOptions, load_model, predict, read_recording

# what a used checkout holds inside the package that is no source: a module of an earlier wheel
# since deleted (setuptools' build/lib), untracked scratch files, editor and merge leftovers
_LEFTOVERS = (
    "build/lib/inference/removed_module.py", "inference/scratch_test.py", "inference/cli.py~",
    "inference/io/edf.py.orig",
)  # fmt: skip


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtual environment holding only the wheel and what it depends on.

    The wheel is built by the project's own tool (`evoke_tools.wheel`) from a git checkout that
    holds what a used one does: a stale `build/lib` from an earlier wheel with a module since
    deleted, and untracked scratch files inside the package; none of it may ship."""
    from evoke_tools.checkout import source_files
    from evoke_tools.wheel import build_wheel

    work = tmp_path_factory.mktemp("wheel")
    source = work / "checkout"
    for relative in source_files(ROOT):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, source / relative)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", "-C", str(source), *args], check=True, capture_output=True)
    for leftover in _LEFTOVERS:
        (source / leftover).parent.mkdir(parents=True, exist_ok=True)
        (source / leftover).write_text("raise ImportError('stale')\n")
    wheel = build_wheel(work / "built", root=source)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in _LEFTOVERS if n.removeprefix("build/lib/") in names], sorted(names)
    assert {
        "inference/model/evoke_student.npz",
        "inference/emotion/emotion_table.json",
        "inference/face/face_profiles.json",
    } <= names
    # the runtime alone: not the torch companion (torch is no dependency) nor the checkout's tools
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"inference"}, sorted(tops)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert sorted(p.name for p in source.iterdir()) == sorted(
        {*(p.parts[0] for p in source_files(ROOT)), ".git", "build"}
    )  # the checkout was only read: no build/ of the tool's own, no egg-info
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


@pytest.mark.slow
def test_the_installed_wheel_is_the_runtime_alone(fresh_install: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(fresh_install), "-c", "import inference, numpy, importlib.util as u; "
         "print(inference.__file__); print(u.find_spec('torch') is None, u.find_spec('bpy') is None)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    module, no_torch_no_bpy = where.stdout.splitlines()
    assert Path(module).resolve().is_relative_to(fresh_install.parent.parent.resolve())
    assert no_torch_no_bpy == "True True"


@pytest.mark.slow
def test_the_installed_wheel_reports_the_bundled_model(fresh_install: Path, tmp_path: Path) -> None:
    done = _run(fresh_install, "model-info", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    meta = json.loads(done.stdout.split("\n", 1)[1])
    assert meta == load_model().metadata


@pytest.mark.slow
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
        read_recording(deap_two_trials, trial=[2]), model, PredictOptions(hindsight=True)
    ).timelines  # the CLI smooths with hindsight unless told --as-live
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
