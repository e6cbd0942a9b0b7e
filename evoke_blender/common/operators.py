"""What every operator shares: the scene's settings, and errors as one report, never a traceback."""

from __future__ import annotations

import traceback
from typing import Any, Literal

from ...inference.errors import EvokeError

OperatorResult = set[Literal["RUNNING_MODAL", "CANCELLED", "FINISHED", "PASS_THROUGH", "INTERFACE"]]


def settings(context: Any) -> Any:
    return context.scene.evoke


def guarded(op: Any, work: Any) -> OperatorResult:
    """Run `work`; turn our errors into one clear report and anything else into a short one."""
    try:
        result: OperatorResult = work()
        return result
    except (EvokeError, ValueError, OSError) as exc:
        op.report({"ERROR"}, str(exc))
    except Exception as exc:  # never a traceback dialog: log it, tell the user briefly
        traceback.print_exc()
        op.report(
            {"ERROR"}, f"EVOKE: unexpected {type(exc).__name__}: {exc} (details in the console)"
        )
    return {"CANCELLED"}
