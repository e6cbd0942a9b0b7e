"""A Blender binary the user names (`--blender PATH`) as the renderer of clips.

It is checked once, before any work: a wrong path would otherwise fail every clip of a batch,
one Blender start at a time. A clip runs `blender_clip.py` in it, in the background, with the
factory settings (the user's startup file and preferences never shape a clip) and a throw-away
user folder (the extension is installed there, never into the user's own Blender).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from evoke_tools.paths import ROOT
from inference.errors import EvokeError

SCRIPT = ROOT / "scripts" / "evoke_tools" / "blender_clip.py"  # what runs inside Blender
VERSION_TIMEOUT_S = 120.0  # `blender --version` takes about a second; a guard against a hang


def least_version() -> tuple[int, ...]:
    """The oldest Blender the extension installs on: the manifest's `blender_version_min`."""
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    return tuple(int(part) for part in manifest["blender_version_min"].split("."))


def parse_version(text: str) -> tuple[int, int, int] | None:
    """(4, 2, 3) from `blender --version`'s "Blender 4.2.3 LTS" line; None when no line is one."""
    found = re.search(r"^\s*Blender (\d+)\.(\d+)(?:\.(\d+))?\b", text, re.MULTILINE)
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


def check_blender(path: str) -> str:
    """The executable `path` names (a path, or a name on PATH) when it is a Blender this
    extension supports; an EvokeError with the reason otherwise."""
    found = shutil.which(path)
    if found is None:
        if Path(path).is_file():
            raise EvokeError(f"--blender {path}: not executable")
        raise EvokeError(f"--blender {path}: no such file")
    try:
        done = subprocess.run([found, "--version"], capture_output=True, text=True,
                              timeout=VERSION_TIMEOUT_S, stdin=subprocess.DEVNULL,
                              env=blender_env())  # fmt: skip
    except subprocess.TimeoutExpired:
        raise EvokeError(
            f"{path} is not a Blender ('{path} --version' gave no answer in "
            f"{VERSION_TIMEOUT_S:g} s)"
        ) from None
    except OSError as exc:
        raise EvokeError(f"--blender {path}: cannot run it ({exc.strerror or exc})") from None
    version = parse_version(done.stdout)
    if version is None:
        said = (done.stdout.strip() or done.stderr.strip()).splitlines()
        raise EvokeError(
            f"{path} is not a Blender ('{path} --version' printed "
            f"{said[0][:80]!r} and exit code {done.returncode})"
            if said
            else f"{path} is not a Blender ('{path} --version' printed nothing, "
            f"exit code {done.returncode})"
        )
    least = least_version()
    if version[: len(least)] < least:
        raise EvokeError(
            f"{path}: Blender {version[0]}.{version[1]} is older than "
            f"{'.'.join(map(str, least[:2]))}, the least this extension supports"
        )
    return found


def script_command(blender: str, script: Path, args: list[str]) -> list[str]:
    """Run `script` with `args` in Blender: no window, factory settings, and a nonzero exit
    code when the script raises (Blender's own exit code is 0 whatever a script does)."""
    return [blender, "--background", "--factory-startup", "--python-exit-code", "1",
            "--python", str(script), "--", *args]  # fmt: skip


def blender_env() -> dict[str, str]:
    """The environment a Blender binary is started with, always given explicitly.

    A process that imported the `bpy` module carries that Blender's own settings: OCIO set at
    the C level (unseen by os.environ, inherited by a child started without `env`) and the
    MaterialX paths, all into the module's folder. A Blender of another version aborts on that
    colour configuration (seen: Debian's 3.4 under bpy 5.3's, OCIO 2.1 against a 2.5 config),
    so a binary gets os.environ as Python sees it, less what points into the bpy module."""
    spec = importlib.util.find_spec("bpy")
    module = str(Path(spec.origin).parent) if spec and spec.origin else None
    return {k: v for k, v in os.environ.items() if module is None or module not in v}


def throwaway_env(folder: Path) -> dict[str, str]:
    """This environment with Blender's user files (the installed extension, preferences) and
    its session folders in `folder`, which the caller removes."""
    env = {k: v for k, v in blender_env().items() if k != "BLENDER_USER_RESOURCES"}
    env["BLENDER_USER_RESOURCES"] = str(folder / "user")
    env["TMPDIR"] = str(folder)
    return env


def extension_zip(folder: Path, blender: str) -> Path:
    """The extension built once for every clip (this machine's platform): a Blender binary
    installs it from this zip, as a user would."""
    from evoke_tools.extension import build, current_platform

    (zip_path,) = build(folder, [current_platform()], blender=blender)
    return zip_path


def render_in_binary(blender: str, clip: list[str]) -> int:
    """render_demo --blender: one clip made by `blender_clip` inside the binary, with its output
    on this terminal; the zip, the user folder and Blender's session folders are removed after."""
    try:
        found = check_blender(blender)
    except EvokeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="evoke-demo-") as tmp:
        zip_path = extension_zip(Path(tmp) / "dist", found)
        command = script_command(found, SCRIPT, [*clip, "--extension", str(zip_path)])
        return subprocess.run(command, env=throwaway_env(Path(tmp))).returncode
