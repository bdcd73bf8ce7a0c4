"""Who sent which figure, when: the store's ``submission_files`` and ``submissions`` tables.

Built by every ingest from what it read (your own files, the ``submitted`` dataset; generated
demo data are not submissions) and written with the store, atomically:

* ``submission_files``: one row per file: its checksum, sender (the sidecar's ``source``,
  else the file name), ``received`` (the sidecar's date, if any), ``first_seen`` (when an
  ingest first read these bytes, carried over from the previous store, so re-running ingest
  or renaming the file does not make a figure late) and, for collection workbooks, the unit
  and month they were made for;
* ``submissions``: one row per figure as sent, on the basis it was reported, with the unit
  it belongs to on the 34-unit basis, and ``revised_by``: the later file whose figure
  replaced it (a sidecar ``revises:``), so the old and the new figure both stay known.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from analysis import paths
from analysis.core.clock import today
from analysis.data import store
from analysis.data.ingest import IngestResult, read_sidecar, workbooks
from analysis.files import write_atomic
from analysis.reference import geography

log = logging.getLogger(__name__)

DATASET = "submitted"
FILE_COLUMNS = [
    "file",
    "sha256",
    "sender",
    "received",
    "first_seen",
    "template_unit",
    "template_period",
]
COLUMNS = [
    "file",
    "source_row",
    "basis",
    "reported_code",
    "province_code",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "note",
    "revised_by",
]


JOURNAL_COLUMNS = ["sha256", "first_seen", "file"]


def previous_first_seen(db: Path | None = None) -> dict[str, str]:
    """sha256 -> first_seen of every file seen before: the journal (:func:`read_journal`),
    and the current store's ``submission_files`` for what the journal lacks (a store built
    before the journal, or a journal deleted); the earlier time wins."""

    seen = _store_first_seen(db)
    for sha, when in read_journal().items():
        seen[sha] = min(when, seen.get(sha, when))
    return seen


def _store_first_seen(db: Path | None) -> dict[str, str]:
    try:
        con = store.connect(path=db or paths.build_database_path())
    except (store.StoreMissing, store.StoreDamaged):
        return {}
    with con:
        known = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'submission_files'"
        ).fetchone()
        if not known or not known[0]:
            return {}
        try:
            rows = con.execute("SELECT sha256, first_seen FROM submission_files").fetchall()
        except duckdb.Error as exc:
            if store.damage_detail(exc) is None:
                raise
            return {}
    return {str(sha): str(seen) for sha, seen in rows if sha}


def read_journal() -> dict[str, str]:
    """sha256 -> first_seen from ``data/first_seen.csv`` (empty when there is none)."""
    return {sha: when for sha, (when, _) in _journal().items()}


def _journal() -> dict[str, tuple[str, str]]:
    path = paths.first_seen_path()
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {
            r["sha256"]: (r["first_seen"], r.get("file") or "")
            for r in csv.DictReader(fh)
            if r.get("sha256")
        }


def record_first_seen(files: pd.DataFrame) -> None:
    """Add the first-seen times of ``files`` (``submission_files`` rows) to the journal.

    Written atomically under a lock, before the store is: what an ingest saw is never known
    only to a store, which can be damaged or deleted and is rebuilt from ``data/raw``.
    """
    if files.empty:
        return
    path = paths.first_seen_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.with_name(f".{path.name}.lock")), timeout=600):
        rows = _journal()
        new = {
            str(sha): (str(when), str(name))
            for sha, when, name in zip(
                files["sha256"], files["first_seen"], files["file"], strict=True
            )
            if sha and str(sha) not in rows
        }
        if not new:
            return
        rows.update(new)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(JOURNAL_COLUMNS)
        for sha, (when, name) in sorted(rows.items(), key=lambda item: (item[1][0], item[0])):
            writer.writerow([sha, when, name])
        write_atomic(path, buffer.getvalue())


def now_utc() -> str:
    """The time an ingest first sees a file, ISO 8601 in UTC to the second.

    With ``VNDX_TODAY`` set (reproducible runs and tests), that day at midnight.
    """
    if os.environ.get("VNDX_TODAY"):
        return dt.datetime.combine(today(), dt.time()).isoformat()
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def build_tables(
    result: IngestResult, seen: dict[str, str], now: str | None = None
) -> dict[str, pd.DataFrame]:
    """The two tables for the store from an ingest's result (see the module docstring)."""
    now = now or now_utc()
    files = [f for f in result.files if f.get("dataset") == DATASET]
    metas = _file_metas(result)
    file_rows = []
    for f in files:
        meta = metas.get(f["file"], {})
        received = meta.get("received")
        file_rows.append(
            {
                "file": f["file"],
                "sha256": f["sha256"],
                "sender": str(meta.get("source") or Path(f["file"]).name),
                "received": str(pd.Timestamp(received).date()) if received else None,
                "first_seen": seen.get(str(f["sha256"]), now),
                "template_unit": meta.get("template_unit"),
                "template_period": meta.get("template_period"),
            }
        )
    return {
        "submission_files": pd.DataFrame(file_rows, columns=FILE_COLUMNS).astype("string"),
        "submissions": _figures(result).astype(_TYPES),
    }


_TYPES = {
    **dict.fromkeys(COLUMNS, "string"),
    "source_row": "Int64",
    "value": "float64",
    "numerator": "float64",
    "denominator": "float64",
}
"""Column types, so that a table without rows is still a typed table in the store."""


def _file_metas(result: IngestResult) -> dict[str, dict]:
    """Sidecar fields and workbook identity of every file read, by its shown name."""

    out = {}
    for f in result.files:
        if f.get("dataset") != DATASET:
            continue
        path = paths.project_root() / f["file"]
        if not path.exists():
            path = Path(f["file"])
        try:
            meta = dict(read_sidecar(path))
        except Exception:  # a sidecar the ingest accepted reads again; nothing to add if not
            meta = {}
        workbook = workbooks.workbook_meta(path)
        if workbook is not None:
            meta["template_unit"] = workbook.get("unit")
            meta["template_period"] = workbook.get("period")
        out[f["file"]] = meta
    return out


def _figures(result: IngestResult) -> pd.DataFrame:
    sent = result.submitted
    if sent.empty or "dataset" not in sent:
        return pd.DataFrame(columns=COLUMNS)
    sent = sent[sent["dataset"] == DATASET].copy()
    if sent.empty:
        return pd.DataFrame(columns=COLUMNS)
    kept = result.observations
    kept = kept[kept["dataset"] == DATASET]
    keys = ["basis", "province_code", "indicator", "period"]
    final = {
        (tuple(map(str, k)), str(f), int(r))
        for k, f, r in zip(
            kept[keys].to_numpy(), kept["source_file"], kept["source_row"], strict=True
        )
    }
    final_file = {
        tuple(map(str, k)): str(f)
        for k, f in zip(kept[keys].to_numpy(), kept["source_file"], strict=True)
    }
    revised_by = []
    for k, f, r in zip(sent[keys].to_numpy(), sent["source_file"], sent["source_row"], strict=True):
        key = tuple(map(str, k))
        revised_by.append(None if (key, str(f), int(r)) in final else final_file.get(key))
    sent["revised_by"] = revised_by
    sent["reported_code"] = sent["province_code"]
    sent["province_code"] = [
        code if basis == "34" else geography.successor(code).code
        for code, basis in zip(sent["province_code"], sent["basis"], strict=True)
    ]
    sent["file"] = sent["source_file"]
    sent["period"] = sent["period"].astype(str)
    return sent[COLUMNS].reset_index(drop=True)
