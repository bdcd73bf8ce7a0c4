"""Planning a commune run, and a Dask cluster of separate processes for the commune runs.

:func:`plan_seconds` times what ``run --level commune`` does before its first report: the
snapshot of the store, the dataset, the jobs planned and their parameters validated, the
communes with figures found and the manifest read for what is unchanged (in this process,
whose imports are already done).

:func:`external_cluster` starts ``dask scheduler`` and ``dask worker`` processes as an operator
does on separate hosts (here on one, sharing the benchmark's folders), so a run through
``--scheduler`` pays what it pays on a real cluster: the tasks and results over TCP, the
workers' job processes and kernels. :func:`scheduler_cost` times no-op tasks through it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
PERIOD = "2026-10"
DASK = Path(sys.executable).parent / "dask"


def plan_seconds(provinces: list[str] | None) -> dict:
    """Seconds from a commune run's start to its first job (planning), and the jobs planned."""
    from analysis.core.version import code_version
    from analysis.running import commune_jobs, runner, snapshot
    from analysis.running.jobs import FORMATS, validate_jobs

    start = time.perf_counter()
    with snapshot.pinned() as (_, version):
        dataset = runner._resolve_dataset(None)
        planned = commune_jobs.plan_commune_jobs(
            PERIOD, provinces, None, None, ("vi",), FORMATS, dataset
        )
        errors = validate_jobs(planned, dataset)
        assert not errors, errors[:3]
        planned, _ = runner._with_commune_data(PERIOD, dataset, planned)
        todo, _ = runner._split_fresh(PERIOD, planned, version, code_version(), False)
    return {"seconds": time.perf_counter() - start, "jobs": len(planned), "todo": len(todo)}


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def external_cluster(n_workers: int, env: dict[str, str], logs: Path) -> Iterator[dict]:
    """``dask scheduler`` and ``n_workers`` x ``dask worker --nworkers 1 --nthreads 1``, each a
    process group of its own; yields the address and the seconds until all workers joined."""
    from distributed import Client

    logs.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen] = []
    begin = time.perf_counter()
    try:
        scheduler_file = logs / f"scheduler-{n_workers}.json"
        scheduler_file.unlink(missing_ok=True)
        started.append(
            _start(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--scheduler-file", str(scheduler_file)],
                env,
                logs / f"scheduler-{n_workers}.log",
            )
        )
        while not scheduler_file.exists():
            time.sleep(0.2)
        time.sleep(0.2)  # written, then read
        address = json.loads(scheduler_file.read_text())["address"]
        for i in range(n_workers):
            started.append(
                _start(
                    [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1"]
                    + ["--no-dashboard", "--name", f"w{i + 1}"],
                    env,
                    logs / f"worker-{n_workers}-{i + 1}.log",
                )
            )
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(n_workers, timeout=300)
        yield {"address": address, "startup_s": time.perf_counter() - begin}
    finally:
        for proc in reversed(started):
            _stop(proc)


def scheduler_cost(address: str, tasks: int = 2000) -> float:
    """Seconds per task of ``tasks`` no-op tasks (submitted, run, result back) on the cluster."""
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.gather(client.map(abs, range(-50, 0), pure=False))  # connections made
        start = time.perf_counter()
        futures = client.map(abs, range(-tasks, 0), pure=False)
        client.gather(futures)
        return (time.perf_counter() - start) / tasks
