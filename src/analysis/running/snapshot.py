"""A run reads one data version from start to end, whatever ingest does meanwhile.

``ingest`` replaces ``data/processed/dx.duckdb`` atomically (``os.replace``), so a hard link
taken before the replacement keeps the old file alive under another name at no cost. A run
links the store into ``data/processed/snapshots/<version>-<pid>.duckdb`` when it starts and
hands that path to its workers and kernels through ``VNDX_DATABASE`` (honoured by
:func:`analysis.paths.database_path`): the manifest, the figures and every footer then name the
same version. The snapshot is removed when the run ends; one left by a killed run is removed by
the next run (its process id is no longer alive).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from analysis import paths
from analysis.data import store

log = logging.getLogger(__name__)

ENV = "VNDX_DATABASE"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # Another account's process: alive
        return True
    return True


def remove_stale() -> None:
    """Remove snapshots whose run is no longer alive (killed runs leave theirs behind)."""
    folder = paths.snapshots_dir()
    if not folder.is_dir():
        return
    for path in folder.glob("*.duckdb*"):
        pid_text = path.name.split(".", 1)[0].rsplit("-", 1)[-1]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            path.unlink(missing_ok=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        # Hard links need one file system that supports them; a copy pins the data as well.
        log.debug("hard link %s -> %s failed (%s); copying", source, target, exc)
        shutil.copy2(source, target)


def take() -> tuple[Path, str]:
    """Pin the current store: return the snapshot's path and its data version.

    The version is read from the snapshot itself, so it cannot belong to a store that an ingest
    put in place between the link and the read.
    """

    source = paths.build_database_path()
    if not source.exists():
        raise store.StoreMissing(
            f"{source} does not exist: run `python -m analysis ingest` first (or `make report`)."
        )
    remove_stale()
    folder = paths.snapshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pending = folder / f"pending-{os.getpid()}.duckdb"
    pending.unlink(missing_ok=True)
    _link_or_copy(source, pending)
    try:
        # Every table read through once: a damaged store is named now, not by a kernel later.
        store.check_sound(pending, named=source)
        version = store.data_version(pending)
        target = paths.snapshot_path(version)
        os.replace(pending, target)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    return target, version


@contextlib.contextmanager
def pinned() -> Iterator[tuple[Path, str]]:
    """``take`` a snapshot, read it in this process while the block runs, then remove it."""
    path, version = take()
    previous = os.environ.get(ENV)
    os.environ[ENV] = str(path)
    try:
        yield path, version
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
