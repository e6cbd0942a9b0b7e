"""A real Blender binary, where the machine has one (`EVOKE_TEST_BLENDER`, else `blender` on
PATH): the command line a clip runs with is taken by Blender as we rely on (the arguments after
`--` reach the script, the throw-away user folder is Blender's, a script's exit code and an
exception's are the process's), and a supported Blender renders a clip through `batch_clips`
while an older one is refused with its own version. Checked here with Debian's Blender 3.4.1;
CI machines have no Blender binary, so there it is skipped with that reason (the bpy-module
renderer is tested end to end in test_batch_clips.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from evoke_tools.batch_clips import ClipJob, ClipSettings
from evoke_tools.blender_binary import blender_env, check_blender, least_version, parse_version
from evoke_tools.paths import ROOT

from inference.batch import BatchTask
from inference.errors import EvokeError

pytestmark = pytest.mark.slow  # a Blender start each

BLENDER = os.environ.get("EVOKE_TEST_BLENDER") or shutil.which("blender")
if BLENDER is None:
    pytest.skip(
        "no Blender binary on this machine (set EVOKE_TEST_BLENDER=/path/to/blender); "
        "the bpy-module renderer is tested in test_batch_clips.py",
        allow_module_level=True,
    )

PROBE = """\
import os, sys
import bpy
after = sys.argv[sys.argv.index("--") + 1:]
print("PROBE", repr(after), bpy.utils.resource_path("USER"), os.environ["TMPDIR"])
if "--trial" in after and after[after.index("--trial") + 1] == "2":
    raise SystemExit(2)
if "--trial" in after and after[after.index("--trial") + 1] == "3":
    raise RuntimeError("a bug in the script")
"""


def _version() -> tuple[int, int, int]:
    assert BLENDER is not None
    done = subprocess.run([BLENDER, "--version"], capture_output=True, text=True, timeout=120,
                          env=blender_env())  # fmt: skip
    version = parse_version(done.stdout)
    assert version is not None, (done.returncode, done.stdout, done.stderr[-500:])
    return version


def test_a_process_that_imported_bpy_still_starts_the_binary_clean() -> None:
    """The bpy module sets its own OCIO (at the C level) and MaterialX paths: a binary of another
    version started with them aborted (Debian's 3.4 after bpy 5.3). It must get neither."""
    pytest.importorskip("bpy", reason="the case is a process that imported the bpy module")
    version = _version()
    if version[:2] < least_version()[:2]:
        with pytest.raises(EvokeError, match=r"is older than 4\.2"):  # its version was read
            check_blender(BLENDER or "")
    else:
        assert check_blender(BLENDER or "")


def test_blender_takes_a_clips_command_line_as_we_rely_on(tmp_path: Path) -> None:
    """Run the exact command and environment of a clip, with a probe in the script's place."""
    assert BLENDER is not None
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    job = ClipJob(str(tmp_path / "out"), ClipSettings(seconds=1), blender=BLENDER,
                  extension=str(tmp_path / "evoke.zip"))  # fmt: skip
    codes = {}
    for trial in (1, 2, 3):
        work = tmp_path / f"work{trial}"
        work.mkdir()
        staged = tmp_path / f"trial{trial}.mp4"
        command, env = job.command(BatchTask("/d/s01.dat", f"s01/t{trial}", trial), staged, work)
        command[command.index("--python") + 1] = str(probe)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)  # fmt: skip
        codes[trial] = done.returncode
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith("PROBE"))
        after = command[command.index("--") + 1 :]
        assert line == f"PROBE {after!r} {work / 'user'} {work}"  # nothing lost, ours alone
    assert codes == {1: 0, 2: 2, 3: 1}  # the script's exit code; an exception is a failure


def test_a_supported_blender_renders_a_clip_and_an_older_one_is_refused(tmp_path: Path) -> None:
    assert BLENDER is not None
    version = _version()
    if version[:2] < least_version()[:2]:
        with pytest.raises(EvokeError) as refused:
            check_blender(BLENDER)
        assert str(refused.value) == (
            f"{BLENDER}: Blender {version[0]}.{version[1]} is older than 4.2, "
            "the least this extension supports"
        )
        return
    from evoke_tools.batch_study import write_study

    study = write_study(tmp_path / "study", subjects=1, trials=1)
    out = tmp_path / "clips"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'scripts'}"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evoke.py"), "batch_clips", str(study / "s01.dat"),
         "--out", str(out), "--seconds", "0.5", "--height", "48", "--hop", "1",
         "--blender", BLENDER],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    clip = out / "s01" / "trial01.mp4"
    assert clip.read_bytes()[4:8] == b"ftyp"
    assert not (out / ".evoke-extension").exists()  # the batch's zip is removed at the end
