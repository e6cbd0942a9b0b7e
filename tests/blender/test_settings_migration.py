"""A .blend file saved with the flat settings (one EVOKE_PG_settings, before the per-feature
groups) opens with every setting in its new group; one saved with the groups of schema 1 opens with
live's renamed settings under their new names; a fresh scene gets the defaults; the move runs
once; disabling the extension leaves no handler.

The old file is written in another process by the old layout itself: the old extension's own code
from git history where the checkout has it, and for the flat layout always a flat group composed of
the new groups' very property definitions under their old names (as the old one was: the split
moved them unchanged), registered as Scene.evoke, so Blender stores each value exactly as the old
group did.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import bpy
import pytest

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

ROOT = Path(__file__).resolve().parents[2]
MODULE = "bl_ext.user_default.evoke"
# integ's last commit with the flat EVOKE_PG_settings (the layout files saved before schema 1 hold)
OLD_COMMIT = "9ab3d2a07eadb8f947ae79530ab45ebd962a9907"
# integ's last commit of schema 1: the groups, live's source and stream named live_source, live_stream
SCHEMA_1_COMMIT = "3aee8a7f5ba26da413ba87a77d068529fc7b2348"
# the settings schema 2 renamed: the name the flat group and schema 1 saved -> the name now
RENAMED = {"live_source": "source", "live_stream": "stream"}

# Run in a child process: registers the old flat layout from package `evoke_old` (its parent on
# PYTHONPATH), sets every setting of scene "All" to a value other than its default and only a few of
# scene "Few", saves the file, and prints what each setting reads back as.
WRITER = r"""
import importlib, json, sys
import bpy

mode, out, renamed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if mode == "git":  # the old extension, whole
    old = importlib.import_module("evoke_old.evoke_blender.registration")
    old.register()
    flat = bpy.types.Scene.bl_rna.properties["evoke"].fixed_type
else:  # the flat group, composed of the new groups' definitions
    props = importlib.import_module("evoke_old.evoke_blender.properties")
    rows = [importlib.import_module(f"evoke_old.evoke_blender.{m}.property_group") for m in ("bake", "presets")]
    for cls in (rows[0].EVOKE_PG_marker, rows[1].EVOKE_PG_preset_key, rows[1].EVOKE_PG_name_map):
        bpy.utils.register_class(cls)
    flat_name = {new: old for old, new in renamed.items()}
    annotations = {}
    for cls in props.GROUPS.values():
        space = sys.modules[cls.__module__].__dict__
        annotations.update({flat_name.get(k, k): eval(v, space) if isinstance(v, str) else v
                            for k, v in cls.__annotations__.items()})
    flat = type("EVOKE_PG_settings", (bpy.types.PropertyGroup,), {"__annotations__": annotations})
    bpy.utils.register_class(flat)
    bpy.types.Scene.evoke = bpy.props.PointerProperty(type=flat)
    flat = flat.bl_rna

bpy.ops.wm.read_homefile(use_empty=True)
avatar = bpy.data.objects.new("OldAvatar", bpy.data.meshes.new("OldAvatar"))
bpy.context.scene.collection.objects.link(avatar)
every = bpy.context.scene
every.name = "All"
few = bpy.data.scenes.new("Few")


def other_value(p):
    # a value of p's type other than its default, inside its range
    if p.type == "STRING":
        return f"/old/{p.identifier}"
    if p.type == "BOOLEAN":
        return not p.default
    if p.type in ("INT", "FLOAT"):
        step = 1 if p.type == "INT" else 0.125
        up = p.default + step
        return up if up <= p.hard_max else p.default - step
    if p.type == "ENUM":
        items = [i.identifier for i in p.enum_items]
        if not items:  # the emotions (a callback's items): one that is not the first
            return "anger"
        return next(i for i in items if i != p.default)
    raise AssertionError(p.identifier)


def read(s, name):
    value = getattr(s, name)
    p = flat.properties[name]
    if p.type == "POINTER":
        return value.name if value else None
    if p.type == "COLLECTION":
        return [{k: getattr(r, k) for k in r.bl_rna.properties.keys() if k != "rna_type"} for r in value]
    return value


s = every.evoke
names = [p.identifier for p in flat.properties if p.identifier not in ("rna_type", "name")]
for name in names:
    p = flat.properties[name]
    if p.type == "POINTER":
        s.target = avatar
    elif p.type != "COLLECTION":
        setattr(s, name, other_value(p))
for label, t in (("Fp1", 1.5), ("Fz", 7.25)):  # after the source: a new source clears markers
    m = s.markers.add()
    m.label, m.time_s = label, t
for emotion, key, weight in (("anger", "noseSneerLeft", 0.75), ("joy", "mouthSmileLeft", 0.25)):
    k = s.preset_keys.add()
    k.emotion, k.key, k.weight = emotion, key, weight
n = s.name_map.add()
n.preset_key, n.mesh_key = "jawOpen", "Mouth_Open"
few.evoke.hop, few.evoke.live_stream = 0.5, "Headset-7"

bpy.ops.wm.save_as_mainfile(filepath=out)
print(json.dumps({"All": {k: read(s, k) for k in names},
                  "Few": {k: read(few.evoke, k) for k in names}}))
sys.stdout.flush()
import os
os._exit(0)
"""


# Run in a child process: registers the extension of schema 1 from package `evoke_old`, sets live's
# source to other than its default and a stream name, saves the file, prints what they read.
WRITER_SCHEMA_1 = r"""
import importlib, json, os, sys
import bpy

importlib.import_module("evoke_old.evoke_blender.registration").register()
bpy.ops.wm.read_homefile(use_empty=True)  # load_post: its migration marks the scene schema 1
live = bpy.context.scene.evoke.live
live.live_source, live.live_stream, live.brainflow_board = "BRAINFLOW", "Headset-7", "cyton"
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[1])
print(json.dumps({"schema": bpy.context.scene.evoke.schema_version, "source": live.live_source,
                  "stream": live.live_stream}))
sys.stdout.flush()
os._exit(0)
"""


def _export_old_tree(commit: str, package: Path) -> None:
    """The extension as of commit, into package (git archive); skips where history lacks it."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("the old extension comes from git history: git is not installed")
    check = [git, "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"]
    if subprocess.run(check, capture_output=True).returncode != 0:
        pytest.skip(f"the old extension comes from commit {commit}: a shallow checkout")
    package.mkdir(parents=True)
    archive = subprocess.run(
        [git, "-C", str(ROOT), "archive", commit, "__init__.py", "evoke_blender", "inference"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(package)], input=archive, check=True)


def _run_writer(parent: Path, script: str, *args: str) -> Any:
    """Run a writer with only the old package `evoke_old` (under parent) importable; what it
    printed last, as JSON."""
    env = {**os.environ, "PYTHONPATH": str(parent)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_old_file(tmp_path: Path, mode: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The file the old layout saved, and what every setting of its two scenes read."""
    parent = tmp_path / "old"
    package = parent / "evoke_old"
    if mode == "git":
        _export_old_tree(OLD_COMMIT, package)
    else:
        parent.mkdir()
        package.symlink_to(ROOT, target_is_directory=True)
    out = tmp_path / "old_settings.blend"
    read = _run_writer(parent, WRITER, mode, str(out), json.dumps(RENAMED))
    assert out.exists()
    return out, read


def _write_schema_1_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The file the extension of schema 1 saved, and what it read back."""
    parent = tmp_path / "old"
    _export_old_tree(SCHEMA_1_COMMIT, parent / "evoke_old")
    out = tmp_path / "schema_1.blend"
    read = _run_writer(parent, WRITER_SCHEMA_1, str(out))
    assert out.exists()
    return out, read


def _read_new(scene: Any, names: list[str]) -> dict[str, Any]:
    """Each setting (by its flat name) as the new groups read it, wherever it now lives (exactly
    one group), under its new name."""
    root = scene.evoke
    groups = [g for g in root.bl_rna.properties.keys() if g not in ("rna_type", "name")]
    values = {}
    for name in names:
        new = RENAMED.get(name, name)
        homes = [g for g in groups if hasattr(getattr(root, g), "bl_rna")
                 and new in getattr(root, g).bl_rna.properties.keys()]  # fmt: skip
        assert len(homes) == 1, f"{new} lives in {homes}"
        value = getattr(getattr(root, homes[0]), new)
        if isinstance(value, bpy.types.ID):
            value = value.name
        elif hasattr(value, "foreach_get") and not isinstance(value, str):  # a collection
            value = [{k: getattr(r, k) for k in r.bl_rna.properties.keys() if k != "rna_type"}
                     for r in value]  # fmt: skip
        values[name] = value
    return values


def _saved(scene: Any) -> Any:
    """What the scene stores under "evoke": ID properties up to 4.5, system ones from 5.0."""
    system = getattr(scene, "bl_system_properties_get", None)
    return (scene if system is None else system())["evoke"]


def _defaults(names: list[str]) -> dict[str, Any]:
    """What a fresh scene reads: the new layout's defaults."""
    scene = bpy.data.scenes.new("Fresh")
    try:
        return _read_new(scene, names)
    finally:
        bpy.data.scenes.remove(scene)


def _same(a: Any, b: Any) -> bool:
    """Equal; floats as Blender stores them (float32: the values are exact binary fractions)."""
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-6 * max(1, abs(a))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(
            x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
            for x, y in zip(a, b, strict=True)
        )
    return bool(a == b)


@pytest.mark.parametrize("mode", ["composed", "git"])
def test_a_file_saved_with_the_flat_settings_opens_with_every_setting_carried_over(
    installed: Path, tmp_path: Path, mode: str
) -> None:
    path, old = _write_old_file(tmp_path, mode)
    names = sorted(old["All"])
    assert len(names) >= 60  # the flat group's ~70 settings, every one set
    bpy.ops.wm.open_mainfile(filepath=str(path))
    every, few = bpy.data.scenes["All"], bpy.data.scenes["Few"]
    defaults = _defaults(names)

    carried = _read_new(every, names)
    wrong = {n: (old["All"][n], carried[n]) for n in names if not _same(old["All"][n], carried[n])}
    assert not wrong
    assert carried["target"] == "OldAvatar" and len(carried["markers"]) == 2
    assert every.evoke.live.source == old["All"]["live_source"] == "BRAINFLOW"  # renamed in 2
    # each setting was set to other than its default, so a carried value is not a default
    unmoved = [n for n in names if _same(carried[n], defaults[n])]
    assert not unmoved
    # the few the user set came over; every other setting of that scene reads the new default
    kept = _read_new(few, names)
    assert kept["hop"] == 0.5 and few.evoke.live.stream == "Headset-7"
    assert not {n for n in names if n not in ("hop", "live_stream")
                and not _same(kept[n], defaults[n])}  # fmt: skip
    # the old keys are gone from the scene, the version is recorded
    for scene in (every, few):
        assert not set(_saved(scene).keys()) & set(names)
        assert scene.evoke.schema_version == 2


def test_the_move_runs_once_and_a_fresh_scene_gets_the_defaults(
    installed: Path, tmp_path: Path
) -> None:
    import importlib

    migration = importlib.import_module(f"{MODULE}.evoke_blender.migration")
    path, _ = _write_old_file(tmp_path, "composed")
    bpy.ops.wm.open_mainfile(filepath=str(path))
    scene = bpy.data.scenes["Few"]
    assert scene.evoke.common.hop == 0.5
    scene.evoke.common.hop = 1.0  # the user's change after the move
    _saved(scene)["hop"] = 0.25  # a stale flat key (an old extension saving the file again)
    migration.on_load()
    assert scene.evoke.common.hop == 1.0  # once moved, never again
    resaved = tmp_path / "resaved.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(resaved))
    bpy.ops.wm.open_mainfile(filepath=str(resaved))
    assert bpy.data.scenes["Few"].evoke.common.hop == 1.0

    bpy.ops.wm.read_homefile(use_empty=True)  # a new file: defaults, marked current
    fresh = bpy.context.scene.evoke
    assert fresh.schema_version == migration.SCHEMA_VERSION
    assert fresh.common.target is None and fresh.common.hop == 0.25
    assert fresh.live.stream == "EVOKE-replay" and len(fresh.bake.markers) == 0


def test_a_file_saved_with_schema_1_opens_with_lives_source_and_stream_under_their_new_names(
    installed: Path, tmp_path: Path
) -> None:
    import importlib

    migration = importlib.import_module(f"{MODULE}.evoke_blender.migration")
    path, written = _write_schema_1_file(tmp_path)
    assert written == {"schema": 1, "source": "BRAINFLOW", "stream": "Headset-7"}
    bpy.ops.wm.open_mainfile(filepath=str(path))
    scene = bpy.context.scene
    live = scene.evoke.live
    assert (live.source, live.stream, live.brainflow_board) == ("BRAINFLOW", "Headset-7", "cyton")
    assert not {"live_source", "live_stream"} & set(_saved(scene)["live"].keys())
    assert scene.evoke.schema_version == 2

    assert migration.migrate_scene(scene) == 0  # moved once
    live.stream = "Headset-8"  # the user's change after the move
    _saved(scene)["live"]["live_stream"] = "Stale"  # an old extension saving the file again
    migration.on_load()
    assert live.stream == "Headset-8"
    resaved = tmp_path / "resaved.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(resaved))
    bpy.ops.wm.open_mainfile(filepath=str(resaved))
    live = bpy.context.scene.evoke.live
    assert (live.source, live.stream) == ("BRAINFLOW", "Headset-8")


def test_disabling_removes_the_load_handler_and_enabling_adds_one(installed: Path) -> None:
    import addon_utils

    def ours() -> int:
        return sum(MODULE in getattr(h, "__module__", "") for h in bpy.app.handlers.load_post)

    assert ours() == 1
    addon_utils.disable(MODULE, default_set=True)
    assert ours() == 0
    addon_utils.enable(MODULE, default_set=True)
    assert ours() == 1


def test_a_damaged_flat_setting_keeps_the_scenes_settings_and_says_so_in_one_line(
    installed: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import importlib

    migration = importlib.import_module(f"{MODULE}.evoke_blender.migration")
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.evoke.schema_version = 0  # as a file saved before the groups
    _saved(scene)["hop"] = 0.5
    _saved(scene)["markers"] = 7  # not a list of rows: a damaged or foreign file
    capfd.readouterr()
    migration.migrate_all()
    lines = [x for x in capfd.readouterr().out.splitlines() if "EVOKE" in x]
    assert len(lines) == 1 and "not carried over" in lines[0] and "'Scene'" in lines[0]
    assert _saved(scene)["hop"] == 0.5 and _saved(scene)["markers"] == 7  # both kept
    assert scene.evoke.schema_version == 0  # tried again on the next load
