"""Faults of the environment told in one line: what failed, where, and what to do.

A read-only folder, a full disk or a missing file is not a bug of the project, and a Python
traceback does not tell an operator what to do about it. :func:`describe` turns such an
exception into one sentence; the command line prints it (the traceback stays available with
``--debug`` or ``VNDX_DEBUG=1``) and a job that meets one reports it as its error.
"""

from __future__ import annotations

import errno
import os

from analysis import paths
from analysis.data import store

PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def debug_requested() -> bool:
    """``VNDX_DEBUG=1`` (or ``--debug``, which sets it) asks for full tracebacks."""
    return os.environ.get("VNDX_DEBUG", "").strip() not in ("", "0", "false", "no")


def _where(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else exc.filename2
    return str(name) if name is not None else ""


def says_what_to_do(exc: BaseException) -> bool:
    """Whether :func:`describe` tells what to do (no need to point at ``--debug``)."""
    return isinstance(exc, OSError | store.StoreDamaged) or store.damage_detail(exc) is not None


def describe(exc: BaseException) -> str:
    """One line for ``exc``: what failed, where, what to do."""
    damage = store.damage_detail(exc)
    if damage is not None:  # DuckDB on a damaged store, met past the checks: name the store
        return str(store.StoreDamaged(paths.database_path(), damage))
    if isinstance(exc, OSError):
        where = _where(exc)
        if exc.errno in PERMISSION:
            return (
                f"permission denied: {where or 'a file'} cannot be written or read by this "
                "account; make the folder writable for it (chmod/chown, or a writable mount), "
                "or point VNDX_DATA_DIR / VNDX_REPORTS_DIR to a folder it can write"
            )
        if exc.errno in NO_SPACE:
            return (
                f"no space left on the disk holding {where or 'the output'}: free some space "
                "(old folders under reports/, data/processed/snapshots) and run again"
            )
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
