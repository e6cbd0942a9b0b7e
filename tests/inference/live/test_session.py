"""The live session without Blender (`inference.live.session`, `python -m inference live`):
BrainFlow's synthetic board in, a python-osc server (a VRChat stand-in) and a pylsl inlet out, all
on loopback. Asserts what our code sent and in what order, never another process's timing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pylsl  # conftest pointed liblsl at tests/lsl_loopback.cfg before anything imported it
import pytest
from brainflow.board_shim import BoardShim
from brainflow.data_filter import DataFilter
from evoke_tools.osc_peer import OscPeer
from evoke_tools.paths import ROOT

from inference import load_model
from inference.cli import main
from inference.errors import InputError
from inference.live.brainflow_board import BrainFlowSource, check_brainflow_file
from inference.live.session import LiveSession, SessionSettings
from inference.live.wiring import OutputOptions, make_outputs

P = "/avatar/parameters/EVOKE"


def _tick_until(session: LiveSession, condition: Any, seconds: float) -> list[Any]:
    updates = []
    end = time.monotonic() + seconds
    while not condition(session.status) and time.monotonic() < end:
        updates += session.tick()
        time.sleep(0.05)
    return updates


def test_a_session_feeds_osc_and_lsl_says_calibrating_and_ends_with_connected_false() -> None:
    model = load_model()
    peer = OscPeer()
    name = f"evoke-emotion-{uuid.uuid4().hex[:8]}"
    outputs = make_outputs(
        [("osc", f"127.0.0.1:{peer.port}"), ("lsl", name)],
        OutputOptions(emotions=model.emotions.names, osc_mode="bfi"),
    )
    session = LiveSession(model, lambda: BrainFlowSource("synthetic"),
                          SessionSettings(calibration_s=3.0), outputs)  # fmt: skip
    inlet = None
    try:
        found = pylsl.resolve_byprop("name", name, minimum=1, timeout=5.0)
        inlet = pylsl.StreamInlet(found[0])
        inlet.open_stream(timeout=5.0)
        _tick_until(session, lambda st: st.state == "calibrating", 20)
        assert session.status.state == "calibrating", session.status
        updates = _tick_until(session, lambda st: st.state == "live" and st.windows >= 12, 30)
        assert session.status.state == "live" and len(updates) >= 12
        samples: list[list[float]] = []
        end = time.monotonic() + 5
        while len(samples) < len(updates) and time.monotonic() < end:
            chunk, _ = inlet.pull_chunk(timeout=0.2)
            samples += chunk
        # one LSL sample per window, in order, each the window's own values
        assert len(samples) == len(updates)
        np.testing.assert_allclose([s[:3] for s in samples], [u.probs for u in updates], atol=1e-6)
        assert [int(s[3]) for s in samples] == [u.emotion for u in updates]
    finally:
        session.close()
        del inlet
    peer.wait_count(10**6, seconds=1.0)  # let the last datagrams land
    connected = [v for a, v in peer.messages if a == f"{P}/Connected"]
    calibrating = [v for a, v in peer.messages if a == f"{P}/Calibrating"]
    assert connected[-1] is False and True in connected  # the end is said, last
    assert True in calibrating and calibrating[-1] is False
    # while calibrating, the avatar is told so (connected, not "neutral")
    pairs = list(zip(connected, calibrating, strict=True))
    assert (True, True) in pairs
    bfi = dict(peer.messages)
    assert bfi["/avatar/parameters/BFI/Info/DeviceConnected"] is False
    assert -1 <= bfi["/avatar/parameters/BFI/NeuroFB/RelaxAvg"] <= 1  # band powers flowed
    assert 0 <= bfi["/avatar/parameters/BFI/PwrBands/Left/Alpha"] <= 1
    # the synthetic board has a battery channel (BrainFlow's description): its last reading
    assert bfi["/avatar/parameters/BFI/Info/BatterySupported"] is True
    assert bfi["/avatar/parameters/BFI/Info/BatteryLevel"] == pytest.approx(session.battery)
    assert session.battery is not None and session.battery >= 0
    peer.server.shutdown()
    peer.server.server_close()


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        (["--source", "brainflow:"], "name a board"),
        (["--source", "brainflow:synthetic,junk"], "'junk': write key=value"),
        (["--source", "brainflow:synthetic,ip_port=abc"], "ip_port 'abc': give a whole number"),
        (["--source", "brainflow:synthetic,ip_port=99999999999999999999999"], "ip_port"),
        (["--source", "brainflow:headset"], "common ones are synthetic, cyton, cyton_daisy"),
        (["--source", "brainflow:playback,file=/dev/zero,master_board=synthetic"], "not a regular file"),
        (["--source", "brainflow:playback,file=/etc/passwd,master_board=synthetic"], "not a BrainFlow recording"),
        (["--source", "brainflow:synthetic", "--hop", "nan"], "--hop nan"),
        (["--source", "brainflow:synthetic", "--calibration", "nan"], "--calibration nan"),
        (["--source", "brainflow:synthetic", "--calibration", "1"], "3 s is the least"),
        (["--source", "brainflow:synthetic", "--osc-rate", "0"], "--osc-rate 0"),
        (["--source", "tcp:x"], "write KIND:TARGET"),
    ],
)  # fmt: skip
def test_every_fault_is_one_line(
    argv: list[str], expect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["live", *argv, "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0], err
    assert "Traceback" not in err


def test_a_playback_file_is_checked_as_a_recording(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        check_brainflow_file(str(fifo))  # would wait for ever in BrainFlow
    text = tmp_path / "notes.csv"
    text.write_text("time,Fp1\n0,1\n")
    with pytest.raises(InputError, match="not a BrainFlow recording"):
        check_brainflow_file(str(text))
    data = np.random.default_rng(0).standard_normal((BoardShim.get_num_rows(-1), 50))
    real = tmp_path / "real.csv"
    DataFilter.write_file(data, str(real), "w")  # BrainFlow's own writer
    assert check_brainflow_file(str(real)) == str(real)


def test_a_board_that_drops_is_reopened_saying_so() -> None:
    """The board's session released under the source (a dongle pulled out): lost, a note that
    it is reopening, then samples again, the first chunk marked resumed."""
    source = BrainFlowSource("synthetic")
    try:
        end = time.monotonic() + 10
        while source.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)
        assert source.pull().samples is not None
        source._board.release_session()  # the real board goes away
        notes = set()
        resumed = False
        end = time.monotonic() + 20
        while not resumed and time.monotonic() < end:
            pulled = source.pull()
            resumed = pulled.resumed and pulled.samples is not None
            notes.add(source.note)
            time.sleep(0.1)
        assert resumed, notes
        assert any("reopening it in 1 s (attempt 1)" in n for n in notes), notes
    finally:
        source.close()


def test_the_command_runs_without_bpy_and_says_goodbye_on_sigterm(tmp_path: Path) -> None:
    """`python -m inference live` in a fresh process with bpy made unimportable: OSC flows, SIGTERM
    ends it cleanly with Connected False and JSON figures (no NaN tokens)."""
    peer = OscPeer()
    blocker = tmp_path / "bpy.py"
    blocker.write_text("raise ImportError('no Blender here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    cmd = [sys.executable, "-m", "inference", "live", "--source", "brainflow:synthetic",
           "--calibration", "3", "--osc", f"127.0.0.1:{peer.port}", "--json"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert peer.wait_count(1, seconds=60), "the first OSC message"
        end = time.monotonic() + 60
        while not any(a == f"{P}/Calibrating" and v is True for a, v in list(peer.messages)):
            assert time.monotonic() < end and proc.poll() is None
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    figures = json.loads(out)  # strict JSON: NaN would not parse back as a number
    assert figures["source"] == "BrainFlow synthetic" and figures["outputs"]
    assert "NaN" not in out and "Traceback" not in err
    peer.wait_count(10**6, seconds=1.0)
    connected = [v for a, v in peer.messages if a == f"{P}/Connected"]
    assert connected[-1] is False
    peer.server.shutdown()
    peer.server.server_close()
