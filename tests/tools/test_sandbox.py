"""The sandbox judges a case by the CPU time it spends, not by the wall clock: a loaded machine
(CI on two busy cores) stretches the wall clock of a case, and must not make it 'mishandled'; a
case that works past the limit is (however slowly the machine runs it), and one that waits for
ever is killed once its CPU time has not grown for HANG_FACTOR x the limit."""

from __future__ import annotations

import time
from typing import Any

from evoke_tools.sandbox import run_here


def _waits(seconds: float) -> Any:
    def run(_argv: list[str]) -> dict[str, Any]:
        time.sleep(seconds)  # as a case does on a machine too busy to run it: no CPU of its own
        return {"status": "ok", "detail": "done"}

    return run


def _works_for_ever(_argv: list[str]) -> dict[str, Any]:
    while True:
        pass


def test_a_case_slowed_by_the_machine_is_handled() -> None:
    outcome = run_here(_waits(1.5), [], None, timeout=1.0)  # 1.5 s of wall, ~0 s of CPU
    assert outcome.status == "ok" and outcome.seconds < 0.5, outcome


def test_a_case_that_works_past_the_limit_is_killed_however_slow_the_machine() -> None:
    outcome = run_here(_works_for_ever, [], None, timeout=1.0)
    assert outcome.status == "mishandled", outcome
    assert "s of CPU, over the 1 s limit" in outcome.detail and outcome.seconds > 1.0


def test_a_case_that_waits_for_ever_is_killed() -> None:
    outcome = run_here(_waits(600.0), [], None, timeout=0.5)
    assert outcome.status == "mishandled" and outcome.seconds < 0.5
    assert "no work done for" in outcome.detail, outcome
