"""Benchmark of the batch: the speedup of 2 local workers over 1, for timelines and for clips,
and Ray's overhead per task against one DEAP subject's predict.

python scripts/evoke.py bench_batch [--subjects 8] [--repeat 2] [--clips 4] [--clip-seconds 1] [--height 120]
    [--no-clips] [--no-ray] [--json FILE]

Timelines: DEAP-sized synthetic subjects (40 trials of 63 s each), one task per subject, as
`python -m inference batch` runs them. Clips: the same subject's first trials, each rendered by
render_demo in a fresh process (as scripts/evoke.py batch_clips). Each configuration writes into a
fresh folder, so nothing is skipped. Ray's overhead: the same subjects on a private local Ray
of one CPU, started before the clock (Ray starts once per session, not per task): the wall
time beyond the tasks' own time, per task, as a share of a task's time. The machine's load
average is printed before and after: on a shared machine the speedups say as much about the
other processes as about the batch, so compare runs made under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evoke_tools.process_exit import leave
from evoke_tools.synthetic import write_deap_folder
from inference.batch import BatchTask, find_tasks, run_batch
from inference.batch.runner import BatchJob, local_cores
from inference.batch.timelines import TimelineJob


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {local_cores()} cores"


def timed(tasks: list[BatchTask], job: BatchJob, out: Path, **how: Any) -> tuple[float, Any]:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = run_batch(tasks, job, out, **how)
    wall = time.perf_counter() - started
    if summary.failures:
        raise SystemExit(f"error: the benchmark's batch failed: {summary.as_dict()['failures']}")
    return wall, summary


def bench_timelines(work: Path, subjects: int, repeat: int) -> dict[str, Any]:
    """1 and 2 workers in turn, `repeat` times each; the fastest of each (the least disturbed
    by the machine's other work) is the figure."""
    folder = work / "deap"
    write_deap_folder(folder, subjects, seed=7)
    tasks = find_tasks([str(folder)])
    job = TimelineJob(str(work / "t"))
    walls: dict[int, list[float]] = {1: [], 2: []}
    task_s: list[float] = []
    for _ in range(repeat):
        for n in (1, 2):
            wall, summary = timed(tasks, job, work / "t", workers=n)
            walls[n].append(wall)
            if n == 1:
                task_s.append(sum(r.seconds for r in summary.results) / len(tasks))
    one, two = min(walls[1]), min(walls[2])
    return {"tasks": len(tasks), "workers_1_s": one, "workers_2_s": two, "speedup": one / two,
            "subject_predict_s": min(task_s), "all_walls_s": walls}  # fmt: skip


def bench_ray(work: Path) -> dict[str, Any]:
    import ray

    from inference.batch.ray_backend import LOCAL, connect

    tasks = find_tasks([str(work / "deap")])
    job = TimelineJob(str(work / "r"))
    connect(LOCAL, workers=1)
    try:
        timed(tasks[:1], job, work / "r", ray=LOCAL)  # the first worker starts and imports
        wall, summary = timed(tasks, job, work / "r", ray=LOCAL)
    finally:
        ray.shutdown()
    inside = sum(r.seconds for r in summary.results)
    overhead = (wall - inside) / len(tasks)
    per_task = inside / len(tasks)
    return {"tasks": len(tasks), "wall_s": wall, "task_s": per_task,
            "overhead_per_task_s": overhead, "overhead_share": overhead / per_task}  # fmt: skip


def bench_clips(work: Path, clips: int, seconds: float, height: int) -> dict[str, Any]:
    from evoke_tools.batch_clips import ClipJob, ClipSettings, _fetch_wheels_once

    _fetch_wheels_once()
    subject = work / "deap" / "s01.dat"
    tasks = [BatchTask(str(subject), f"s01/trial{k:02d}", k) for k in range(1, clips + 1)]
    job = ClipJob(str(work / "c"), ClipSettings(seconds=seconds, start="0", height=height))
    one, s1 = timed(tasks, job, work / "c", workers=1)
    two, _ = timed(tasks, job, work / "c", workers=2)
    return {"clips": clips, "clip_seconds": seconds, "height": height, "workers_1_s": one,
            "workers_2_s": two, "speedup": one / two, "per_clip_s": one / clips,
            "frames_per_clip": round(seconds * 24)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--subjects", type=int, default=8, help="DEAP-sized subjects (timelines)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each timeline configuration")
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--clip-seconds", type=float, default=1.0)
    ap.add_argument("--height", type=int, default=120)
    ap.add_argument("--no-clips", action="store_true")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args(argv)
    figures: dict[str, Any] = {"load_before": load()}
    print(figures["load_before"])
    with tempfile.TemporaryDirectory(prefix="evoke-bench-batch-") as tmp:
        work = Path(tmp)
        t = figures["timelines"] = bench_timelines(work, args.subjects, args.repeat)
        print(f"timelines: {t['tasks']} DEAP subjects, 1 worker {t['workers_1_s']:.1f} s, "
              f"2 workers {t['workers_2_s']:.1f} s: speedup {t['speedup']:.2f}x "
              f"(one subject's predict {t['subject_predict_s']:.2f} s)")  # fmt: skip
        if not args.no_ray:
            r = figures["ray"] = bench_ray(work)
            print(f"ray: {r['tasks']} subjects on 1 CPU in {r['wall_s']:.2f} s; overhead "
                  f"{r['overhead_per_task_s'] * 1000:.0f} ms per task = "
                  f"{100 * r['overhead_share']:.1f} % of one subject's predict "
                  f"({r['task_s']:.2f} s)")  # fmt: skip
        if not args.no_clips:
            c = figures["clips"] = bench_clips(work, args.clips, args.clip_seconds, args.height)
            print(f"clips: {c['clips']} x {c['clip_seconds']:g} s ({c['frames_per_clip']} frames, "
                  f"{c['height']} px), 1 worker {c['workers_1_s']:.1f} s, 2 workers "
                  f"{c['workers_2_s']:.1f} s: speedup {c['speedup']:.2f}x "
                  f"({c['per_clip_s']:.1f} s a clip alone)")  # fmt: skip
    figures["load_after"] = load()
    print(figures["load_after"])
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    leave(main(sys.argv[1:]))
