"""OSCQuery over the addresses an OSC output sent, read back over HTTP on loopback with the
standard library's client. The mDNS advertisement itself is multicast, which the tests never
open (loopback only): without zeroconf it is one line saying what to install."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from inference.cli import main
from inference.live.osc_out import OscOutput
from inference.live.oscquery import OscQueryServer
from inference.live.outputs import EmotionState


def _get(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_sent_addresses_are_served_with_types_and_latest_values() -> None:
    out = OscOutput("127.0.0.1", 9, mode="vrchat")  # the discard port: nobody needs to listen
    server = OscQueryServer("EVOKE", out.latest)
    try:
        state = EmotionState(0.8, 0.25, 0.6, 5, "happiness", 0.7, True, 0.1, 1, calibrating=False)
        out.send(state, now=1.0)
        status, info = _get(server.port, "/?HOST_INFO")
        assert status == 200 and info["NAME"] == "EVOKE" and info["OSC_TRANSPORT"] == "UDP"
        status, root = _get(server.port, "/")
        evoke = root["CONTENTS"]["avatar"]["CONTENTS"]["parameters"]["CONTENTS"]["EVOKE"]
        valence = evoke["CONTENTS"]["ValencePos"]
        assert valence["FULL_PATH"] == "/avatar/parameters/EVOKE/ValencePos"
        assert valence["TYPE"] == "f" and valence["VALUE"] == [pytest.approx(0.8)]
        assert valence["ACCESS"] == 1
        status, emotion = _get(server.port, "/avatar/parameters/EVOKE/Emotion")
        assert status == 200 and emotion["TYPE"] == "i" and emotion["VALUE"] == [5]
        assert _get(server.port, "/avatar/parameters/EVOKE/Connected")[1]["TYPE"] == "T"
        assert _get(server.port, "/avatar/parameters/Nothing")[0] == 404
    finally:
        server.close()
        out.close()


def test_oscquery_without_zeroconf_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "zeroconf", None)  # as on a Python without it
    argv = ["live", "--source", "brainflow:synthetic", "--osc", "127.0.0.1:9", "--oscquery"]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["error: OSCQuery advertisement needs zeroconf: pip install zeroconf"]
    assert main(["live", "--source", "brainflow:synthetic", "--oscquery"]) == 2
    assert "add --osc" in capsys.readouterr().err
