"""OSC and LSL outputs, received by real peers on loopback: python-osc's own UDP server and a
pylsl inlet. Every message checked against the state sent."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pylsl  # conftest pointed liblsl at tests/lsl_loopback.cfg before anything imported it
import pytest
from evoke_tools.osc_peer import OscPeer

from inference.errors import InputError
from inference.live.band_power import BandPowers
from inference.live.lsl_out import CHANNELS, LslOutput
from inference.live.osc_out import OscOutput, messages, parse_target
from inference.live.outputs import EmotionState


@pytest.fixture
def osc() -> Iterator[OscPeer]:
    received = OscPeer()
    yield received
    received.server.shutdown()
    received.server.server_close()


def state(update: int = 1, **kw: Any) -> EmotionState:
    base: dict[str, Any] = dict(valence=0.8, arousal=0.25, dominance=0.6, emotion=5, name="happiness",
                                confidence=0.7, connected=True, since_update_s=0.1, update=update)  # fmt: skip
    base.update(kw)
    return EmotionState(**base)


def test_vrchat_names_and_ranges(osc: OscPeer) -> None:
    out = OscOutput("127.0.0.1", osc.port, mode="vrchat")
    out.send(state(), now=100.0)
    got = dict(osc.wait_count(len(messages(state(), "vrchat"))))
    p = "/avatar/parameters/EVOKE"
    assert got[f"{p}/Valence"] == pytest.approx(0.6) and got[f"{p}/ValencePos"] == pytest.approx(
        0.8
    )
    assert got[f"{p}/Arousal"] == pytest.approx(-0.5) and got[f"{p}/DominancePos"] == pytest.approx(
        0.6
    )
    assert got[f"{p}/Emotion"] == 5 and isinstance(got[f"{p}/Emotion"], int)
    assert got[f"{p}/Connected"] is True and got[f"{p}/Confidence"] == pytest.approx(0.7)
    assert got[f"{p}/SecondsSinceLastUpdate"] == pytest.approx(0.1)
    assert all(-1 <= v <= 1 for a, v in got.items() if isinstance(v, float) and "Seconds" not in a)
    out.close()


def test_bfi_adds_brainflowsintovrchat_parameters(osc: OscPeer) -> None:
    # relative powers (delta, theta, alpha, beta, gamma); the right side has no electrode
    powers = np.array([[0.1, 0.2, 0.4, 0.2, 0.1], [np.nan] * 5, [0.1, 0.25, 0.3, 0.25, 0.1]])
    out = OscOutput("127.0.0.1", osc.port, mode="bfi")
    out.send(state(connected=False, since_update_s=2.5, bands=BandPowers(powers)), now=5.0)
    got = dict(osc.wait_count(13 + 6 + 2 * 9))
    p = "/avatar/parameters/BFI"
    assert got[f"{p}/Info/DeviceConnected"] is False
    assert got[f"{p}/Info/SecondsSinceLastUpdate"] == pytest.approx(2.5)
    assert (got[f"{p}/Info/VersionMajor"], got[f"{p}/Info/VersionMinor"]) == (1, 0)
    # BFiVRC's formulas (logic/neuro_feedback.py): tanh(1.1 * (ratio - 1)), Pos = (x + 1) / 2
    assert got[f"{p}/NeuroFB/RelaxLeft"] == pytest.approx(math.tanh(1.1 * (0.4 / 0.2 - 1)))
    assert got[f"{p}/NeuroFB/FocusLeft"] == pytest.approx(0.0)  # beta = theta
    assert got[f"{p}/NeuroFB/RelaxAvgPos"] == pytest.approx((math.tanh(1.1 * 0.2) + 1) / 2)
    assert got[f"{p}/PwrBands/Avg/Alpha"] == pytest.approx(0.3)
    assert got[f"{p}/PwrBands/Left/Delta"] == pytest.approx(0.1)
    assert not any("Right" in a for a in got)  # no electrode there: nothing made up
    assert "/avatar/parameters/EVOKE/Valence" in got


def test_the_latest_state_is_always_delivered_and_close_says_disconnected(osc: OscPeer) -> None:
    out = OscOutput("127.0.0.1", osc.port, mode="vrchat", prefix="/avatar/parameters/Mine")
    out.send(state(update=1, valence=0.2), now=10.0)
    out.send(state(update=2, valence=0.9), now=10.02)  # within 0.1 s: held back ...
    assert out.sent == 1 and out.flush(10.05) == pytest.approx(0.05)
    assert out.flush(10.1) is None and out.sent == 2  # ... and sent once due
    out.send(state(update=3, calibrating=True, emotion=0), now=10.3)
    out.close()
    got = osc.wait_count(4 * 14)
    valences = [v for a, v in got if a == "/avatar/parameters/Mine/ValencePos"]
    assert valences[:2] == pytest.approx([0.2, 0.9])
    calibrating = [v for a, v in got if a.endswith("/Calibrating")]
    connected = [v for a, v in got if a.endswith("/Connected")]
    assert calibrating == [False, False, True, False] and connected == [True, True, True, False]
    assert not any(a.startswith("/avatar/parameters/EVOKE") for a, _ in got)  # the prefix
    with pytest.raises(InputError, match="OSC prefix"):
        OscOutput("127.0.0.1", osc.port, prefix="no slash")


def test_generic_mode_sends_the_name_and_any_rate(osc: OscPeer) -> None:
    out = OscOutput("127.0.0.1", osc.port, mode="generic", prefix="/lab/evoke", rate_hz=50)
    for k in range(5):
        out.send(state(update=k + 1, valence=0.1 * k), now=k * 0.02)
    got = osc.wait_count(40)
    valences = [v for a, v in got if a == "/lab/evoke/valence"]
    assert valences == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])  # 50 Hz: every one
    assert ("/lab/evoke/emotion_name", "happiness") in got


def test_vrchat_rate_is_bounded(osc: OscPeer) -> None:
    out = OscOutput("127.0.0.1", osc.port)  # 10 Hz
    for k in range(100):  # a second of 100 Hz ticks
        out.send(state(update=k), now=k * 0.01)
    osc.wait_count(out.sent * len(messages(state(), "vrchat")))
    sent = [a for a, _ in osc.messages if a.endswith("/Emotion")]
    assert len(sent) == out.sent == 10
    with pytest.raises(InputError, match="VRChat drops"):
        OscOutput("127.0.0.1", osc.port, rate_hz=30)
    with pytest.raises(InputError, match="host:port"):
        parse_target("localhost")
    assert messages(state(since_update_s=math.inf), "generic")[-1] == ("/evoke/since_update", -1.0)


def test_lsl_output_is_recorded_beside_the_eeg() -> None:
    name = f"evoke-emotion-{uuid.uuid4().hex[:8]}"
    out = LslOutput(name, ("neutral", "disgust", "fear", "anger", "sadness", "happiness",
                           "surprise", "excitement"))  # fmt: skip
    inlet = None
    try:
        found = pylsl.resolve_byprop("name", name, minimum=1, timeout=5.0)
        assert found, "the emotion stream is visible on the network"
        inlet = pylsl.StreamInlet(found[0])
        info = inlet.info(timeout=5.0)
        assert info.type() == "Emotion" and info.channel_count() == len(CHANNELS)
        ch = info.desc().child("channels").child("channel")
        labels = []
        while not ch.empty():
            labels.append(ch.child_value("label"))
            ch = ch.next_sibling("channel")
        assert tuple(labels) == CHANNELS
        first = info.desc().child("emotions").child("emotion")
        assert first.child_value("name") == "neutral"
        inlet.open_stream(timeout=5.0)
        time.sleep(0.5)
        stamp = pylsl.local_clock() - 0.8  # an LSL source's window time: in the past
        out.send(state(update=1, stamp=stamp), now=0.0)
        out.send(state(update=1, stamp=stamp), now=0.1)  # the same update again: not resent
        out.send(state(update=2, emotion=7, stamp=None), now=0.2)
        samples: list[list[float]] = []
        stamps: list[float] = []
        end = time.monotonic() + 5
        while len(samples) < 2 and time.monotonic() < end:
            chunk, ts = inlet.pull_chunk(timeout=0.5)
            samples += chunk
            stamps += ts
        assert len(samples) == 2 and out.sent == 2
        np.testing.assert_allclose(samples[0], [0.8, 0.25, 0.6, 5.0, 0.7], atol=1e-6)
        assert samples[1][3] == 7.0
        assert stamps[0] == pytest.approx(stamp, abs=1e-3)  # the EEG window's own time
        assert stamps[1] > stamp + 0.5
    finally:
        del inlet
        out.close()
