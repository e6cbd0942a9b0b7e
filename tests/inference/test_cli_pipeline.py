"""The runtime end to end: CLI output, agreement with the library, and bad input."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from evoke_tools.paths import ROOT

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.dsp.features import FeatureSettings
from inference.emotion.smoothing import SmoothingSettings
from inference.errors import InputError
from inference.io.deap_files import read_recording
from inference.io.formats import read_recording as read_any
from inference.model.model_file import save_model
from inference.model.untrained import untrained_metadata, untrained_weights

FIRST_3S = BaselineChoice("first", seconds=3.0)  # the short test recordings: a 3 s calibration

KEYS = {"t", "valence", "arousal", "dominance", "emotion", "confidence"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "inference", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_predict_json_matches_library(deap_two_trials: Path) -> None:
    out = cli("predict", str(deap_two_trials), "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 2 * 60 and KEYS <= set(rows[0])
    # the command line smooths with hindsight by default (--as-live: as the library's default)
    pred = predict(read_recording(deap_two_trials), load_model(), PredictOptions(hindsight=True))
    expected = [r for tl in pred.timelines for r in tl.records(load_model().emotions)]
    assert [r["emotion"] for r in rows] == [r["emotion"] for r in expected]
    np.testing.assert_allclose(
        [r["valence"] for r in rows], [r["valence"] for r in expected], atol=1e-4
    )
    assert [r["t"] for r in rows[:3]] == [0.0, 1.0, 2.0]
    assert all(0 <= r["arousal"] <= 1 and 0 <= r["confidence"] <= 1 for r in rows)


def test_predict_text_trial_and_hop(deap_two_trials: Path) -> None:
    out = cli("predict", str(deap_two_trials), "--trial", "2", "--hop", "0.25")
    assert out.returncode == 0, out.stderr
    assert "trial 2" in out.stdout and "trial 1\n" not in out.stdout
    body = [ln for ln in out.stdout.splitlines() if ln[:7].strip().replace(".", "").isdigit()]
    assert len(body) == (60 - 1) * 4 + 1  # 0.25 s hop over a 60 s trial


def test_import_loads_no_heavy_module() -> None:
    """Nor the live server's http.server and ssl (OpenSSL: 4.7 MiB on Python 3.13), which every
    `predict` would hold at its peak (tests/inference/test_memory.py)."""
    heavy = "('torch', 'scipy', 'bpy', 'http.server', 'ssl')"
    code = f"import sys, inference, inference.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


class Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch /tmp/evoke_cli_pwned",))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(pickle.dumps({"data": Evil()}, protocol=2)), "refused"),
        (lambda p: p.write_bytes(b"\x80\x02}q\x00(U"), "s01.dat"),
        (
            lambda p: p.write_bytes(
                pickle.dumps({"data": np.zeros((40, 40, 10)), "labels": np.ones((40, 4))})
            ),
            "shape",
        ),
    ],
    ids=["hostile", "truncated", "wrong-shape"],
)
def test_bad_files_exit_nonzero_with_a_message(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "s01.dat"
    make(path)  # type: ignore[operator]
    out = cli("predict", str(path))
    assert out.returncode != 0
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not Path("/tmp/evoke_cli_pwned").exists()


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    out = cli("predict", str(txt))
    assert out.returncode != 0 and "unsupported" in out.stderr
    out = cli("predict", str(tmp_path / "absent.dat"))
    assert out.returncode != 0 and "absent.dat" in out.stderr and "Traceback" not in out.stderr


def test_model_of_other_features_is_refused_by_cli(tmp_path: Path, deap_two_trials: Path) -> None:
    meta = untrained_metadata(FeatureSettings(window_s=0.5))
    path = save_model(tmp_path / "half.npz", untrained_weights(), meta)
    assert load_model(path).features.window_s == 0.5
    out = cli("model-info", str(path))
    assert out.returncode == 0 and "UNTRAINED" in out.stdout
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    out = cli("predict", str(deap_two_trials), "--model", str(bad))
    assert out.returncode != 0 and "bad.npz" in out.stderr


def synthetic_recording(rate: float, channels: tuple[str, ...], seconds: float = 9.0) -> Recording:
    rng = np.random.default_rng(0)
    n = int(seconds * rate)
    return Recording(
        (20 * rng.standard_normal((n, len(channels)))).astype(np.float32), channels, rate, "mem"
    )


def test_nan_and_flat_channels_never_reach_the_output() -> None:
    rec = synthetic_recording(128.0, DEAP_EEG_CHANNELS)
    rec.samples[128 * 4 + 10 : 128 * 4 + 20, 3] = np.nan  # a glitch in window 1
    rec.samples[:, DEAP_EEG_CHANNELS.index("Cz")] = 0.0  # a dead electrode
    pred = predict(rec, load_model(), PredictOptions(baseline=FIRST_3S))
    tl = pred.timelines[0]
    # the band-pass spreads the glitch 0.375 s either way: window 0 (3-4 s) holds some of it
    assert tl.valid.tolist() == [False, False, True, True, True, True]
    assert np.isfinite(tl.probs).all() and np.isfinite(tl.confidence).all()
    assert any("Cz" in n for n in pred.notes) and any("skipped" in n for n in pred.notes)


def test_resampling_and_missing_electrodes_are_reported() -> None:
    epoc = ("AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4")
    options = PredictOptions(hop_s=0.5, baseline=FIRST_3S)
    pred = predict(synthetic_recording(512.0, epoc), load_model(), options)
    assert any("resampled from 512" in n for n in pred.notes)
    assert any("missing electrodes" in n and "Fz" in n for n in pred.notes)
    assert len(pred.timelines[0].t) == 11  # (9 s - 3 s baseline - 1 s window) / 0.5 + 1
    with pytest.raises(InputError, match="only 0 of the 32"):
        predict(synthetic_recording(256.0, ("TP9", "AF7", "AF8", "TP10")), load_model())


def test_csv_with_rate_option_through_the_cli(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    path = tmp_path / "eeg.csv"
    data = 20 * rng.standard_normal((256 * 8, len(DEAP_EEG_CHANNELS)))
    np.savetxt(
        path, data, delimiter=",", header=",".join(DEAP_EEG_CHANNELS), comments="", fmt="%.4f"
    )
    out = cli("predict", str(path), "--json")
    assert out.returncode != 0 and "rate" in out.stderr  # no time column: the rate must be given
    out = cli("predict", str(path), "--rate", "256", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 5  # 8 s - 3 s baseline -> 5 windows at 1 s hop
    assert "resampled from 256" in out.stderr and "baseline" in out.stderr


@pytest.fixture(scope="module")
def raw_session_edf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw 256 Hz session (45 s of rest with blinks, then a trial) in an EDF+ pyEDFlib wrote."""
    from evoke_tools.sessions import make_session
    from evoke_tools.writers import write_edf

    s = make_session(2, seed=4, rest_s=45.0, trials=1)
    path = tmp_path_factory.mktemp("session") / "session.edf"
    write_edf(path, DEAP_EEG_CHANNELS, (s.rate,) * 32, list(s.samples.T))
    return path


@pytest.mark.slow
def test_the_calibration_options_choose_the_resting_span(raw_session_edf: Path) -> None:
    whole = cli("predict", str(raw_session_edf), "--json")
    assert whole.returncode == 0, whole.stderr
    assert "note: baseline: the first 30 s" in whole.stderr and "windows used" in whole.stderr
    duration = read_any(raw_session_edf).duration_s
    rows = json.loads(whole.stdout)
    assert len(rows) == pytest.approx((duration - 30 - 1) / 1.0 + 1, abs=1)  # after the calibration

    span = cli("predict", str(raw_session_edf), "--json", "--calibration-span", "10", "40")
    assert span.returncode == 0, span.stderr
    assert "note: baseline: 10-40 s" in span.stderr
    assert len(json.loads(span.stdout)) == pytest.approx(duration, abs=2)  # the whole recording

    short = cli("predict", str(raw_session_edf), "--calibration", "200")
    assert short.returncode == 2 and "too short for a 200 s calibration" in short.stderr
    outside = cli("predict", str(raw_session_edf), "--calibration-span", "100", "190")
    assert outside.returncode == 2 and "not a span of at least 1 s inside" in outside.stderr
    bad = cli("predict", str(raw_session_edf), "--calibration", "0.5")
    assert bad.returncode == 2 and "--calibration" in bad.stderr


@pytest.mark.slow
def test_deap_baselines_and_smoother_options(deap_two_trials: Path) -> None:
    session = cli("predict", str(deap_two_trials), "--session-baseline", "--json")
    assert session.returncode == 0, session.stderr
    assert "the 2 trials' pre-trial seconds pooled" in session.stderr
    rest = cli("predict", str(deap_two_trials), "--calibration", "10")
    assert rest.returncode == 2 and "a baseline must be rest" in rest.stderr

    out = cli("predict", str(deap_two_trials), "--trial", "1", "--hop", "0.25", "--json",
              "--smoother", "ema", "--tau", "2", "--hysteresis", "0.2")  # fmt: skip
    assert out.returncode == 0, out.stderr
    smoothing = SmoothingSettings(tau_s=2.0, hysteresis=0.2, method="ema")
    tl = predict(read_recording(deap_two_trials, trial=1), load_model(),
                 PredictOptions(hop_s=0.25, smoothing=smoothing)).timelines[0]  # fmt: skip
    rows = json.loads(out.stdout)
    np.testing.assert_allclose([r["valence"] for r in rows], tl.probs[:, 0], atol=1e-4)
    default = json.loads(cli("predict", str(deap_two_trials), "--trial", "1", "--hop", "0.25",
                             "--json").stdout)  # fmt: skip
    assert [r["valence"] for r in default] != [r["valence"] for r in rows]
