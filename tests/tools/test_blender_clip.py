"""blender_clip.py, the file a Blender binary runs for each clip, run as that binary runs it (its
arguments after `--`, the extension zip installed into a throw-away user folder) in a Python
with the bpy module where evoke_tools, tqdm and a top-level `inference` cannot be imported: so
it needs only what a Blender binary's own Python has. This is not a Blender binary (none of a
supported version is on the test machine); it checks the script, not the binary."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from evoke_tools.blender_binary import SCRIPT, script_command, throwaway_env

pytestmark = pytest.mark.slow  # a Blender start, an install and a render

if importlib.util.find_spec("bpy") is None:
    pytest.skip("the script is run by Blender's bpy module here", allow_module_level=True)

# Runs the script as Blender's `--python` would, with what Blender's Python lacks made
# unimportable; leaves by os._exit (bpy 4.x can hang at teardown: evoke_tools.process_exit).
AS_IN_BLENDER = """
import os, runpy, sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"evoke_tools", "evoke_training", "tqdm", "inference"}:
            raise ImportError(f"{name}: Blender's own Python has no such module")
        return None
sys.meta_path.insert(0, Missing())
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[sys.argv.index("--python") + 1], run_name="__main__")
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
sys.stdout.flush(); sys.stderr.flush()
os._exit(code)
"""


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from evoke_tools.extension import build

    (built,) = build(tmp_path_factory.mktemp("dist"))
    return built


def _as_blender_would(args: list[str], work: Path) -> subprocess.CompletedProcess[str]:
    command = script_command("blender", SCRIPT, args)  # Blender's argv, as the script sees it
    env = throwaway_env(work)
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-I", "-c", AS_IN_BLENDER, *command],
                          capture_output=True, text=True, env=env, cwd=work, timeout=600)  # fmt: skip


def test_the_script_bakes_and_renders_with_only_bpy_and_the_installed_extension(
    deap_two_trials: Path, zip_path: Path, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    args = [str(deap_two_trials), "--out", str(clip), "--trial", "2", "--seconds", "0.5",
            "--height", "48", "--hop", "1", "--extension", str(zip_path)]  # fmt: skip
    done = _as_blender_would(args, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "baked in" in done.stdout and "clip from" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == str(clip)
    data = clip.read_bytes()
    assert data[4:8] == b"ftyp" and b"moov" in data and b"mdat" in data
    assert (tmp_path / "user" / "extensions" / "user_default" / "evoke").is_dir()  # installed there


def test_an_operators_error_is_one_error_line_and_a_nonzero_exit(
    zip_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "s01.dat"
    broken.write_bytes(b"not a pickle")
    args = [str(broken), "--out", str(tmp_path / "c.mp4"), "--extension", str(zip_path)]
    done = _as_blender_would(args, tmp_path)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "s01.dat" in errors[0], done.stderr[-2000:]
    assert not (tmp_path / "c.mp4").exists()
