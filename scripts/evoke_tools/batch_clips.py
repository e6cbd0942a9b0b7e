"""Batch clips: one MP4 per recording or per trial, each baked and rendered (Render Clip) in a
fresh process: `render_demo` in a Python with Blender's `bpy` module, or `blender_clip` in a
Blender binary (--blender), on every local core or on a Ray cluster; the same tasks, progress,
resuming and summary as `python -m inference batch`.

python scripts/evoke.py batch_clips PATH... --out DIR [--per trial|recording] [--trial K ...]
    [--seconds S] [--start auto|S] [--engine workbench|eevee|cycles] [--height 360] [--hop 0.25]
    [--mode discrete|blend] [--model M.npz] [--workers N] [--ray auto|ADDRESS|local]
    [--python PYTHON_WITH_BPY | --blender BLENDER] [--timeout S]

A fresh process per clip: Blender keeps one scene per process, and a crash or a leak in one
clip cannot touch the next. Each process installs the extension into its own throw-away user
folder (as render_demo does), so parallel renders never share Blender's preferences. The clip
is rendered into a hidden staging folder beside its final name and moved there when complete.
A Blender binary is checked (a Blender, 4.2 or later) before any work, and the extension is
built once, into OUT (every Ray node sees it there), and removed when the batch ends.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from evoke_tools.blender_binary import (
    SCRIPT,
    check_blender,
    extension_zip,
    script_command,
    throwaway_env,
)
from evoke_tools.paths import ROOT
from evoke_tools.process_exit import leave
from inference.batch import BatchTask, TaskResult, find_tasks, run_batch
from inference.batch.outputs import staging_folder
from inference.batch.progress import Progress
from inference.batch.results import failed
from inference.errors import EvokeError, one_line
from inference.io.deap_files import deap_recording
from inference.limits import MAX_MESSAGE_CHARS

TOOLS = ROOT / "scripts" / "evoke.py"  # its render_demo tool renders each clip
CLIP_TIMEOUT_S = 3600.0  # one clip; a whole 60 s trial at 0.35 s a frame is ~9 minutes
BUILT = ".evoke-extension"  # OUT's folder for the zip a Blender binary installs


@dataclass(frozen=True)
class ClipSettings:
    """Render Clip's settings, as render_demo takes them."""

    seconds: float = 20.0  # 0 = the whole trial
    start: str = "auto"
    engine: str = "workbench"
    height: int = 360
    hop: float = 0.25
    mode: str = "discrete"
    model: str = ""

    def arguments(self) -> list[str]:
        return ["--seconds", f"{self.seconds:g}", "--start", self.start, "--engine", self.engine,
                "--height", str(self.height), "--hop", f"{self.hop:g}", "--mode", self.mode,
                "--model", self.model]  # fmt: skip


@dataclass(frozen=True)
class ClipJob:
    """One task in a fresh process: `python scripts/evoke.py render_demo RECORDING --out
    STAGED.mp4 ...`, or with `blender`, `blender_clip.py` inside that Blender binary."""

    out: str
    settings: ClipSettings = field(default_factory=ClipSettings)
    python: str = sys.executable  # an interpreter with Blender's bpy module
    timeout_s: float = CLIP_TIMEOUT_S
    blender: str = ""  # a Blender binary (checked), which renders instead of `python`
    extension: str = ""  # with `blender`: the extension zip it installs

    def command(
        self, task: BatchTask, staged: Path, work: Path
    ) -> tuple[list[str], dict[str, str]]:
        """The process that renders `task` into `staged`, and its environment; `work` is a
        throw-away folder for a Blender binary's user files and session folders."""
        where = ["--subject", str(task.subject or 1), "--trial", str(task.trial or 1)]
        clip = [task.path, "--out", str(staged), *where, *self.settings.arguments()]
        if self.blender:
            arguments = [*clip, "--extension", self.extension]
            return script_command(self.blender, SCRIPT, arguments), throwaway_env(work)
        env = {k: v for k, v in os.environ.items() if k != "BLENDER_USER_RESOURCES"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "scripts"), str(ROOT)])
        return [self.python, str(TOOLS), "render_demo", *clip], env

    def final(self, task: BatchTask) -> Path:
        return Path(self.out) / f"{task.name}.mp4"

    def complete(self, task: BatchTask) -> Path | None:
        file = self.final(task)
        return file if file.is_file() and file.stat().st_size > 0 else None

    def __call__(self, task: BatchTask) -> TaskResult:
        started = time.perf_counter()
        worker = f"{socket.gethostname()}:{os.getpid()}"
        final = self.final(task)
        if self.complete(task) is not None:
            return TaskResult(task.name, True, skipped=1, trials=1, worker=worker)
        with (
            staging_folder(final) as stage,
            tempfile.TemporaryDirectory(prefix="evoke-clip-") as tmp,
        ):
            staged = stage / final.name
            command, env = self.command(task, staged, Path(tmp))
            try:
                done = subprocess.run(command, capture_output=True, text=True, env=env,
                                      cwd=stage, timeout=self.timeout_s)  # fmt: skip
            except subprocess.TimeoutExpired:
                reason = f"{task.path}: no clip after {self.timeout_s:g} s (--timeout)"
                return failed(task.name, reason, time.perf_counter() - started, worker)
            except OSError as exc:
                named = f"--blender {self.blender}" if self.blender else f"--python {self.python}"
                reason = f"{named}: cannot run it ({exc.strerror or exc})"
                return failed(task.name, reason, time.perf_counter() - started, worker)
            if done.returncode != 0 or not staged.is_file():
                reason = (
                    f"{task.path}: {_last_error(done.stderr) or f'exit code {done.returncode}'}"
                )
                reason = one_line(reason, MAX_MESSAGE_CHARS)
                return failed(task.name, reason, time.perf_counter() - started, worker)
            os.replace(staged, final)
        return TaskResult(task.name, True, written=1, trials=1,
                          seconds=time.perf_counter() - started, worker=worker)  # fmt: skip


def _last_error(stderr: str) -> str:
    """render_demo's own one-line error, else the last line it printed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    last = (errors or lines or [""])[-1].removeprefix("error:").strip()
    return last.removeprefix("Error:").strip()  # an operator's report, as Blender words it


def clip_tasks(paths: list[str], per: str, trials: list[int] | None) -> list[BatchTask]:
    """A task per recording; with `per` "trial", a task per trial of each DEAP file (its
    trials counted from the file, or the --trial numbers)."""
    tasks = []
    for task in find_tasks(paths):
        if per == "trial" and task.subject is not None:
            numbers = trials or range(1, _count_trials(task.path) + 1)
            tasks += [BatchTask(task.path, f"{task.name}/trial{k:02d}", k) for k in numbers]
            if not numbers:  # unreadable: one task, which fails with the reader's reason
                tasks.append(task)
        else:
            tasks.append(BatchTask(task.path, task.name, trials[0] if trials else None))
    return tasks


def _count_trials(path: str) -> int:
    try:
        return len(deap_recording(path).trials)
    except EvokeError:
        return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("paths", nargs="+", help="recordings, folders or globs")
    ap.add_argument("--out", required=True, help="output folder (summary.json/.txt too)")
    ap.add_argument("--per", choices=("trial", "recording"), default="trial",
                    help="a clip per DEAP trial (default), or per recording (its trial 1)")  # fmt: skip
    ap.add_argument("--trial", type=int, action="append", help="only these trials (repeatable)")
    d = ClipSettings()
    ap.add_argument("--seconds", type=float, default=d.seconds, help="0 = the whole trial")
    ap.add_argument("--start", default=d.start, help="seconds into the trial, or 'auto'")
    ap.add_argument("--engine", choices=("workbench", "eevee", "cycles"), default=d.engine)
    ap.add_argument("--height", type=int, default=d.height)
    ap.add_argument("--hop", type=float, default=d.hop)
    ap.add_argument("--mode", choices=("discrete", "blend"), default=d.mode)
    ap.add_argument("--model", default="", help="model file (.npz); default: the bundled one")
    ap.add_argument("--workers", type=int, help="local processes (default: every core)")
    ap.add_argument("--ray", metavar="auto|ADDRESS|local", help="run on a Ray cluster")
    renderer = ap.add_mutually_exclusive_group()
    renderer.add_argument("--python", default=sys.executable,
                          help="a Python with Blender's bpy module (default: this one)")  # fmt: skip
    renderer.add_argument("--blender", default="", metavar="PATH",
                          help="render in this Blender binary (4.2 or later) instead")  # fmt: skip
    ap.add_argument("--timeout", type=float, default=CLIP_TIMEOUT_S, help="seconds per clip")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    out = Path(args.out).resolve()
    try:
        blender = check_blender(args.blender) if args.blender else ""  # before any work
        if args.workers is not None and args.workers < 1:
            raise EvokeError(f"--workers {args.workers}: must be 1 or more")
        tasks = clip_tasks(args.paths, args.per, args.trial)
        model = str(Path(args.model).resolve()) if args.model else ""
        settings = ClipSettings(args.seconds, args.start, args.engine, args.height, args.hop,
                                args.mode, model)  # fmt: skip
        _fetch_wheels_once()
        built = str(extension_zip(out / BUILT, blender)) if blender else ""
        job = ClipJob(str(out), settings, args.python, args.timeout, blender, built)
        progress = Progress(len(tasks), "clips", enabled=not args.quiet)
        try:
            summary = run_batch(tasks, job, out, workers=args.workers, ray=args.ray,
                                progress=progress)  # fmt: skip
        finally:
            shutil.rmtree(out / BUILT, ignore_errors=True)
    except EvokeError as exc:
        print(f"error: {one_line(exc, MAX_MESSAGE_CHARS)}", file=sys.stderr)
        return 2
    print(summary.as_text(), end="")
    return 1 if summary.failures else 0


def _fetch_wheels_once() -> None:
    """The extension's bundled wheels, fetched here once: parallel builds then only read them."""
    from evoke_tools.extension import current_platform, fetch_wheels

    fetch_wheels([current_platform()])


if __name__ == "__main__":
    leave(main())
