"""Channel matching by 10-20 name."""

from __future__ import annotations

import pytest

from inference.electrodes import DEAP_EEG_CHANNELS, canonical_name, match_channels
from inference.errors import InputError

EPOC = ["AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4"]


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("fp1", "Fp1"),
        ("EEG Fz", "Fz"),
        ("T3", "T7"),
        ("t6", "P8"),
        ("CZ-REF", "Cz"),
        ("EMG1", None),
        ("Muse", None),
    ],
)
def test_canonical_names(label: str, name: str | None) -> None:
    assert canonical_name(label) == name


def test_deap_order_matches_itself() -> None:
    m = match_channels([*DEAP_EEG_CHANNELS, "GSR"])
    assert m.n_matched == 32 and m.missing == () and m.unused == ("GSR",)
    assert m.source_index.tolist() == list(range(32))


def test_emotiv_epoc_reports_missing() -> None:
    m = match_channels(EPOC)
    assert m.n_matched == 14
    assert "Fz" in m.missing and len(m.missing) == 18


def test_muse_is_refused_clearly() -> None:
    with pytest.raises(InputError, match=r"only 0 of the 32 .*TP9"):
        match_channels(["TP9", "AF7", "AF8", "TP10"], source="muse stream")
