"""What every operator shares: the scene's settings, and errors as one report, never a traceback."""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any, Literal

from ...inference.errors import EvokeError, one_line
from ...inference.limits import MAX_MESSAGE_CHARS

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root

OperatorResult = set[Literal["RUNNING_MODAL", "CANCELLED", "FINISHED", "PASS_THROUGH", "INTERFACE"]]


def say(op: Any, level: set[str], text: object) -> None:
    """A report as one printable, bounded line (as the command line prints it): a file name with
    a newline or 10 KB of channel labels can neither forge a line nor flood the status bar."""
    op.report(level, one_line(text, MAX_MESSAGE_CHARS))


def settings(context: Any) -> EVOKE_PG_root:
    return context.scene.evoke


def guarded(op: Any, work: Any) -> OperatorResult:
    """Run `work`; turn our errors into one clear report and anything else into a short one."""
    try:
        result: OperatorResult = work()
        return result
    except (EvokeError, ValueError, OSError) as exc:
        say(op, {"ERROR"}, exc)
    except Exception as exc:  # never a traceback dialog: log it, tell the user briefly
        traceback.print_exc()
        say(
            op, {"ERROR"}, f"EVOKE: unexpected {type(exc).__name__}: {exc} (details in the console)"
        )
    return {"CANCELLED"}
