"""Running a batch's tasks: on every local core (a process pool of the standard library), or on
a Ray cluster when asked (`ray_backend`, imported only then).

Why a process pool locally rather than Ray: the runtime must stay numpy + standard library
(Blender's Python has no Ray), one recording is seconds of numpy work that needs no scheduler,
and a pool starts in a fraction of a second where Ray takes seconds. Ray is for more than one
machine, and the two share everything else here: tasks, outputs, progress and summary.

A worker that dies (killed, out of memory) breaks a local pool: the tasks it held are run again
in a fresh pool, up to MAX_ATTEMPTS times each; Ray retries its own tasks the same number of
times. Outputs are atomic (`outputs`), so a retried task never finds half an output, and the
temporaries a dead worker left are swept when the batch ends.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from .outputs import sweep_temporaries
from .progress import Progress
from .results import MAX_ATTEMPTS, TaskResult, failed
from .sources import BatchTask
from .summary import BatchSummary, summarize

DIED = "its worker died {n} times (killed, or out of memory); nothing of it was kept"


class BatchJob(Protocol):
    """What a batch runs for each task (picklable: it travels to worker processes)."""

    def __call__(self, task: BatchTask) -> TaskResult: ...

    def complete(self, task: BatchTask) -> object | None:
        """Not None when the task's outputs are all written already (then it is not sent)."""
        ...


def local_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def run_batch(
    tasks: Sequence[BatchTask],
    job: BatchJob,
    out: Path,
    *,
    workers: int | None = None,
    ray: str | None = None,
    progress: Progress | None = None,
) -> BatchSummary:
    """Run `job` for every task, write the summary into `out`, and return it."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(out)
    progress = progress or Progress(len(tasks), "files", enabled=False)
    results: list[TaskResult] = []

    def finished(result: TaskResult) -> None:
        results.append(result)
        progress.advance(result)

    todo = []
    for task in tasks:  # complete ones are read back here, not sent anywhere
        if job.complete(task) is not None:
            finished(job(task))
        else:
            todo.append(task)
    n = max(1, min(workers or local_cores(), len(todo) or 1))
    retried = 0
    try:
        if ray:
            from .ray_backend import run_on_ray

            backend = run_on_ray(job, todo, ray, workers, finished, progress.ready)
        else:
            backend = f"local ({n} process{'es' if n > 1 else ''})"
            if todo:
                retried = run_locally(job, todo, n, finished)
    finally:
        sweep_temporaries(out)
    summary = summarize(results, time.perf_counter() - started, backend, retried)
    summary.write(out)
    return summary


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Workers started inside the block run BLAS on one thread (read when numpy loads): one
    process per core owns the cores, as Ray does for its workers."""
    saved = {name: os.environ.get(name) for name in BLAS_THREADS}
    os.environ.update(dict.fromkeys(BLAS_THREADS, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_locally(
    job: BatchJob, tasks: Sequence[BatchTask], workers: int, finished: Callable[[TaskResult], None]
) -> int:
    """A pool of `workers` fresh processes (spawned: the same on every platform); a task whose
    worker died is run again in a new pool. Returns how many task runs were retried."""
    attempts: Counter[str] = Counter()
    pending = list(tasks)
    while pending:
        retry: list[BatchTask] = []
        with (
            one_blas_thread(),
            ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool,
        ):
            futures = {pool.submit(job, task): task for task in pending}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    finished(future.result())
                except BrokenProcessPool:
                    attempts[task.name] += 1
                    if attempts[task.name] >= MAX_ATTEMPTS:
                        finished(failed(task.name, DIED.format(n=attempts[task.name])))
                    else:
                        retry.append(task)
        pending = retry
    return sum(attempts.values())
