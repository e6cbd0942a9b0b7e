"""The mouth, jaw and tongue keys as displacement fields over the merged face mesh.

Lips use their mouth-loop angle (``phi``: upper lip above, lower below, 0.5 each at the corners)
and loop index (0 at the lip line, negative inside the mouth bag); corners use Gaussian falloffs
around the mouth corner; the jaw keys move what the jaw carries (chin skin, lower lip, the lower
half of the mouth bag, the lower teeth and the tongue) as the jaw bone would.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .mesh import FaceData
from .proportions import HEAD, JAW_HINGE, MOUTH_A0, TEETH_LO, TONGUE, FloatArray
from .surface import (
    directions_from_plane,
    face_surface,
    gauss3,
    jaw_weight,
    lower_weight,
    mouth_axes,
    rotate_x,
    slide_on_skin,
    smoothstep,
)

JAW_OPEN_DEGREES = 19.0  # jawOpen at full weight; mouthClose undoes it on the lips


def _skin(fd: FaceData) -> FloatArray:
    """Head-skin mask: falloffs must not drag brows, lids or teeth, which have their own keys."""
    return fd.mask(HEAD)


def _side(fd: FaceData, left: bool, width: float = 0.006) -> FloatArray:
    """Soft left/right split at the midline so Left+Right keys sum to a symmetric pose."""
    x = fd.p[:, 0]
    return smoothstep(-width, width, x) if left else smoothstep(width, -width, x)


def _sign(left: bool) -> float:
    """+1 toward the character's left (+X), -1 toward the right."""
    return 1.0 if left else -1.0


# --------------------------------------------------------------------------- mouth corners


def _mouth_corner(fd: FaceData, left: bool, sigma: float = 0.011) -> FloatArray:
    """Falloff around a mouth corner on the skin (lips included, mouth bag mostly excluded)."""
    corner_a = np.array([_sign(left) * MOUTH_A0])
    corner = face_surface(directions_from_plane(corner_a, np.array([0.0])))[0]
    w = gauss3(fd.p, corner, (sigma, 0.03, sigma * 0.95))
    return cast(FloatArray, w * _skin(fd))


def _key_mouth_corner(
    fd: FaceData, left: bool, move: tuple[float, float, float], sigma: float
) -> FloatArray:
    """Move a mouth corner by ``move`` = (outward, back, up) metres with a smooth falloff."""
    w = _mouth_corner(fd, left, sigma)
    d = np.zeros_like(fd.p)
    d[:, 0] = _sign(left) * move[0] * w
    d[:, 1] = move[1] * w
    d[:, 2] = move[2] * w
    return d


def key_smile(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls up, out and back (zygomaticus major); the cheek bunches up beside it."""
    d = _key_mouth_corner(fd, left, (0.0060, 0.0045, 0.0120), 0.0110)
    d += _key_mouth_corner(fd, left, (0.0015, -0.0015, 0.0035), 0.022)
    return d


def key_frown(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls down (depressor anguli oris)."""
    d = _key_mouth_corner(fd, left, (0.0012, 0.001, -0.0085), 0.012)
    return d + _key_mouth_corner(fd, left, (0.0, 0.0, -0.0020), 0.02)


def key_stretch(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls straight out and slightly down (risorius/platysma, fear)."""
    d = _key_mouth_corner(fd, left, (0.0075, 0.0030, -0.0030), 0.013)
    return d


def key_dimple(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls back into the cheek (buccinator), pressing a dimple just beside it."""
    d = _key_mouth_corner(fd, left, (0.0025, 0.0040, 0.0008), 0.011)
    corner_a = np.array([_sign(left) * (MOUTH_A0 + 0.10)])
    pit = face_surface(directions_from_plane(corner_a, np.array([0.0])))[0]
    w = gauss3(fd.p, pit, (0.004, 0.03, 0.005)) * _skin(fd)
    d[:, 1] += 0.0018 * w
    return d


# --------------------------------------------------------------------------- lips


def _lip_region(fd: FaceData, loops: float) -> FloatArray:
    """Falloff over the first mouth loops (lips and the skin just around them)."""
    loop = np.nan_to_num(fd.attrs["loop"], nan=99.0)
    return cast(FloatArray, smoothstep(loops, 0.0, np.abs(loop)) * _skin(fd))


def _upper_lower(fd: FaceData) -> tuple[FloatArray, FloatArray]:
    """Upper- and lower-lip shares per vertex (they sum to 1; 0.5 each at the mouth corners)."""
    phi = np.nan_to_num(fd.attrs["phi"])
    lower = lower_weight(phi)
    return 1.0 - lower, lower


def _middle(fd: FaceData) -> FloatArray:
    """1 over the middle of the lips, fading to 0 at the corners."""
    return cast(FloatArray, np.abs(np.sin(np.nan_to_num(fd.attrs["phi"]))))


def key_press(fd: FaceData, left: bool) -> FloatArray:
    """Lips press together and thin: both lips roll toward the slit and back."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 4.0) * _side(fd, left, 0.012)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0032 * w * (lower - upper)
    d[:, 1] = 0.0022 * w
    return d


def key_upper_up(fd: FaceData, left: bool) -> FloatArray:
    """Upper lip raises, baring the upper teeth (disgust)."""
    upper, _ = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * upper * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0070 * w
    d[:, 1] = -0.0010 * w
    return d


def key_lower_down(fd: FaceData, left: bool) -> FloatArray:
    """Lower lip pulls down, showing the lower teeth."""
    _, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * lower * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = -0.0060 * w
    d[:, 1] = -0.0010 * w
    return d


def key_roll(fd: FaceData, upper_lip: bool) -> FloatArray:
    """One lip rolls in over the teeth: its red part tucks back and toward the slit."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 4.5) * (upper if upper_lip else lower) * (0.3 + 0.7 * _middle(fd))
    d = np.zeros_like(fd.p)
    d[:, 1] = 0.0045 * w
    d[:, 2] = (-0.0022 if upper_lip else 0.0022) * w
    return d


def key_shrug(fd: FaceData, upper_lip: bool) -> FloatArray:
    """A lip pushes up and out: the lower one with the chin boss (mentalis), or the upper one."""
    upper, lower = _upper_lower(fd)
    share = upper if upper_lip else lower
    w = _lip_region(fd, 7.0 if upper_lip else 11.0) * share * (0.4 + 0.6 * _middle(fd))
    d = np.zeros_like(fd.p)
    d[:, 2] = (0.0030 if upper_lip else 0.0040) * w
    d[:, 1] = -0.0020 * w
    return d


def key_pucker(fd: FaceData) -> FloatArray:
    """Lips gather toward the middle and push forward (a kiss)."""
    w = _lip_region(fd, 7.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.45 * fd.p[:, 0] * w
    d[:, 1] = -0.0055 * w
    return d


def key_funnel(fd: FaceData) -> FloatArray:
    """Lips flare forward into an open 'O'."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.25 * fd.p[:, 0] * w
    d[:, 1] = -0.0045 * w
    d[:, 2] = 0.0035 * w * (upper - lower)
    return d


def key_mouth_sideways(fd: FaceData, left: bool) -> FloatArray:
    """Both lips slide together toward one side (mouthLeft moves to the character's left)."""
    w = _lip_region(fd, 9.0) * (1.0 - 0.3 * smoothstep(0.0, 0.03, np.abs(fd.p[:, 0])))
    return slide_on_skin(fd.p, _sign(left) * 0.0065 * w, np.zeros(len(w)))


# --------------------------------------------------------------------------- jaw and tongue


def _jaw_carry(fd: FaceData) -> FloatArray:
    """What the jaw carries: chin skin, lower lip and mouth bag, lower teeth, tongue."""
    phi = np.nan_to_num(fd.attrs["phi"])
    return cast(FloatArray, jaw_weight(fd.p, phi) * _skin(fd) + fd.mask(TEETH_LO, TONGUE))


def _jaw_turn(fd: FaceData, degrees: float, weight: FloatArray) -> FloatArray:
    """Displacement of a jaw swing by ``degrees`` about the hinge, per-vertex ``weight``."""
    return rotate_x(fd.p, JAW_HINGE, math.radians(degrees) * weight) - fd.p


def key_jaw_open(fd: FaceData) -> FloatArray:
    """Lower jaw (chin, lower lip, lower mouth bag, teeth and tongue) swings open at the hinge."""
    return _jaw_turn(fd, JAW_OPEN_DEGREES, _jaw_carry(fd))


def key_jaw_forward(fd: FaceData) -> FloatArray:
    """Lower jaw juts forward (an underbite)."""
    d = np.zeros_like(fd.p)
    d[:, 1] = -0.0055 * _jaw_carry(fd)
    return d


def key_jaw_sideways(fd: FaceData, left: bool) -> FloatArray:
    """Lower jaw shifts toward one side (jawLeft moves it to the character's left)."""
    d = np.zeros_like(fd.p)
    d[:, 0] = _sign(left) * 0.0065 * _jaw_carry(fd)
    return d


def key_mouth_close(fd: FaceData) -> FloatArray:
    """Lips close over an open jaw: the lower lip and bag undo jawOpen's swing (ARKit's sense).

    Meant on top of jawOpen: jawOpen 1 + mouthClose 1 is a dropped jaw behind sealed lips.
    """
    loop = np.abs(np.nan_to_num(fd.attrs["loop"], nan=99.0))
    lips = smoothstep(7.0, 3.0, loop) * _skin(fd)
    phi = np.nan_to_num(fd.attrs["phi"])
    carry = jaw_weight(fd.p, phi) * _skin(fd)
    return -_jaw_turn(fd, JAW_OPEN_DEGREES, carry) * lips[:, None]


def key_tongue_out(fd: FaceData) -> FloatArray:
    """The jaw drops a little and the tongue slides out over the lower lip, its tip lowered."""
    d = _jaw_turn(fd, 8.0, _jaw_carry(fd))
    _, up, _ = mouth_axes()
    out = np.array([0.0, -0.95, -0.31])  # forward, a little down: out of the mouth
    tongue = fd.mask(TONGUE)
    tip = np.nan_to_num(fd.attrs["tip"])
    reach = tongue * 0.030 * (0.3 + 0.7 * tip)
    lift = tongue * (0.0065 * np.sqrt(tip) - 0.003 * tip**2)
    d += reach[:, None] * out + lift[:, None] * up
    _, lower = _upper_lower(fd)
    part = _lip_region(fd, 5.0) * _middle(fd) * lower
    d[:, 2] -= 0.0025 * part
    d[:, 1] -= 0.0015 * part
    return d
