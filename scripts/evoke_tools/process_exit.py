"""Leaving a process that imported Blender's `bpy` module.

bpy 4.x from the package registry can hang for ever after Python has finalised: a C++ static
destructor in its audio code destroys a condition variable that bpy's own device-closing thread
still waits on, whenever the module is still referenced at interpreter teardown (seen with bpy
4.5 at the end of the test session; not seen on 5.0 and later). By then the program's work is
done and written, so a program that imported bpy flushes its output and leaves with os._exit.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def leave(code: int | None) -> NoReturn:
    """sys.exit(code), skipping C++ teardown once bpy was imported."""
    if "bpy" not in sys.modules:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)
