"""The batch on Ray: a private local Ray through the CLI, and a two-node cluster made with
`ray.cluster_utils.Cluster` on loopback (a failing file, a rerun that resumes, a worker killed
mid-task). Outputs are checked against `predict`, reruns by what was written, never by timing.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Every Ray address on loopback (127.0.0.1), the way Ray runs on macOS and Windows, so no test
# traffic reaches a network interface; Ray reads this once, when first imported.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
ray = pytest.importorskip(
    "ray",
    reason="Ray is the optional 'ray' extra (pip install 'evoke-blender[ray]'); the Blender "
    "venvs (Python 3.13) install only what tests/blender needs",
)

from evoke_tools.batch_study import expected_rows, output_state, run_cli, write_study  # noqa: E402

from inference.batch import BatchTask, TaskResult, find_tasks, run_batch  # noqa: E402
from inference.batch.outputs import PART, atomic_output  # noqa: E402
from inference.batch.timelines import TimelineJob  # noqa: E402


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two DEAP subjects (2 trials each), a corrupt s04.dat, and lab/p01.edf (pyEDFlib)."""
    return write_study(tmp_path_factory.mktemp("study"))


def _nodes(summary: dict[str, Any]) -> set[str]:
    return {w.split(" node ")[1] for w in summary["workers"]}


def test_the_cli_runs_a_batch_on_a_private_local_ray(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_cli("batch", str(study), "--out", str(out), "--ray", "local", "--workers", "2")
    assert done.returncode == 1, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backend"].startswith("ray (local") and summary["files_failed"] == 1
    assert "s04.dat" in summary["failures"]["s04"]
    for name, source in (("s01.json", "s01.dat"), ("lab/p01.json", "lab/p01.edf")):
        assert json.loads((out / name).read_text()) == expected_rows(study / source)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two nodes of one CPU each, on loopback; this process is the driver."""
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    assert c.address.startswith("127.0.0.1:"), c.address
    ray.init(address=c.address, log_to_driver=False, logging_level="error")
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def test_two_nodes_share_the_batch_and_a_rerun_resumes(
    cluster: Any, study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    tasks = find_tasks([str(study)])
    job = TimelineJob(str(out))
    first = run_batch(tasks, job, out, ray=cluster.address).as_dict()
    assert first["files_ok"] == 3 and list(first["failures"]) == ["s04"]
    # which node runs a task is Ray's choice (SPREAD is best effort: on a loaded machine a node
    # whose worker starts late may get none), so assert what the batch controls: every task ran
    # on a node of this two-node cluster, and the summary names it
    alive = {n["NodeID"][:12] for n in ray.nodes() if n["Alive"]}
    assert len(alive) == 2 and _nodes(first) <= alive, (first["workers"], alive)
    for name, source in (("s01.json", "s01.dat"), ("s02.json", "s02.dat"),
                         ("lab/p01.json", "lab/p01.edf")):  # fmt: skip
        assert json.loads((out / name).read_text()) == expected_rows(study / source)
    before = output_state(out)
    (out / "lab" / "p01.json").unlink()
    again = run_batch(tasks, job, out, ray=cluster.address).as_dict()
    after = output_state(out)
    assert {n for n in after if after[n] != before[n]} == {"lab/p01.json"}
    assert again["outputs_written"] == 1 and again["outputs_already_complete"] == 2
    assert json.loads((out / "lab" / "p01.json").read_text()) == expected_rows(
        study / "lab/p01.edf"
    )


@dataclass(frozen=True)
class KilledOnce:
    """The real job, except that its first run of `victim` starts writing the output, says
    its process id in `flag`, and waits there to be killed."""

    inner: TimelineJob
    victim: str
    flag: str

    def complete(self, task: BatchTask) -> object | None:
        return self.inner.complete(task)

    def __call__(self, task: BatchTask) -> TaskResult:
        if task.name == self.victim and not Path(self.flag).exists():
            with atomic_output(self.inner.final(task)) as tmp:
                tmp.write_text('[{"trial": 1, "t": ')  # half an output
                Path(self.flag).write_text(str(os.getpid()))
                time.sleep(300)  # SIGKILL arrives here
        return self.inner(task)


def test_a_worker_killed_mid_task_is_retried_and_leaves_nothing_half_written(
    cluster: Any, study: Path, tmp_path: Path
) -> None:
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    out, flag = tmp_path / "out", tmp_path / "victim.pid"
    job = KilledOnce(TimelineJob(str(out)), "s02", str(flag))
    seen: dict[str, Any] = {}

    def killer() -> None:
        deadline = time.monotonic() + 240
        while not flag.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        seen["pid"] = int(flag.read_text())
        seen["half"] = [p.name for p in out.glob(f".s02{PART}*")]
        os.kill(seen["pid"], signal.SIGKILL)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    summary = run_batch(find_tasks([str(study)]), job, out, ray=cluster.address).as_dict()
    thread.join(timeout=10)
    assert seen["half"], "the victim had not started its output when it was killed"
    assert summary["files_ok"] == 3, summary
    assert not summary["tasks"]["s02"]["worker"].split(" node ")[0].endswith(f":{seen['pid']}")
    assert json.loads((out / "s02.json").read_text()) == expected_rows(study / "s02.dat")
    assert not list(out.rglob(f"*{PART}*"))  # the killed worker's half output was swept
