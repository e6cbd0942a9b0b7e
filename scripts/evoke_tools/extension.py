"""Build (and validate) the extension zip with Blender's own extension tool.

python scripts/evoke.py build_extension [--out dist] [--platforms current|all|linux-x64,windows-x64,...]

Blender's Python has numpy but not pylsl (live streams, LSL out), pyxdf (XDF), edfio (EDF/BDF)
or python-osc (OSC out), so their wheels ride inside the extension, one zip per platform (pylsl's wheel carries liblsl, a
native library per platform). The pins are the `live` extra in pyproject.toml, read from there.
The wheels come from the package registry at build time (cached in ./wheels), never at run time.

One zip serves every Blender from 4.2 LTS (Python 3.11, numpy 1.x) to 5.3 (Python 3.13, numpy
2.x) because every bundled wheel is tagged `py3`: Blender's tool records the Python versions of
an extension from its wheels' tags (`cp311` -> "3.11") and refuses to install it on any other
Python, so a single version-specific wheel would lock the zip to one Python. `build` checks this.
The tool itself ships in the `bpy` wheel (bl_pkg/cli/blender_ext.py).
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from evoke_tools.checkout import copy_sources
from evoke_tools.paths import ROOT
from evoke_tools.process_exit import remove_at_exit

# Blender platform -> the pip platform tag whose pylsl wheel carries liblsl (pylsl's Linux wheel
# is manylinux_2_35; its macOS wheel is universal2, liblsl for both arm64 and x86_64, so Intel
# Macs, whose last Blender is 4.5 LTS, get live mode too).
PLATFORMS = {
    "linux-x64": "manylinux_2_35_x86_64",
    "windows-x64": "win_amd64",
    "macos-arm64": "macosx_11_0_arm64",
    "macos-x64": "macosx_11_0_x86_64",
}
# What the extension is, named rather than everything minus a list: whatever else a checkout
# gathers (build/, .hypothesis/, dist/, out/, environments, caches) can never reach the zip;
# inside the parts, only what git tracks (`checkout.source_files`).
EXTENSION_PARTS = (
    "__init__.py", "blender_manifest.toml", "README.md", "avatar_assets", "evoke_blender",
    "inference",
)  # fmt: skip


def bundled_requirements() -> tuple[str, ...]:
    """The pinned libraries the extension bundles: pyproject.toml's `live` extra, one home."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return tuple(project["optional-dependencies"]["live"])


def python_tag(wheel: Path) -> str:
    """A wheel's Python tag (`py3`, `cp311`, ...), from its file name (PEP 427)."""
    return wheel.name[: -len(".whl")].split("-")[-3]


def blender_ext_tool() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("error: the bpy module is not installed (make setup installs it)")
    base = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(base.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit(f"error: Blender's extension tool was not found under {base}")
    return found[-1]


def ext_tool_command(blender: str = "") -> list[str]:
    """Blender's extension tool: the bpy module's (what the tests run), else, where only a
    Blender binary is at hand (`--blender`), that binary's own `--command extension`."""
    import importlib.util

    if blender and importlib.util.find_spec("bpy") is None:
        return [blender, "--factory-startup", "--command", "extension"]
    return [sys.executable, str(blender_ext_tool())]


def current_platform() -> str:
    system, machine = platform.system().lower(), platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "x64"
    name = {"linux": "linux", "windows": "windows", "darwin": "macos"}.get(system, system)
    return f"{name}-{arch}"


def fetch_wheels(platforms: list[str]) -> dict[str, list[Path]]:
    """Pinned wheels for each platform, downloaded once into ./wheels/<platform>/.

    Asked for as Python 3.11 wheels with `py3` accepted (no `cp3xx` one is taken: see the
    module notes), then checked: a version-specific wheel fails the build with the reason.
    """
    bundled = bundled_requirements()
    found: dict[str, list[Path]] = {}
    for name in platforms:
        folder = ROOT / "wheels" / name
        names = {w.name.split("-")[0].lower().replace("_", "-") for w in folder.glob("*.whl")}
        wanted = {r.split("==")[0].lower().replace("_", "-") for r in bundled}
        if names != wanted:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                   "--python-version", "3.11", "--implementation", "py", "--abi", "none",
                   "--platform", PLATFORMS[name], "--platform", "any", "-d", str(folder), *bundled]  # fmt: skip
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(
                    f"error: could not fetch wheels for {name}:\n{done.stderr[-2000:]}"
                )
        found[name] = sorted(folder.glob("*.whl"))
        locked = [w.name for w in found[name] if python_tag(w) not in ("py3", "py2.py3")]
        if locked:
            raise SystemExit(
                f"error: {', '.join(locked)} is built for one Python version; Blender would refuse "
                "the zip on every other Python (4.2-5.0 run 3.11, 5.1+ run 3.13)"
            )
    return found


def _stage(tmp: Path, wheels: dict[str, list[Path]], root: Path) -> Path:
    """A copy of the extension's parts of `root` with the wheels and a manifest that lists them."""
    stage = tmp / "evoke"
    stage.mkdir()
    copy_sources(root, stage, EXTENSION_PARTS)
    listed: dict[str, str] = {}  # wheel file name -> path in the stage, each wheel once (Blender's
    for name, files in wheels.items():  # tool puts a wheel in every zip whose platform it fits)
        for whl in files:
            if whl.name in listed:
                continue
            folder = "any" if whl.name.endswith("-none-any.whl") else name
            (stage / "wheels" / folder).mkdir(parents=True, exist_ok=True)
            shutil.copy2(whl, stage / "wheels" / folder / whl.name)
            listed[whl.name] = f'"./wheels/{folder}/{whl.name}"'
    listed_paths = sorted(listed.values())
    manifest = (stage / "blender_manifest.toml").read_text()
    extra = f"platforms = [{', '.join(repr(p).replace(chr(39), chr(34)) for p in wheels)}]\n"
    extra += "wheels = [\n  " + ",\n  ".join(listed_paths) + ",\n]\n"
    (stage / "blender_manifest.toml").write_text(
        manifest.replace("\n[permissions]", f"\n{extra}\n[permissions]", 1)
    )
    return stage


def _run(cmd: list[str], verbose: bool) -> None:
    done = subprocess.run(cmd, capture_output=not verbose, text=True)
    if done.returncode != 0:
        step = next((c for c in cmd if c in ("validate", "build")), cmd[0])
        raise SystemExit(
            f"error: the extension tool's {step} failed:\n{(done.stdout or '')[-3000:]}{(done.stderr or '')[-2000:]}"
        )


def build(
    out: Path,
    platforms: list[str] | None = None,
    *,
    verbose: bool = False,
    root: Path = ROOT,
    blender: str = "",
) -> list[Path]:
    """Validate and build the extension in `root` (a checkout); returns the zips (one per
    platform). `blender`: a Blender binary whose tool builds it where there is no bpy module."""
    tool = ext_tool_command(blender)
    platforms = platforms or [current_platform()]
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        raise SystemExit(f"error: unknown platform(s) {unknown}; known: {', '.join(PLATFORMS)}")
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        stage = _stage(Path(tmp), fetch_wheels(platforms), root)
        fresh = Path(tmp) / "zips"  # this build's zips only: older ones in `out` are not ours
        fresh.mkdir()
        _run([*tool, "validate", str(stage)], verbose)
        _run([*tool, "build", "--split-platforms", "--source-dir", str(stage),
              "--output-dir", str(fresh)], verbose)  # fmt: skip
        for zip_path in sorted(fresh.glob("evoke-*.zip")):
            check_zip(zip_path)
            made.append(Path(shutil.move(zip_path, out / zip_path.name)))
    return made


def check_zip(zip_path: Path) -> None:
    """Each zip holds exactly one `py3` wheel of every bundled library: two pylsl wheels would
    overwrite each other at install, and a version-specific one locks the zip to one Python."""
    import zipfile

    wheels = [Path(n) for n in zipfile.ZipFile(zip_path).namelist() if n.endswith(".whl")]

    def normal(name: str) -> str:  # PEP 503: python_osc (a wheel's file) is python-osc
        return re.sub(r"[-_.]+", "-", name).lower()

    names = sorted(normal(w.name.split("-")[0]) for w in wheels)
    wanted = sorted(normal(r.split("==")[0]) for r in bundled_requirements())
    if names != wanted or any(python_tag(w) not in ("py3", "py2.py3") for w in wheels):
        raise SystemExit(f"error: {zip_path.name} holds {[w.name for w in wheels]}; wanted one py3 "
                         f"wheel each of {', '.join(wanted)}")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", default=str(ROOT / "dist"))
    ap.add_argument(
        "--platforms",
        default="current",
        help="current, all, or a comma list of " + ", ".join(PLATFORMS),
    )
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    chosen = {"current": [current_platform()], "all": list(PLATFORMS)}.get(
        args.platforms
    ) or args.platforms.split(",")
    for path in build(Path(args.out), chosen, verbose=args.verbose):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


def install_for_script(purpose: str) -> Path:
    """For headless scripts: build, then install into a throw-away Blender user folder, the
    official way. Returns the zip. Must run before anything imports bpy (Blender reads the
    folder's location once, at import). The zip, the user folder (unless BLENDER_USER_RESOURCES
    names one) and Blender's own session folders share one temporary folder, removed at exit."""
    import os

    work = Path(tempfile.mkdtemp(prefix=f"evoke-{purpose}-"))
    remove_at_exit(work)
    os.environ.setdefault("BLENDER_USER_RESOURCES", str(work / "user"))
    os.environ["TMPDIR"] = str(work)  # where Blender makes its session folders
    import bpy  # noqa: F401  (Blender reads the user folder now)

    from evoke_tools.blender_clip import install

    (zip_path,) = build(work / "dist")
    install(zip_path)
    return zip_path
