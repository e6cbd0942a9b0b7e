"""Emotion tables and presets are both small JSON documents keyed by an 'emotions' entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

from ..errors import InputError
from ..io.safe_files import load_json


class EmotionDocument:
    """Read from a bounded JSON file, then checked entry by entry by the class's `from_dict`."""

    what: ClassVar[str]

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return cls.from_dict(load_json(path, cls.what), source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str) -> Self:
        raise NotImplementedError


def emotions_entry(data: Any, kind: type[list[Any]] | type[dict[str, Any]], source: str) -> Any:
    """The document's non-empty 'emotions' list (tables) or mapping (presets)."""
    entries = data.get("emotions") if isinstance(data, dict) else None
    if not isinstance(entries, kind) or not entries:
        shape = "list" if kind is list else "mapping"
        raise InputError(f"{source}: expected an object with a non-empty 'emotions' {shape}")
    return entries
