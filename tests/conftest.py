"""Shared fixtures: synthetic DEAP-format files written by the project's own generator."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from evoke_tools.paths import LOOPBACK_CONFIG
from evoke_tools.process_exit import leave

# One folder in the system's temp dir for the session, removed at its end (pytest_unconfigure):
# Blender keeps extensions and preferences per user, so the session gets its own user folder
# (before any test imports bpy: installing the extension never touches the developer's Blender);
# Blender's session folders and those of the scripts the tests run go there too (TMPDIR).
SESSION_TMP = Path(tempfile.mkdtemp(prefix="evoke-tests-"))  # pytest's own tmp_path stays put
os.environ.setdefault("BLENDER_USER_RESOURCES", str(SESSION_TMP / "blender-user"))
os.environ["TMPDIR"] = str(SESSION_TMP)
# LSL stays on this machine in every test (liblsl reads this once, at its first use).
os.environ.setdefault("LSLAPICFG", str(LOOPBACK_CONFIG))


@pytest.fixture(scope="session")
def deap_two_trials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DEAP-format s01.dat with 2 trials (same layout as the real 40)."""
    from evoke_tools.synthetic import write_deap_folder

    folder = tmp_path_factory.mktemp("deap2")
    write_deap_folder(folder, subjects=1, seed=11, n_trials=2)
    return folder / "s01.dat"


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Once every report is written: a session that imported bpy leaves without bpy 4.x's C++
    teardown, which can hang for ever (evoke_tools.process_exit says why; CI ran out of time on
    it once)."""
    shutil.rmtree(SESSION_TMP, ignore_errors=True)
    if _exit_status and "bpy" in sys.modules:
        leave(_exit_status[-1])


EXTENSION_MODULE = "bl_ext.user_default.evoke"


@pytest.fixture
def installed(_installed_once: Path) -> Path:
    """The extension, installed and enabled (a test that reset Blender's preferences, such as
    read_factory_settings, disables add-ons: enable it again, as a user would)."""
    import addon_utils
    import bpy

    if EXTENSION_MODULE not in bpy.context.preferences.addons:
        addon_utils.enable(EXTENSION_MODULE, default_set=True)
    return _installed_once


@pytest.fixture(scope="session")
def _installed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension built with Blender's own tool and installed the official way."""
    import bpy
    from evoke_tools.extension import build

    out = tmp_path_factory.mktemp("dist")
    (zip_path,) = build(out)
    result = bpy.ops.extensions.package_install_files(
        filepath=str(zip_path), repo="user_default", enable_on_install=True
    )
    assert result == {"FINISHED"}
    return zip_path
