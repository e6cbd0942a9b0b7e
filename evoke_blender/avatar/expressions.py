"""The 52 ARKit shape keys as per-vertex displacement fields over the merged face mesh.

Each key is written in the coordinates that make it simple: lids slide along their own sphere
(``eyes``), lips use their mouth-loop angle and index (``mouth``), brows and cheeks slide along
the skin with smooth Gaussian falloffs around a landmark (here). Left/Right pairs split at the
midline so together they are symmetric (mouthLeft, mouthRight, jawLeft and jawRight name a
direction instead), and every key is a plain displacement, so Blender's relative keys mix them
linearly. No key moves anything behind ``FACE_BACK_Y``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import cast

import numpy as np

from . import eyes, mouth
from .mesh import FaceData
from .proportions import (
    BROW_L,
    BROW_R,
    BROW_Z,
    EYE_Z,
    FACE_BACK_Y,
    HEAD,
    MOUTH_Z,
    NOSE_TIP_Z,
    REQUIRED_SHAPE_KEYS,
    FloatArray,
)
from .surface import gauss3, slide_on_skin, smoothstep

# --------------------------------------------------------------------------- brows, cheeks, nose


def _skin(fd: FaceData) -> FloatArray:
    """Head-skin mask: falloffs must not drag brows, lids or teeth, which have their own keys."""
    return fd.mask(HEAD)


def _brow_along(fd: FaceData, left: bool) -> tuple[FloatArray, FloatArray]:
    """One eyebrow's island mask and the position along it (0 at the inner end, 1 outer)."""
    return fd.mask(BROW_L if left else BROW_R), np.nan_to_num(fd.attrs["u"])


def _forehead(fd: FaceData, cx: float, sx: float) -> FloatArray:
    """Skin falloff over the brow/forehead band, centred at x = cx."""
    p = fd.p
    return cast(FloatArray, gauss3(p, (cx, -0.07, BROW_Z + 0.01), (sx, 0.03, 0.014)) * _skin(fd))


def _slide(fd: FaceData, dx: FloatArray, dz: FloatArray) -> FloatArray:
    """Move skin and the parts on it across the face (see ``slide_on_skin``)."""
    return slide_on_skin(fd.p, dx, dz)


def _key_brow_inner_up(fd: FaceData) -> FloatArray:
    """Inner brow ends lift and draw in (the worried, sad brow), with the central forehead."""
    u = np.nan_to_num(fd.attrs["u"])
    brows = fd.mask(BROW_L, BROW_R) * (1.0 - u) ** 1.3
    dz = 0.0140 * brows + 0.005 * _forehead(fd, 0.0, 0.02)
    d = _slide(fd, -0.0020 * brows * np.sign(fd.p[:, 0]), dz)
    for left in (True, False):  # the upper lids lift by the nose: the worried eye
        up, _ = eyes.eye_islands(left)
        lift = np.clip(eyes.inner_side(fd, left), 0.0, 1.0) * eyes.lid_columns(fd)
        d += eyes.lid_shift(fd, up, math.radians(6.0) * lift)
    return d


def _key_brow_down(fd: FaceData, left: bool) -> FloatArray:
    """Brow lowers and draws toward the nose (corrugator), inner end most; the lid drops too."""
    brow, u = _brow_along(fd, left)
    sign = 1.0 if left else -1.0
    inner = brow * (1.0 - 0.85 * u**0.9)
    skin = _forehead(fd, sign * 0.022, 0.015)
    d = _slide(fd, -sign * (0.0060 * inner + 0.002 * skin), -0.0150 * inner - 0.004 * skin)
    d[:, 1] -= 0.0012 * inner
    # The lowered brow presses the upper lid, most by the nose: the lid line tilts like the brow.
    up, _ = eyes.eye_islands(left)
    tilt = 0.5 + 1.5 * eyes.inner_side(fd, left)
    return d + eyes.lid_shift(fd, up, math.radians(-5.0) * tilt * eyes.lid_columns(fd))


def _key_brow_outer_up(fd: FaceData, left: bool) -> FloatArray:
    """Outer brow end lifts (surprise, fear)."""
    brow, u = _brow_along(fd, left)
    sign = 1.0 if left else -1.0
    outer = brow * u**1.1
    dz = 0.0115 * outer + 0.0035 * _forehead(fd, sign * 0.045, 0.015)
    return _slide(fd, 0.0008 * sign * outer, dz)


def _key_cheek_squint(fd: FaceData, left: bool) -> FloatArray:
    """Cheek raises and bulges under the eye (Duchenne smile), pushing the lower lid up."""
    sign = 1.0 if left else -1.0
    w = gauss3(fd.p, (sign * 0.040, -0.07, -0.026), (0.016, 0.04, 0.013)) * _skin(fd)
    d = _slide(fd, np.zeros(len(w)), 0.0060 * w)
    d[:, 1] -= 0.0030 * w
    _, lo = eyes.eye_islands(left)
    return d + eyes.lid_shift(fd, lo, math.radians(8.0) * eyes.lid_columns(fd))


def _key_cheek_puff(fd: FaceData) -> FloatArray:
    """Both cheeks balloon outward beside the mouth."""
    p = fd.p
    d = np.zeros_like(p)
    for sign in (1.0, -1.0):
        w = gauss3(p, (sign * 0.040, -0.06, MOUTH_Z + 0.006), (0.016, 0.04, 0.017)) * _skin(fd)
        d[:, 0] += sign * 0.007 * w
        d[:, 1] -= 0.004 * w
    return d


def _key_nose_sneer(fd: FaceData, left: bool) -> FloatArray:
    """Nostril wing and the skin beside the nose pull up (disgust), dragging the upper lip."""
    sign = 1.0 if left else -1.0
    w = gauss3(fd.p, (sign * 0.014, -0.08, NOSE_TIP_Z - 0.006), (0.008, 0.03, 0.011)) * _skin(fd)
    bridge = gauss3(fd.p, (sign * 0.008, -0.08, EYE_Z - 0.016), (0.008, 0.03, 0.010)) * _skin(fd)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0080 * w + 0.0030 * bridge
    d[:, 1] = -0.0020 * w + 0.0020 * bridge
    d[:, 0] = sign * 0.0020 * w
    return d


# --------------------------------------------------------------------------- the key table

SidedKey = Callable[[FaceData, bool], FloatArray]

# ARKit's sided keys: the same move on each side of the face, mirrored (stem + Left/Right)
_SIDED_KEYS: tuple[tuple[str, SidedKey], ...] = (
    ("eyeBlink", eyes.key_blink),
    *((f"eyeLook{d}", partial(eyes.key_look, direction=d)) for d in ("Down", "In", "Out", "Up")),
    ("eyeSquint", eyes.key_eye_squint),
    ("eyeWide", eyes.key_eye_wide),
    ("jaw", mouth.key_jaw_sideways),
    ("mouth", mouth.key_mouth_sideways),
    ("mouthSmile", mouth.key_smile),
    ("mouthFrown", mouth.key_frown),
    ("mouthDimple", mouth.key_dimple),
    ("mouthStretch", mouth.key_stretch),
    ("mouthPress", mouth.key_press),
    ("mouthLowerDown", mouth.key_lower_down),
    ("mouthUpperUp", mouth.key_upper_up),
    ("browDown", _key_brow_down),
    ("browOuterUp", _key_brow_outer_up),
    ("cheekSquint", _key_cheek_squint),
    ("noseSneer", _key_nose_sneer),
)

_UNSIDED_KEYS: dict[str, Callable[[FaceData], FloatArray]] = {
    "jawForward": mouth.key_jaw_forward,
    "jawOpen": mouth.key_jaw_open,
    "mouthClose": mouth.key_mouth_close,
    "mouthFunnel": mouth.key_funnel,
    "mouthPucker": mouth.key_pucker,
    "mouthRollLower": partial(mouth.key_roll, upper_lip=False),
    "mouthRollUpper": partial(mouth.key_roll, upper_lip=True),
    "mouthShrugLower": partial(mouth.key_shrug, upper_lip=False),
    "mouthShrugUpper": partial(mouth.key_shrug, upper_lip=True),
    "browInnerUp": _key_brow_inner_up,
    "cheekPuff": _key_cheek_puff,
    "tongueOut": mouth.key_tongue_out,
}


def shape_key_displacements(fd: FaceData) -> dict[str, FloatArray]:
    """Every ARKit key as a per-vertex displacement field (head-local metres), in ARKit's order."""
    still_back = smoothstep(FACE_BACK_Y, FACE_BACK_Y - 0.03, fd.p[:, 1])[:, None]
    keys = {name: make(fd) for name, make in _UNSIDED_KEYS.items()}
    for left, suffix in ((True, "Left"), (False, "Right")):
        for stem, sided in _SIDED_KEYS:
            keys[stem + suffix] = sided(fd, left)
    return {name: keys[name] * still_back for name in REQUIRED_SHAPE_KEYS}
