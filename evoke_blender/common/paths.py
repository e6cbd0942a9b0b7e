"""Where the extension's own data is: the repository root is the extension's folder."""

from __future__ import annotations

from pathlib import Path

EXTENSION_ROOT = Path(__file__).resolve().parents[2]  # evoke_blender/common/paths.py -> root
PRESETS_PATH = EXTENSION_ROOT / "avatar_assets" / "presets.json"
