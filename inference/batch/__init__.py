"""Many recordings at once: one timeline (or, through the tools, one clip) per recording or
trial, on every local core or on a Ray cluster, resumable and with one summary.

`sources` turns paths, folders and globs into tasks; `outputs` writes each result atomically and
knows what is already complete; `timelines` is the job of one task; `runner` runs jobs on a local
process pool or (only when asked, imported lazily) on Ray through `ray_backend`; `progress` draws
the one bar; `summary` adds the results up as a table and as JSON; `cli` is `python -m inference
batch`.
"""

from __future__ import annotations

from .runner import TaskResult, run_batch
from .sources import BatchTask, find_tasks

__all__ = ["BatchTask", "TaskResult", "find_tasks", "run_batch"]
