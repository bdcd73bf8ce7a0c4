"""Report jobs on a Dask cluster: ``run --scheduler tcp://host:8786``.

An operator starts ``dask scheduler`` on one host and ``dask worker tcp://host:8786 --nworkers
N --nthreads 1`` on hosts that share the project folder (same path, same ``.venv``); the
client (``run``) plans, skips and records as on one machine, and sends each job to the cluster.

On a worker a job runs as it runs locally (:mod:`.pool`): in a *job process* of its own, one
per worker thread, started once (spawned, importing the package from the shared folder) with
:func:`~analysis.running.worker.worker_init`, which keeps warmed kernels and imports the
renderers once. So a job has the same time limit (an alarm in the job process's main thread,
which a Dask worker thread cannot have) and the same watchdog: a job stuck past its limit plus
:data:`~analysis.running.pool.KILL_GRACE` has its job process killed and fails with a message
saying so, and the worker goes on with a fresh one.

What the cluster adds is survival: when a worker dies (its host lost, the process killed), the
scheduler gives its jobs to the other workers, and each job's outputs are written atomically
under its lock, so a job cut short leaves nothing half-written and its rerun elsewhere writes
it whole. A job whose workers died ``distributed.scheduler.allowed-failures`` times in a row
fails with a message saying so; the others go on. A worker whose package differs from the
client's (another code version) refuses the job with a message rather than make a report the
manifest would misdescribe.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from analysis.core.version import code_version
from analysis.running import lifetime
from analysis.running.jobs import Job
from analysis.running.pool import KILL_GRACE, failed_result
from analysis.running.worker import DEFAULT_JOB_TIMEOUT, run_job, worker_init

log = logging.getLogger(__name__)

PLUGIN = "vndx-job-processes"
"""Name of the worker plugin that keeps a worker's job processes."""
LOADED_CODE = code_version()
"""The code version of the package as this process imported it (the client and each worker
compare theirs when a run starts)."""
START_TIMEOUT = 600.0
WORKER_WAIT = 120.0
"""Seconds a run waits for a Dask worker (at the start, or when all have gone)."""
POLL = 5.0
"""Seconds a job process may take to start (spawn, imports) and report its code version."""


# --- the job process (a child of a Dask worker process) ------------------------------------


def _init_job_process(env: dict[str, str], parent: int, run_folder: str) -> None:
    """What a job process does first: set up as a local pool worker does, ending when its
    Dask worker process does (kernels killed, temporary folder removed), then say which code
    it imported.

    A worker killed outright (its host lost, SIGKILL) cannot stop its children; without this
    the job process would wait for work forever, holding its kernels. The worker is watched
    from a thread only: Linux's parent-death signal follows the thread that started the
    process, and a Dask worker starts its job processes from threads that end before it does
    (:func:`~analysis.running.lifetime.die_with`).
    """
    worker_init(env, parent, run_folder, death_signal=False)
    code_version()  # of the code this process imported, not of files changed afterwards


def _code() -> str:
    return code_version()


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let this process start a child although Dask runs it as a daemon process.

    ``dask worker`` starts its worker processes as daemons (``distributed.worker.daemon``),
    and :mod:`multiprocessing` refuses children to daemons: a daemon's children would be left
    behind when it is killed. A job process watches its parent for that
    (:func:`_init_job_process`), so the refusal is lifted while it is started.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    was = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        config["daemon"] = was


class JobProcess:
    """One spawned process that runs jobs one at a time, as a local pool worker does; its
    temporary files go to a folder of its own inside ``folder``."""

    def __init__(self, folder: Path) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.code: str | None = None
        self.folder = folder

    @property
    def started(self) -> bool:
        return self._pool is not None

    def start(self, env: dict[str, str]) -> None:
        """Spawn the process (imports, a kernel warming) and wait until it answers."""
        with _children_allowed():
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_job_process,
                initargs=(env, os.getpid(), str(self.folder)),
            )
            self.code = pool.submit(_code).result(timeout=START_TIMEOUT)
        self._pool = pool

    def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for pid in _kill(pool):
                # What the killed process could not remove itself (see lifetime.worker_folder).
                shutil.rmtree(self.folder / f"worker-{pid}", ignore_errors=True)
            pool.shutdown(wait=False, cancel_futures=True)

    def run(self, job: Job, env: dict[str, str], engine: str, timeout: float | None) -> dict:
        """The job's result; a job process stuck past the time limit is killed."""
        if self._pool is None:
            self.start(env)
        assert self._pool is not None
        future = self._pool.submit(run_job, job, env, engine, timeout)
        watchdog = timeout + KILL_GRACE if timeout else None
        try:
            return future.result(timeout=watchdog)
        except FuturesTimeout:
            self.stop()
            return failed_result(
                job,
                f"time limit of {timeout:g} s exceeded; the job was stuck and its process on "
                f"{socket.gethostname()} was killed",
                trace=False,
            )
        except BrokenProcessPool as exc:
            self.stop()
            return failed_result(
                job, f"the process running it on {socket.gethostname()} died: {exc}"
            )


def _kill(pool: ProcessPoolExecutor) -> list[int]:
    """Kill the executor's processes; their process ids."""
    # The executor offers no way to stop one process; its process table is the only handle.
    killed = []
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
        process.join(5)
        killed.append(process.pid)
    return killed


class JobProcesses:
    """A Dask worker's job processes: one per worker thread, taken by a job, then given back.

    Their temporary files live in one folder of the worker's
    (:func:`~analysis.running.lifetime.new_run_folder`), removed when the worker stops, or by
    the next worker or run on the host once this worker's process is dead.
    """

    def __init__(self, slots: int) -> None:
        self.folder = lifetime.new_run_folder()
        self._idle: queue.SimpleQueue[JobProcess] = queue.SimpleQueue()
        for _ in range(max(1, slots)):
            self._idle.put(JobProcess(self.folder))
        self._all = max(1, slots)

    @contextlib.contextmanager
    def taken(self) -> Iterator[JobProcess]:
        process = self._idle.get()
        try:
            yield process
        finally:
            self._idle.put(process)

    def run(
        self, job: Job, env: dict[str, str], engine: str, timeout: float | None, code: str
    ) -> dict:
        with self.taken() as process:
            if process.code is not None and process.code != code:
                process.stop()  # the package changed since it started: start one on the new code
            if not process.started:
                process.start(env)
            if process.code != code:
                return failed_result(
                    job,
                    f"the Dask worker on {socket.gethostname()} runs code version {process.code}, "
                    f"this run {code}: it must read the same project folder as the client (same "
                    "path, same files); update it and restart the worker",
                    trace=False,
                )
            return process.run(job, env, engine, timeout)

    def warm(self, env: dict[str, str]) -> None:
        """Start the idle job processes (and their kernels) in the background."""
        for _ in range(self._all):
            try:
                process = self._idle.get_nowait()
            except queue.Empty:
                return  # the others are busy, hence started
            threading.Thread(target=self._start, args=(process, env), daemon=True).start()

    def _start(self, process: JobProcess, env: dict[str, str]) -> None:
        try:
            if not process.started:
                process.start(env)
        except Exception as exc:  # The job that takes it will start it again, and report
            log.warning("a job process did not start: %s", exc)
        finally:
            self._idle.put(process)

    def stop(self) -> None:
        """Stop the idle job processes; with none busy, remove the worker's folder too (a busy
        one removes its own when it sees its worker gone)."""
        for _ in range(self._all):
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return
        shutil.rmtree(self.folder, ignore_errors=True)


class JobProcessesPlugin(WorkerPlugin):
    """Keeps :class:`JobProcesses` on each worker, across runs (registered once: ``idempotent``,
    so a second run, or a second operator's run at the same time, finds the same processes)."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        self.processes = JobProcesses(int(getattr(worker.state, "nthreads", 1) or 1))

    def teardown(self, worker: Any) -> None:
        self.processes.stop()


def _processes(worker: Any = None) -> JobProcesses:
    from distributed import get_worker

    plugin = (worker or get_worker()).plugins.get(PLUGIN)
    if not isinstance(plugin, JobProcessesPlugin):  # pragma: no cover - registered first
        raise RuntimeError(f"the worker plugin {PLUGIN!r} is not registered on this worker")
    return plugin.processes


def warm_worker(env: dict[str, str], dask_worker: Any = None) -> str:
    """Run on every worker when a run starts (``Client.run`` passes ``dask_worker``): its job
    processes start, or stay, warm; returns the worker's host name."""
    _processes(dask_worker).warm(env)
    return socket.gethostname()


def run_on_worker(
    job: Job, env: dict[str, str], engine: str, timeout: float | None, code: str
) -> dict:
    """The task a Dask worker runs for one job (see the module docstring)."""
    return _processes().run(job, env, engine, timeout, code)


# --- the client ------------------------------------------------------------------------------


def run_on_cluster(
    todo: list[Job],
    env: dict[str, str],
    scheduler: str,
    engine: str,
    timeout: float | None = DEFAULT_JOB_TIMEOUT,
) -> Iterator[dict]:
    """Run ``todo`` on the Dask cluster at ``scheduler``; yield one result per job as each ends.

    The run waits up to :data:`WORKER_WAIT` seconds for a first worker, and fails the jobs it
    has not finished when the cluster has had no worker for that long.
    """
    from distributed import Client

    code = code_version()
    with Client(scheduler, timeout="60s") as client:
        _wait_for_workers(client, scheduler)
        client.register_plugin(JobProcessesPlugin(), name=PLUGIN)
        _ready_workers(client, env, code)
        run_id = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                run_on_worker,
                job,
                env,
                engine,
                timeout,
                code,
                key=f"{job.label}-{run_id}",
                pure=False,
            ): job
            for job in todo
        }
        yield from _results(client, futures, scheduler)


def _wait_for_workers(client: Any, scheduler: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise RuntimeError(
            f"no Dask worker joined {scheduler} in {WORKER_WAIT:g} s: start workers on hosts "
            f"that share this project folder (`dask worker {scheduler} --nworkers N "
            "--nthreads 1`)"
        ) from None


def _results(client: Any, futures: dict[Any, Job], scheduler: str) -> Iterator[dict]:
    """The jobs' results as they come; what the workers could not run fails alone."""
    from distributed import wait

    pending = set(futures)
    alone_since: float | None = None
    while pending:
        try:
            done, pending = wait(pending, timeout=POLL, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for future in done:
            job = futures.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # A job whose workers kept dying fails alone
                result = failed_result(job, _lost(exc), trace=False)
            future.release()
            yield result
        if done or client.scheduler_info(n_workers=-1)["workers"]:
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
            log.warning("no Dask worker left on %s: waiting for one", scheduler)
        elif time.monotonic() - alone_since > WORKER_WAIT:
            message = f"no Dask worker on {scheduler} for {WORKER_WAIT:g} s; the job was not run"
            for future in pending:
                yield failed_result(futures.pop(future), message, trace=False)
                future.cancel()
            return


def _ready_workers(client: Any, env: dict[str, str], code: str) -> None:
    """Warm every worker for this run; restart those that run another code version.

    A ``dask worker`` keeps the package it imported when it started: after the project folder
    is updated, its workers would make reports with the old code under the new code version.
    They are restarted (their nanny starts a fresh process, which imports the package again);
    a worker still on another version after that reads another project folder, and the run
    stops with a message naming it.
    """

    def loaded_code() -> tuple[str, str | None]:
        # Sent by value (a nested function), so a worker running an older package answers too.
        import socket
        import sys

        module = sys.modules.get("analysis.running.cluster")
        if module is None:
            return socket.gethostname(), None if "analysis" in sys.modules else "not imported"
        return socket.gethostname(), getattr(module, "LOADED_CODE", None)

    def stale(answers: dict[str, tuple[str, str | None]]) -> list[str]:
        return [a for a, (_, theirs) in answers.items() if theirs not in (code, "not imported")]

    answers = client.run(loaded_code)
    if stale(answers):
        log.warning(
            "%d Dask worker(s) run another code version than this run (%s): restarting them",
            len(stale(answers)),
            code,
        )
        client.restart_workers(stale(answers))
        answers = client.run(loaded_code)
    if stale(answers):
        raise RuntimeError(
            "the Dask workers at "
            + ", ".join(
                f"{a} ({answers[a][0]}, code version {answers[a][1]})" for a in stale(answers)
            )
            + f" run another version of the package than this run ({code}): they must read the "
            "same project folder (same path, same files) and use the same .venv"
        )
    hosts = client.run(warm_worker, env)
    log.info("Dask cluster: %d worker(s) on %s", len(hosts), ", ".join(sorted(set(hosts.values()))))


def _lost(exc: BaseException) -> str:
    """What to tell about a job the cluster could not run."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return (
            "the Dask workers running it died (distributed.scheduler.allowed-failures times); "
            "see the workers' logs"
        )
    return (
        f"the Dask cluster could not run it: {name}: {exc} (do the workers share this "
        "project folder and its .venv?)"
    )
