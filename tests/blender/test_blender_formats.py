"""Every format bakes in real Blender through the installed extension, with the options each
needs (XDF stream and unit, CSV rate and unit, a channel map, a span between two markers), and a
volts stream from mne-lsl's PlayerLSL drives the face live."""

from __future__ import annotations

import importlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import bpy  # real Blender; `make setup` installs it, so a missing one fails loudly
import numpy as np
import pytest
from evoke_tools.artefacts import add_artefact, raw_trials
from evoke_tools.writers import start_player_lsl, write_edf, write_fif, write_xdf

from inference import PredictOptions, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.emotion.smoothing import SmoothingSettings
from inference.io.formats import read_recording

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

RATE = 256.0


@pytest.fixture(scope="module")
def raw_signal() -> np.ndarray:
    """20 s of raw 32-channel EEG at 256 Hz, microvolts, with what an amplifier adds."""
    x = raw_trials(1, 1, RATE, seed=21)[0][: round(RATE * 20)]
    return add_artefact(x, "all", RATE, np.random.default_rng(4))


def avatar() -> Any:
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.ops.evoke.add_avatar() == {"FINISHED"}
    s = bpy.context.scene.evoke
    s.common.hop, s.smoothing.mode = 0.25, "blend"
    return s


def keyed_valence(face: Any, s: Any, recording_path: Path, **options: Any) -> np.ndarray:
    """The runtime's own valence for the recording, next to what Blender keyed."""
    pred = predict(
        read_recording(recording_path, **options),
        load_model(),
        PredictOptions(
            0.25,
            "blend",
            SmoothingSettings(
                tau_s=s.smoothing.tau,
                hysteresis=s.smoothing.hysteresis,
                min_dwell_s=s.smoothing.dwell,
            ),
            hindsight=True,
        ),
    )
    tl = pred.timelines[0]
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    got = []
    for t in tl.t:
        frame = scene.frame_start + (t + 0.5) * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        got.append(face["evoke_valence"])
    np.testing.assert_allclose(got, tl.probs[:, 0], atol=1e-4)
    return tl.probs[:, 0]


def test_bake_xdf_with_a_stream_and_a_unit(
    installed: Path, tmp_path: Path, raw_signal: np.ndarray
) -> None:
    eeg = {
        "name": "Amp", "type": "EEG", "rate": RATE, "format": "float32", "channel_count": 32,
        "labels": tuple(f"EEG {c}" for c in DEAP_EEG_CHANNELS), "unit": "",  # no unit named
        "stamps": 50.0 + np.arange(len(raw_signal)) / RATE, "values": (raw_signal * 1e-3).astype(np.float32),
    }  # fmt: skip
    other = {**eeg, "name": "Aux", "type": "AUX", "channel_count": 2, "labels": ("x", "y"),
             "values": np.zeros((len(raw_signal), 2), np.float32)}  # fmt: skip
    path = tmp_path / "session.xdf"
    write_xdf(path, [other, eeg])
    s = avatar()
    s.bake.source_path, s.bake.xdf_stream, s.common.unit = str(path), "Amp", "mV"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    face = s.common.target
    assert face["evoke_source"] == "session.xdf"
    keyed_valence(face, s, path, stream="Amp", unit="mV")


def test_bake_edf_and_csv_with_a_channel_map(
    installed: Path, tmp_path: Path, raw_signal: np.ndarray
) -> None:
    labels = tuple(f"Ch{k}" for k in range(1, 33))
    edf = tmp_path / "numbered.edf"
    write_edf(edf, labels, (RATE,) * 32, list(raw_signal.T - raw_signal.mean(axis=0)[:, None]))
    mapping = ", ".join(f"Ch{k}={name}" for k, name in enumerate(DEAP_EEG_CHANNELS, start=1))
    s = avatar()
    s.bake.source_path = str(edf)
    with pytest.raises(RuntimeError, match="channel map"):  # numbered channels: says what to do
        bpy.ops.evoke.bake()
    s.common.channel_map = mapping
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    face = s.common.target
    assert json.loads(face["evoke_channel_map"])["Ch1"] == "Fp1"  # kept with the baked avatar
    keyed_valence(face, s, edf, channel_map=mapping)

    csv = tmp_path / "export.csv"
    header = ",".join(f"EEG.{c}" for c in DEAP_EEG_CHANNELS)  # Emotiv-style labels, no time column
    np.savetxt(csv, raw_signal * 1e-6, delimiter=",", header=header, comments="", fmt="%.9g")
    s = avatar()
    s.bake.source_path, s.bake.csv_rate, s.common.unit = str(csv), RATE, "V"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    keyed_valence(s.common.target, s, csv, rate=RATE, unit="V")


def test_read_markers_and_bake_the_span_between_two(
    installed: Path, tmp_path: Path, raw_signal: np.ndarray
) -> None:
    import pyedflib

    path = tmp_path / "annotated.edf"
    write_edf(
        path, DEAP_EEG_CHANNELS, (RATE,) * 32, list(raw_signal.T - raw_signal.mean(axis=0)[:, None])
    )
    with pyedflib.EdfReader(str(path)) as f:  # an EDF+ with annotations, as recorders write them
        header, signals = f.getSignalHeaders(), [f.readSignal(i) for i in range(f.signals_in_file)]
    writer = pyedflib.EdfWriter(str(path), 32, file_type=pyedflib.FILETYPE_EDFPLUS)
    writer.setSignalHeaders(header)  # type: ignore[arg-type]
    writer.writeSamples(signals)
    for onset, text in ((4.0, "eyes open"), (9.0, "music"), (17.5, "end")):
        writer.writeAnnotation(onset, -1, text)
    writer.close()
    s = avatar()
    s.bake.source_path = str(path)
    assert bpy.ops.evoke.read_markers() == {"FINISHED"}
    assert [(m.label, round(m.time_s, 2)) for m in s.bake.markers] == [
        ("eyes open", 4.0),
        ("music", 9.0),
        ("end", 17.5),
    ]
    s.bake.span_start, s.bake.span_end = 2, 3
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert s.common.target["evoke_source"] == "annotated.edf markers 2-3"
    valence = keyed_valence(s.common.target, s, path, between=(2, 3))
    assert len(valence) == 31  # 8.5 s from the marker: windows at 0, 0.25, ..., 7.5 s


def test_a_volts_stream_from_playerlsl_drives_the_face(
    installed: Path, tmp_path: Path, raw_signal: np.ndarray
) -> None:
    live_ops = importlib.import_module("bl_ext.user_default.evoke.evoke_blender.live.ops")
    path = write_fif(tmp_path / "raw.fif", raw_signal, RATE)
    name = f"evoke-blender-player-{uuid.uuid4().hex[:8]}"
    player = start_player_lsl(path, name, seconds=60.0)
    try:
        s = avatar()
        bpy.context.preferences.system.use_online_access = True
        s.live.stream = name
        s.common.calibration, s.smoothing.mode = (
            5.0,
            "blend",
        )  # blend: the face shows something from the start
        assert bpy.ops.evoke.live_connect() == {"FINISHED"}
        driver = live_ops.current_driver()
        end = time.monotonic() + 30
        while time.monotonic() < end and not (
            driver.status.state == "live" and driver.status.windows >= 8
        ):
            bpy.ops.evoke.live_tick()
            time.sleep(0.05)
        st = driver.status
        assert st.state == "live" and st.windows >= 8, (st.state, st.message, st.skip_reason)
        assert st.windows_skipped == 0 and st.skip_reason == ""
        assert "description" in st.unit_note  # volts, from the stream's own channel units
        face = s.common.target
        end = time.monotonic() + 1.0  # the face eases into what the stream says
        while time.monotonic() < end:
            bpy.ops.evoke.live_tick()
            time.sleep(0.05)
        assert max(k.value for k in face.data.shape_keys.key_blocks) > 0.01
    finally:
        bpy.ops.evoke.live_disconnect()
        player.kill()
        player.wait(10)


def test_headless_session_waits_for_a_late_sender(tmp_path: Path, raw_signal: np.ndarray) -> None:
    """scripts/evoke.py live_session started before its sender: it keeps looking (saying so) instead of
    giving up, runs its --seconds once PlayerLSL appears, and no sample is older than new."""
    import os
    import subprocess
    import sys

    from evoke_tools.paths import ROOT

    path = write_fif(tmp_path / "raw.fif", raw_signal, RATE)
    name = f"evoke-late-{uuid.uuid4().hex[:8]}"
    cmd = [sys.executable, str(ROOT / "scripts" / "evoke.py"), "live_session", "--stream", name,
           "--seconds", "8", "--calibration", "3", "--json", "--loopback"]  # fmt: skip
    env = {**os.environ, "LSLAPICFG": str(ROOT / "tests" / "lsl_loopback.cfg")}
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err_file:
        session = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err_file, text=True)
    player = None
    try:
        end = time.monotonic() + 120  # the session installs the extension first
        while f"looking for '{name}'" not in err_path.read_text() and time.monotonic() < end:
            assert session.poll() is None, err_path.read_text()[-2000:]
            time.sleep(0.2)
        time.sleep(12)  # longer than the 10 s it used to give up after
        assert session.poll() is None, err_path.read_text()[-2000:]
        player = start_player_lsl(path, name, seconds=60.0)
        out, _ = session.communicate(timeout=120)
    finally:
        if session.poll() is None:
            session.kill()
        if player is not None:
            player.kill()
            player.wait(10)
    said = err_path.read_text()
    assert session.returncode == 0, said[-2000:]
    assert "is its sender running?" in said
    figures = json.loads(out[out.index("{") :])
    assert figures["state"] == "live" and figures["windows"] >= 8, figures
    # ages never negative; no backlog from the wait (that would age samples by the session's 8 s),
    # with room for a busy machine that delays the sender's chunks and this tool's ticks
    assert 0 <= figures["sample_age_ms_p50"] <= figures["sample_age_ms_p95"] < 5000


def test_bake_a_brainflow_file_with_the_board_named(installed: Path, tmp_path: Path) -> None:
    """A file BrainFlow's DataFilter wrote carries no labels: the panel's Board names the board
    whose layout reads it (and a board that is not one is refused naming it, the scene kept)."""
    from brainflow.board_shim import BoardShim
    from brainflow.data_filter import DataFilter

    daisy = 2  # OpenBCI Cyton + Daisy: 16 EEG rows at 125 Hz
    d = BoardShim.get_board_descr(daisy)
    n = int(45 * d["sampling_rate"])
    data = np.random.default_rng(8).standard_normal((int(d["num_rows"]), n)) * 20
    data[d["timestamp_channel"]] = 1.7e9 + np.arange(n) / d["sampling_rate"]
    data[d["marker_channel"]] = 0.0
    path = tmp_path / "BrainFlow-RAW_daisy.csv"
    DataFilter.write_file(np.ascontiguousarray(data), str(path), "w")
    s = avatar()
    s.bake.source_path, s.bake.board = str(path), "no-such-board"
    with pytest.raises(RuntimeError, match="no-such-board"):
        bpy.ops.evoke.bake()
    assert "evoke_source" not in s.common.target  # nothing baked
    s.bake.board = "cyton-daisy"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    keyed_valence(s.common.target, s, path, board="cyton-daisy")
