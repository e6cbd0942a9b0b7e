"""scripts/evoke.py batch_clips: a clip per trial, each rendered by render_demo in a fresh process
with Blender's bpy module, two at a time; a corrupt recording fails alone; a rerun renders
nothing that is complete. Kept to the fewest, shortest, smallest clips (half a second, 48 px):
each still costs a Blender start and a render here."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from evoke_tools.batch_study import output_state, write_study
from evoke_tools.paths import ROOT

from inference.batch.outputs import PART

pytest.importorskip("bpy", reason="clips are rendered by Blender's bpy module")


def _mp4_boxes(path: Path) -> list[bytes]:
    """The top-level boxes of an MP4 (ISO/IEC 14496-12), which must fill the file exactly."""
    kinds, data, at = [], path.read_bytes(), 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if length == 1:
            (length,) = struct.unpack(">Q", data[at + 8 : at + 16])
        assert length >= 8 and at + length <= len(data), (kind, length)
        kinds.append(kind)
        at += length
    return kinds


def _clips(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'scripts'}"}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "evoke.py"), "batch_clips", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )  # fmt: skip


def test_a_clip_per_trial_a_failure_alone_and_a_rerun_that_renders_nothing(
    tmp_path: Path,
) -> None:
    study = write_study(tmp_path / "study", subjects=1, trials=1)
    out = tmp_path / "clips"
    args = [str(study / "s01.dat"), str(study / "s04.dat"), "--out", str(out),
            "--seconds", "0.5", "--height", "48", "--hop", "1", "--workers", "2"]  # fmt: skip
    first = _clips(*args)
    assert first.returncode == 1, first.stderr  # s04 failed, and the exit code says so
    clip = out / "s01" / "trial01.mp4"
    boxes = _mp4_boxes(clip)
    assert {b"ftyp", b"moov", b"mdat"} <= set(boxes)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"] == 2 and summary["outputs_written"] == 1
    reason = summary["failures"]["s04"]  # its trials could not be counted: one task
    assert "s04.dat" in reason and "pickle" in reason and "\n" not in reason
    assert not [p for p in out.rglob("*") if PART in p.name]  # no staging folder left
    before = output_state(out)
    again = _clips(*args)
    assert again.returncode == 1, again.stderr
    assert output_state(out) == before  # the complete clip was neither rendered nor touched
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outputs_written"] == 0 and summary["outputs_already_complete"] == 1
