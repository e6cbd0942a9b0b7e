"""Face profiles without Blender: each tool's naming is recognised from its key names, and the
ARKit presets reach that tool's own keys (or its own per-emotion table) with the right weights."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference.emotion.table import EmotionTable
from inference.errors import InputError
from inference.face import profile_data, profiles
from inference.face.presets import Presets
from inference.face.profiles import detect_profile, map_presets, rank_profiles

DATA = json.loads(Path(profile_data.__file__).with_name(profile_data.PROFILES_FILE).read_text())
RAW = {p["id"]: p for p in DATA["profiles"]}
EMOTIONS = EmotionTable.default().names
PRESETS = Presets.from_dict(
    {
        "emotions": {
            "neutral": {"shape_keys": {}},
            "happiness": {"shape_keys": {"mouthSmileLeft": 0.9, "mouthSmileRight": 0.8}},
            "sadness": {"shape_keys": {"browInnerUp": 0.7, "mouthFrownLeft": 0.6}},
            "surprise": {"shape_keys": {"jawOpen": 0.85, "eyeWideLeft": 0.9}},
            "fear": {"shape_keys": {"eyeLookInLeft": 0.4, "mouthFunnel": 0.5}},
        }
    }
)


def names(profile_id: str) -> list[str]:
    return list(RAW[profile_id]["names"])


ARKIT = names("ARKIT")
CC4_EXTENDED = [n for n in names("CC4") if not re.match(r"A\d\d_", n)]
CC3_PLUS = [n for n in names("CC4") if re.match(r"A\d\d_", n)]


def test_the_names_found_are_the_tools_own() -> None:
    """Spot checks against the sources cited in profile_data.py, so a garbled list fails here."""
    assert len(ARKIT) == 52 and {"jawOpen", "mouthSmileLeft", "tongueOut"} <= set(ARKIT)
    vroid = names("VROID")
    assert len(vroid) == 57 and {"Fcl_ALL_Joy", "Fcl_BRW_Angry", "Fcl_MTH_A"} <= set(vroid)
    assert names("VRM")[:6] == ["happy", "angry", "sad", "relaxed", "surprised", "neutral"]
    assert {"Brow_Raise_Inner_L", "Eye_Blink_L", "Mouth_Smile_L", "Jaw_Open"} <= set(CC4_EXTENDED)
    assert len(CC3_PLUS) == 52 and CC3_PLUS[0] == "A01_Brow_Inner_Up"
    assert CC3_PLUS[24] == "A25_Jaw_Open" and CC3_PLUS[-1] == "A52_Tongue_Out"
    assert {"aa_02", "sil_00"} <= set(names("MPFB")) and set(ARKIT) <= set(names("MPFB"))


def test_whole_expression_tables_cover_the_emotion_table_exactly() -> None:
    for profile in profile_data.default_profiles():
        for variant in profile.variants:
            if profile.kind == profile_data.EXPRESSIONS:
                assert set(variant.emotions) == set(EMOTIONS), (profile.id, variant.name)
                keys = {k for w in variant.emotions.values() for k in w}
                assert keys <= set(profile.names), (profile.id, keys - set(profile.names))
                assert all(0 < w <= 1 for e in variant.emotions.values() for w in e.values())
            else:
                assert set(variant.units) <= set(ARKIT), profile.id


@pytest.mark.parametrize(
    ("mesh", "expected"),
    [
        (ARKIT, "ARKIT"),
        (names("VROID"), "VROID"),
        (names("VRM"), "VRM"),
        (CC4_EXTENDED, "CC4"),
        (CC3_PLUS, "CC4"),
        (names("MPFB"), "MPFB"),
        ([*ARKIT, "viseme_aa", "viseme_PP", "viseme_sil"], "ARKIT"),  # Ready Player Me
    ],
)
def test_each_naming_is_detected(mesh: list[str], expected: str) -> None:
    profile, coverage = detect_profile(["Basis", *mesh, "Body_Fat"])
    assert profile is not None and profile.id == expected
    assert map_presets(PRESETS, EMOTIONS, mesh).how == profiles.DETECTED
    own = [n for n in mesh if not n.startswith("viseme_")]  # RPM's visemes are not ARKit's
    assert coverage.found == len(own)  # every key of the tool is recognised, nothing else
    assert coverage.total == len(RAW[expected]["names"])


@pytest.mark.parametrize(
    "spell",
    [
        lambda n: re.sub("Left$", "_L", re.sub("Right$", "_R", n)),
        lambda n: re.sub("Left$", "_Left", re.sub("Right$", "_Right", n)),
        lambda n: re.sub(r"(?<=[a-z])([A-Z])", r"_\1", n).lower(),  # brow_inner_up
        lambda n: "blendShape1." + n,
        lambda n: re.sub("Left$", ".L", re.sub("Right$", ".R", n)),  # Blender's eyeBlink.L
        lambda n: n[0].upper() + n[1:],  # Unreal's EyeBlinkLeft
        lambda n: re.sub("Left$", "L", re.sub("Right$", "R", n[0].upper() + n[1:])),
    ],
)
def test_arkit_spellings_drive_the_same_units(spell: Any) -> None:
    mesh = [spell(n) for n in ARKIT]
    profile, coverage = detect_profile(mesh)
    assert profile is not None and profile.id == "ARKIT" and coverage.found == 52
    mapping = map_presets(PRESETS, EMOTIONS, mesh)
    smile, jaw = spell("mouthSmileLeft"), spell("jawOpen")
    assert mapping.weights["happiness"][smile] == pytest.approx(0.9)
    assert mapping.weights["surprise"][jaw] == pytest.approx(0.85)
    assert mapping.weights["neutral"][jaw] == 0.0
    # coverage counts the face's ARKit keys (52), then the keys the (test) presets use
    assert mapping.missing == ()
    assert mapping.summary() == "ARKit (detected): 52 of 52 keys; the presets drive 8 of 8"


def test_cc4_extended_maps_each_arkit_unit_onto_cc4_keys() -> None:
    mapping = map_presets(PRESETS, EMOTIONS, CC4_EXTENDED)
    assert (mapping.profile.id, mapping.variant) == ("CC4", "CC4 Extended")
    sad, fear = mapping.weights["sadness"], mapping.weights["fear"]
    assert sad["Brow_Raise_Inner_L"] == sad["Brow_Raise_Inner_R"] == pytest.approx(0.7)
    assert sad["Mouth_Frown_L"] == pytest.approx(0.6)
    assert mapping.weights["happiness"]["Mouth_Smile_R"] == pytest.approx(0.8)
    assert mapping.weights["surprise"]["Jaw_Open"] == pytest.approx(0.85)
    assert fear["Eye_L_Look_R"] == pytest.approx(0.4)  # ARKit's "in" of the left eye
    funnel = [
        "Mouth_Funnel_Up_L",
        "Mouth_Funnel_Up_R",
        "Mouth_Funnel_Down_L",
        "Mouth_Funnel_Down_R",
    ]
    assert [fear[k] for k in funnel] == pytest.approx([0.5] * 4)
    assert "mouthSmileLeft" not in mapping.columns and mapping.missing == ()


def test_cc3_plus_names_use_their_own_variant() -> None:
    mapping = map_presets(PRESETS, EMOTIONS, CC3_PLUS)
    assert (mapping.profile.id, mapping.variant) == ("CC4", "CC3+")
    assert mapping.weights["happiness"]["A38_Mouth_Smile_Left"] == pytest.approx(0.9)
    assert mapping.weights["fear"]["A11_Eye_Look_In_Left"] == pytest.approx(0.4)
    assert mapping.weights["fear"]["A29_Mouth_Funnel"] == pytest.approx(0.5)


def test_mpfb_is_told_from_plain_arkit_by_its_visemes() -> None:
    assert detect_profile(ARKIT)[0].id == "ARKIT"  # type: ignore[union-attr]
    mapping = map_presets(PRESETS, EMOTIONS, names("MPFB"))
    assert mapping.profile.id == "MPFB" and mapping.notes == ()  # the same keys: no ambiguity
    assert mapping.weights["happiness"]["mouthSmileLeft"] == pytest.approx(0.9)


def test_vroid_uses_its_own_emotion_table_whichever_keys_the_mesh_has() -> None:
    table = RAW["VROID"]["variants"][0]["emotions"]
    mapping = map_presets(PRESETS, EMOTIONS, names("VROID"))
    assert mapping.variant == "VRoid parts"
    total = len(RAW["VROID"]["names"])
    assert (
        mapping.summary()
        == f"VRoid (detected): {total} of {total} keys; the presets drive 16 of 16"
    )
    for emotion in EMOTIONS:
        expected = {k: table[emotion].get(k, 0.0) for k in mapping.columns}
        assert mapping.weights[emotion] == pytest.approx(expected), emotion
    whole = [n for n in names("VROID") if "_ALL_" in n]  # a trimmed export keeps these
    mapping = map_presets(PRESETS, EMOTIONS, whole)
    assert mapping.variant == "VRoid whole face"
    assert mapping.weights["happiness"] == {
        k: (1.0 if k == "Fcl_ALL_Joy" else 0.0) for k in mapping.columns
    }


def test_vroid_keys_missing_from_the_mesh_are_counted() -> None:
    mesh = [n for n in names("VROID") if n not in ("Fcl_EYE_Spread", "Fcl_MTH_A")]
    mapping = map_presets(PRESETS, EMOTIONS, mesh)
    total = len(RAW["VROID"]["names"])
    assert (
        mapping.summary()
        == f"VRoid (detected): {total - 2} of {total} keys; the presets drive 14 of 16"
    )
    assert set(mapping.missing) == {"Fcl_EYE_Spread", "Fcl_MTH_A"}


@pytest.mark.parametrize("prefix", ["M_F00_000_00_", "Face.M_F00_000_00_", "M_F00_000_01_"])
def test_vroid_keys_prefixed_with_the_face_mesh_name_are_recognised(prefix: str) -> None:
    """Some VRoid exports name each key after its mesh: M_F00_000_00_Fcl_ALL_Joy."""
    mesh = [prefix + n for n in names("VROID")]
    profile, coverage = detect_profile(mesh)
    assert profile is not None and profile.id == "VROID"
    assert coverage.found == len(RAW["VROID"]["names"])
    mapping = map_presets(PRESETS, EMOTIONS, mesh)
    plain = map_presets(PRESETS, EMOTIONS, names("VROID"))  # the same weights, on the mesh's names
    assert mapping.variant == plain.variant and mapping.missing == ()
    for emotion in EMOTIONS:
        expected = {prefix + k: w for k, w in plain.weights[emotion].items()}
        assert mapping.weights[emotion] == pytest.approx(expected), emotion


def test_a_name_map_alone_says_what_it_drives() -> None:
    mapping = map_presets(PRESETS, EMOTIONS, ["Smile", "Open"],
                          name_map={"mouthSmileLeft": "Smile", "jawOpen": "Open"})  # fmt: skip
    assert mapping.summary() == "Name map: the presets drive 2 of 8 keys"


def test_vrm_expression_shape_keys_get_the_vrm_table() -> None:
    table = RAW["VRM"]["variants"][0]["emotions"]
    mapping = map_presets(PRESETS, EMOTIONS, ["Basis", *names("VRM")])
    assert mapping.profile.id == "VRM"
    assert mapping.weights["happiness"]["happy"] == 1.0
    assert mapping.weights["fear"] == pytest.approx(
        {k: table["fear"].get(k, 0.0) for k in mapping.columns}
    )


def test_the_matrix_blends_the_per_emotion_weights() -> None:
    mapping = map_presets(PRESETS, EMOTIONS, names("VROID"))
    m, columns = mapping.matrix(EMOTIONS)
    blend = np.zeros(len(EMOTIONS))
    blend[EMOTIONS.index("happiness")], blend[EMOTIONS.index("surprise")] = 0.25, 0.75
    values = dict(zip(columns, blend @ m, strict=True))
    table = RAW["VROID"]["variants"][0]["emotions"]
    expected = 0.25 * table["happiness"]["Fcl_MTH_Joy"] + 0.75 * table["surprise"].get(
        "Fcl_MTH_Joy", 0
    )
    assert values["Fcl_MTH_Joy"] == pytest.approx(expected)


def test_two_namings_on_one_mesh_pick_the_larger_and_say_so() -> None:
    mesh = [*names("VROID"), *ARKIT]  # a VRoid avatar with ARKit "perfect sync" keys
    ranked = rank_profiles(mesh)
    assert [p.id for p, _ in ranked[:2]] == ["VROID", "ARKIT"]
    mapping = map_presets(PRESETS, EMOTIONS, mesh)
    assert mapping.profile.id == "VROID" and not set(mapping.columns) & set(ARKIT)
    assert any("52 ARKit keys" in note and "pick ARKit" in note for note in mapping.notes)
    chosen = map_presets(PRESETS, EMOTIONS, mesh, profile="ARKIT")
    assert chosen.how == profiles.CHOSEN and set(chosen.columns) <= set(ARKIT)
    assert chosen.weights["happiness"]["mouthSmileLeft"] == pytest.approx(0.9)


def test_no_known_names_is_a_clear_error_unless_a_name_map_says_what_to_drive() -> None:
    mesh = ["Basis", "Body_Fat", "Smile_Big"]
    assert detect_profile(mesh)[0] is None
    with pytest.raises(InputError, match="no face keys EVOKE knows") as err:
        map_presets(PRESETS, EMOTIONS, mesh, what="'Head'")
    for expected in ("'Head'", "ARKit", "VRoid", "Fcl_ALL_", "VRM", "Character Creator", "MPFB"):
        assert expected in str(err.value)
    assert "Shape-key names" in str(err.value)  # where the name map lives
    mapping = map_presets(PRESETS, EMOTIONS, mesh, name_map={"mouthSmileLeft": "Smile_Big"})
    assert mapping.columns == ("Smile_Big",) and mapping.how == profiles.NAME_MAP
    assert mapping.weights["happiness"]["Smile_Big"] == pytest.approx(0.9)


def test_a_chosen_profile_with_none_of_its_keys_is_refused() -> None:
    with pytest.raises(InputError, match="VRoid profile finds none of its keys"):
        map_presets(PRESETS, EMOTIONS, ARKIT, profile="VROID")
    with pytest.raises(InputError, match="no face profile 'NOPE'"):
        map_presets(PRESETS, EMOTIONS, ARKIT, profile="NOPE")


def test_the_name_map_wins_over_the_profile() -> None:
    mesh = [*CC4_EXTENDED, "Mouth_Smile_Sharp_L"]
    mapping = map_presets(
        PRESETS, EMOTIONS, mesh, name_map={"mouthSmileLeft": "Mouth_Smile_Sharp_L"}
    )
    assert mapping.weights["happiness"]["Mouth_Smile_Sharp_L"] == pytest.approx(0.9)
    assert "Mouth_Smile_L" not in mapping.columns
    vroid = map_presets(PRESETS, EMOTIONS, names("VROID"), name_map={"jawOpen": "Fcl_MTH_A"})
    assert vroid.weights["surprise"]["Fcl_MTH_A"] == pytest.approx(0.85)  # the preset's weight
    assert vroid.weights["excitement"]["Fcl_MTH_A"] == 0.0  # not the VRoid table's 0.3


def test_exact_names_then_case_as_before() -> None:
    mapping = map_presets(PRESETS, EMOTIONS, ["JAWOPEN", "mouthSmileLeft", "MOUTHSMILELEFT"])
    assert mapping.weights["surprise"]["JAWOPEN"] == pytest.approx(0.85)
    assert "mouthSmileLeft" in mapping.columns and "MOUTHSMILELEFT" not in mapping.columns
    assert "missingKey" not in mapping.columns


def test_two_preset_keys_on_one_shape_key_are_refused() -> None:
    with pytest.raises(InputError, match="both drive the shape key 'mouthSmileRight'"):
        map_presets(PRESETS, EMOTIONS, ARKIT, name_map={"mouthSmileLeft": "mouthSmileRight"})


def test_an_emotion_a_whole_expression_profile_lacks_shows_nothing_and_says_so() -> None:
    emotions = (*EMOTIONS[:-1], "calm")  # a user's table naming an emotion VRoid has no entry for
    mapping = map_presets(PRESETS, emotions, names("VROID"))
    assert not any(mapping.weights["calm"].values())
    assert any("no 'calm'" in note for note in mapping.notes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["profiles"][1].update(kind="morphs"), "kind must be"),
        (
            lambda d: d["profiles"][1]["variants"][0]["emotions"]["fear"].update(x=float("nan")),
            "NaN",
        ),
        (lambda d: d["profiles"][3].update(names=[]), "'names' must list"),
        (lambda d: d["profiles"].append(dict(d["profiles"][0])), "appears twice"),
        (lambda d: d["profiles"].pop(0), "ARKIT profile is missing"),
    ],
)
def test_malformed_profiles_are_refused(change: Any, message: str) -> None:
    data = json.loads(json.dumps(DATA))
    change(data)
    with pytest.raises(InputError, match=message):
        profile_data.profiles_from_dict(data)
