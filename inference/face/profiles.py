"""Face profiles: the ARKit-named presets on avatars named by other tools, recognised by their keys.

A profile knows every shape key (or VRM expression) one tool gives a face (`names`, to recognise
it) and how the presets reach those keys:
- "units" profiles (ARKit, Character Creator, MPFB) map each ARKit preset key onto the tool's own
  keys, so the presets (and a user's edits of them) drive the face;
- "expressions" profiles (VRoid's Fcl_* keys, VRM expressions) are whole-face or part expressions,
  not ARKit units: each emotion of the emotion table gets its own weights from the profile.
A profile may have variants (VRoid's part keys or its whole-face keys; CC4 Extended or CC3+ names):
the variant whose keys the mesh carries most is used. A user's name map wins over any profile.

The profiles themselves (face_profiles.json) and where each naming comes from: profile_data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .presets import Presets
from .profile_data import (
    FALLBACK,
    UNITS,
    Coverage,
    FaceProfile,
    MeshKeys,
    Variant,
    default_profiles,
    profile_by_id,
)

AUTO = "AUTO"
DETECTED, CHOSEN, NAME_MAP = "detected", "chosen", "name map"


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
    carried: int = 0  # of the profile's names, how many the face carries (its coverage)

    @property
    def found(self) -> int:
        return len(self.wanted) - len(self.missing)

    def summary(self, noun: str = "keys") -> str:
        """What the Presets panel shows: how much of the tool's face the avatar carries, and how
        many of the keys the presets use it drives ('ARKit (detected): 52 of 52 keys; the presets
        drive 30 of 30'). With a name map alone, only the latter."""
        drives = f"the presets drive {self.found} of {len(self.wanted)}"
        if self.how == NAME_MAP:
            return f"Name map: {drives} {noun}"
        total = len(self.profile.names)
        return f"{self.profile.title} ({self.how}): {self.carried} of {total} {noun}; {drives}"

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
        best.missing, (*notes, *best.notes), len(chosen.carried(available)),
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


class _VariantMapper:
    """Weights per emotion on the mesh's keys for one variant of a profile; which mesh key each
    wanted key drives, refusing two sources on one key (whose weight would win?)."""

    def __init__(
        self, keys: MeshKeys, presets: Presets, emotions: Sequence[str], name_map: dict[str, str]
    ) -> None:
        self.keys, self.presets, self.emotions, self.name_map = keys, presets, emotions, name_map
        self.weights: dict[str, dict[str, float]] = {e: {} for e in emotions}
        self.wanted: list[str] = []
        self.missing: list[str] = []
        self.driven_by: dict[
            str, str
        ] = {}  # mesh key -> the preset key (or profile key) driving it

    def drive(self, source: str, target: str, loose: bool) -> str | None:
        if target not in self.wanted:
            self.wanted.append(target)
        mesh_key = self.keys.find(target, loose=loose)
        if mesh_key is None:
            if target not in self.missing:
                self.missing.append(target)
            return None
        if self.driven_by.setdefault(mesh_key, source) != source:
            raise InputError(
                f"preset keys '{self.driven_by[mesh_key]}' and '{source}' both drive the shape key "
                f"'{mesh_key}' (check the name map)"
            )
        return mesh_key

    def follow_presets(self, key: str, target: str, loose: bool, factor: float = 1.0) -> None:
        """`target` takes preset key `key`'s weights (times `factor`)."""
        mesh_key = self.drive(key, target, loose)
        if mesh_key is not None:
            for e in self.emotions:
                self.weights[e][mesh_key] = (
                    self.presets.shape_keys.get(e, {}).get(key, 0.0) * factor
                )

    def units(self, variant: Variant) -> None:
        """Each ARKit preset key onto the tool's keys (or where the user's map sends it)."""
        for key in self.presets.key_names():
            if key in self.name_map:
                self.follow_presets(key, self.name_map[key], False)
                continue
            for target, factor in variant.units.get(key, {key: 1.0}).items():
                self.follow_presets(key, target, True, factor)

    def expressions(self, variant: Variant) -> None:
        """The profile's own table per emotion; keys the user mapped follow the presets instead."""
        table_keys = list(
            dict.fromkeys(k for e in self.emotions for k in variant.emotions.get(e, {}))
        )
        mapped = {self.keys.find(m, loose=False) for m in self.name_map.values()}
        for key in table_keys:
            mesh_key = self.keys.find(key)
            if mesh_key is not None and mesh_key in mapped:
                continue  # the user's map drives this key with the presets' weights
            mesh_key = self.drive(key, key, True)
            if mesh_key is not None:
                for e in self.emotions:
                    self.weights[e][mesh_key] = variant.emotions.get(e, {}).get(key, 0.0)
        for key, target in self.name_map.items():
            if key in self.presets.key_names():
                self.follow_presets(key, target, False)


def _map_variant(
    profile: FaceProfile,
    variant: Variant,
    presets: Presets,
    emotions: Sequence[str],
    available: Sequence[str],
    name_map: dict[str, str],
) -> FaceMapping:
    mapper = _VariantMapper(profile.keys(available), presets, emotions, name_map)
    notes: list[str] = []
    if profile.kind == UNITS:
        mapper.units(variant)
    else:
        notes += [
            f"the {profile.title} profile has no '{e}': it shows nothing"
            for e in emotions
            if e not in variant.emotions
        ]
        mapper.expressions(variant)
    return FaceMapping(
        profile, variant.name, CHOSEN, mapper.weights, tuple(sorted(mapper.driven_by)),
        tuple(mapper.wanted), tuple(mapper.missing), tuple(notes),
    )  # fmt: skip
