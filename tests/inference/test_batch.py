"""`python -m inference batch`: many recordings on a local process pool, resumable, one summary.

Every output is compared with what `predict` gives for the same recording (the batch must add
nothing and lose nothing); a rerun is checked by what it wrote (inode and modification time of
every output), never by how long it took.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from evoke_tools.batch_study import expected_rows, output_state, run_cli, write_study
from evoke_tools.paths import ROOT

from inference import load_model, predict
from inference.batch import find_tasks
from inference.batch.outputs import PART, atomic_output, sweep_temporaries
from inference.errors import InputError
from inference.io.formats import read_recording


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two DEAP subjects (2 trials each), a corrupt s04.dat, and lab/p01.edf (pyEDFlib)."""
    return write_study(tmp_path_factory.mktemp("study"))


def test_every_recording_gets_predicts_timeline_and_a_bad_one_its_reason(
    study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run_cli("batch", str(study), "--out", str(out), "--workers", "2")
    assert done.returncode == 1, done.stderr  # one file failed: the exit code says so
    assert set(output_state(out)) == {"s01.json", "s02.json", "lab/p01.json"}
    windows = 0
    for name, source in (("s01.json", "s01.dat"), ("s02.json", "s02.dat"),
                         ("lab/p01.json", "lab/p01.edf")):  # fmt: skip
        expected = expected_rows(study / source)
        assert json.loads((out / name).read_text()) == expected, name
        windows += len(expected)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"] == 4 and summary["files_ok"] == 3 and summary["files_failed"] == 1
    assert summary["outputs_written"] == 3 and summary["windows"] == windows
    assert summary["trials"] == 2 + 2 + 1
    assert sum(summary["emotions"].values()) == windows
    reason = summary["failures"]["s04"]
    assert "s04.dat" in reason and "\n" not in reason
    assert f"s04: {reason}" in done.stdout  # the table printed names it too
    assert (out / "summary.txt").read_text() == done.stdout
    assert not list(out.rglob(f"*{PART}*"))


def test_a_rerun_redoes_no_finished_output(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("batch", str(study), "--out", str(out)).returncode == 1
    before = output_state(out)
    (out / "s02.json").unlink()  # as if the run had been killed before s02 was complete
    again = run_cli("batch", str(study), "--out", str(out), "--workers", "2")
    assert again.returncode == 1, again.stderr
    after = output_state(out)
    assert set(after) == set(before)
    redone = {name for name in after if after[name] != before[name]}
    assert redone == {"s02.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["outputs_written"] == 1 and summary["outputs_already_complete"] == 2
    assert summary["windows"] == sum(len(json.loads((out / n).read_text())) for n in after)


def test_per_trial_outputs_resume_trial_by_trial(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli("batch", str(study / "s01.dat"), str(study / "s02.dat"), "--out", str(out),
                "--per", "trial", "--format", "csv", "--trial", "2", "--trial", "1")  # fmt: skip
    assert first.returncode == 0, first.stderr
    files = {"s01/trial01.csv", "s01/trial02.csv", "s02/trial01.csv", "s02/trial02.csv"}
    assert set(output_state(out)) == files | {"s01/index.json", "s02/index.json"}
    whole = predict(read_recording(study / "s01.dat", trial=[2]), load_model(None))
    lines = (out / "s01/trial02.csv").read_text().splitlines()
    assert lines[0].startswith("trial,t,") and len(lines) == 1 + len(whole.timelines[0].t)
    before = output_state(out)
    (out / "s01/trial02.csv").unlink()
    (out / "s01/index.json").unlink()  # the recording is incomplete again
    again = run_cli("batch", str(study / "s01.dat"), str(study / "s02.dat"), "--out", str(out),
                "--per", "trial", "--format", "csv", "--trial", "1", "--trial", "2")  # fmt: skip
    assert again.returncode == 0, again.stderr
    after = output_state(out)
    assert {n for n in after if after[n] != before[n]} == {"s01/trial02.csv", "s01/index.json"}


def test_paths_folders_and_globs_become_one_task_per_recording(study: Path, tmp_path: Path) -> None:
    from evoke_tools.synthetic import make_subject, write_dat

    mats = tmp_path / "mats"
    mats.mkdir()
    (mats / "s01.dat").symlink_to(study / "s01.dat")
    (mats / "s01.mat").write_bytes(b"")  # DEAP's .mat copy of the same subject: read once
    (mats / "notes.txt").write_text("not a recording")
    write_dat(mats / "s09.dat", *make_subject(9, seed=1, n_trials=1))
    names = [t.name for t in find_tasks([str(mats)])]
    assert names == ["s01", "s09"]
    assert [t.subject for t in find_tasks([str(mats)])] == [1, 9]
    globbed = find_tasks([str(study / "**" / "*.edf"), str(study / "s0[12].dat")])
    assert [t.name for t in globbed] == ["p01", "s01", "s02"]
    assert len(find_tasks([str(study / "s01.dat"), str(study)])) == 4  # each file once
    with pytest.raises(InputError, match="matches no file"):
        find_tasks([str(tmp_path / "*.xdf")])
    with pytest.raises(InputError, match="its output would be 's01'"):
        find_tasks([str(study), str(mats / "s01.mat")])


def test_bad_settings_are_one_line_before_any_work(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for args, words in (
        (("--hop", "0.3"), "--hop 0.3"),
        (("--workers", "0"), "--workers 0"),
        (("--markers",), "--markers"),
        (("--subject", "7"), "--subject 7"),
        (("--ray", "auto"), None),  # either no Ray installed, or no cluster started here
        (("--ray", "127.0.0.1:9"), None),  # nothing listens there: said at once, not retried
    ):
        done = run_cli("batch", str(study), "--out", str(out), *args)
        assert done.returncode == 2, (args, done.stdout)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
        assert words is None or words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    nowhere = run_cli("batch", str(tmp_path / "missing"), "--out", str(out))
    assert nowhere.returncode == 2 and "missing: no such file or folder" in nowhere.stderr


def test_an_interrupted_write_leaves_no_output_and_its_temporary_is_swept(tmp_path: Path) -> None:
    final = tmp_path / "a" / "s01.json"
    with pytest.raises(RuntimeError), atomic_output(final) as tmp:
        tmp.write_text("[{")
        raise RuntimeError("killed mid-write")
    assert not final.exists() and not list(final.parent.iterdir())
    left = final.with_name(f".s01{PART}dead.json")  # what a SIGKILL leaves (no finally runs)
    left.write_text("[{")
    assert sweep_temporaries(tmp_path) == 1 and not left.exists()


def test_a_worker_killed_mid_batch_is_replaced_and_its_task_redone_whole(tmp_path: Path) -> None:
    """SIGKILL to a pool worker breaks a process pool: the tasks it held run again in a new one.
    Whatever the moment of the kill, every output ends complete, and no temporary remains."""
    from evoke_tools.synthetic import write_deap_folder

    folder = tmp_path / "deap"
    write_deap_folder(folder, 6, seed=2, n_trials=9)  # 540 windows: the student's parallel path
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    driver = subprocess.Popen(
        [sys.executable, "-m", "inference", "batch", str(folder), "--out", str(out),
         "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("s0*.json")) and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = _pool_workers(driver.pid)
        assert workers, "the pool's worker was not found"
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = driver.communicate(timeout=300)
    finally:
        driver.kill()
    assert driver.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_ok"] == 6 and summary["retried"] >= 1, summary
    for k in range(1, 7):
        assert json.loads((out / f"s0{k}.json").read_text()) == expected_rows(folder / f"s0{k}.dat")
    assert not list(out.rglob(f"*{PART}*"))


def _pool_workers(pid: int) -> list[int]:
    """The pool's worker processes of the driver `pid` (Linux's /proc): its children started by
    multiprocessing's spawn (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def test_the_progress_says_each_finished_file_on_one_line_in_a_log() -> None:
    import io

    from inference.batch.progress import Progress
    from inference.batch.results import TaskResult, failed

    log = io.StringIO()  # not a terminal: a line per task, as in a CI log
    progress = Progress(3, "recordings", log)
    progress.ready()
    progress.advance(TaskResult("s01", True, written=1))
    progress.advance(failed("s02", "s02.dat: bad\nsecond line \x1b[31m"))
    progress.advance(TaskResult("s03", True, skipped=1))
    lines = log.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("[1/3 recordings ") and lines[0].endswith("] s01: ok")
    assert "left]" in lines[0] and "2/3 recordings, 1 failed" in lines[1]
    assert lines[1].endswith("s02: failed: s02.dat: bad\\nsecond line \\x1b[31m")  # escaped
    assert lines[2].endswith("s03: already complete") and "left" not in lines[2]
