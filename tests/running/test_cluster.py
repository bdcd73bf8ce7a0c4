"""A real Dask cluster: ``dask scheduler`` and two ``dask worker`` processes, as on separate
hosts sharing the project folder, run a province's commune reports; one worker is killed
outright in the middle of the run (its whole process group, as when its host is lost).

The run must survive it: the jobs the dead worker held are run by the other one, every output
is whole (no temporary or half-written file is left), and the manifest is true (one row per
job and format, every status ok, every file there).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.running.test_runner import _whole

pytestmark = pytest.mark.slow
PERIOD = "2026-10"
PROVINCE = "lai_chau"  # 38 communes: a small province
DASK = Path(sys.executable).parent / "dask"


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """A process in a session of its own, so that it and its children can be killed at once."""
    with open(log, "w") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def cluster_store(demo_store, tmp_path_factory):
    """A copy of the demo store (commune figures included) with the month's analytics cached."""
    from analysis.analyses import monthly

    data = tmp_path_factory.mktemp("cluster") / "data"
    shutil.copytree(
        demo_store / "processed", data / "processed", ignore=shutil.ignore_patterns("snapshots")
    )
    (data / "raw").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VNDX_DATA_DIR", str(data))
        monthly.precompute(PERIOD, jobs=2)
    return data


@pytest.fixture
def cluster_env(cluster_store, tmp_path, monkeypatch):
    """The store and a reports folder of this test, in the environment the processes get."""
    data = tmp_path / "data"
    shutil.copytree(cluster_store, data)
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("VNDX_DATABASE", raising=False)
    env = os.environ.copy()
    env["PYTHONWARNINGS"] = "ignore"
    return env


def test_a_worker_killed_during_a_commune_run_is_survived(cluster_env, tmp_path):
    from distributed import Client

    env, reports = cluster_env, tmp_path / "reports"
    started: list[subprocess.Popen] = []
    try:
        scheduler_file = tmp_path / "scheduler.json"
        started.append(
            _start(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0"]
                + ["--no-dashboard", "--scheduler-file", str(scheduler_file)],
                tmp_path / "scheduler.log",
                env,
            )
        )
        _wait_for(scheduler_file.exists, 60, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        workers = {
            name: _start(
                [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1"]
                + ["--no-dashboard", "--name", name],
                tmp_path / f"{name}.log",
                env,
            )
            for name in ("w1", "w2")
        }
        started += workers.values()
        with Client(address, timeout="60s") as watcher:
            watcher.wait_for_workers(2, timeout=120)
            run = _start(
                [sys.executable, "-m", "analysis", "run", "--period", PERIOD, "--level"]
                + ["commune", "--province", PROVINCE, "--scheduler", address, "--no-progress"],
                tmp_path / "run.log",
                env,
            )
            started.append(run)
            pdfs = reports / PERIOD / PROVINCE / "communes"
            _wait_for(lambda: len(list(pdfs.glob("*/*.pdf"))) >= 6, 240, "the first scorecards")

            def victims_jobs() -> list[str]:
                info = watcher.scheduler_info(n_workers=-1)["workers"]
                victim = next(a for a, w in info.items() if w["name"] == "w1")
                return [str(k) for k in watcher.processing(workers=[victim]).get(victim, ())]

            held = _wait_for(victims_jobs, 60, "a job on the worker to kill")
            left = _processes_of(workers["w1"].pid)
            _kill(workers["w1"])  # the nanny, its worker, the job process: the host is gone
        assert run.wait(timeout=300) == 0, (tmp_path / "run.log").read_text()[-3000:]
    finally:
        for proc in reversed(started):
            _kill(proc)

    manifest = json.loads((reports / PERIOD / "manifest.json").read_text())
    rows = manifest["outputs"]
    jobs = Counter((r["notebook"], r["commune"]) for r in rows)
    assert len(jobs) == 39  # 38 scorecards and the province's comparison
    formats = Counter((r["notebook"], r["commune"], r["format"]) for r in rows)
    assert set(formats.values()) == {1}, "one row per job and format"
    assert {r["format"] for r in rows} == {"ipynb", "html", "pdf"}
    for row in rows:
        assert row["status"] == "ok", row
        path = reports / row["path"]
        assert path.exists() and _whole(path), path
    assert not list(reports.rglob(".*.tmp*")), "temporary files left behind"
    assert not list(reports.rglob("*.failed.ipynb"))
    # The jobs the killed worker held were made elsewhere, whole and recorded.
    for key in held:
        commune = key.split(f"{PROVINCE}/communes/", 1)[-1].split("/", 1)[0]
        if "/communes/" in key:
            done = [r for r in rows if r["commune"] == commune]
            assert len(done) == 3 and all(r["status"] == "ok" for r in done), key
    # Nothing of the killed worker (its kernels run in sessions of their own) outlives it.
    _wait_for(lambda: not _alive(left), 60, "the killed worker's kernels to exit")


def _processes_of(session: int) -> list[int]:
    """The processes of a session, and their children (kernels start sessions of their own)."""
    out = subprocess.run(["ps", "-eo", "pid,ppid,sid"], capture_output=True, text=True)
    rows = [[int(x) for x in line.split()] for line in out.stdout.splitlines()[1:]]
    ours = {pid for pid, _, sid in rows if sid == session}
    return sorted(ours | {pid for pid, ppid, _ in rows if ppid in ours})


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def test_a_run_without_workers_says_so(cluster_env, monkeypatch):
    from distributed import LocalCluster

    from analysis.running import cluster, runner

    monkeypatch.setattr(cluster, "WORKER_WAIT", 1.0)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        with pytest.raises(RuntimeError, match="no Dask worker joined .*`dask worker"):
            runner.run(
                PERIOD,
                provinces=[PROVINCE],
                level="commune",
                communes=["ban_bo"],
                scheduler=empty.scheduler_address,
                progress=False,
            )


# A Dask worker as far as its job processes know: it keeps them (warmed from a thread that
# ends, as JobProcesses.warm does), and says which process runs them and where their
# temporary files are.
FAKE_WORKER = """
import json, os, sys, time
from analysis.running import cluster

processes = cluster.JobProcesses(1)
processes.warm(dict(os.environ))
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    with processes.taken() as process:
        if process.started:
            break
    time.sleep(0.2)
time.sleep(2)  # the thread that started it has ended by now
(pid,) = process._pool._processes
print(json.dumps({"pid": pid, "folder": str(processes.folder)}), flush=True)
print(process._pool.submit(os.getpid).result(timeout=60) == pid, flush=True)
time.sleep(600)
"""


def test_a_job_process_outlives_the_thread_that_started_it_not_its_worker(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    worker = subprocess.Popen(
        [sys.executable, "-c", FAKE_WORKER], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None
        started = json.loads(worker.stdout.readline())
        assert worker.stdout.readline().strip() == "True", "the job process did not answer"
        job_process, folder = started["pid"], Path(started["folder"])
        assert folder.parent == tmp_path and (folder / f"worker-{job_process}").is_dir()
        kernels = _wait_for(lambda: _children(job_process), 120, "the job process's kernel")
    finally:
        worker.kill()  # the worker gone at once: it cannot stop its job process itself
        worker.wait(timeout=30)
    _wait_for(lambda: not _alive([job_process, *kernels]), 30, "the job process to end")
    assert not (folder / f"worker-{job_process}").exists(), "its temporary folder was left"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid,ppid"], capture_output=True, text=True)
    rows = [[int(x) for x in line.split()] for line in out.stdout.splitlines()[1:]]
    return [child for child, parent in rows if parent == pid]
