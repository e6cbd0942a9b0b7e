"""The blind check's bookkeeping, without Blender: the shuffled key, the namer's form, the score.

Rendering itself is the contact sheet's (``render_presets``), exercised by running the tool.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evoke_tools import blind_faces
from evoke_tools.contact_sheet import ORDER

from inference.emotion.table import EmotionTable


def test_the_faces_are_the_eight_emotions() -> None:
    assert sorted(ORDER) == sorted(EmotionTable.default().names)


def test_key_is_a_seeded_shuffle_of_every_emotion() -> None:
    key = blind_faces.blind_key(seed=7)
    assert list(key) == [f"face_{i}" for i in range(1, len(ORDER) + 1)]
    assert sorted(key.values()) == sorted(ORDER)
    assert blind_faces.blind_key(seed=7) == key  # reproducible
    orders = {tuple(blind_faces.blind_key(seed=s).values()) for s in range(10)}
    assert len(orders) >= 9 and tuple(ORDER) not in orders  # the seed really shuffles


def test_score_counts_right_answers_and_lists_confusions() -> None:
    key = {"face_1": "anger", "face_2": "disgust", "face_3": "fear", "face_10": "surprise"}
    answers = {"face_1": " Anger ", "face_2": "anger", "face_10": "surprise"}
    result = blind_faces.score(key, answers)
    assert (result.right, result.total) == (2, 4)
    assert result.confusions == [("face_2", "disgust", "anger"), ("face_3", "fear", "")]
    report = result.report()
    assert report.splitlines()[0] == "2 of 4 named right"
    assert "face_2: disgust named as anger" in report
    assert "face_3: fear named as (no answer)" in report


def test_main_scores_a_filled_in_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The form the tool writes (answers nested beside the choices) scores as it is filled in."""
    key = blind_faces.blind_key(seed=3)
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key))
    answers = dict(key)
    answers["face_1"], answers["face_2"] = key["face_2"], key["face_1"]  # two swapped
    form = tmp_path / "answers.json"
    form.write_text(json.dumps({"choices": sorted(ORDER), "answers": answers}))
    assert blind_faces.main(["--key", str(key_path), "--score", str(form)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(ORDER) - 2} of {len(ORDER)} named right")
    assert f"face_1: {key['face_1']} named as {key['face_2']}" in out


def test_the_key_never_goes_in_the_namers_folder(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="must not be in the namer's folder"):
        blind_faces.render_blind(tmp_path / "faces", tmp_path / "faces" / "key.json", 0, 64, "x")
    assert not (tmp_path / "faces").exists()
