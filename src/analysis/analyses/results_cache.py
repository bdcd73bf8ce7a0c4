"""The period's analytics cache: one DuckDB file, one read/write pair for every cached table.

The comparison table and the forecast batch of a period are expensive enough to compute once
per data version and reuse in every report. Both are kept in :func:`analysis.paths.
analytics_cache_path` and go through :func:`read_cached` / :func:`write_cached`, so they share
one key, one lock and one way of keeping rows in order.

Rows are keyed by ``data_version`` (the store's snapshot), ``period_key`` (the month) and
``params_key`` (anything else that changes the result: targets, seed, engine version; empty
when nothing does). A write replaces the rows of its key inside one transaction, so readers
never see half a result; writers of one file are serialised by a file lock, and readers open
the file read-only, which many processes may do at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from filelock import FileLock

from analysis import paths
from analysis.files import disk_full

#: Columns the cache adds to each row; never part of what a reader gets back.
BOOKKEEPING = ("data_version", "period_key", "params_key", "row_order")

#: Seconds a writer waits for another process computing the same cache (a full batch).
LOCK_TIMEOUT = 1800

Database = str | Path | duckdb.DuckDBPyConnection
"""A cache file, or an open connection (used as it is, and left open)."""

_LOCKS: dict[str, FileLock] = {}


def _path(db: Database | None) -> Path | None:
    if db is None:
        return paths.analytics_cache_path()
    if isinstance(db, duckdb.DuckDBPyConnection):
        return None
    return Path(db)


@contextlib.contextmanager
def cache_lock(db: Database | None = None) -> Iterator[None]:
    """Hold the writers' lock of a cache file (reentrant in a process; no-op for a connection).

    Hold it around "read again, compute, write" so that processes started together compute a
    period once: the others wait, then read what the first one wrote.
    """
    path = _path(db)
    if path is None:
        yield
        return
    key = str(path.resolve())
    lock = _LOCKS.get(key)
    if lock is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = _LOCKS[key] = FileLock(key + ".lock", timeout=LOCK_TIMEOUT)
    with lock:
        yield


def read_cached(
    table: str,
    data_version: str,
    period_key: str,
    params_key: str = "",
    *,
    db: Database | None = None,
) -> pd.DataFrame | None:
    """The cached rows of one key, in the order they were written, without bookkeeping columns.

    Returns None when the file, the table or the key is missing, or when the table was written
    by an older layout (the caller then recomputes and :func:`write_cached` replaces it).
    Column dtypes are those DuckDB returns; callers restore their own (nullable integers ...).
    """
    query = (
        f"SELECT * FROM {table} WHERE data_version = ? AND period_key = ? "  # noqa: S608
        "AND params_key = ? ORDER BY row_order"
    )
    key = [str(data_version), str(period_key), str(params_key)]
    path = _path(db)
    try:
        if path is None:
            assert isinstance(db, duckdb.DuckDBPyConnection)
            rows = db.execute(query, key).df()
        else:
            if not path.exists():
                return None
            with duckdb.connect(str(path), read_only=True) as con:
                rows = con.execute(query, key).df()
    except duckdb.Error:
        return None
    if rows.empty:
        return None
    return rows.drop(columns=list(BOOKKEEPING)).reset_index(drop=True)


def write_cached(
    table: str,
    data_version: str,
    period_key: str,
    frame: pd.DataFrame,
    params_key: str = "",
    *,
    db: Database | None = None,
) -> None:
    """Replace the rows of one key by ``frame`` (its row order is kept), atomically.

    The table is created from the frame's columns on first use, and re-created when an older
    layout of it is found (its rows were of no use to the new code anyway).
    """
    staged = frame.reset_index(drop=True).copy()
    staged["data_version"] = str(data_version)
    staged["period_key"] = str(period_key)
    staged["params_key"] = str(params_key)
    staged["row_order"] = range(len(staged))
    path = _path(db)
    with cache_lock(db):
        if path is None:
            assert isinstance(db, duckdb.DuckDBPyConnection)
            _replace(db, table, staged)
            return
        try:
            with duckdb.connect(str(path)) as con:
                _replace(con, table, staged)
        except duckdb.Error as exc:
            if disk_full(exc):
                # The log holds only the transaction that failed (each write checkpoints when
                # its connection closes): nothing to keep. Told as the OSError it is.
                Path(f"{path}.wal").unlink(missing_ok=True)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
            raise


def _replace(con: duckdb.DuckDBPyConnection, table: str, staged: pd.DataFrame) -> None:
    columns = ", ".join(f'"{c}" {_sql_type(staged[c])}' for c in staged.columns)
    existing = (
        [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()] if _exists(con, table) else None
    )
    key = [staged["data_version"].iat[0], staged["period_key"].iat[0], staged["params_key"].iat[0]]
    view = f"_{table}_staged"
    con.register(view, staged)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if existing is not None and existing != list(staged.columns):
                con.execute(f"DROP TABLE {table}")
                existing = None
            if existing is None:
                con.execute(f"CREATE TABLE {table} ({columns})")
            con.execute(
                f"DELETE FROM {table} WHERE data_version = ? AND period_key = ? "  # noqa: S608
                "AND params_key = ?",
                key,
            )
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")  # noqa: S608
            con.execute("COMMIT")
        except Exception:
            # A COMMIT that failed (a full disk) has already ended the transaction: the error
            # to tell is the first one, not "cannot rollback".
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
    finally:
        con.unregister(view)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchall()
    return bool(found[0][0])


def _sql_type(column: pd.Series) -> str:
    """The DuckDB type of a column, fixed by its dtype rather than by its values.

    A column that happens to be all missing in one batch (no expected month anywhere) must
    still be text, or the next batch could not be inserted.
    """
    dtype: Any = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE"
    return "VARCHAR"
