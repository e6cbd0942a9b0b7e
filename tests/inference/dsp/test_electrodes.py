"""Channel matching by 10-20 name."""

from __future__ import annotations

import pytest

from inference.dsp.electrodes import DEAP_EEG_CHANNELS, canonical_name, match_channels
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
        ("EEG.AF3", "AF3"),  # Emotiv exports
        ("EEG:Fp1", "Fp1"),
        ("POL Fp1", "Fp1"),  # Nihon Kohden
        ("Fp1.", "Fp1"),  # PhysioNet pads with dots
        ("C3..", "C3"),
        ("Fc5.", "FC5"),
        ("EEG Fp1-LE", "Fp1"),  # linked ears
        ("EEG T3-REF", "T7"),
        ("Fp1-F7", None),  # a bipolar derivation is not one electrode
        ("PO3", "PO3"),
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


def test_channel_map_names_numbered_channels_and_messages_say_what_matched() -> None:
    from inference.dsp.electrodes import describe_match
    from inference.dsp.montages import not_deap, parse_channel_map

    labels = [f"Ch{k}" for k in range(1, 9)]
    with pytest.raises(InputError, match=r"only 0 .*matched: none.*channel map"):
        match_channels(labels)
    mapping = parse_channel_map(
        "Ch1=Fp1, Ch2=fp2; 3=C3, Ch4=C4, Ch5=T5, Ch6=P8, Ch7=O1, Ch8=O2", labels
    )
    assert mapping == {
        "Ch1": "Fp1", "Ch2": "Fp2", "Ch3": "C3", "Ch4": "C4", "Ch5": "P7", "Ch6": "P8", "Ch7": "O1", "Ch8": "O2",
    }  # fmt: skip
    m = match_channels(labels, channel_map=mapping)
    assert m.n_matched == 8 and m.unused == ()
    text = describe_match(m, labels)
    assert "Fp1<-Ch1" in text and "8 electrodes matched" in text
    assert parse_channel_map('{"Ch1": "Fz"}') == {"Ch1": "Fz"}
    # electrodes outside DEAP's 32 are kept as names, so those channels go unused, as a
    # channel labelled T9 does
    outside = parse_channel_map("Ch1=Fpz, Ch2=T9, 3=C3", labels)
    assert outside == {"Ch1": "Fpz", "Ch2": "T9", "Ch3": "C3"}
    assert not_deap(outside) == ["Ch1=Fpz", "Ch2=T9"]
    m = match_channels(labels, channel_map=outside, min_electrodes=1)
    assert m.n_matched == 1 and {"Ch1", "Ch2"} <= set(m.unused)
    for bad, message in (("Ch1", "channel=electrode"), ('{"a": ' * 60_000, "nested too deeply"),
                         ("Ch1=Fp1,Ch2=Fp1", "same electrode"), ("9=Fp1", "does not exist")):  # fmt: skip
        with pytest.raises(InputError, match=message):
            parse_channel_map(bad, labels)


@pytest.mark.parametrize(
    ("montage", "labels", "expected"),
    [
        ("emotiv-epoc", [f"Ch{k}" for k in range(1, 15)], EPOC),
        ("openbci-cyton", [f"EXG Channel {k}" for k in range(8)], ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"]),
        ("openbci-cyton-daisy", [str(k) for k in range(1, 17)],
         ["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2", "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4"]),
    ],
)  # fmt: skip
def test_positional_montages(montage: str, labels: list[str], expected: list[str]) -> None:
    from inference.dsp.montages import montage_map

    mapping = montage_map(montage, labels)
    assert [mapping[lab] for lab in labels] == expected
    assert match_channels(labels, channel_map=mapping).n_matched == len(expected)


def test_biosemi_labels_in_any_order_and_spelling() -> None:
    from inference.dsp.montages import montage_map

    labels = [
        "EEG B16",
        "A1",
        "A2-REF",
        *[f"A{k}" for k in range(3, 17)],
        *[f"B{k}" for k in range(1, 16)],
    ]
    mapping = montage_map("biosemi32", labels)
    assert mapping["EEG B16"] == "Cz" and mapping["A1"] == "Fp1" and mapping["B14"] == "Fp2"
    assert match_channels(labels, channel_map=mapping).n_matched == 32
    with pytest.raises(InputError, match="names 14 channels"):
        montage_map("emotiv-epoc", ["Ch1", "Ch2"])
    with pytest.raises(InputError, match="unknown montage"):
        montage_map("muse", ["Ch1"])
