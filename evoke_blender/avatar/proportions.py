"""The avatar's measurements, names and colours: the numbers every other module shares.

Layout (metres, Blender axes): the bust faces -Y, +X is the character's left (ARKit "Left",
Blender ".L"), the head centre sits at ``HEAD_CENTER``. All geometry is built in head-local
coordinates (origin at the head centre) as numpy arrays and shifted at the end.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Parents come before their children: the rig is built in this order.
BONES: tuple[str, ...] = ("root", "spine", "neck", "head", "jaw", "eye.L", "eye.R")
# The bones that skin the face mesh; the eye bones carry the eyeballs as children instead.
DEFORM_BONES: tuple[str, ...] = ("spine", "neck", "head", "jaw")

# All 52 ARKit blendshapes, in Apple's order (ARFaceAnchor.BlendShapeLocation); names match ARKit so
# presets carry over to other avatars. "Left" is the character's own left (+X).
REQUIRED_SHAPE_KEYS: tuple[str, ...] = (
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
)
# The keys whose Left/Right is a direction (both sides move toward it), not a side of the face.
DIRECTION_KEYS: tuple[str, ...] = ("jawLeft", "jawRight", "mouthLeft", "mouthRight")

COLLECTION_NAME = "EVOKE Avatar"

HEAD_CENTER = np.array([0.0, 0.0, 1.62])

# Skull: an ellipsoid with different front/back and top/bottom half-axes.
HEAD_RX = 0.081
HEAD_RY_FRONT = 0.088
HEAD_RY_BACK = 0.098
HEAD_RZ_TOP = 0.106
HEAD_RZ_BOTTOM = 0.106

# Face landmarks (head-local).
EYE_X = 0.034
EYE_Z = 0.0
EYE_RADIUS = 0.0175
MOUTH_Z = -0.062
NOSE_TIP_Z = -0.036
BROW_Z = 0.028
JAW_HINGE = np.array([0.0, 0.012, -0.022])
# No shape key moves anything behind this plane (head-local Y): the back of the head stays put.
FACE_BACK_Y = 0.03

# Mouth loops: half-width of the slit and its half-height, in projection radians.
MOUTH_A0 = 0.33
MOUTH_B0 = 0.006
HEAD_SEGMENTS = 64
HEAD_LOOPS = 46

# Eyelids: margins as elevation angles (degrees) on spheres around the eyeball centre.
LID_UPPER_MARGIN = 30.0
LID_LOWER_MARGIN = -31.0
LID_UPPER_RADIUS = 1.075 * EYE_RADIUS
LID_LOWER_RADIUS = 1.055 * EYE_RADIUS
LID_CORNER = 68.0  # sideways angle where upper and lower lids meet

# Material slots on the face mesh, in order.
FACE_MATERIALS: tuple[str, ...] = (
    "skin",
    "lips",
    "mouth",
    "hair",
    "brow",
    "cloth",
    "collar",
    "teeth",
    "tongue",
)
SKIN, LIPS, MOUTH, HAIR, BROW, CLOTH, COLLAR, TEETH, TONGUE_MAT = range(len(FACE_MATERIALS))
# Material slots on each eyeball, in order (centre outward: pupil, then iris, then sclera).
EYE_MATERIALS: tuple[str, ...] = ("sclera", "iris", "pupil")
SCLERA, IRIS, PUPIL = range(len(EYE_MATERIALS))

# sRGB colours (converted to linear for Blender) chosen to read well in Workbench and Cycles.
PALETTE_SRGB: dict[str, tuple[float, float, float]] = {
    "skin": (0.95, 0.76, 0.64),
    "lips": (0.83, 0.47, 0.45),
    "mouth": (0.30, 0.09, 0.11),
    "hair": (0.36, 0.22, 0.15),
    "brow": (0.30, 0.18, 0.12),
    "cloth": (0.25, 0.50, 0.70),
    "collar": (0.20, 0.40, 0.58),
    "teeth": (0.97, 0.95, 0.90),
    "tongue": (0.78, 0.36, 0.38),
    "sclera": (0.97, 0.96, 0.94),
    "iris": (0.30, 0.55, 0.45),
    "pupil": (0.04, 0.04, 0.05),
}

# Island ids: every vertex of the face mesh belongs to one part.
(
    HEAD,
    NECK,
    TORSO,
    COLLAR_ISLAND,
    HAIR_ISLAND,
    EAR,
    BROW_L,
    BROW_R,
    LID_UP_L,
    LID_UP_R,
    LID_LO_L,
    LID_LO_R,
    TEETH_UP,
    TEETH_LO,
    TONGUE,
) = range(15)
