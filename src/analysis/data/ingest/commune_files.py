"""Commune-level files: one row per commune, indicator and month (the long layout + a commune).

A file is commune-level when one of its columns names communes (``commune``, ``xã``,
``xã/phường``, ``mã xã`` ...). Each row gives the commune by its 5-digit code (the province
column may then be empty) or by its name within the province of the row: with or without
"Xã", "Phường", "Đặc khu", with or without diacritics. A name that fits no commune, or two, is
refused with the closest candidates; the rest of the row is read as a province row is
(indicator, period, value or numerator and denominator), with indicators of the commune level
of the catalog (``levels: [..., commune]``). Communes exist since 2025-07-01: earlier months are
refused.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from analysis.core.periods import to_month
from analysis.data.ingest.headers import COMMUNE_HEADINGS, heading_key
from analysis.data.ingest.normalize import (
    PRIVATE_COLUMNS,
    field_keys,
    is_total,
    locate,
    no_figure_column,
    parse_row,
    unknown_province,
)
from analysis.data.ingest.problems import Msg, Problem, merge_columns
from analysis.data.ingest.raw import RawTable
from analysis.reference import communes, geography

COMMUNE_HEADERS = COMMUNE_HEADINGS
"""Headings (folded) of the column that names communes."""
COMMUNE_COLUMNS = [
    "dataset",
    "province",
    "province_code",
    "commune_code",
    "commune_name",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "source",
    "is_synthetic",
]
"""The store's ``commune_observations`` table."""
_WORK_COLUMNS = [*COMMUNE_COLUMNS, "rate_only", "note", "source_file", "source_row"]


def commune_column(header: list[str]) -> int | None:
    """Position of the column naming communes, or None for a province-level file."""
    for pos, name in enumerate(header):
        if heading_key(name) in COMMUNE_HEADERS:
            return pos
    return None


def is_commune_table(table: RawTable) -> bool:
    return not table.problems and commune_column(table.header) is not None


def empty_commune_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[*_WORK_COLUMNS, *PRIVATE_COLUMNS])


@lru_cache(maxsize=8192)
def _commune_memo(text: str, province: str) -> communes.Commune:
    return communes.match_commune(text, province or None)


def normalize_commune_table(table: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse a commune-level file into rows of :data:`COMMUNE_COLUMNS` (+ provenance)."""
    _commune_memo.cache_clear()
    pos = commune_column(table.header)
    assert pos is not None, "callers check is_commune_table first"
    keys = field_keys(table.header)
    keys[pos] = "commune"
    colmap = dict(zip(keys, table.header, strict=True))
    commune_key = keys[pos]
    problems = _missing_columns(table, keys)
    if problems:
        return empty_commune_frame(), problems
    records = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        row = dict(zip(keys, cells, strict=False))
        if is_total(row.get(commune_key, "")) or is_total(row.get("province", "")):
            continue  # totals are computed from the communes
        rec, more = _commune_row(table, row_no, row, commune_key, colmap)
        problems += more
        if rec is not None:
            locate(rec, table)
            records.append(rec)
    synthetic = bool(table.meta.get("synthetic", False))
    source = str(table.meta.get("source") or table.display)
    frame = pd.DataFrame(records, columns=[*_WORK_COLUMNS, *PRIVATE_COLUMNS])
    frame["dataset"] = table.dataset
    frame["source"] = frame["source"].where(frame["source"].astype(bool), source)
    frame["source_file"] = table.display
    frame["is_synthetic"] = synthetic
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    return frame, merge_columns(problems)


def _missing_columns(table: RawTable, keys: list[str]) -> list[Problem]:
    needed = [c for c in ("indicator", "period") if c not in keys]
    problems = [
        Problem(
            table.display,
            table.header_row,
            None,
            None,
            Msg("reason.missing_column", column=c),
            Msg("hint.commune_columns"),
        )
        for c in needed
    ]
    problems += no_figure_column(table, keys)
    return problems


def _commune_row(
    table: RawTable, row_no: int, row: dict, commune_key: str, colmap: dict
) -> tuple[dict | None, list[Problem]]:
    """One commune figure: the commune matched, then the row read as a province row."""
    text = row.get(commune_key, "")
    province_text = row.get("province", "")
    column = colmap[commune_key]
    try:
        commune = _commune_memo(text, province_text)
    except communes.UnknownCommune as exc:
        return None, [
            Problem(
                table.display,
                row_no,
                column,
                text,
                Msg(f"reason.commune_{exc.kind}", **exc.details),
                Msg("hint.commune_candidates", candidates=list(exc.candidates))
                if exc.candidates
                else Msg("hint.commune"),
            )
        ]
    except geography.UnknownProvince as exc:
        reason, hint = unknown_province(province_text, "34", exc)
        return None, [
            Problem(
                table.display,
                row_no,
                colmap.get("province", "province"),
                province_text,
                reason,
                hint,
            )
        ]
    row = {**row, "province": commune.province_code, "basis": "34"}
    rec, problems = parse_row(table, row_no, row, colmap, level="commune")
    if rec is None:
        return None, problems
    if to_month(rec["period"]) < geography.MERGER_PERIOD:
        return None, [
            Problem(
                table.display,
                row_no,
                colmap.get("period", "period"),
                row.get("period"),
                Msg("reason.commune_before_merger"),
                Msg("hint.commune_before_merger"),
            )
        ]
    rec.update(
        province=commune.province,
        commune_code=commune.commune_code,
        commune_name=commune.full_name,
    )
    return rec, problems
