"""The one registry of the hostile-input catalogue: each case registers itself by name.

The cases live by input kind in `evoke_tools.hostile_recordings` (DEAP, CSV, XDF, EDF/BDF) and
`evoke_tools.hostile_models` (models, emotion tables, options); `evoke_tools.hostile` imports both,
which fills CASES, and runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# A case makes its input in a folder: (argv, the input file or None, what an error must name or
# None for the input file).
Case = Callable[[Path], tuple[list[str], Path | None] | tuple[list[str], Path | None, str]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    """Register a case under its name: the name is what the report and --only go by."""

    def register(fn: Case) -> Case:
        CASES[name] = fn
        return fn

    return register


def _predict(path: Path, *extra: str) -> list[str]:
    return ["predict", str(path), "--json", *extra]


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
