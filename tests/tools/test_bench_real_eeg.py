"""The real-EEG bench: it finds and reads what the OpenBCI GUI writes (through inference.io), live equals offline on a raw
session, and a folder without recordings says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from evoke_tools import bench_real_eeg as bench

from inference.dsp.electrodes import DEAP_EEG_CHANNELS

HEADER = (
    "%OpenBCI Raw EXG Data\r\n%Number of channels = 8\r\n%Sample Rate = 250 Hz\r\n"
    "%Board = OpenBCI_GUI$BoardCytonSerial\r\n"
    "Sample Index, EXG Channel 0, EXG Channel 1, EXG Channel 2, EXG Channel 3, EXG Channel 4, "
    "EXG Channel 5, EXG Channel 6, EXG Channel 7, Accel Channel 0, Timestamp\r\n"
)


def test_openbci_text_is_read_with_its_rate_and_cyton_placement(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0, 20, (500, 8)).round(2)
    rows = [f"{k}, " + ", ".join(f"{v:.2f}" for v in r) + f", 0.040, {1557936053329 + 4 * k}"
            for k, r in enumerate(x)]  # fmt: skip
    path = tmp_path / "OpenBCI-RAW-test.txt"
    path.write_text(HEADER + "\r\n".join(rows) + "\r\n")
    assert bench.find_recordings([tmp_path]) == [path]
    rec = bench.load(path)
    assert rec.rate == 250.0 and rec.channels == ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")
    np.testing.assert_allclose(rec.samples, x, atol=1e-9)


def test_an_empty_folder_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("not a recording")
    assert bench.main([str(tmp_path)]) == 1
    assert "no recording found" in capsys.readouterr().err


def test_live_equals_offline_and_every_figure_is_a_share(tmp_path: Path) -> None:
    """A raw 70 s session in an EDF+ pyEDFlib wrote: the live path (LiveProcessor, chunked)
    shows what offline as live shows, window for window."""
    from evoke_tools.sessions import make_session
    from evoke_tools.writers import write_edf

    s = make_session(3, seed=1, rest_s=40.0, trials=1)
    x = s.samples[: round(70 * s.rate)]
    write_edf(tmp_path / "session.edf", DEAP_EEG_CHANNELS, (s.rate,) * 32, list(x.T))
    fig = bench.run([tmp_path])["recordings"]["session.edf"]
    assert fig["live_equals_offline"] == 1.0 and fig["windows"] > 100
    for path in bench.PATHS:
        r = fig[path]
        assert set(r["start_agreement"]) == {f"{v:g}" for v in bench.STARTS_S}
        assert all(0 <= v <= 1 for v in r["start_agreement"].values())
        assert 0 <= r["share_undecided"] <= r["share_below_0.25"] <= r["share_below_0.5"] <= 1
