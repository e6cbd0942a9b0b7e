"""Live in real Blender with real LSL: a replay outlet in another process on loopback drives the
installed extension's live driver; the outlet dies and returns; the face follows."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

bpy = pytest.importorskip(
    "bpy", reason="Blender's bpy module is installed by `make setup`; run via make test"
)

ROOT = Path(__file__).resolve().parent.parent
NAME = "evoke-blender-live-test"


def start_replay(recording: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, str(ROOT / "scripts" / "stream_lsl.py"), str(recording), "--name", NAME,
           "--source-id", NAME, "--trial", "1", "--loop", "--max-seconds", "120"]  # fmt: skip
    env = {**os.environ, "LSLAPICFG": str(ROOT / "tests" / "lsl_loopback.cfg")}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tick_until(driver: Any, condition: Any, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        bpy.ops.evoke.live_tick()
        if condition(driver.status):
            return True
        time.sleep(0.05)
    return False


def test_live_stream_drives_the_face_survives_a_dropout_and_reconnects(
    installed: Path, deap_two_trials: Path
) -> None:
    live_ops = importlib.import_module("bl_ext.user_default.evoke.evoke_blender.live_ops")
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.evoke.add_avatar()
    s = bpy.context.scene.evoke
    face = s.target
    s.live_stream, s.hop = NAME, 0.25

    bpy.context.preferences.system.use_online_access = False
    with pytest.raises(RuntimeError, match="Online Access"):
        bpy.ops.evoke.live_connect()  # no sockets without the user's consent
    bpy.context.preferences.system.use_online_access = True

    replay = start_replay(deap_two_trials)
    try:
        assert bpy.ops.evoke.live_connect() == {"FINISHED"}
        driver = live_ops.current_driver()
        assert tick_until(
            driver, lambda st: st.state == "live" and st.windows >= 4, 30
        ), driver.status
        st = driver.status
        assert st.rate == 128.0 and st.matched == 32 and st.missing == ()
        values = np.array([k.value for k in face.data.shape_keys.key_blocks])
        assert values.max() > 0.01  # the face shows something
        assert 0.0 < face["evoke_valence"] < 1.0
        assert np.isfinite(st.latency_ms).all() and len(st.latency_ms) >= 4

        replay.kill()  # the stream drops
        replay.wait(10)
        assert tick_until(driver, lambda st: st.state == "lost", 10)
        tick_until(driver, lambda st: False, 1.0)  # keep ticking a while: the face eases to rest
        eased = np.array([k.value for k in face.data.shape_keys.key_blocks])
        assert eased.max() < 0.5 * values.max()

        replay = start_replay(deap_two_trials)  # the same source returns
        windows_before = driver.status.windows
        assert tick_until(
            driver, lambda st: st.state == "live" and st.windows > windows_before + 2, 30
        ), driver.status
    finally:
        bpy.ops.evoke.live_disconnect()  # inlet before outlet
        replay.kill()
        replay.wait(10)
    assert live_ops.current_driver() is None
