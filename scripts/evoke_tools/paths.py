"""Where things are in a checkout: the tools run from the repository, never from an install."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # scripts/evoke_tools/paths.py -> the repository
if not (ROOT / "blender_manifest.toml").is_file() or not (ROOT / "scripts").is_dir():
    # a copy outside a checkout (site-packages) would otherwise build, write and read elsewhere
    raise ImportError(f"evoke_tools runs from a checkout of EVOKE; {ROOT} is not one")
LOOPBACK_CONFIG = (
    ROOT / "tests" / "lsl_loopback.cfg"
)  # LSL on this machine only (tests, --loopback)
PRESETS_PATH = ROOT / "avatar_assets" / "presets.json"
