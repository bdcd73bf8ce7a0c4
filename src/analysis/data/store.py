"""The processed store: one DuckDB database analysts can query with SQL, plus Parquet copies.

``data/processed/dx.duckdb`` holds

* ``observations``      - every figure as reported (63-unit basis before 2025-07, 34 after),
  with its source file and row;
* ``observations_34``   - the same history carried onto the 34 current units (see
  :func:`analysis.data.ingest.harmonize_to_current_provinces`); analytics read this one;
* ``harmonization_log`` - units left out of ``observations_34`` and why;
* ``commune_observations`` - figures of the 3,321 communes (since 2025-07), one row per
  commune, indicator and month, as reported (see :mod:`analysis.data.ingest.commune_files`);
* ``published``         - real published figures and ranks, as published, with their sources;
* ``published_real``    - the real provincial series of ``data/raw/published/real`` (DTI, Index
  766, population, procedures online), one row per unit, measure and period, values as written
  (see :mod:`analysis.data.published_real`), described in ``published_measures``;
* ``provinces``, ``communes``, ``crosswalk``, ``regions``, ``indicators``, ``targets``,
  ``published_measures`` - reference tables;
* ``inputs``            - every raw file read, with its checksum;
* ``submission_files``, ``submissions`` - who sent which figure of your own files and when
  (see :mod:`analysis.data.submissions`);
* ``meta``              - the data version and when the store was built;
* the view ``tidy``     - province, indicator, period, value, numerator, denominator, source,
  is_synthetic on the 34-unit basis, for quick SQL.

The database is built in a temporary file beside the target and moved into place with
``os.replace``, so readers see either the old store or the new one, never half of one; a file
lock serialises concurrent builds. The data version is a hash of every input's bytes and of the
reference tables, so the same raw input always gives the same version (and the same rows).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from analysis import __version__, paths
from analysis.core.periods import to_month
from analysis.data import ingest
from analysis.files import atomic_path, disk_full
from analysis.reference import catalog, communes, geography, measures, population

SCHEMA_VERSION = "1"


def compute_data_version(files: list[dict]) -> str:
    """A short, stable hash of the inputs (file names and checksums), the reference tables and
    the published figures."""
    h = hashlib.sha256(f"schema:{SCHEMA_VERSION}".encode())
    for f in sorted(files, key=lambda f: f["file"]):
        h.update(f"{Path(f['file']).as_posix()}:{f['sha256']}\n".encode())
    for ref in sorted(paths.reference_dir().glob("*")):
        if ref.is_file():
            h.update(ref.name.encode() + hashlib.sha256(ref.read_bytes()).digest())
    # Published figures are stored too: a corrected published file is a new data version.
    published = paths.published_dir()
    for pub in sorted(published.rglob("*")) if published.is_dir() else []:
        if pub.is_file():
            name = pub.relative_to(published).as_posix()
            h.update(b"published/" + name.encode() + hashlib.sha256(pub.read_bytes()).digest())
    return h.hexdigest()[:12]


def _period_starts(periods: pd.Series) -> pd.Series:
    """First day of each period ('2026-10' -> 2026-10-01, '2025' -> 2025-01-01), vectorised:
    ``Period.start_time`` per row is the slowest step of a store build otherwise."""
    text = periods.astype(str)
    starts = {p: dt.date(int(p[:4]), int(p[5:7]) if len(p) > 4 else 1, 1) for p in text.unique()}
    return text.map(starts)


_NAMES = {"code": "province_code", "codename": "province", "name": "province_name"}


def _with_places(
    frame: pd.DataFrame, units: pd.DataFrame, on: list[str], columns: list[str]
) -> pd.DataFrame:
    """Add each row's unit names and region and its period's first day.

    Columns come in the order of ``columns`` (the ingest's), with ``province``,
    ``province_name`` and ``region`` after ``province_code`` and
    ``period_start`` after ``period``.
    """
    out = frame.merge(units, on=on, how="left")
    out["period_start"] = _period_starts(out["period"])
    out["period"] = out["period"].astype(str)
    order: list[str] = []
    for c in columns:
        order.append(c)
        if c == "province_code":
            order += ["province", "province_name", "region"]
        elif c == "period":
            order.append("period_start")
    return out[order]


def _observation_table(obs: pd.DataFrame) -> pd.DataFrame:

    units = pd.DataFrame([u.__dict__ for u in geography.units()]).rename(columns=_NAMES)
    units = units[["basis", "province_code", "province", "province_name", "region"]]
    out = _with_places(obs, units, ["basis", "province_code"], ingest.NORMALIZED_COLUMNS)
    return out.sort_values(
        ["dataset", "indicator", "period", "basis", "province_code"], kind="stable"
    ).reset_index(drop=True)


def _harmonized_table(h: pd.DataFrame) -> pd.DataFrame:

    p34 = geography.provinces("34").rename(columns=_NAMES)
    units = p34[["province_code", "province", "province_name", "region"]]
    out = _with_places(h, units, ["province_code"], ingest.HARMONIZED_COLUMNS)
    return out.sort_values(
        ["dataset", "indicator", "period", "province_code"], kind="stable"
    ).reset_index(drop=True)


def _commune_table(rows: pd.DataFrame | None) -> pd.DataFrame:
    """``commune_observations``: the ingest's commune rows with each period's first day."""

    columns = ingest.COMMUNE_COLUMNS
    if rows is None or rows.empty:
        out = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        out = out.astype({"value": float, "numerator": float, "denominator": float})
        out = out.astype({"is_synthetic": bool})
        out.insert(columns.index("period") + 1, "period_start", pd.Series(dtype="datetime64[s]"))
        return out
    out = rows[columns].copy()
    out["period"] = out["period"].astype(str)
    out.insert(columns.index("period") + 1, "period_start", _period_starts(out["period"]))
    return out.sort_values(
        ["dataset", "province", "indicator", "period", "commune_code"], kind="stable"
    ).reset_index(drop=True)


def _input_columns() -> list[str]:

    return ingest.INPUT_COLUMNS


def _reference_tables() -> dict[str, pd.DataFrame]:
    provinces = pd.concat(
        [population.provinces("63"), population.provinces("34")], ignore_index=True
    )
    targets = catalog.targets_frame()
    targets["deadline"] = targets["deadline"].astype(str)

    return {
        "provinces": provinces,
        "communes": communes.communes(),
        "crosswalk": geography.crosswalk(),
        "regions": geography.regions(),
        "indicators": catalog.catalog_frame(),
        "targets": targets,
        "published_measures": measures.measures_frame(),
    }


@contextmanager
def build_lock(timeout: float = 600):
    """Serialise writers of ``data/processed`` (two ingests at once wait for each other)."""
    paths.processed_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(paths.processed_dir() / ".build.lock"), timeout=timeout):
        yield


def write_store(
    observations: pd.DataFrame,
    harmonized: pd.DataFrame,
    log: pd.DataFrame,
    files: list[dict],
    published: pd.DataFrame | None = None,
    published_real: pd.DataFrame | None = None,
    extra: dict[str, pd.DataFrame] | None = None,
    communes: pd.DataFrame | None = None,
) -> str:
    """Write the database and Parquet files atomically; return the data version.

    ``published`` and ``published_real`` are the tables of :mod:`analysis.data.published_press` and
    :mod:`analysis.data.published_real`; either is left out when ``None``. ``extra`` tables
    (the collection's submissions) are written with the others, in the same swap. ``communes``
    are the ingest's commune rows; ``commune_observations`` is always created (empty without them).
    """
    version = compute_data_version(files)
    tables = {
        "observations": _observation_table(observations),
        "observations_34": _harmonized_table(harmonized),
        "harmonization_log": log.astype({"period": str}) if not log.empty else log,
        "commune_observations": _commune_table(communes),
        # Named columns: with published figures only there is no file, and an empty frame
        # without columns cannot become a table.
        "inputs": pd.DataFrame(files, columns=_input_columns()),
        **_reference_tables(),
    }
    if published is not None:
        tables["published"] = published
    if published_real is not None:
        tables["published_real"] = published_real
    tables.update(extra or {})
    meta = pd.DataFrame(
        [
            {
                "data_version": version,
                "schema_version": SCHEMA_VERSION,
                "code_version": __version__,
                "n_observations": len(tables["observations"]),
                "datasets": json.dumps(sorted(tables["observations"]["dataset"].unique().tolist())),
                "latest_period": _latest_period(tables["observations_34"]),
                "is_synthetic": bool(tables["observations"]["is_synthetic"].any())
                if len(tables["observations"])
                else False,
            }
        ]
    )
    tables["meta"] = meta
    target_dir = paths.processed_dir()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        with build_lock():
            _remove_leftovers(target_dir)
            # mkdir, not mkdtemp: the folder gets the umask's mode (group-readable), not 0700.
            tmp_parquet = target_dir / f".parquet-{os.getpid()}-{secrets.token_hex(4)}"
            tmp_parquet.mkdir()
            try:
                # The new database is swapped in when this block ends, after the Parquet folder.
                with atomic_path(paths.build_database_path(), suffix=".duckdb.tmp") as tmp_db:
                    tmp_db.unlink()  # duckdb wants to create the file itself
                    try:
                        _build_database(tmp_db, tables, tmp_parquet)
                    finally:
                        # DuckDB's log of a build that failed (a full disk) goes with it.
                        tmp_db.with_name(tmp_db.name + ".wal").unlink(missing_ok=True)
                    _replace_dir(tmp_parquet, target_dir / "parquet")
            finally:
                shutil.rmtree(tmp_parquet, ignore_errors=True)
    except Timeout as exc:
        raise StoreWriteError(
            f"another ingest has been writing {target_dir} for too long ({exc}); "
            "wait for it to finish, then run `python -m analysis ingest` again"
        ) from exc
    except (OSError, duckdb.Error) as exc:
        raise _write_error(exc, target_dir) from exc
    return version


def _write_error(exc: OSError | duckdb.Error, target_dir: Path) -> StoreWriteError:
    """What stopped a build, in one line with what to do; DuckDB's words never reach the user."""
    if disk_full(exc):
        return StoreWriteError(
            f"cannot write the store in {target_dir}: no space left on the disk holding it; "
            f"free some space there ({paths.analytics_cache_path().name} is rebuilt when "
            "needed, stores kept aside as dx.duckdb.damaged-* can go) or set VNDX_DATA_DIR to "
            "a data folder on a bigger disk, then run `python -m analysis ingest` again; the "
            "previous store is unchanged"
        )
    if not isinstance(exc, OSError):
        raise exc
    return StoreWriteError(
        f"cannot write the store in {target_dir}: {_reason(exc)}"
        + (f" ({exc.filename})" if exc.filename else "")
        + "; make the folder writable for your account (or set VNDX_DATA_DIR to a "
        "writable data folder), then run `python -m analysis ingest` again"
    )


def _reason(exc: OSError) -> str:
    """The cause in the words an operator searches for (a read-only mount says EROFS)."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the disk"
    return str(exc.strerror or exc)


class StoreWriteError(OSError):
    """The store could not be written; the message says where and what to do.

    The previous store, if any, is left as it was and no temporary file remains.
    """


def _remove_leftovers(target_dir: Path) -> None:
    """Remove the temporary files of a build that was killed before it could clean up.

    Called under the build lock, so no other build is using them.
    """
    db = paths.build_database_path().name
    for pattern in (f".{db}.*", ".dx-*.duckdb.tmp*", ".parquet-*", "parquet.old"):
        for leftover in target_dir.glob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _build_database(db: Path, tables: dict[str, pd.DataFrame], parquet_dir: Path) -> None:
    """Create every table and the ``tidy`` view in ``db``; copy the big tables to Parquet."""
    con = duckdb.connect(str(db))
    try:
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')  # noqa: S608
            con.unregister("_frame")
        # An empty frame cannot carry dates; the column is DATE whether or not communes reported.
        con.execute("ALTER TABLE commune_observations ALTER period_start TYPE DATE")
        con.execute("""
            CREATE VIEW tidy AS
            SELECT province, province_name, indicator, period, value, numerator,
                   denominator, source, is_synthetic, dataset, method
            FROM observations_34
        """)
        for name in (
            "observations",
            "observations_34",
            "commune_observations",
            "published",
            "published_real",
        ):
            if name in tables:
                with atomic_path(parquet_dir / f"{name}.parquet") as out:
                    con.execute(f"COPY \"{name}\" TO '{out.as_posix()}' (FORMAT PARQUET)")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _replace_dir(new: Path, target: Path) -> None:
    """Swap a directory into place; the old one is removed only after the new one is there."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _latest_period(h: pd.DataFrame) -> str | None:
    monthly = h[h["freq"] == "M"]["period"] if len(h) else pd.Series(dtype=str)
    return str(monthly.max()) if len(monthly) else None


# --- reading -------------------------------------------------------------------------------


class StoreMissing(FileNotFoundError):
    pass


class StoreDamaged(RuntimeError):
    """The store cannot be read: its file is damaged. The message names it and what to do."""

    def __init__(self, path: Path, detail: str):
        self.path, self.detail = Path(path), detail
        super().__init__(
            f"the store {path} is damaged ({detail}); run `python -m analysis ingest`: it "
            "keeps the damaged file beside it and rebuilds the store from data/raw"
        )


_DAMAGE = (
    "not a valid duckdb database file",
    "corrupt database file",
    "checksum",
    "could not read enough bytes",
    "serialization error",
    "internal error",
    "failed to read",
)
"""What DuckDB says (lower case) of a file that is not a whole database."""


def damage_detail(exc: BaseException) -> str | None:
    """A short description of the damage, when ``exc`` is DuckDB saying a file is damaged."""
    if not isinstance(exc, duckdb.Error):
        return None
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if not any(sign in lowered for sign in _DAMAGE):
        return None
    if "not a valid duckdb database file" in lowered:
        return "not a DuckDB database: its header is overwritten"
    if "checksum" in lowered or "corrupt" in lowered:
        return "a block fails its checksum"
    if "could not read enough bytes" in lowered:
        return "the file is cut short"
    return text[:160]


def connect(read_only: bool = True, path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the processed database (read-only by default, so notebooks cannot change it).

    Raises :class:`StoreMissing` without a store and :class:`StoreDamaged` for a file that
    cannot be opened as one.
    """
    db = Path(path or paths.database_path())
    if not db.exists():
        raise StoreMissing(
            f"{db} does not exist: run `python -m analysis ingest` first (or `make report`)."
        )
    try:
        return duckdb.connect(str(db), read_only=read_only)
    except duckdb.Error as exc:
        detail = damage_detail(exc)
        if detail is None:
            raise
        raise StoreDamaged(db, detail) from exc


def check_sound(path: Path | None = None, named: Path | None = None) -> None:
    """Read every table of the store through, so that damage anywhere shows now, named.

    A block damaged in the middle of the file passes :func:`connect` and breaks only the query
    that reads it; reading every row of every table (about 0.1 s for the demo store) finds it
    before a run or a status starts. ``named`` is the file the message names (the store a
    snapshot was taken from). Raises :class:`StoreMissing` or :class:`StoreDamaged`.
    """
    db = Path(path or paths.database_path())
    shown = Path(named or db)
    try:
        with connect(path=db) as con:
            tables = [
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            ]
            if "meta" not in tables:
                raise StoreDamaged(shown, "it has no meta table: not a store made by ingest")
            for table in tables:
                con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()  # noqa: S608
    except StoreDamaged as exc:
        raise StoreDamaged(shown, exc.detail) from exc
    except duckdb.Error as exc:
        detail = damage_detail(exc)
        if detail is None:
            raise
        raise StoreDamaged(shown, detail) from exc


def set_aside_if_damaged() -> tuple[Path, str] | None:
    """Move a damaged store out of the way, kept under a new name; ``(new name, damage)``.

    ``ingest`` calls this before it rebuilds: a store that cannot be read must not stop the
    rebuild that replaces it, and is kept for whoever wants to look at it.
    """
    db = paths.build_database_path()
    if not db.exists():
        return None
    with build_lock():
        try:
            check_sound(db)
        except StoreDamaged as exc:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = db.with_name(f"{db.name}.damaged-{stamp}")
            os.replace(db, kept)
            wal = db.with_name(db.name + ".wal")
            if wal.exists():
                os.replace(wal, kept.with_name(kept.name + ".wal"))
            return kept, exc.detail
    return None


def data_version(path: Path | None = None) -> str:
    with connect(path=path) as con:
        row = con.execute("SELECT data_version FROM meta").fetchone()
    if row is None:
        raise StoreMissing(
            f"{path or paths.database_path()} has no data version: run ingest again."
        )
    return str(row[0])


def store_info(path: Path | None = None) -> dict:
    with connect(path=path) as con:
        return con.execute("SELECT * FROM meta").df().iloc[0].to_dict()


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of ``table``, 0 when a store built by an older version lacks it."""
    known = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchone()
    if not known or not known[0]:
        return 0
    row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608 - our names
    return int(row[0]) if row else 0


def missing_observations(path: Path | None = None) -> str | None:
    """Why reports cannot be made from this store, in one line; ``None`` when they can.

    A store built from published figures alone (``data/raw`` holding only ``reference/`` and
    ``published/``) has no monthly observations: briefings need them, so the message says what
    the store holds and what to add.
    """
    with connect(path=path) as con:
        if _count(con, "observations_34"):
            return None
        real = _count(con, "published_real")
        facts = _count(con, "published")
    holds = (
        f"published figures only ({real:,} rows in published_real, {facts:,} in published)"
        if real or facts
        else "reference tables only"
    )
    return (
        f"no observations in the store {path or paths.database_path()}: it holds {holds}, and "
        "reports need monthly observations: put your files in data/raw/<YYYY-MM>/ (or run "
        "`python -m analysis demo` for the demo dataset), then run `python -m analysis ingest`"
    )


def default_dataset(con: duckdb.DuckDBPyConnection, table: str = "observations_34") -> str:
    """The dataset analytics use: the user's own submissions if any, else the demo.

    ``table`` is where to look: ``observations_34`` (provinces) or ``commune_observations``.
    """
    found = {r[0] for r in con.execute(f"SELECT DISTINCT dataset FROM {table}").fetchall()}  # noqa: S608
    if "submitted" in found:
        return "submitted"
    if "demo" in found:
        return "demo"
    return sorted(found)[0] if found else "demo"


def load_series_frame(
    dataset: str | None = None,
    path: Path | None = None,
    basis: str = "34",
    until: pd.Period | str | None = None,
) -> pd.DataFrame:
    """Observations as a DataFrame with ``period`` as pandas Periods (34-unit basis default).

    ``until`` (a month) keeps only what was known by then: months up to it and years that ended
    by it, so a report for a past month never sees later data.
    """
    table = "observations_34" if basis == "34" else "observations"
    sql = f"SELECT * FROM {table} WHERE dataset = ?"  # noqa: S608 - table name is ours
    args: list = []
    if until is not None:
        p = to_month(until)
        last_year = p.year if p.month == 12 else p.year - 1
        sql += " AND ((freq = 'M' AND period <= ?) OR (freq = 'Y' AND period <= ?))"
        args = [str(p), str(last_year)]
    with connect(path=path) as con:
        ds = dataset or default_dataset(con)
        df = con.execute(sql + " ORDER BY indicator, province_code, period", [ds, *args]).df()
    if df.empty:
        return df
    df["period"] = to_periods(df["period"], df["freq"])
    return df


def to_periods(text: pd.Series, freq: pd.Series) -> pd.Series:
    """'2026-10' / '2025' strings to pandas Periods, from integer ordinals (parsing each string
    is the slowest part of loading the store otherwise)."""
    out = pd.Series(index=text.index, dtype=object)
    year = text.str.slice(0, 4).astype(int)
    for f in freq.unique():
        mask = freq == f
        if f == "M":
            ords = (year[mask] - 1970) * 12 + text[mask].str.slice(5, 7).astype(int) - 1
        else:
            ords = year[mask] - 1970
        out[mask] = list(pd.PeriodIndex.from_ordinals(ords.to_numpy(), freq=f))
    return out
