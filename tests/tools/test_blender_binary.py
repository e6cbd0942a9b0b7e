"""A Blender binary as the renderer (`batch_clips --blender`, `render_demo --blender`): its version
read from `--version`, anything else refused in one line before any work, and the exact command
line and environment a clip runs with. No Blender binary of a supported version is on the test
machine, so a render through one is not tested here (docs/BATCH.md says so)."""

from __future__ import annotations

import ast
import stat
import sys
from pathlib import Path

import pytest
from evoke_tools import batch_clips, render_demo
from evoke_tools.batch_clips import ClipJob, ClipSettings
from evoke_tools.blender_binary import (
    SCRIPT,
    blender_env,
    check_blender,
    least_version,
    parse_version,
    throwaway_env,
)
from evoke_tools.blender_clip import parser, script_arguments
from evoke_tools.paths import ROOT

from inference.batch import BatchTask
from inference.errors import EvokeError


@pytest.mark.parametrize(
    ("printed", "version"),
    [
        ("Blender 4.2.3 LTS\n\tbuild date: 2024-10-14\n", (4, 2, 3)),
        ("Blender 5.3.0 Alpha\n", (5, 3, 0)),
        ("Blender 3.4.1\n", (3, 4, 1)),
        ("Blender 4.5\n", (4, 5, 0)),
        ("Color management: using fallback mode\nBlender 4.5.1 LTS\n", (4, 5, 1)),
        ("echo (GNU coreutils) 9.1\n", None),
        ("MyBlender 4.2.0\n", None),
        ("", None),
    ],
)
def test_the_version_is_read_from_blenders_own_line(
    printed: str, version: tuple[int, int, int] | None
) -> None:
    assert parse_version(printed) == version


def test_the_least_version_is_the_manifests() -> None:
    assert least_version() == (4, 2, 0)
    assert parse_version("Blender 4.2.0 LTS") >= least_version()  # type: ignore[operator]
    assert parse_version("Blender 4.1.1") < least_version()  # type: ignore[operator]


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_what_is_not_a_supported_blender_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(EvokeError, match=r"^/bin/true is not a Blender \(.*printed 'true "):
        check_blender("/bin/true")  # GNU true answers --version with its own name
    with pytest.raises(EvokeError, match=r"^/bin/echo is not a Blender \(.*printed 'echo "):
        check_blender("/bin/echo")
    silent = _executable(tmp_path / "silent", "#!/bin/sh\nexit 3\n")
    with pytest.raises(EvokeError, match=r"is not a Blender \(.*printed nothing, exit code 3\)"):
        check_blender(str(silent))
    with pytest.raises(EvokeError, match="no such file"):
        check_blender(str(tmp_path / "blender"))
    plain = tmp_path / "plain"
    plain.write_text("not a program")
    with pytest.raises(EvokeError, match="not executable"):
        check_blender(str(plain))
    old = _executable(tmp_path / "old", "#!/bin/sh\necho 'Blender 3.4.1'\n")
    with pytest.raises(EvokeError) as refused:
        check_blender(str(old))
    assert str(refused.value) == (
        f"{old}: Blender 3.4 is older than 4.2, the least this extension supports"
    )


def test_batch_clips_refuses_a_wrong_blender_in_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clips"
    old = _executable(tmp_path / "old", "#!/bin/sh\necho 'Blender 3.4.1'\n")
    for blender, reason in (("/bin/true", "is not a Blender"), (str(old), "older than 4.2")):
        code = batch_clips.main(
            [str(tmp_path / "s01.dat"), "--out", str(out), "--blender", blender]
        )
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith("error: ") and reason in err and err.count("\n") == 1
        assert not out.exists()  # no summary, no extension build, nothing


def test_render_demo_refuses_a_wrong_blender_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = render_demo.main([str(tmp_path / "s01.dat"), "--out", str(tmp_path / "c.mp4"),
                             "--blender", "/bin/true"])  # fmt: skip
    err = capsys.readouterr().err
    assert (
        code == 2 and err.startswith("error: /bin/true is not a Blender") and err.count("\n") == 1
    )


def test_a_clips_command_in_a_blender_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLENDER_USER_RESOURCES", "/home/someone/.config/blender")  # never theirs
    settings = ClipSettings(seconds=2, start="auto", height=48, hop=1, model="/m/student.npz")
    job = ClipJob("/shared/clips", settings, blender="/opt/blender-4.2/blender",
                  extension="/shared/clips/.evoke-extension/evoke-0.1.0-linux_x64.zip")  # fmt: skip
    task = BatchTask("/data/deap/s07.dat", "s07/trial03", 3)
    staged = Path("/shared/clips/s07/.trial03.part-1/trial03.mp4")
    command, env = job.command(task, staged, tmp_path)
    assert command == [
        "/opt/blender-4.2/blender", "--background", "--factory-startup",
        "--python-exit-code", "1", "--python", str(ROOT / "scripts/evoke_tools/blender_clip.py"),
        "--",
        "/data/deap/s07.dat", "--out", str(staged), "--subject", "7", "--trial", "3",
        "--seconds", "2", "--start", "auto", "--engine", "workbench", "--height", "48",
        "--hop", "1", "--mode", "discrete", "--model", "/m/student.npz",
        "--extension", "/shared/clips/.evoke-extension/evoke-0.1.0-linux_x64.zip",
    ]  # fmt: skip
    assert env["BLENDER_USER_RESOURCES"] == str(tmp_path / "user")  # the throw-away folder
    assert env["TMPDIR"] == str(tmp_path)  # Blender's session folders go there too
    assert env == throwaway_env(tmp_path)
    # what follows `--` is exactly what the script inside Blender accepts
    args = parser().parse_args(script_arguments(command))
    assert (args.recording, args.out, args.subject, args.trial) == (task.path, str(staged), 7, 3)
    assert (args.seconds, args.height, args.extension) == (2.0, 48, job.extension)


def test_without_blender_a_clip_is_still_render_demo_in_a_python_with_bpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLENDER_USER_RESOURCES", "/home/someone/.config/blender")
    job = ClipJob("/out", ClipSettings(), python="/venv/bin/python")
    staged = Path("/out/.s01.part-1/s01.mp4")
    command, env = job.command(BatchTask("/d/s01.dat", "s01", None), staged, tmp_path)
    assert command[:5] == ["/venv/bin/python", str(ROOT / "scripts/evoke.py"), "render_demo",
                           "/d/s01.dat", "--out"]  # fmt: skip
    assert "--extension" not in command  # render_demo builds and installs it itself
    assert "BLENDER_USER_RESOURCES" not in env  # render_demo makes its own throw-away one


def test_the_script_inside_blender_imports_only_what_every_blender_has() -> None:
    """Blender's Python has the standard library, numpy and bpy; no evoke_tools, no tqdm."""
    tree = ast.parse(SCRIPT.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    top = {name.split(".")[0] for name in names}
    allowed = set(sys.stdlib_module_names) | {"__future__", "bpy", "bpy_extras", "numpy"}
    assert top <= allowed, top - allowed
    assert {"bpy", "numpy"} <= top  # it did find the imports


def test_a_binary_gets_none_of_the_bpy_modules_own_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What points into the bpy module's folder is that Blender's, not the binary's; what the user
    set (a studio's own OCIO) is kept."""
    bpy = pytest.importorskip("bpy", reason="the bpy module's folder is what is filtered")
    module = str(Path(bpy.__file__).parent)
    monkeypatch.setenv("MATERIALX_SEARCH_PATH", f"{module}/lib/materialx/libraries")
    monkeypatch.setenv("OCIO", "/studio/aces/config.ocio")
    for env in (blender_env(), throwaway_env(tmp_path)):
        assert not [k for k, v in env.items() if module in v]
        assert env["OCIO"] == "/studio/aces/config.ocio"
