"""The fixed catalogue of bad and hostile inputs (`scripts/evoke.py hostile_inputs`, the README's
figures): every one handled, each within its memory budget and time limit."""

from __future__ import annotations

import pytest
from evoke_tools.hostile import CASES, run_catalogue


@pytest.mark.slow
def test_every_hostile_input_is_handled() -> None:
    rows = run_catalogue()
    assert len(rows) == len(CASES) >= 100
    bad = [(r["case"], r["detail"]) for r in rows if r["status"] == "mishandled"]
    assert bad == []
    # the refusals are refusals, not accidental successes
    assert sum(r["status"] == "error" for r in rows) >= 95
    assert max(r["seconds"] for r in rows) < 30
