"""Leaving a process that imported Blender's `bpy` module.

bpy 4.x from the package registry can hang for ever after Python has finalised: a C++ static
destructor in its audio code destroys a condition variable that bpy's own device-closing thread
still waits on, whenever the module is still referenced at interpreter teardown (seen with bpy
4.5 at the end of the test session; not seen on 5.0 and later). By then the program's work is
done and written, so a program that imported bpy flushes its output and leaves with os._exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

_REMOVE: list[Path] = []


def remove_at_exit(folder: Path) -> None:
    """Remove `folder` when the process ends, by sys.exit or by `leave` (whose os._exit skips
    atexit): a script's Blender user folder and zip must not pile up in the system's temp dir."""
    if not _REMOVE:
        atexit.register(_remove)
    _REMOVE.append(folder)


def _remove() -> None:
    while _REMOVE:
        shutil.rmtree(_REMOVE.pop(), ignore_errors=True)


def leave(code: int | None) -> NoReturn:
    """sys.exit(code), skipping C++ teardown once bpy was imported."""
    if "bpy" not in sys.modules:
        sys.exit(code)
    logging.shutdown()
    _remove()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)
