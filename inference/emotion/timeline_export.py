"""An emotion timeline's rows as text: CSV and JSON for people and tools, and the compact form a
Blender bake keeps on the face. One writer for `python -m inference predict --json/--csv` and
the extension's Export Timeline button, so the two always agree.

A row is what `TrialTimeline.rows` gives: the columns below, numbers already rounded (4 places).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError

COLUMNS = ("trial", "t", "valence", "arousal", "dominance", "emotion", "confidence", "valid")
FORMATS = {".csv": "csv", ".json": "json"}  # file extension -> format
STORED_FORMAT, STORED_VERSION = "evoke-timeline", 1
_NUMBERS = ("t", "valence", "arousal", "dominance", "confidence")

Row = dict[str, Any]


def to_json(rows: Sequence[Row]) -> str:
    """A JSON list of row objects on one line (always valid JSON: no NaN), newline-terminated."""
    return json.dumps([_checked(row) for row in rows], indent=None, allow_nan=False) + "\n"


def to_csv(rows: Sequence[Row]) -> str:
    """A header of the columns, then one line per row; `valid` as true/false, as in JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        row = _checked(row)
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue()


def format_of(path: str | Path) -> str:
    """'csv' or 'json', from a file name's extension."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"{Path(path).name}: choose a .csv or .json file name for the timeline")
    return fmt


def render(rows: Sequence[Row], fmt: str) -> str:
    if fmt not in FORMATS.values():
        raise ValueError(f"unknown timeline format {fmt!r}; known: {', '.join(FORMATS.values())}")
    return to_csv(rows) if fmt == "csv" else to_json(rows)


def encode(rows: Sequence[Row]) -> str:
    """The compact form kept with a bake: the columns once, then each row as a list."""
    data = [[_checked(row)[c] for c in COLUMNS] for row in rows]
    document = {
        "format": STORED_FORMAT,
        "version": STORED_VERSION,
        "columns": list(COLUMNS),
        "rows": data,
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


def decode(text: str, source: str = "timeline") -> list[Row]:
    """Rows back from `encode`'s text; a damaged or foreign text is an InputError naming `source`."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{source}: the stored timeline is not JSON ({exc})") from None
    if (
        not isinstance(document, dict)
        or document.get("format") != STORED_FORMAT
        or document.get("version") != STORED_VERSION
        or document.get("columns") != list(COLUMNS)
        or not isinstance(document.get("rows"), list)
    ):
        raise InputError(f"{source}: the stored timeline is not an {STORED_FORMAT} v1 document")
    rows: list[Row] = []
    for number, values in enumerate(document["rows"], start=1):
        if not isinstance(values, list) or len(values) != len(COLUMNS):
            raise InputError(f"{source}: stored timeline row {number} is malformed")
        rows.append(_checked(dict(zip(COLUMNS, values, strict=True)), f"{source} row {number}"))
    return rows


def _checked(row: Row, where: str = "timeline row") -> Row:
    """The row's columns, in order, each of its type: anything else is refused, not written."""
    try:
        out = {c: row[c] for c in COLUMNS}
    except (KeyError, TypeError):
        raise InputError(f"{where}: expected the columns {', '.join(COLUMNS)}") from None
    good = (
        isinstance(out["trial"], int)
        and not isinstance(out["trial"], bool)
        and isinstance(out["emotion"], str)
        and isinstance(out["valid"], bool)
        and all(_finite(out[c]) for c in _NUMBERS)
    )
    if not good:
        raise InputError(f"{where}: a value is missing, of the wrong type, NaN or infinite")
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
