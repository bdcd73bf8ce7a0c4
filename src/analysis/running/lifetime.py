"""A run's processes and temporary files last no longer than the run, however it ends.

A run forks worker processes, and each worker starts Jupyter kernels. When the run's own
process ends without cleaning up (``kill -9``, an out-of-memory kill, a lost terminal), its
workers would otherwise finish their jobs, write reports no manifest records, and then wait
forever, their kernels with them. So:

* each worker asks the kernel to send it ``SIGTERM`` when the run's process dies
  (``prctl(PR_SET_PDEATHSIG)`` on Linux) and also watches the run's process id from a thread
  (on every platform, and in case the signal is missed); either way it kills its kernels,
  removes its temporary folder and exits at once, taking no further job;
* kernels watch their worker in turn (ipykernel's parent poller, ``JPY_PARENT_PID``);
* every temporary file of a run lives in one folder per run, ``<tmp>/vndx-run-<pid>-*``,
  with a folder per worker inside (WeasyPrint's font files, the kernels' connection files):
  removed when the run or the worker ends, and by the next run when their process is dead;
* the half-written files a killed worker leaves beside its outputs
  (``.<name>.<host>-<pid>.*.tmp*``, :func:`analysis.files.atomic_path`) are removed by the
  next run of the period when their process is no longer alive on this host.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from analysis.files import host_name

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal a process gets when its parent dies (linux/prctl.h)."""
RUN_PREFIX = "vndx-run-"
WATCH_INTERVAL = 0.5
"""Seconds between two looks at the run's process from a worker."""
_TEMPORARY = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)\.[^.]+\.tmp")


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process: alive
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies; ``False`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with(parent: int, cleanup: Callable[[], None], death_signal: bool = True) -> None:
    """End this process (after ``cleanup``) as soon as process ``parent`` has ended.

    Called first thing in a worker: if the parent is already gone, the worker ends now.
    ``death_signal`` false leaves the watching to the thread alone: Linux sends the parent-death
    signal when the *thread* that started this process ends, which is the parent's end only
    when that thread lives as long as the parent (a Dask worker starts its job processes from
    threads that come and go).
    """
    done = threading.Lock()

    def end(*_: object) -> None:
        if not done.acquire(blocking=False):
            return
        try:
            cleanup()
        finally:
            os._exit(1)

    signal.signal(signal.SIGTERM, end)
    if death_signal:
        _parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        end()

    def watch() -> None:
        while os.getppid() == parent and alive(parent):
            time.sleep(WATCH_INTERVAL)
        end()

    threading.Thread(target=watch, name="watch-run-process", daemon=True).start()


def end_with(parent: int) -> None:
    """:func:`die_with` for a process that has nothing to clean up (a joblib worker)."""
    die_with(parent, lambda: None)


def _owner_alive(folder: Path) -> bool:
    match = re.match(rf"{RUN_PREFIX}(\d+)-", folder.name)
    return match is None or alive(int(match.group(1)))


def remove_stale_run_folders(root: Path | None = None) -> list[Path]:
    """Remove the temporary folders of runs whose process is dead; return them."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{RUN_PREFIX}*"):
        if folder.is_dir() and not _owner_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def new_run_folder() -> Path:
    """A new temporary folder for this process's workers (``<tmp>/vndx-run-<pid>-*``), which
    the next run removes if this process dies first; folders of dead runs are removed first."""
    removed = remove_stale_run_folders()
    if removed:
        log.info("removed %d temporary folder(s) of runs that were killed", len(removed))
    return Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-"))


@contextlib.contextmanager
def run_folder() -> Iterator[Path]:
    """A temporary folder for one run's workers (:func:`new_run_folder`), removed when the
    block ends."""
    folder = new_run_folder()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def worker_folder(run: Path) -> Path:
    """This worker's own folder inside the run's, made the place of every temporary file.

    ``TMPDIR`` (for the kernels it starts), :data:`tempfile.tempdir` (WeasyPrint's font
    folders) and ``JUPYTER_RUNTIME_DIR`` (the kernels' connection files) all point into it.
    """
    folder = run / f"worker-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(folder)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder / "runtime")
    tempfile.tempdir = str(folder)
    return folder


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the half-written files left under ``folder`` by processes of this host that
    are no longer alive (a killed run's workers); return them."""
    host = host_name()
    removed = []
    for path in Path(folder).rglob(".*.tmp*"):
        match = _TEMPORARY.match(path.name)
        if not match or match["host"] != host or alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    if removed:
        log.info("removed %d half-written file(s) of a killed run under %s", len(removed), folder)
    return removed
