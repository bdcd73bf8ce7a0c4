"""Local worker processes for a run, with a watchdog for jobs stuck beyond their time limit.

Workers end with the run's process, however it ends, and keep their temporary files in a
folder of the run's (:mod:`.lifetime`).

A job's own alarm (:func:`analysis.running.worker.time_limit`) ends almost every overrun, but an
alarm cannot interrupt a call stuck inside C code (a PDF engine's line breaking, a blocked
read). When no job has finished for a whole time limit plus :data:`KILL_GRACE`, the watchdog
kills the worker processes: the jobs they were running fail with a message saying so, and the
jobs not yet started run again in a fresh pool.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict

from analysis.running import lifetime
from analysis.running.jobs import Job
from analysis.running.worker import DEFAULT_JOB_TIMEOUT, run_job, worker_init

log = logging.getLogger(__name__)

KILL_GRACE = 60.0
"""Seconds past a job's time limit before its worker is killed."""


def failed_result(job: Job, error: str, trace: bool = True) -> dict:
    """The result of a job that did not return one itself."""
    return {
        "job": asdict(job),
        "status": "failed",
        "files": [],
        "error": error,
        "duration_s": None,
        **({"trace": traceback.format_exc()} if trace else {}),
    }


def _kill(pool: ProcessPoolExecutor) -> None:
    # The executor offers no way to stop one worker; its process table is the only handle.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _stuck(futures: dict[Future, Job], pending: set[Future], timeout: float) -> list[dict]:
    """Results for the jobs that were running when the workers were killed."""
    return [
        failed_result(
            futures[f],
            f"time limit of {timeout:g} s exceeded; the job was stuck and its worker was killed",
            trace=False,
        )
        for f in pending
        if f.running()
    ]


def run_local(
    todo: list[Job],
    env: dict[str, str],
    n_workers: int,
    engine: str,
    timeout: float | None = DEFAULT_JOB_TIMEOUT,
) -> Iterator[dict]:
    """Run ``todo`` in ``n_workers`` processes; yield one result per job as each finishes."""
    with lifetime.run_folder() as folder:
        yield from _run_in(todo, env, n_workers, engine, timeout, str(folder))


def _run_in(
    todo: list[Job],
    env: dict[str, str],
    n_workers: int,
    engine: str,
    timeout: float | None,
    folder: str,
) -> Iterator[dict]:
    """:func:`run_local` with the run's temporary folder: workers that die with this process."""
    remaining = list(todo)
    watchdog = timeout + KILL_GRACE if timeout else None
    while remaining:
        pool = ProcessPoolExecutor(
            max_workers=min(n_workers, len(remaining)),
            initializer=worker_init,
            initargs=(env, os.getpid(), folder),
        )
        futures = {pool.submit(run_job, job, env, engine, timeout): job for job in remaining}
        pending, remaining = set(futures), []
        try:
            while pending:
                done, pending = wait(pending, timeout=watchdog, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        yield fut.result()
                    except Exception as exc:  # A dead worker fails its job only
                        yield failed_result(futures[fut], f"worker died: {exc}")
                if not done:
                    log.error("no job finished in %.0f s: killing the stuck workers", watchdog)
                    yield from _stuck(futures, pending, float(timeout or 0))
                    remaining = [futures[f] for f in pending if not f.running()]
                    _kill(pool)
                    break
        finally:
            pool.shutdown(wait=not remaining, cancel_futures=True)
