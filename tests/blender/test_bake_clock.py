"""The bake's clock and hindsight: frame = the recording's second, whatever the baseline; a
baked change with hindsight by default, as live on request (real Blender through bpy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference import BaselineChoice, PredictOptions, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.emotion.smoothing import SmoothingSettings
from inference.io.formats import read_recording


@pytest.fixture(scope="module")
def session_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw 256 Hz session (45 s of rest, then a trial) in an EDF+ pyEDFlib wrote."""
    from evoke_tools.sessions import make_session
    from evoke_tools.writers import write_edf

    s = make_session(2, seed=4, rest_s=45.0, trials=1)
    path = tmp_path_factory.mktemp("session") / "session.edf"
    write_edf(path, DEAP_EEG_CHANNELS, (s.rate,) * 32, list(s.samples.T))
    return path


def _valence_at(face: Any, seconds: np.ndarray) -> np.ndarray:
    import bpy

    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    out = []
    for at in seconds:
        frame = scene.frame_start + at * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        out.append(face["evoke_valence"])
    return np.array(out)


def test_every_baseline_bakes_on_the_recordings_clock(
    face: Any, session_edf: Path, setup_bake: Callable[..., Any]
) -> None:
    """Automatic (the first 30 s) and Seconds 0-30 are the same baseline: the same values at the
    same frames, and the automatic bake says that its timeline starts 30 s in (it once started
    30 s earlier on the frames than the Seconds bake, without a word)."""
    import bpy

    s = setup_bake(face, mode="blend")
    s.bake.source_path, s.smoothing.smoother = str(session_edf), "none"
    s.bake.baseline, s.common.calibration = "auto", 30.0
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    pred = predict(read_recording(session_edf), load_model(),
                   PredictOptions(0.25, "blend", SmoothingSettings(method="none")))  # fmt: skip
    tl = pred.timelines[0]
    assert tl.t[0] == 30.0
    at = tl.t[[0, 40, len(tl.t) - 2]] + 0.5  # window centres, seconds of the recording
    automatic = _valence_at(face, at)
    np.testing.assert_allclose(automatic, tl.probs[[0, 40, len(tl.t) - 2], 0], atol=1e-4)
    s.bake.baseline, s.bake.baseline_from, s.bake.baseline_to = "span", 0.0, 30.0
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    np.testing.assert_allclose(_valence_at(face, at), automatic, atol=1e-4)


def test_hindsight_by_default_as_live_on_request(
    face: Any, session_edf: Path, setup_bake: Callable[..., Any]
) -> None:
    import bpy

    s = setup_bake(face, mode="blend")
    s.bake.source_path, s.bake.baseline, s.common.calibration = str(session_edf), "first", 30.0
    model, rec = load_model(), read_recording(session_edf)
    expected = {}
    for hindsight in (True, False):
        options = PredictOptions(0.25, "blend", SmoothingSettings(), BaselineChoice("first", 30.0),
                                 hindsight=hindsight)  # fmt: skip
        expected[hindsight] = predict(rec, model, options).timelines[0]
    tl = expected[True]
    rows = np.arange(0, len(tl.t), 7)
    assert not np.allclose(expected[True].probs[rows, 0], expected[False].probs[rows, 0])
    for as_live in (False, True):
        s.bake.as_live = as_live
        assert bpy.ops.evoke.bake() == {"FINISHED"}
        want = expected[not as_live].probs[rows, 0]
        np.testing.assert_allclose(_valence_at(face, tl.t[rows] + 0.5), want, atol=1e-4)
