"""The packaging rule that lets one zip install on every supported Blender: each bundled library
once, as a `py3` wheel (Blender's tool reads Python versions from wheel tags and refuses a zip on
any Python its wheels do not name). Installing on Python 3.11 and 3.13 Blenders is tested by the
Blender suite running in each environment."""

from __future__ import annotations

import shutil
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
    "scripts/demo.py", "docs/ARCHITECTURE.md",
)  # fmt: skip


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
