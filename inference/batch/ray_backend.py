"""The batch on a Ray cluster: each task a Ray task of one CPU, retried where its worker died.

Imported only for `--ray`: Ray is an optional extra (`pip install evoke-blender[ray]`), never
needed by the runtime or the Blender extension. Every node must see the recordings and the
output folder at the same paths (a shared file system), and have this package installed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..errors import EvokeError, one_line
from ..limits import MAX_MESSAGE_CHARS
from .results import MAX_ATTEMPTS, TaskResult, failed
from .sources import BatchTask

INSTALL = "Ray is not installed: pip install 'evoke-blender[ray]' (or the ray version it pins)"
LOCAL = "local"  # --ray local: a private Ray on this machine (tests, benchmarks)
PROBE_S = 10.0  # how long a cluster's address may take to accept a connection


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EvokeError(INSTALL) from None
    return ray


def connect(address: str, workers: int | None = None, python_path: tuple[str, ...] = ()) -> bool:
    """Join the cluster at `address` ("auto": the one `ray start` made here; "local": start a
    private one). Returns whether this call started Ray (and so should shut it down).

    python_path: folders the tasks import from (a checkout's scripts/ for the training
    companion), the same path on every node, as the data are."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    quiet: dict[str, Any] = {
        "include_dashboard": False, "log_to_driver": False, "logging_level": "error"
    }  # fmt: skip
    if python_path:
        quiet["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(python_path)}}
    try:
        if address not in (LOCAL, "auto"):
            _probe(address)
        if address == LOCAL:
            ray.init(address="local", num_cpus=workers, **quiet)  # never a running cluster
        else:
            ray.init(address=address, **quiet)
    except (OSError, RuntimeError, ValueError) as exc:
        hint = (
            " (start one with `ray start --head`, or use --ray local)" if address == "auto" else ""
        )
        raise EvokeError(
            one_line(f"--ray {address}: cannot reach a Ray cluster{hint}: {exc}", MAX_MESSAGE_CHARS)
        ) from None
    return True


def _probe(address: str, timeout_s: float = PROBE_S) -> None:
    """Fail at once where nothing listens at HOST:PORT (Ray itself would retry for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError("expected auto, local or HOST:PORT (ray://HOST:PORT for Ray Client)")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
        pass


def _call(job: Callable[[BatchTask], TaskResult], task: BatchTask) -> TaskResult:
    """The job, with the Ray node that ran it added to its worker's name."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    result = job(task)
    return replace(result, worker=f"{result.worker} node {node[:12]}")


def run_on_ray(
    job: Callable[[BatchTask], TaskResult],
    tasks: Sequence[BatchTask],
    address: str,
    workers: int | None,
    finished: Callable[[TaskResult], None],
    ready: Callable[[], None] = lambda: None,
) -> str:
    """Every task as a Ray task; results reported as they finish. Returns the backend's name."""
    ray = import_ray()
    started_here = connect(address, workers)
    ready()  # seconds of Ray's start-up are not the tasks' time
    try:
        if not tasks:
            return f"ray ({address})"
        remote = ray.remote(
            num_cpus=1,
            max_retries=MAX_ATTEMPTS - 1,  # a dead worker's task runs again; a failure does not
            retry_exceptions=False,
            scheduling_strategy="SPREAD",  # over every node, not the driver's first
        )(_call)
        shared = ray.put(job)  # sent to the object store once, not once per task
        refs = {remote.remote(shared, task): task for task in tasks}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            task = refs[done[0]]
            try:
                finished(ray.get(done[0]))
            except ray.exceptions.RayError as exc:
                reason = f"{task.path}: on Ray: {type(exc).__name__}: {exc}"
                finished(failed(task.name, one_line(reason, MAX_MESSAGE_CHARS)))
        cpus = int(ray.cluster_resources().get("CPU", 0))
        nodes = len([n for n in ray.nodes() if n.get("Alive")])
        return f"ray ({address}: {nodes} node{'s' if nodes != 1 else ''}, {cpus} CPU{'s' if cpus != 1 else ''})"
    finally:
        if started_here:
            ray.shutdown()
