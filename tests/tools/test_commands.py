"""The companion tools' one entry point, `python scripts/evoke.py TOOL`: every tool in the table
is a module with a `main`, `scripts/` holds no other command (adding a tool is one table entry),
and a tool runs through it as it ran alone: its options, its output, its exit status."""

from __future__ import annotations

import ast
import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from evoke_tools.commands import TOOLS
from evoke_tools.paths import ROOT

EVOKE = ROOT / "scripts" / "evoke.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EVOKE), *args], capture_output=True, text=True, timeout=300
    )


def test_every_tool_is_a_module_with_a_main() -> None:
    for name, tool in TOOLS.items():
        spec = importlib.util.find_spec(tool.module)  # found, not imported (torch, bpy)
        assert spec is not None and spec.origin is not None, name
        tree = ast.parse(Path(spec.origin).read_text())
        assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body), name
    assert sorted(p.name for p in (ROOT / "scripts").glob("*.py")) == ["evoke.py"]


def test_the_list_names_every_tool_and_an_unknown_one_is_one_line() -> None:
    listed = _run()
    assert listed.returncode == 2  # no tool named: a usage error, with the list
    assert [line.split()[0] for line in listed.stdout.splitlines()[3:]] == list(TOOLS)
    wrong = _run("no_such_tool")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.count("\n") == 1 and "no tool 'no_such_tool'" in wrong.stderr


@pytest.mark.slow
def test_a_tool_runs_with_its_own_options(tmp_path: Path) -> None:
    """synth_deap through the entry point (and by the old script's name, hyphenated): its help
    names it as called, and it writes DEAP's format."""
    helped = _run("synth-deap", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: evoke.py synth-deap")
    done = _run("synth_deap.py", "--out", str(tmp_path), "--subjects", "1", "--trials", "2")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "s01.dat", "rb") as f:
        subject = pickle.load(f, encoding="latin1")
    assert subject["data"].shape == (2, 40, 8064) and subject["labels"].shape == (2, 4)
