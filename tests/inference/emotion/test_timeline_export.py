"""The timeline writer the CLI and the Blender extension share: CSV, JSON, the stored form."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from evoke_tools.paths import ROOT

from inference.emotion.timeline_export import (
    COLUMNS,
    decode,
    encode,
    format_of,
    render,
    to_csv,
    to_json,
)
from inference.errors import InputError

ROWS: list[dict[str, Any]] = [
    {"trial": 3, "t": 0.0, "valence": 0.5123, "arousal": 0.25, "dominance": 0.0001,
     "emotion": "happiness", "confidence": 0.9, "valid": True},
    {"trial": 3, "t": 0.25, "valence": 1.0, "arousal": 0.0, "dominance": 0.75,
     "emotion": "anger, hot", "confidence": 0.0, "valid": False},
]  # fmt: skip


def test_json_is_the_row_objects_in_column_order() -> None:
    text = to_json(ROWS)
    assert text.endswith("]\n") and text.count("\n") == 1
    assert json.loads(text) == ROWS
    assert list(json.loads(text)[0]) == list(COLUMNS)


def test_csv_has_the_columns_and_reads_back() -> None:
    text = to_csv(ROWS)
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1] == "3,0.0,0.5123,0.25,0.0001,happiness,0.9,true"
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[1]["emotion"] == "anger, hot" and parsed[1]["valid"] == "false"
    assert render(ROWS, "csv") == text and render(ROWS, "json") == to_json(ROWS)


def test_the_stored_form_round_trips_and_refuses_damage() -> None:
    stored = encode(ROWS)
    assert decode(stored) == ROWS
    assert len(stored) < len(to_json(ROWS))  # compact: the column names once
    document = json.loads(stored)
    for broken in (
        "not json",
        json.dumps({**document, "format": "something else"}),
        json.dumps({**document, "columns": list(reversed(COLUMNS))}),
        json.dumps({**document, "rows": [[3, 0.0]]}),
        json.dumps({**document, "rows": [[True, 0, 0, 0, 0, "x", 0, True]]}),
        json.dumps({**document, "rows": [[3, "0", 0, 0, 0, "x", 0, True]]}),
    ):
        with pytest.raises(InputError, match="Face's timeline"):
            decode(broken, "Face's timeline")


def test_rows_with_nan_or_missing_columns_are_refused() -> None:
    with pytest.raises(InputError):
        to_json([{**ROWS[0], "valence": float("nan")}])
    with pytest.raises(InputError):
        to_csv([{k: v for k, v in ROWS[0].items() if k != "valid"}])


def test_format_by_extension() -> None:
    assert format_of("a/b.CSV") == "csv" and format_of(Path("x.json")) == "json"
    with pytest.raises(InputError, match=r"\.csv or \.json"):
        format_of("timeline.txt")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "inference", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_cli_csv_is_the_json_rows(deap_two_trials: Path) -> None:
    as_json = cli("predict", str(deap_two_trials), "--trial", "2", "--json")
    as_csv = cli("predict", str(deap_two_trials), "--trial", "2", "--csv")
    assert as_json.returncode == 0 and as_csv.returncode == 0, as_json.stderr + as_csv.stderr
    rows = json.loads(as_json.stdout)
    assert len(rows) > 50 and {r["trial"] for r in rows} == {2}
    assert as_csv.stdout == to_csv(rows)
    both = cli("predict", str(deap_two_trials), "--json", "--csv")
    assert both.returncode == 2 and "not allowed with" in both.stderr
