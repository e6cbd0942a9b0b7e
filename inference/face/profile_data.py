"""Face profiles as data: each tool's key names, how they are spelled, and loading them.

The data is face_profiles.json beside this module. Where each naming comes from:
- ARKit: Apple's ARFaceAnchor.BlendShapeLocation
  (https://developer.apple.com/documentation/arkit/arfaceanchor/blendshapelocation); Ready Player
  Me exports the same 52 names
  (https://docs.readyplayer.me/ready-player-me/api-reference/avatars/morph-targets/apple-arkit).
- VRoid Studio: the 57 Fcl_* keys of a VRoid Studio model as listed in Warudo's 3D primer
  (https://docs.warudo.app/docs/tutorials/3d-primer, "VRoid Studio models"); the same names and
  order in yuchanahn/personaxi-front src/lib/vrm/emote_controller/expressions.ts.
- VRM 1.0: the preset expressions of saturday06/VRM-Addon-for-Blender
  src/io_scene_vrm/editor/vrm1/property_group.py (Vrm1ExpressionsPresetPropertyGroup), after
  the VRM 1.0 specification's VRMC_vrm.expressions schema.
- Character Creator: CC4 Extended and CC3+ (A01_Brow_Inner_Up ... A51_Mouth_Stretch_Right) names
  and their ARKit equivalents from Reallusion's pipeline tools, soupday/cc_unity_tools_HDRP
  Editor/FacialProfileMapper.cs (facialProfileMaps: CC3Ex = the ARKit-like column, CC4 = Extended);
  CC4's visemes from soupday/cc_blender_tools vars.py (CC4_VISEME_NAMES) and the Extended markers
  (Ear_Up_L, Eyelash_Upper_Up_L...) from soupday/cc_blender_tools meshutils.py
  (get_facial_profile); A52_Tongue_Out completes the ARKit-ordered A-list.
- MPFB: makehumancommunity/mpfb2 src/mpfb/services/faceservice.py: its face units are the ARKit
  names (ARKIT_FACEUNITS); its Microsoft visemes (MICROSOFT_VISEMES, loaded by default) tell an
  MPFB face from any other ARKit face.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.safe_files import load_json

PROFILES_FILE = "face_profiles.json"  # package data beside this module
UNITS, EXPRESSIONS = "units", "expressions"
FALLBACK = "ARKIT"  # with no profile recognised, a name map alone still drives ARKit presets

_SIDE = re.compile(r"^(.*?)(?:[_.\- ]([LRlr])|(?<=[a-z0-9])([LR]))$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


_VROID_MESH = re.compile(r"^.*?[._](?=fcl_)", re.IGNORECASE)  # 'M_F00_000_00_' before Fcl_


def _unprefixed(name: str) -> str:
    """Without an exporter's node prefix ('blendShape1.jawOpen', 'Face.Fcl_ALL_Joy') or the
    VRoid face mesh's name that some exporters put before its keys ('M_F00_000_00_Fcl_ALL_Joy')."""
    _, dot, tail = name.rpartition(".")
    name = tail if dot and len(tail) > 1 and not tail.isdigit() else name
    return _VROID_MESH.sub("", name, count=1)


def plain_spelling(name: str) -> str:
    """A key's name without prefix, case or punctuation: 'Fcl_ALL_Joy' and 'fcl_all_joy' match."""
    return _NOT_ALNUM.sub("", _unprefixed(name).lower())


def arkit_spelling(name: str) -> str:
    """ARKit names as tools spell them: eyeBlinkLeft = eyeBlink_L = EyeBlinkL = eye_blink_left =
    eyeBlink.L = blendShape1.eyeBlinkLeft."""
    side = _SIDE.match(name)
    if side:
        letter = (side.group(2) or side.group(3)).upper()
        name = side.group(1) + ("Left" if letter == "L" else "Right")
    return plain_spelling(name)


_SPELLINGS: dict[str, Callable[[str], str]] = {"plain": plain_spelling, "arkit": arkit_spelling}


class MeshKeys:
    """A mesh's key names, looked up exactly, then without case, then by a profile's spelling."""

    def __init__(self, available: Sequence[str], spelling: Callable[[str], str]) -> None:
        self.names = list(available)
        self.exact = set(self.names)
        self.lower: dict[str, str] = {}
        self.spelled: dict[str, str] = {}
        self.spelling = spelling
        for name in self.names:
            self.lower.setdefault(name.lower(), name)
            self.spelled.setdefault(spelling(name), name)

    def find(self, name: str, *, loose: bool = True) -> str | None:
        """The mesh's key for `name`; `loose=False`: exact or case-insensitive only (a user's map)."""
        if name in self.exact:
            return name
        found = self.lower.get(name.lower())
        if found is None and loose:
            found = self.spelled.get(self.spelling(name))
        return found


@dataclass(frozen=True)
class Variant:
    """One naming of a tool: ARKit key -> {tool key: factor} (units) or emotion -> {key: weight}."""

    name: str
    units: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    emotions: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class FaceProfile:
    id: str
    title: str
    kind: str  # UNITS or EXPRESSIONS
    description: str
    names: tuple[str, ...]  # every key the tool gives a face: what recognises it
    variants: tuple[Variant, ...]
    spelling: str = "plain"

    def keys(self, available: Sequence[str]) -> MeshKeys:
        return MeshKeys(available, _SPELLINGS[self.spelling])

    def carried(self, available: Sequence[str]) -> dict[str, str]:
        """The profile's names the mesh carries (in the profile's spelling) -> the mesh's key."""
        keys = self.keys(available)
        found = {n: keys.find(n) for n in self.names}
        return {n: k for n, k in found.items() if k is not None}


@dataclass(frozen=True)
class Coverage:
    found: int
    total: int

    @property
    def fraction(self) -> float:
        return self.found / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.found} of {self.total}"


# ---------------------------------------------------------------------------------------- loading


def _weights(entry: Any, where: str) -> dict[str, float]:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected an object of key: weight")
    out: dict[str, float] = {}
    for key, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{where}: '{key}' needs a number")
        if not math.isfinite(value):
            raise InputError(f"{where}: '{key}' is NaN or infinite")
        out[str(key)] = float(value)
    return out


def _variant(entry: Any, kind: str, arkit: tuple[str, ...], where: str) -> Variant:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise InputError(f"{where}: each variant needs a 'name'")
    name = entry["name"]
    if kind == UNITS:
        units = entry.get("units")
        if units == "identity":  # each ARKit key onto the key of the same name
            return Variant(name, units={k: {k: 1.0} for k in arkit})
        if not isinstance(units, dict) or not units:
            raise InputError(f"{where} '{name}': 'units' must map ARKit keys to the tool's keys")
        return Variant(
            name, units={k: _weights(v, f"{where} '{name}' {k}") for k, v in units.items()}
        )
    emotions = entry.get("emotions")
    if not isinstance(emotions, dict) or not emotions:
        raise InputError(f"{where} '{name}': 'emotions' must give each emotion its weights")
    return Variant(
        name, emotions={e: _weights(w, f"{where} '{name}' {e}") for e, w in emotions.items()}
    )


def profiles_from_dict(data: Any, source: str = "face profiles") -> tuple[FaceProfile, ...]:
    entries = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{source}: expected an object with a non-empty 'profiles' list")
    arkit: tuple[str, ...] = ()  # ARKit's names: what 'identity' units map, in any profile
    for entry in entries:
        if isinstance(entry, dict) and entry.get("id") == FALLBACK:
            names = entry.get("names")
            arkit = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
    if not arkit:
        raise InputError(
            f"{source}: the {FALLBACK} profile is missing (other profiles build on it)"
        )
    profiles: list[FaceProfile] = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("id", "title", "kind")
        ):
            raise InputError(f"{source}: each profile needs an 'id', a 'title' and a 'kind'")
        where = f"{source}: profile {entry['id']}"
        kind, names = entry["kind"], entry.get("names")
        if kind not in (UNITS, EXPRESSIONS):
            raise InputError(f"{where}: kind must be '{UNITS}' or '{EXPRESSIONS}'")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InputError(f"{where}: 'names' must list the tool's key names")
        spelling = entry.get("spelling", "plain")
        if spelling not in _SPELLINGS:
            raise InputError(f"{where}: unknown spelling '{spelling}'")
        variants = entry.get("variants")
        if not isinstance(variants, list) or not variants:
            raise InputError(f"{where}: needs at least one variant")
        profile = FaceProfile(
            entry["id"], entry["title"], kind, str(entry.get("description", "")), tuple(names),
            tuple(_variant(v, kind, arkit, where) for v in variants), spelling,
        )  # fmt: skip
        if any(p.id == profile.id for p in profiles):
            raise InputError(f"{source}: profile {profile.id} appears twice")
        profiles.append(profile)
    return tuple(profiles)


def load_profiles(path: str | Path) -> tuple[FaceProfile, ...]:
    return profiles_from_dict(load_json(path, "face profiles"), source=str(path))


@lru_cache(maxsize=1)
def default_profiles() -> tuple[FaceProfile, ...]:
    with resources.as_file(resources.files(__package__) / PROFILES_FILE) as path:
        return load_profiles(path)


def profile_by_id(profile_id: str, profiles: Sequence[FaceProfile] | None = None) -> FaceProfile:
    for profile in profiles or default_profiles():
        if profile.id == profile_id:
            return profile
    known = ", ".join(p.id for p in profiles or default_profiles())
    raise InputError(f"no face profile '{profile_id}' (known: {known})")
