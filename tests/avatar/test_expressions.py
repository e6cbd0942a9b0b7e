"""What the ARKit keys do, in the head's frame: +x is the character's left, -y forward, +z up.

``test_geometry.py`` checks what every key shares (its region, its size, the mirror between
Left and Right); here each kind of move is checked for its direction, for what it must leave
alone, and for how it combines with the keys it is meant to go with.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from evoke_blender.avatar import eyes, proportions, surface

Keys = dict[str, np.ndarray]
MM = 0.001


def _moved(disp: np.ndarray, tol: float = 0.0005) -> np.ndarray:
    return np.asarray(np.linalg.norm(disp, axis=1) > tol)


def _lip(fd: Any, upper: bool, loops: float = 1.0) -> np.ndarray:
    """Head vertices of the middle of one lip, within ``loops`` of the lip line."""
    loop = np.nan_to_num(fd.attrs["loop"], nan=99.0)
    phi = np.nan_to_num(fd.attrs["phi"])
    middle = np.abs(np.sin(phi)) > 0.9
    side = np.sin(phi) > 0 if upper else np.sin(phi) < 0
    return np.asarray(
        (fd.island == proportions.HEAD) & (np.abs(loop) <= loops) & (loop >= 0) & middle & side
    )


def test_no_key_moves_the_back_of_the_head(fd: Any, keys: Keys) -> None:
    back = fd.p[:, 1] > proportions.FACE_BACK_Y
    assert back.sum() > 1000 and (fd.island[back] == proportions.HEAD).sum() > 500
    for name, disp in keys.items():
        assert np.abs(disp[back]).max() == 0.0, name


@pytest.mark.parametrize("stem", ["jaw", "mouth"])
def test_sideways_keys_move_toward_their_side(fd: Any, keys: Keys, stem: str) -> None:
    """jawLeft/mouthLeft carry their part to the character's left (+x); nothing goes the other way."""
    for suffix, sign in (("Left", 1.0), ("Right", -1.0)):
        disp = keys[stem + suffix]
        moved = _moved(disp)
        assert (sign * disp[moved, 0] > 0).all(), stem + suffix
        lower_lip = _lip(fd, upper=False)
        assert (sign * disp[lower_lip, 0] > 4 * MM).all()  # the lower lip goes along
    teeth_up = fd.island == proportions.TEETH_UP
    assert np.abs(keys["jawLeft"][teeth_up]).max() == 0.0  # the skull stays
    teeth_lo = fd.island == proportions.TEETH_LO
    assert (keys["jawLeft"][teeth_lo, 0] > 5 * MM).all()  # the lower teeth ride the jaw
    assert np.abs(keys["mouthLeft"][teeth_lo]).max() == 0.0  # lips slide over still teeth
    upper_lip = _lip(fd, upper=True)
    assert np.abs(keys["jawLeft"][upper_lip]).max() < 0.5 * MM
    assert (keys["mouthLeft"][upper_lip, 0] > 4 * MM).all()


def test_jaw_forward_juts_the_lower_jaw(fd: Any, keys: Keys) -> None:
    disp = keys["jawForward"]
    moved = _moved(disp)
    assert (disp[moved, 1] < 0).all()  # forward is -y
    for island in (proportions.TEETH_LO, proportions.TONGUE):
        assert (disp[fd.island == island, 1] < -4 * MM).all()
    assert np.abs(disp[fd.island == proportions.TEETH_UP]).max() == 0.0


def test_jaw_open_carries_the_tongue_and_teeth_down(fd: Any, keys: Keys) -> None:
    disp = keys["jawOpen"]
    for island in (proportions.TEETH_LO, proportions.TONGUE):
        assert disp[fd.island == island, 2].mean() < -8 * MM
    assert disp[_lip(fd, upper=False), 2].mean() < -15 * MM
    assert np.abs(disp[_lip(fd, upper=True)]).max() < 0.5 * MM


def test_mouth_close_seals_the_lips_over_an_open_jaw(fd: Any, keys: Keys) -> None:
    """ARKit's mouthClose: jawOpen + mouthClose is a dropped jaw with the lips together."""
    upper, lower = _lip(fd, upper=True), _lip(fd, upper=False)

    def gap(disp: np.ndarray) -> float:
        moved = fd.p + disp
        return float(moved[upper, 2].mean() - moved[lower, 2].mean())

    rest = gap(np.zeros_like(fd.p))
    assert gap(keys["jawOpen"]) > rest + 20 * MM
    assert abs(gap(keys["jawOpen"] + keys["mouthClose"]) - rest) < 1 * MM
    loop = np.nan_to_num(fd.attrs["loop"], nan=0.0)
    chin = (fd.island == proportions.HEAD) & (loop > 12) & (keys["jawOpen"][:, 2] < -10 * MM)
    assert chin.sum() > 20
    assert np.abs(keys["mouthClose"][chin]).max() == 0.0  # the jaw itself stays open


def test_tongue_rests_inside_and_tongue_out_puts_it_past_the_lips(fd: Any, keys: Keys) -> None:
    tongue = fd.island == proportions.TONGUE
    lips_front = fd.p[_lip(fd, upper=False) | _lip(fd, upper=True), 1].min()
    assert fd.p[tongue, 1].min() > lips_front + 8 * MM  # hidden behind the closed lips
    out = fd.p + keys["tongueOut"]
    assert (keys["tongueOut"][tongue, 1] < 0).all()  # all of it slides forward
    tip = tongue & (np.nan_to_num(fd.attrs["tip"]) > 0.95)
    assert out[tip, 1].max() < lips_front - 5 * MM  # the tip sticks out past the lips
    outside = tongue & (out[:, 1] < lips_front)
    assert outside.sum() > 10


def _pupil(left: bool, name: str) -> np.ndarray:
    pitch, yaw = eyes.eye_rotation({name: 1.0}, left)
    return eyes.gaze_matrix(pitch, yaw) @ np.array([0.0, -1.0, 0.0])


def test_eye_look_turns_each_eyeball_its_way() -> None:
    """Up/Down pitch the pupil; In turns it to the nose, Out to the eye's own side."""
    for left, side, own in ((True, "Left", 1.0), (False, "Right", -1.0)):
        up, down = _pupil(left, f"eyeLookUp{side}"), _pupil(left, f"eyeLookDown{side}")
        inward, outward = _pupil(left, f"eyeLookIn{side}"), _pupil(left, f"eyeLookOut{side}")
        limit = math.sin(math.radians(15.0))
        assert up[2] > limit and down[2] < -limit and abs(up[0]) < 1e-12
        assert own * inward[0] < -limit and own * outward[0] > limit and abs(inward[2]) < 1e-12
        assert _pupil(left, f"eyeLookUp{'Right' if left else 'Left'}")[1] == -1.0  # other eye
    assert eyes.eye_rotation({}, True) == (0.0, 0.0)


def test_eye_look_lids_follow_on_their_spheres(fd: Any, keys: Keys) -> None:
    for side, left in (("Left", True), ("Right", False)):
        centre = fd.eye_l if left else fd.eye_r
        upper_lid, _ = eyes.eye_islands(left)
        other = eyes.eye_islands(not left)
        lids = np.isin(fd.island, eyes.eye_islands(left))
        for direction in ("Up", "Down", "In", "Out"):
            disp = keys[f"eyeLook{direction}{side}"]
            assert np.abs(disp[~lids]).max() == 0.0  # only this eye's lids
            assert np.abs(disp[np.isin(fd.island, other)]).max() == 0.0
            before = np.linalg.norm(fd.p[lids] - centre, axis=1)
            after = np.linalg.norm(fd.p[lids] + disp[lids] - centre, axis=1)
            np.testing.assert_allclose(after, before, atol=1e-12)  # they glide on the eyeball
        upper = fd.island == upper_lid
        assert keys[f"eyeLookUp{side}"][upper, 2].mean() > 1 * MM
        assert keys[f"eyeLookDown{side}"][upper, 2].mean() < -1 * MM
        own = 1.0 if left else -1.0
        assert own * keys[f"eyeLookOut{side}"][upper, 0].mean() > 0.3 * MM
        assert own * keys[f"eyeLookIn{side}"][upper, 0].mean() < -0.3 * MM


@pytest.mark.parametrize("upper", [True, False])
def test_roll_tucks_one_lip_in_and_shrug_pushes_it_up(fd: Any, keys: Keys, upper: bool) -> None:
    which = "Upper" if upper else "Lower"
    lip, other = _lip(fd, upper), _lip(fd, not upper)
    roll, shrug = keys[f"mouthRoll{which}"], keys[f"mouthShrug{which}"]
    assert (roll[lip, 1] > 2 * MM).all()  # back, into the mouth
    assert (np.sign(roll[lip, 2]) == (-1.0 if upper else 1.0)).all()  # toward the slit
    assert (shrug[lip, 2] > 2 * MM).all() and (shrug[lip, 1] < 0).all()  # up and out
    assert np.abs(roll[other]).max() < 0.2 * MM and np.abs(shrug[other]).max() < 0.2 * MM


def test_dimple_pulls_the_corner_back_and_out(fd: Any, keys: Keys) -> None:
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        disp = keys[f"mouthDimple{side}"]
        strongest = np.argsort(np.linalg.norm(disp, axis=1))[-10:]
        assert (disp[strongest, 1] > 2 * MM).all()  # into the cheek
        assert (sign * fd.p[strongest, 0] > 0.02).all()  # at its own corner
        assert (sign * disp[strongest, 0] > 0).all()


@pytest.mark.parametrize("name", ["browDownLeft", "browInnerUp", "browOuterUpLeft"])
def test_brows_slide_along_the_skin(fd: Any, keys: Keys, name: str) -> None:
    """A moved brow keeps its front above the skin instead of sinking into the brow ridge."""
    brow = np.flatnonzero(fd.island == proportions.BROW_L)
    front = brow[np.isin(np.arange(len(brow)) % 4, (0, 3))]  # each section's outer corners
    moved = fd.p[front] + keys[name][front]
    skin = surface.front_point(moved[:, 0], moved[:, 2])
    assert np.linalg.norm(keys[name][front], axis=1).max() > 5 * MM
    assert (moved[:, 1] < skin[:, 1] - 0.5 * MM).all()
