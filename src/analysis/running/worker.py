"""One job, run inside a long-lived worker process: execute the notebook, render it, report.

:func:`run_job` never raises: whatever goes wrong in a job is returned as a failed result, so
one province's problem never stops the others. Outputs appear atomically
(:mod:`analysis.files`); a notebook that fails is kept as ``<notebook>.failed.ipynb`` for
debugging, and removed again once the job succeeds. A job has a time limit for execution and
rendering together (``--job-timeout``); past it the job fails with a message saying so, and the
kernel it used is shut down.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing.util
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock

from analysis import paths
from analysis.files import atomic_path, disk_full, write_atomic
from analysis.running import faults, lifetime
from analysis.running.jobs import Job

OUTPUT_SUFFIXES = (".ipynb", ".html", ".pdf", ".xlsx", ".failed.ipynb")
DEFAULT_JOB_TIMEOUT = 600.0
"""Seconds a job may take (execution and rendering); a briefing takes 5-15 s."""


class JobTimeout(Exception):
    """A job ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise :class:`JobTimeout` in this thread once ``seconds`` have passed.

    Uses ``SIGALRM``, so it works in a process's main thread (the local workers). In a thread
    (a Dask worker) there is no alarm; papermill's per-cell timeout, set to the same limit,
    still bounds the execution there.
    """
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise JobTimeout(f"time limit of {seconds:g} s exceeded while {what}")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _execute_notebook(job: Job, out: Path, engine: str, timeout: float | None) -> None:
    import papermill as pm

    if engine == "reuse":
        from analysis.running import papermill_engine

        papermill_engine.register()

    pm.execute_notebook(
        str(paths.notebooks_dir() / f"{job.notebook}.ipynb"),
        str(out),
        parameters=job.parameters,
        kernel_name="python3",
        engine_name=engine,
        cwd=str(paths.notebooks_dir()),
        progress_bar=False,
        log_output=False,
        # Saving after every cell costs ~7 % of a job; papermill still writes the notebook when
        # a cell fails, which is what debugging needs.
        request_save_on_cell_execute=False,
        execution_timeout=int(timeout) if timeout and timeout > 0 else None,
    )


def _remove_stale_temporaries(out_dir: Path, job: Job) -> None:
    """Temporary files of this job left by a killed run.

    Under the job's lock no other run can be writing them; the names are exact so the lock of
    ``30_leadership_briefing`` never touches ``30_leadership_briefing.en``'s files.
    """
    for suffix in OUTPUT_SUFFIXES:
        for stale in out_dir.glob(f".{job.stem}{suffix}.*.tmp*"):
            stale.unlink(missing_ok=True)


def _relative(path: Path) -> str:
    return str(Path(path).relative_to(paths.reports_dir()))


def run_job(
    job: Job,
    env: dict[str, str] | None = None,
    engine: str = "warm",
    timeout: float | None = DEFAULT_JOB_TIMEOUT,
) -> dict:
    """Execute and render one notebook; never raises (failures are returned as results)."""
    for key, value in (env or {}).items():
        os.environ[key] = value
    started = time.perf_counter()
    result: dict = {"job": asdict(job), "status": "ok", "error": None, "files": []}
    try:
        with time_limit(timeout, "executing and rendering"):
            _run(job, engine, timeout, result)
    except JobTimeout as exc:
        result.update(status="failed", error=str(exc))
    except OSError as exc:  # An unwritable or full reports folder, told as such
        result.update(status="failed", error=faults.describe(exc))
    return _finish(result, started)


def _run(job: Job, engine: str, timeout: float | None, result: dict) -> None:
    """The job's steps; fills ``result`` (failures of the notebook or renderer included)."""
    out_dir = job.out_dir(paths.reports_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / f"{job.stem}.ipynb"
    failed = out_dir / f"{job.stem}.failed.ipynb"
    with FileLock(str(paths.lock_path(out_dir / job.stem)), timeout=3600):
        _remove_stale_temporaries(out_dir, job)
        try:
            with atomic_path(executed, suffix=".tmp.ipynb") as tmp:
                try:
                    _execute_notebook(job, tmp, engine, timeout)
                except Exception:
                    # papermill writes the notebook up to the failing cell: keep it to debug.
                    if tmp.exists() and tmp.stat().st_size:
                        write_atomic(failed, tmp.read_bytes())
                    raise
        except (JobTimeout, OSError):
            raise
        except Exception as exc:  # Any failure of the notebook fails this job only
            result.update(status="failed", error=_job_error(exc, out_dir))
            result["files"] = [_relative(failed)] if failed.exists() else []
            return
        result["files"].append(_relative(executed))
        try:
            from analysis.reporting.render import exporters

            written = exporters.export(executed, out_dir, formats=job.formats)
        except (JobTimeout, OSError):
            raise
        except Exception as exc:
            result.update(status="failed", error=f"rendering failed: {_job_error(exc, out_dir)}")
            return
        result["files"] += [_relative(w) for w in written.values()]
        try:
            from analysis.running.annexes import write_annexes

            result["files"] += [_relative(w) for w in write_annexes(job)]
        except (JobTimeout, OSError):
            raise
        except Exception as exc:
            result.update(status="failed", error=f"annex failed: {_job_error(exc, out_dir)}")
            return
        failed.unlink(missing_ok=True)


def _job_error(exc: BaseException, out_dir: Path) -> str:
    """A failed job's error: a full disk met inside the notebook or renderer named as one."""
    if disk_full(exc):
        return faults.describe(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out_dir)))
    return _short_error(exc)


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # papermill puts the notebook's own traceback in the message; keep its last line.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    tail = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return (tail[-1] if tail else lines[-1])[:500]


def _finish(result: dict, started: float) -> dict:
    result["duration_s"] = round(time.perf_counter() - started, 3)
    return result


def _forget_inherited_event_loops() -> None:
    """Drop the event loop and background task runners a forked worker inherits.

    jupyter_core (which nbclient and jupyter_client run on) keeps one event loop per thread and
    one background runner thread per caller; a process that ran a notebook in-process before
    starting a run hands them to its forked workers without the runner threads, and nbclient
    then waits forever for a thread that does not exist. These are jupyter_core's private
    caches; if they are renamed this does nothing.
    """
    from jupyter_core import utils as jupyter_utils

    runners = getattr(jupyter_utils, "_runner_map", None)
    if isinstance(runners, dict):
        runners.clear()
    loop = getattr(jupyter_utils, "_loop", None)
    if loop is not None and hasattr(loop, "set"):
        loop.set(None)


def worker_init(
    env: dict[str, str],
    parent: int | None = None,
    run_folder: str | None = None,
    death_signal: bool = True,
) -> None:
    """Long-lived worker: import the renderers once and start warming a kernel.

    With ``parent`` (the run's process id) the worker ends as soon as the run's process does,
    killing its kernels; with ``run_folder`` every temporary file of the worker and its
    kernels goes to a folder of its own in it, removed when the worker ends
    (:mod:`analysis.running.lifetime`). ``death_signal``: see
    :func:`~analysis.running.lifetime.die_with`.
    """
    os.environ.update(env)
    folder = lifetime.worker_folder(Path(run_folder)) if run_folder else None

    def cleanup() -> None:
        from analysis.running import kernels

        kernels.POOL.kill_all()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    if parent is not None:
        lifetime.die_with(parent, cleanup, death_signal)
    if folder is not None:
        # After the kernels are shut down (priority 10, below), at the worker's normal end.
        multiprocessing.util.Finalize(
            None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=1
        )
    _forget_inherited_event_loops()
    from analysis.reporting.render import exporters  # noqa: F401 - loads nbconvert and WeasyPrint once
    from analysis.running import kernels

    kernels.POOL.prefetch("python3", str(paths.notebooks_dir()))
    # A pool worker ends with os._exit, which skips atexit: without this, its warmed and reused
    # kernels would outlive it (until they notice their parent is gone), never waited for.
    multiprocessing.util.Finalize(kernels.POOL, kernels.POOL.shutdown, exitpriority=10)
