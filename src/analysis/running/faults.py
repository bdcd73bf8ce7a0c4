"""Faults of the environment told in one line: what failed, where, and what to do.

A read-only folder, a full disk or a missing file is not a bug of the project, and a Python
traceback does not tell an operator what to do about it. :func:`describe` turns such an
exception into one sentence; the command line prints it (the traceback stays available with
``--debug`` or ``VNDX_DEBUG=1``) and a job that meets one reports it as its error.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from analysis import files, paths
from analysis.data import store
from analysis.files import disk_full

PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}
NO_SPACE = set(files.NO_SPACE)


def debug_requested() -> bool:
    """``VNDX_DEBUG=1`` (or ``--debug``, which sets it) asks for full tracebacks."""
    return os.environ.get("VNDX_DEBUG", "").strip() not in ("", "0", "false", "no")


def _folder(where: str) -> str:
    """The folder of ``where`` (a file being written, or a folder)."""
    if not where:
        return ""
    path = Path(where)
    return str(path if path.is_dir() else path.parent)


def _to_free(folder: str) -> str:
    """What an operator can free on the disk holding ``folder``, and how to move the folder."""
    path = Path(folder).resolve() if folder else None
    if path is not None and path.is_relative_to(paths.reports_dir().resolve()):
        return (
            f"free some space there (old periods under {paths.reports_dir()}, its superseded/ "
            "folder, bundles/ and outbox/ no longer needed) or set VNDX_REPORTS_DIR to a "
            "folder on a bigger disk, then run again"
        )
    if path is not None and path.is_relative_to(paths.data_dir().resolve()):
        processed = paths.processed_dir()
        return (
            f"free some space there ({processed / 'analytics.duckdb'} is rebuilt when "
            f"needed; stores kept aside as {processed / 'dx.duckdb.damaged-*'}) or set "
            "VNDX_DATA_DIR to a folder on a bigger disk, then run again"
        )
    return "free some space on that disk, then run again"


def _where(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else exc.filename2
    return str(name) if name is not None else ""


def says_what_to_do(exc: BaseException) -> bool:
    """Whether :func:`describe` tells what to do (no need to point at ``--debug``)."""
    return (
        isinstance(exc, OSError | store.StoreDamaged)
        or store.damage_detail(exc) is not None
        or disk_full(exc)
    )


def describe(exc: BaseException) -> str:
    """One line for ``exc``: what failed, where, what to do."""
    damage = store.damage_detail(exc)
    if damage is not None:  # DuckDB on a damaged store, met past the checks: name the store
        return str(store.StoreDamaged(paths.database_path(), damage))
    if not isinstance(exc, OSError) and disk_full(exc):  # in a library's own words (DuckDB)
        quoted = re.search(r'"(/[^"]+)"', str(exc))
        where = quoted.group(1) if quoted else str(paths.processed_dir())
        return describe(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), where))
    if isinstance(exc, OSError):
        where = _where(exc)
        if exc.errno in PERMISSION:
            return (
                f"permission denied: {where or 'a file'} cannot be written or read by this "
                "account; make the folder writable for it (chmod/chown, or a writable mount), "
                "or point VNDX_DATA_DIR / VNDX_REPORTS_DIR to a folder it can write"
            )
        if exc.errno in NO_SPACE:
            folder = _folder(where)
            return f"no space left on the disk holding {folder or 'the output'}: {_to_free(folder)}"
        if exc.errno == errno.ENOENT and where:
            return (
                f"not found: {where}; check the path and the folders under data/ "
                "(`python -m analysis ingest` builds data/processed)"
            )
        if where:
            return f"{exc.strerror or type(exc).__name__}: {where}"
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(lines) > 1:
        text += f" (+{len(lines) - 1} more line(s))"
    return text
