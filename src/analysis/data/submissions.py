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

import datetime as dt
import logging
import os
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.core.clock import today
from analysis.data import store
from analysis.data.ingest import IngestResult, read_sidecar, workbooks
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


def previous_first_seen(db: Path | None = None) -> dict[str, str]:
    """sha256 -> first_seen of the files the current store recorded (empty without one)."""

    try:
        con = store.connect(path=db or paths.build_database_path())
    except store.StoreMissing:
        return {}
    with con:
        known = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'submission_files'"
        ).fetchone()
        if not known or not known[0]:
            return {}
        rows = con.execute("SELECT sha256, first_seen FROM submission_files").fetchall()
    return {str(sha): str(seen) for sha, seen in rows if sha}


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
