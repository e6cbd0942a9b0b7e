"""The packaging rule that lets one zip install on every supported Blender: each bundled library
once, as a `py3` wheel (Blender's tool reads Python versions from wheel tags and refuses a zip on
any Python its wheels do not name). Installing on Python 3.11 and 3.13 Blenders is tested by the
Blender suite running in each environment."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from evoke_tools.extension import bundled_requirements, check_zip, python_tag


def _zip(path: Path, wheels: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("blender_manifest.toml", "")
        for name in wheels:
            z.writestr(f"wheels/any/{name}", b"")
    return path


def _good() -> list[str]:
    # as wheels spell their names: python-osc's file is python_osc-1.10.2-py3-none-any.whl
    return [
        f"{r.split('==')[0].replace('-', '_')}-{r.split('==')[1]}-py3-none-any.whl"
        for r in bundled_requirements()
    ]


def test_bundled_libraries_are_the_live_extra() -> None:
    names = {r.split("==")[0] for r in bundled_requirements()}
    assert names == {"pylsl", "pyxdf", "edfio", "python-osc"}
    assert all("==" in r for r in bundled_requirements())  # pinned


def test_python_tag_of_wheel_names() -> None:
    assert python_tag(Path("pyxdf-1.16.8-py2.py3-none-any.whl")) == "py2.py3"
    assert python_tag(Path("x-1-cp311-cp311-win_amd64.whl")) == "cp311"


def test_check_zip_accepts_one_py3_wheel_each(tmp_path: Path) -> None:
    check_zip(_zip(tmp_path / "ok.zip", _good()))


def test_check_zip_refuses_a_version_specific_wheel(tmp_path: Path) -> None:
    wheels = [*_good()[:-1], _good()[-1].replace("py3-none-any", "cp311-cp311-win_amd64")]
    with pytest.raises(SystemExit, match="one py3 wheel each"):
        check_zip(_zip(tmp_path / "cp.zip", wheels))


def test_check_zip_refuses_a_library_twice(tmp_path: Path) -> None:
    twice = [*_good(), _good()[0].replace("any", "manylinux_2_35_x86_64")]
    with pytest.raises(SystemExit, match="one py3 wheel each"):
        check_zip(_zip(tmp_path / "two.zip", twice))


# what a checkout gathers after `make test`, a demo and a wheel build: none of it is the extension
_LEFTOVERS = (
    "build/lib/inference/cli.py", ".hypothesis/examples/0/1", "dist/evoke-0.0.1.zip",
    "out/demo.mp4", "runs/fold-1/config.json", "data/s01.dat", ".pytest_cache/v/x",
    ".mypy_cache/3.11/x.json", ".ruff_cache/x", ".venv-b42/bin/python", "evoke_blender.egg-info/x",
    "inference/__pycache__/cli.cpython-311.pyc", "inference/.hypothesis/x", "tests/conftest.py",
    "scripts/evoke.py demo", "docs/ARCHITECTURE.md",
)  # fmt: skip


@pytest.mark.slow
def test_the_zip_holds_the_extension_alone_whatever_the_checkout_holds(tmp_path: Path) -> None:
    """Built with Blender's own tool from a copy of the checkout full of leftovers."""
    from evoke_tools.extension import EXTENSION_PARTS, build  # Blender's tool: bpy, always set up
    from evoke_tools.paths import ROOT

    tree = tmp_path / "checkout"
    tree.mkdir()
    for part in EXTENSION_PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, tree / part)
        else:
            shutil.copy2(ROOT / part, tree / part)
    for leftover in _LEFTOVERS:
        (tree / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tree / leftover).write_bytes(b"x" * 100)
    (zip_path,) = build(tmp_path / "zips", root=tree)
    names = zipfile.ZipFile(zip_path).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {*EXTENSION_PARTS, "wheels"}
    assert not [n for n in names if "__pycache__" in n or ".hypothesis" in n or n.endswith(".pyc")]
    assert "inference/cli.py" in names and "evoke_blender/__init__.py" in names


def _git_checkout(tree: Path) -> None:
    """`tree` as a git checkout whose index holds every file now in it (no commit needed)."""
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True)


@pytest.mark.slow
def test_a_checkout_ships_what_git_tracks_and_dist_keeps_older_zips(tmp_path: Path) -> None:
    """In a git checkout only tracked files ship (scratch files, `*~`, `*.orig` lying in the
    parts never do; an edit to a tracked file does), and `dist/` holding an older zip and a
    non-zip named like one neither fails the build nor is checked, returned or touched."""
    from evoke_tools.checkout import source_files
    from evoke_tools.extension import EXTENSION_PARTS, build
    from evoke_tools.paths import ROOT

    tree = tmp_path / "checkout"
    for relative in source_files(ROOT, EXTENSION_PARTS):
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, tree / relative)
    _git_checkout(tree)
    scratch = ("scratch_test.npz", "inference/io/edf.py~", "evoke_blender/bake/ops.py.orig",
               "inference/scratch_test.npz", "evoke_blender/notes.txt")  # fmt: skip
    for name in scratch:
        (tree / name).write_bytes(b"scratch")
    edited = tree / "inference" / "limits.py"
    edited.write_text(edited.read_text() + "\n# edited, not committed\n")
    dist = tmp_path / "dist"
    dist.mkdir()
    old_zip = dist / "evoke-0.0.1-linux_x64.zip"
    with zipfile.ZipFile(old_zip, "w") as z:  # an older build: no wheels at all
        z.writestr("blender_manifest.toml", "")
    not_a_zip = dist / "evoke-broken.zip"
    not_a_zip.write_bytes(b"not a zip")
    made = build(dist, root=tree)
    assert len(made) == 1 and made[0].parent == dist and made[0] not in (old_zip, not_a_zip)
    assert old_zip.is_file() and not_a_zip.read_bytes() == b"not a zip"
    with zipfile.ZipFile(made[0]) as z:
        names = set(z.namelist())
        assert b"# edited, not committed" in z.read("inference/limits.py")
    assert not [n for n in scratch if n in names], sorted(names)
    assert not [n for n in names if n.endswith(("~", ".orig", ".npz.orig", "notes.txt"))]
    assert "inference/io/edf.py" in names and "evoke_blender/bake/ops.py" in names
