"""The ARKit shape keys as per-vertex displacement fields over the merged face mesh.

Each key is written in the coordinates that make it simple: lids slide along their own sphere
(by elevation angle), lips use their mouth-loop angle and index, the rest are smooth Gaussian
falloffs around a landmark. Left/Right pairs split at the midline so together they are
symmetric, and every key is a plain displacement, so Blender's relative keys mix them linearly.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .mesh import FaceData
from .proportions import (
    BROW_L,
    BROW_R,
    BROW_Z,
    EYE_Z,
    HEAD,
    JAW_HINGE,
    LID_CORNER,
    LID_LO_L,
    LID_LO_R,
    LID_UP_L,
    LID_UP_R,
    MOUTH_A0,
    MOUTH_Z,
    NOSE_TIP_Z,
    REQUIRED_SHAPE_KEYS,
    TEETH_LO,
    FloatArray,
)
from .surface import (
    directions_from_plane,
    face_surface,
    gauss3,
    jaw_weight,
    lid_margin,
    lid_points,
    lower_weight,
    rotate_x,
    smoothstep,
)

# --------------------------------------------------------------------------- eyes


def _lid_open_weight(beta: FloatArray) -> FloatArray:
    """How far a lid column may travel: full over the pupil, zero at the eye corners."""
    return cast(
        FloatArray, np.sqrt(np.clip(1.0 - (beta / math.radians(LID_CORNER)) ** 2, 0.0, 1.0))
    )


def _lid_shift(fd: FaceData, island: int, delta: FloatArray | float) -> FloatArray:
    """Slide an eyelid's margin by ``delta`` radians of elevation, fading out to its far edge.

    ``delta`` may vary per column. Targets are computed on the lid's sphere, so the lid glides
    over the eyeball.
    """
    sel = fd.island == island
    out = np.zeros_like(fd.p)
    if not sel.any():
        return out
    beta = fd.attrs["beta"][sel]
    ramp = smoothstep(1.0, 0.0, fd.attrs["lidf"][sel])
    shift = (
        np.broadcast_to(delta, fd.p[:, 0].shape)[sel]
        if np.ndim(delta)
        else np.full(len(beta), delta)
    )
    new_alpha = fd.attrs["alpha"][sel] + shift * ramp
    centre = fd.eye_l if island in (LID_UP_L, LID_LO_L) else fd.eye_r
    out[sel] = lid_points(centre, new_alpha, beta, fd.attrs["radius"][sel]) - fd.p[sel]
    return out


def _eye_islands(left: bool) -> tuple[int, int]:
    """The (upper, lower) lid islands of one eye."""
    return (LID_UP_L, LID_LO_L) if left else (LID_UP_R, LID_LO_R)


def _lid_columns(fd: FaceData) -> FloatArray:
    """Per-vertex opening weight of lid columns (NaN-safe for non-lid vertices)."""
    return _lid_open_weight(np.nan_to_num(fd.attrs["beta"]))


def _key_blink(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid sweeps down over the eye and closes just past a slightly raised lower lid."""
    up, lo = _eye_islands(left)
    beta = np.nan_to_num(fd.attrs["beta"])
    lower_rise = math.radians(9.0) * _lid_columns(fd)
    closed = lid_margin(beta, upper=False) + lower_rise - math.radians(3.0)
    d = _lid_shift(fd, up, closed - lid_margin(beta, upper=True))
    return d + _lid_shift(fd, lo, lower_rise)


def _key_eye_wide(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid retracts to show white above the iris; lower lid drops a little."""
    up, lo = _eye_islands(left)
    w = _lid_columns(fd)
    return _lid_shift(fd, up, math.radians(17.0) * w) + _lid_shift(fd, lo, math.radians(-6.0) * w)


def _key_eye_squint(fd: FaceData, left: bool) -> FloatArray:
    """Lower lid rises and the upper lid narrows: the tight eyes of smiles and anger."""
    up, lo = _eye_islands(left)
    w = _lid_columns(fd)
    return _lid_shift(fd, up, math.radians(-8.0) * w) + _lid_shift(fd, lo, math.radians(14.0) * w)


# --------------------------------------------------------------------------- brows, cheeks, nose


def _skin(fd: FaceData) -> FloatArray:
    """Head-skin mask: falloffs must not drag brows, lids or teeth, which have their own keys."""
    return fd.mask(HEAD)


def _brow_mask(fd: FaceData, left: bool) -> FloatArray:
    """One eyebrow's island."""
    return fd.mask(BROW_L if left else BROW_R)


def _forehead(fd: FaceData, cx: float, sx: float) -> FloatArray:
    """Skin falloff over the brow/forehead band, centred at x = cx."""
    p = fd.p
    return cast(FloatArray, gauss3(p, (cx, -0.07, BROW_Z + 0.01), (sx, 0.03, 0.014)) * _skin(fd))


def _key_brow_inner_up(fd: FaceData) -> FloatArray:
    """Inner brow ends lift (the worried/sad brow), with the central forehead."""
    u = np.nan_to_num(fd.attrs["u"])
    brows = fd.mask(BROW_L, BROW_R) * (1.0 - u) ** 1.4
    w = 0.011 * brows + 0.004 * _forehead(fd, 0.0, 0.02)
    d = np.zeros_like(fd.p)
    d[:, 2] = w
    d[:, 0] = -0.0015 * brows * np.sign(fd.p[:, 0])
    return d


def _key_brow_down(fd: FaceData, left: bool) -> FloatArray:
    """Brow lowers and draws toward the nose (corrugator): inner end most."""
    u = np.nan_to_num(fd.attrs["u"])
    brow = _brow_mask(fd, left) * (1.0 - 0.85 * u**0.8)
    sign = 1.0 if left else -1.0
    skin = 0.5 * _forehead(fd, sign * 0.025, 0.015)
    d = np.zeros_like(fd.p)
    d[:, 2] = -0.0095 * brow - 0.003 * skin
    d[:, 0] = -sign * 0.0035 * brow
    d[:, 1] = -0.0012 * brow
    up, _ = _eye_islands(left)
    return d + _lid_shift(fd, up, math.radians(-5.0) * _lid_columns(fd))


def _key_brow_outer_up(fd: FaceData, left: bool) -> FloatArray:
    """Outer brow end lifts (surprise, fear)."""
    u = np.nan_to_num(fd.attrs["u"])
    brow = _brow_mask(fd, left) * u**1.1
    sign = 1.0 if left else -1.0
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0085 * brow + 0.0025 * _forehead(fd, sign * 0.045, 0.015)
    return d


def _key_cheek_squint(fd: FaceData, left: bool) -> FloatArray:
    """Cheek raises under the eye (Duchenne smile), pushing the lower lid up."""
    sign = 1.0 if left else -1.0
    w = gauss3(fd.p, (sign * 0.040, -0.07, -0.026), (0.016, 0.04, 0.013)) * _skin(fd)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0045 * w
    d[:, 1] = -0.0025 * w
    _, lo = _eye_islands(left)
    return d + _lid_shift(fd, lo, math.radians(6.0) * _lid_columns(fd))


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
    d[:, 2] = 0.0065 * w + 0.0025 * bridge
    d[:, 1] = -0.0015 * w + 0.0015 * bridge
    d[:, 0] = sign * 0.0015 * w
    return d


# --------------------------------------------------------------------------- mouth and jaw


def _mouth_corner(fd: FaceData, left: bool, sigma: float = 0.011) -> FloatArray:
    """Falloff around a mouth corner on the skin (lips included, mouth bag mostly excluded)."""
    sign = 1.0 if left else -1.0
    corner = face_surface(directions_from_plane(np.array([sign * MOUTH_A0]), np.array([0.0])))[0]
    w = gauss3(fd.p, corner, (sigma, 0.03, sigma * 0.95))
    return cast(FloatArray, w * _skin(fd))


def _key_mouth_corner(
    fd: FaceData, left: bool, move: tuple[float, float, float], sigma: float
) -> FloatArray:
    """Move a mouth corner by ``move`` = (outward, back, up) metres with a smooth falloff."""
    sign = 1.0 if left else -1.0
    w = _mouth_corner(fd, left, sigma)
    d = np.zeros_like(fd.p)
    d[:, 0] = sign * move[0] * w
    d[:, 1] = move[1] * w
    d[:, 2] = move[2] * w
    return d


def _key_smile(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls up, out and back (zygomaticus major); the cheek bunches up a bit."""
    d = _key_mouth_corner(fd, left, (0.0045, 0.004, 0.0090), 0.0105)
    d += _key_mouth_corner(fd, left, (0.001, 0.0, 0.002), 0.022)
    return d


def _key_frown(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls down (depressor anguli oris)."""
    d = _key_mouth_corner(fd, left, (0.0012, 0.001, -0.0070), 0.012)
    return d + _key_mouth_corner(fd, left, (0.0, 0.0, -0.0015), 0.02)


def _key_stretch(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls straight out and slightly down (risorius/platysma, fear)."""
    d = _key_mouth_corner(fd, left, (0.0065, 0.0025, -0.0025), 0.013)
    return d


def _side(fd: FaceData, left: bool, width: float = 0.006) -> FloatArray:
    """Soft left/right split at the midline so Left+Right keys sum to a symmetric pose."""
    x = fd.p[:, 0]
    return smoothstep(-width, width, x) if left else smoothstep(width, -width, x)


def _lip_region(fd: FaceData, loops: float) -> FloatArray:
    """Falloff over the first mouth loops (lips and the skin just around them)."""
    loop = np.nan_to_num(fd.attrs["loop"], nan=99.0)
    return cast(FloatArray, smoothstep(loops, 0.0, np.abs(loop)) * _skin(fd))


def _upper_lower(fd: FaceData) -> tuple[FloatArray, FloatArray]:
    """Upper- and lower-lip shares per vertex (they sum to 1; 0.5 each at the mouth corners)."""
    phi = np.nan_to_num(fd.attrs["phi"])
    lower = lower_weight(phi)
    return 1.0 - lower, lower


def _key_press(fd: FaceData, left: bool) -> FloatArray:
    """Lips press together and thin: both lips roll toward the slit and back."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 4.0) * _side(fd, left, 0.012)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0028 * w * (lower - upper)
    d[:, 1] = 0.0018 * w
    return d


def _key_upper_up(fd: FaceData, left: bool) -> FloatArray:
    """Upper lip raises, baring the upper teeth (disgust)."""
    upper, _ = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * upper * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0060 * w
    d[:, 1] = -0.0008 * w
    return d


def _key_lower_down(fd: FaceData, left: bool) -> FloatArray:
    """Lower lip pulls down, showing the lower teeth."""
    _, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * lower * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = -0.0050 * w
    d[:, 1] = -0.0008 * w
    return d


def _key_pucker(fd: FaceData) -> FloatArray:
    """Lips gather toward the middle and push forward (a kiss)."""
    w = _lip_region(fd, 7.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.45 * fd.p[:, 0] * w
    d[:, 1] = -0.0055 * w
    return d


def _key_funnel(fd: FaceData) -> FloatArray:
    """Lips flare forward into an open 'O'."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.25 * fd.p[:, 0] * w
    d[:, 1] = -0.0045 * w
    d[:, 2] = 0.0035 * w * (upper - lower)
    return d


def _key_jaw_open(fd: FaceData) -> FloatArray:
    """Lower jaw (chin, lower lip, lower mouth bag, lower teeth) swings open about the hinge."""
    phi = np.nan_to_num(fd.attrs["phi"])
    w = jaw_weight(fd.p, phi) * _skin(fd) + fd.mask(TEETH_LO)
    angle = math.radians(19.0) * w
    return rotate_x(fd.p, JAW_HINGE, angle) - fd.p


# ARKit's sided keys: the same move on each side of the face, mirrored
_SIDED_KEYS = (
    ("browDown", _key_brow_down),
    ("browOuterUp", _key_brow_outer_up),
    ("eyeWide", _key_eye_wide),
    ("eyeSquint", _key_eye_squint),
    ("eyeBlink", _key_blink),
    ("cheekSquint", _key_cheek_squint),
    ("noseSneer", _key_nose_sneer),
    ("mouthSmile", _key_smile),
    ("mouthFrown", _key_frown),
    ("mouthStretch", _key_stretch),
    ("mouthPress", _key_press),
    ("mouthUpperUp", _key_upper_up),
    ("mouthLowerDown", _key_lower_down),
)


def shape_key_displacements(fd: FaceData) -> dict[str, FloatArray]:
    """Every ARKit key as a per-vertex displacement field (head-local metres)."""
    keys: dict[str, FloatArray] = {
        "browInnerUp": _key_brow_inner_up(fd),
        "cheekPuff": _key_cheek_puff(fd),
        "mouthPucker": _key_pucker(fd),
        "mouthFunnel": _key_funnel(fd),
        "jawOpen": _key_jaw_open(fd),
    }
    for left, suffix in ((True, "Left"), (False, "Right")):
        for name, make in _SIDED_KEYS:
            keys[name + suffix] = make(fd, left)
    return {name: keys[name] for name in REQUIRED_SHAPE_KEYS}
