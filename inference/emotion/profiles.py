"""Face profiles: the ARKit-named presets on avatars named by other tools, recognised by their keys.

A profile knows every shape key (or VRM expression) one tool gives a face (`names`, to recognise
it) and how the presets reach those keys:
- "units" profiles (ARKit, Character Creator, MPFB) map each ARKit preset key onto the tool's own
  keys, so the presets (and a user's edits of them) drive the face;
- "expressions" profiles (VRoid's Fcl_* keys, VRM expressions) are whole-face or part expressions,
  not ARKit units: each emotion of the emotion table gets its own weights from the profile.
A profile may have variants (VRoid's part keys or its whole-face keys; CC4 Extended or CC3+ names):
the variant whose keys the mesh carries most is used. A user's name map wins over any profile.

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

import numpy as np

from ..errors import InputError
from ..io.safe_files import load_json
from .presets import Presets

PROFILES_FILE = "face_profiles.json"  # package data beside this module
AUTO = "AUTO"
DETECTED, CHOSEN, NAME_MAP = "detected", "chosen", "name map"
UNITS, EXPRESSIONS = "units", "expressions"
FALLBACK = "ARKIT"  # with no profile recognised, a name map alone still drives ARKit presets

_SIDE = re.compile(r"^(.*?)(?:[_.\- ]([LRlr])|(?<=[a-z0-9])([LR]))$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _unprefixed(name: str) -> str:
    """Without an exporter's node prefix ('blendShape1.jawOpen', 'Face.Fcl_ALL_Joy')."""
    _, dot, tail = name.rpartition(".")
    return tail if dot and len(tail) > 1 and not tail.isdigit() else name


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


# -------------------------------------------------------------------------------------- detection


def rank_profiles(
    names: Sequence[str], profiles: Sequence[FaceProfile] | None = None
) -> list[tuple[FaceProfile, Coverage]]:
    """Every profile with how many of its names the mesh carries, best first: most names carried,
    then the larger share of the profile, then the order of the profiles file."""
    profiles = profiles or default_profiles()
    scored = [(p, Coverage(len(p.carried(names)), len(p.names))) for p in profiles]
    order = {p.id: i for i, p in enumerate(profiles)}
    return sorted(scored, key=lambda pc: (-pc[1].found, -pc[1].fraction, order[pc[0].id]))


def detect_profile(
    shape_key_names: Sequence[str], profiles: Sequence[FaceProfile] | None = None
) -> tuple[FaceProfile | None, Coverage]:
    """The profile whose names the mesh carries most, and how many it carries (None: no profile's)."""
    best, coverage = rank_profiles(shape_key_names, profiles)[0]
    return (best, coverage) if coverage.found else (None, coverage)


def no_profile_message(what: str, profiles: Sequence[FaceProfile] | None = None) -> str:
    looked = "; ".join(
        f"{p.title} ({', '.join(p.names[:3])}...)" for p in profiles or default_profiles()
    )
    return (
        f"{what} has no face keys EVOKE knows. Looked for {looked}. Map the preset (ARKit) keys "
        "to this avatar's own keys under Presets > Shape-key names, or pick a profile"
    )


# ---------------------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class FaceMapping:
    """The presets on one mesh: per emotion, weights on the mesh's own key names."""

    profile: FaceProfile
    variant: str
    how: str  # DETECTED (AUTO found it), CHOSEN (the user picked it) or NAME_MAP (nothing else)
    weights: dict[str, dict[str, float]]  # emotion -> {mesh key: weight}
    columns: tuple[str, ...]  # every mesh key driven, sorted (the matrix's columns)
    wanted: tuple[str, ...]  # the keys the mapping looked for, as the profile names them
    missing: tuple[str, ...]  # of those, the ones the mesh lacks
    notes: tuple[str, ...] = ()

    @property
    def found(self) -> int:
        return len(self.wanted) - len(self.missing)

    def summary(self, noun: str = "keys") -> str:
        """What the Presets panel shows: 'VRoid: 14 of 16 keys'."""
        return f"{self.profile.title}: {self.found} of {len(self.wanted)} {noun}"

    def matrix(self, emotions: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """(emotions, columns) weights, so blend weights @ matrix = key values."""
        column = {k: i for i, k in enumerate(self.columns)}
        m = np.zeros((len(emotions), len(self.columns)))
        for row, emotion in enumerate(emotions):
            for key, weight in self.weights.get(emotion, {}).items():
                m[row, column[key]] = weight
        return m, list(self.columns)


def map_presets(
    presets: Presets,
    emotions: Sequence[str],
    available: Sequence[str],
    *,
    name_map: Mapping[str, str] | None = None,
    profile: str = AUTO,
    profiles: Sequence[FaceProfile] | None = None,
    what: str = "the avatar",
) -> FaceMapping:
    """The presets (ARKit names) on a mesh carrying `available` keys, through a face profile.

    `profile`: AUTO (the profile whose names the mesh carries most) or a profile id. The user's
    `name_map` (preset key -> mesh key) wins over the profile. With no profile recognised, a name
    map alone drives the ARKit presets. Raises InputError when nothing would move.
    """
    profiles = profiles or default_profiles()
    name_map = dict(name_map or {})
    ranked = rank_profiles(available, profiles)
    notes: list[str] = []
    how = CHOSEN
    if profile == AUTO:
        chosen, coverage = ranked[0]
        how = DETECTED
        if not coverage.found:
            if not name_map:
                raise InputError(no_profile_message(what, profiles))
            chosen, how = profile_by_id(FALLBACK, profiles), NAME_MAP
        else:
            notes += _ambiguity(ranked, available)
    else:
        chosen = profile_by_id(profile, profiles)
    variants = [
        _map_variant(chosen, v, presets, emotions, available, name_map) for v in chosen.variants
    ]
    best = max(variants, key=lambda m: m.found)  # the first of equals
    mapping = FaceMapping(
        chosen, best.variant, how, best.weights, best.columns, best.wanted,
        best.missing, (*notes, *best.notes),
    )  # fmt: skip
    if not mapping.columns:
        raise InputError(
            f"the {chosen.title} profile finds none of its keys on {what} "
            f"(looked for {', '.join(mapping.wanted[:6])}{' ...' if len(mapping.wanted) > 6 else ''}). "
            "Pick another profile, or map the preset keys under Presets > Shape-key names"
        )
    return mapping


AMBIGUOUS = 8  # a second naming with this many keys of its own is worth a word


def _ambiguity(ranked: list[tuple[FaceProfile, Coverage]], available: Sequence[str]) -> list[str]:
    """A note when a second naming is on the mesh too (say VRoid keys and ARKit 'perfect sync'):
    keys the runner-up would drive that the chosen profile does not know (MPFB's ARKit keys, or
    CC4 keys also spelled like ARKit ones, are the same keys: no note)."""
    (first, c1), *rest = ranked
    own = set(first.carried(available).values())
    for other, c2 in rest:
        extra = set(other.carried(available).values()) - own
        if len(extra) >= AMBIGUOUS:
            return [
                f"the mesh also carries {c2.found} {other.title} keys ({c1.found} {first.title}): "
                f"{first.title} is used; pick {other.title} under Presets > Profile to use those"
            ]
    return []


def _map_variant(
    profile: FaceProfile,
    variant: Variant,
    presets: Presets,
    emotions: Sequence[str],
    available: Sequence[str],
    name_map: dict[str, str],
) -> FaceMapping:
    keys = profile.keys(available)
    weights: dict[str, dict[str, float]] = {e: {} for e in emotions}
    wanted: list[str] = []
    missing: list[str] = []
    notes: list[str] = []
    driven_by: dict[str, str] = {}  # mesh key -> the preset key (or profile key) driving it

    def drive(source: str, target: str, loose: bool) -> str | None:
        if target not in wanted:
            wanted.append(target)
        mesh_key = keys.find(target, loose=loose)
        if mesh_key is None:
            if target not in missing:
                missing.append(target)
            return None
        if driven_by.setdefault(mesh_key, source) != source:  # which weight would win?
            raise InputError(
                f"preset keys '{driven_by[mesh_key]}' and '{source}' both drive the shape key "
                f"'{mesh_key}' (check the name map)"
            )
        return mesh_key

    if profile.kind == UNITS:
        for key in presets.key_names():
            if key in name_map:
                targets, loose = {name_map[key]: 1.0}, False
            else:
                targets, loose = dict(variant.units.get(key, {key: 1.0})), True
            for target, factor in targets.items():
                mesh_key = drive(key, target, loose)
                if mesh_key is not None:
                    for e in emotions:
                        weights[e][mesh_key] = presets.shape_keys.get(e, {}).get(key, 0.0) * factor
    else:
        for e in emotions:
            if e not in variant.emotions:
                notes.append(f"the {profile.title} profile has no '{e}': it shows nothing")
        table_keys = list(dict.fromkeys(k for e in emotions for k in variant.emotions.get(e, {})))
        mapped = {keys.find(m, loose=False) for k, m in name_map.items()}
        for key in table_keys:
            mesh_key = keys.find(key)
            if mesh_key is not None and mesh_key in mapped:
                continue  # the user's map drives this key with the presets' weights
            mesh_key = drive(key, key, True)
            if mesh_key is not None:
                for e in emotions:
                    weights[e][mesh_key] = variant.emotions.get(e, {}).get(key, 0.0)
        for key, target in name_map.items():
            if key not in presets.key_names():
                continue
            mesh_key = drive(key, target, False)
            if mesh_key is not None:
                for e in emotions:
                    weights[e][mesh_key] = presets.shape_keys.get(e, {}).get(key, 0.0)
    columns = tuple(sorted(driven_by))
    return FaceMapping(
        profile, variant.name, CHOSEN, weights, columns, tuple(wanted), tuple(missing), tuple(notes)
    )
