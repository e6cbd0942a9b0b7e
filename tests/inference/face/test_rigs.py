"""Head and neck bones as the rigs of other tools name them (bone lists as those tools write
them), and the bones that must never be taken for them."""

from __future__ import annotations

import pytest

from inference.face.rigs import rig_bone, rig_bones

RIGS = {
    "EVOKE": (["root", "spine", "neck", "head", "jaw"], "head", "neck"),
    "Mixamo": (["mixamorig:Hips", "mixamorig:Spine2", "mixamorig:Neck", "mixamorig:Head",
                "mixamorig:HeadTop_End", "mixamorig:LeftEye"], "mixamorig:Head", "mixamorig:Neck"),
    "Mixamo (second import)": (["mixamorig1:Neck", "mixamorig1:Head"], "mixamorig1:Head", "mixamorig1:Neck"),
    "VRoid / VRM": (["J_Bip_C_Hips", "J_Bip_C_UpperChest", "J_Bip_C_Neck", "J_Bip_C_Head",
                     "J_Adj_L_FaceEye"], "J_Bip_C_Head", "J_Bip_C_Neck"),
    "Ready Player Me": (["Hips", "Spine2", "Neck", "Head", "HeadTop_End", "LeftEye"], "Head", "Neck"),
    "Character Creator 4": (["CC_Base_BoneRoot", "CC_Base_NeckTwist01", "CC_Base_NeckTwist02",
                             "CC_Base_Head", "CC_Base_FacialBone"], "CC_Base_Head",
                            "CC_Base_NeckTwist01"),
    "MPFB default": (["spine01", "neck01", "neck02", "neck03", "head"], "head", "neck01"),
    "Unreal mannequin": (["pelvis", "spine_05", "neck_01", "neck_02", "head"], "head", "neck_01"),
    "Rigify": (["DEF-spine.006", "ORG-spine.006", "MCH-neck_parent", "neck", "head",
                "DEF-neck", "ORG-head"], "head", "neck"),
}  # fmt: skip


@pytest.mark.parametrize("rig", sorted(RIGS))
def test_each_rigs_head_and_neck(rig: str) -> None:
    names, head, neck = RIGS[rig]
    assert rig_bones(names) == {"head": head, "neck": neck}


def test_what_is_never_a_head_or_a_neck() -> None:
    assert rig_bone("head", ["HeadTop_End", "forehead", "DEF-head", "head.001x"]) is None
    assert rig_bone("neck", ["neck02", "Neckerchief", "ORG-neck"]) is None
    assert rig_bones(["Armature", "Bone"]) == {}
    with pytest.raises(ValueError, match="unknown bone role"):
        rig_bone("tail", ["tail"])
