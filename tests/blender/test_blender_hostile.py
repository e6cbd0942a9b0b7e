"""The hostile catalogue (`evoke_tools.hostile`) through Blender's Bake button, as a user would
meet it: each bad file chosen in the panel, with the options the command line case gives it set
on the panel's fields, and baked onto an avatar. Each case runs in a child forked from this
Blender, under the command line's memory budget and time limit (`evoke_tools.sandbox.run_here`).

Handled means what it means for the command line: the bake finishes, or the operator reports one
line of error that names the file, with no "unexpected" error (which means a traceback in the
console), within 30 s and the memory budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy
import pytest
from evoke_tools.hostile import CASES
from evoke_tools.sandbox import Outcome, run_here

# options of `inference predict` and the panel field each is; the add-on has no field for an
# emotion table (a model file carries its own), and JSON output and `model-info` are the command
# line's alone: the cases that need them stay with the command line's own run (test_hostile.py)
FIELDS = {"--rate": "bake.csv_rate", "--channel-map": "common.channel_map",
          "--model": "common.model_path", "--trial": "bake.trial", "--hop": "common.hop",
          "--tau": "smoothing.tau", "--hysteresis": "smoothing.hysteresis",
          "--dwell": "smoothing.dwell", "--montage": "common.montage",
          "--stream": "bake.xdf_stream", "--evidence": "smoothing.evidence",
          "--switch": "smoothing.switch_s", "--confidence": "smoothing.confidence",
          "--smoother": "smoothing.smoother", "--adapt": "common.adapt",
          "--outlier-z": "common.outlier_z", "--calibration": "common.calibration",
          "--board": "bake.board"}  # fmt: skip
COMMAND_LINE_ONLY = {"--emotions"}

# Python 3.13 warns on every fork of a process with threads (Blender has its own). The child only
# runs Python and numpy, and a child stuck on a lock another thread held would get no answer back
# within the time limit: the case is then judged mishandled and the test fails, it does not hang.
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)


def panel_settings(argv: list[str]) -> dict[str, Any] | None:
    """The panel's fields for a `predict` command line; None where the panel cannot say it."""
    if argv[0] != "predict":
        return None
    settings: dict[str, Any] = {"bake.source_path": argv[1]}
    rest = [a for a in argv[2:] if a != "--json"]
    while rest:
        option = rest.pop(0)
        if option in COMMAND_LINE_ONLY:
            return None
        if option == "--calibration-span":  # the panel's Baseline: Seconds, From and To
            settings["bake.baseline"] = "span"
            settings["bake.baseline_from"], settings["bake.baseline_to"] = rest.pop(0), rest.pop(0)
            continue
        if option == "--between":
            settings["bake.span_start"], settings["bake.span_end"] = (
                int(rest.pop(0)),
                int(rest.pop(0)),
            )
            continue
        if option not in FIELDS:
            raise AssertionError(f"a catalogue option this test does not know: {option}")
        settings[FIELDS[option]] = rest.pop(0)
    return settings


def bake_with(argv: list[str]) -> dict[str, Any]:
    """In the forked child: the panel filled in, Bake pressed; what came of it."""
    s = bpy.context.scene.evoke
    for path, text in panel_settings(argv).items():  # type: ignore[union-attr]
        group, field = path.split(".")  # "group.setting" under scene.evoke
        kind = type(getattr(getattr(s, group), field))
        try:
            setattr(getattr(s, group), field, kind(text) if kind is not str else text)
        except (TypeError, ValueError, OverflowError) as exc:  # the field itself refuses it
            return {"status": "ok", "detail": f"the field {field} refuses {text!r}: {exc}"}
    try:
        result = bpy.ops.evoke.bake()
    except RuntimeError as exc:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        message = lines[0].removeprefix("Error:").strip() if lines else ""
        if len(lines) != 1 or "unexpected" in message:
            return {"status": "mishandled", "detail": f"reported: {str(exc)[:300]}"}
        return {"status": "error", "detail": message}
    return {"status": "ok" if result == {"FINISHED"} else "mishandled", "detail": str(result)}


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(__import__("os"), "fork"), reason="the cases run in forked children"
)
def test_every_hostile_file_baked_in_blender_is_handled(installed: Path, tmp_path: Path) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.ops.evoke.add_avatar() == {"FINISHED"}
    bpy.context.scene.evoke.common.target = bpy.context.active_object
    outcomes: dict[str, Outcome] = {}
    command_line_only: list[str] = []
    for name, make in CASES.items():
        folder = tmp_path / f"case{len(outcomes) + len(command_line_only)}"
        folder.mkdir()
        made = make(folder)
        if panel_settings(made[0]) is None:
            command_line_only.append(name)
            continue
        # a bad option's error names the option on the command line; in the panel, the field
        # (its word: "rate", "hop") or the file it was used on
        option = made[2] if len(made) > 2 else None
        names = (option.lstrip("-"), str(made[1])) if option and option.startswith("--") else option
        outcomes[name] = run_here(bake_with, made[0], made[1], names=names)
    bad = {n: o.detail for n, o in outcomes.items() if o.status == "mishandled"}
    assert not bad, "\n".join(f"{n}: {d[:300]!r}" for n, d in bad.items())
    assert len(outcomes) >= 100 and len(command_line_only) <= len(CASES) - len(outcomes)
    assert sum(o.status == "error" for o in outcomes.values()) >= 80  # refused, not baked
    assert max(o.seconds for o in outcomes.values()) < 30
