"""Which bone of a rig is its head, and which its neck: the presets pose roles, rigs name bones.

Presets write head and neck poses under the roles `head` and `neck`. Rigs from other tools name
those bones their own way: Mixamo `mixamorig:Head` / `mixamorig:Neck`, VRoid and VRM humanoids
`J_Bip_C_Head` / `J_Bip_C_Neck`, Ready Player Me `Head` / `Neck`, Character Creator
`CC_Base_Head` / `CC_Base_NeckTwist01`, MPFB `head` / `neck01`, Unreal and game rigs `head` /
`neck_01`, Rigify's controls `head` / `neck` (its `DEF-`/`ORG-`/`MCH-` bones follow the
controls and are never posed directly). `rig_bone` finds the bone for a role; a rig that has none
is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ROLES = ("head", "neck")
_HELPER = re.compile(r"^(def|org|mch|vis|wgt)[-_.]", re.IGNORECASE)  # Rigify's generated bones
_PREFIXES = ("cc_base_", "j_bip_c_", "bip01_", "bip001_", "bip_", "b_", "c_")
# the role, then optional spelling of a first segment: neck, neck1, neck_01, necktwist01
_PATTERNS = {
    "head": re.compile(r"^head$"),
    "neck": re.compile(r"^neck(?:[_.]?twist)?(?:[_.]?0?1)?$"),
}


def _plain(name: str) -> str:
    """A bone name without namespace (mixamorig:), tool prefix or side-free decoration."""
    base = name.rsplit(":", 1)[-1].strip().lower()
    for prefix in _PREFIXES:
        if base.startswith(prefix):
            base = base[len(prefix) :]
            break
    return base


def rig_bone(role: str, names: Iterable[str]) -> str | None:
    """The rig's bone for a role (`head`, `neck`), or None. An exact name wins, then the role
    under a namespace or a tool's prefix; Rigify's helper bones never."""
    if role not in _PATTERNS:
        raise ValueError(f"unknown bone role {role!r}; known: {', '.join(ROLES)}")
    candidates = [n for n in names if not _HELPER.match(n)]
    for name in candidates:
        if name == role:
            return name
    matches = [n for n in candidates if _PATTERNS[role].match(_plain(n))]
    return min(matches, key=lambda n: (len(n), n)) if matches else None


def rig_bones(names: Iterable[str], roles: Iterable[str] = ROLES) -> dict[str, str]:
    """{role: the rig's bone} for every role the rig has."""
    pool = list(names)
    found = {role: rig_bone(role, pool) for role in roles}
    return {role: bone for role, bone in found.items() if bone is not None}
