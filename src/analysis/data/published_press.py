"""Real published figures (``data/raw/published/``), ingested as their own source.

The files come as published, each with its own columns; this module reads them into one table
of facts: where (the name as published and the unit it matches), when, what measure, the
figure (or the text, when it was published as "<10"), the rank and out of how many, and the
source URL. Ranks stay ranks: they are never averaged or carried across the 2025 merger.
Rows about the whole country or about groups ("Cả nước", "(mean of provinces)") keep
``province_code`` empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.reference import geography
from analysis.reference.names import clean_cell, fold

NATIONAL = {
    "viet nam",
    "ca nuoc",
    "(mean of provinces)",
    "(distribution)",
    "khoi bo, nganh",
    "khoi tinh, thanh",
}
NAME_COLUMNS = ("province_as_published", "unit_as_published", "province")
VALUE_COLUMNS = ("value", "value_pct", "score", "dti_pdti")
PERIOD_COLUMNS = ("year", "as_of", "reference")
MEASURE_TO_INDICATOR = {
    "digital_economy_share_of_grdp_pct": "digital_economy_share_grdp_pct",
}
COLUMNS = [
    "file",
    "row",
    "geography_as_published",
    "basis",
    "province_code",
    "province",
    "province_name",
    "measure",
    "indicator",
    "period_text",
    "year",
    "value",
    "value_text",
    "numerator",
    "denominator",
    "rank",
    "rank_text",
    "rank_of",
    "source_url",
    "note",
]


def _year(text: str) -> int | None:
    m = re.search(r"(20\d\d)", text or "")
    return int(m.group(1)) if m else None


def _number(text: str) -> float | None:
    s = clean_cell(text or "").replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


def _basis_hint(name: str, row: dict, year: int | None) -> tuple[str, str]:
    """Strip '(new, 34-unit)' style hints from a published name and decide the basis."""
    basis = None
    m = re.search(r"\((new|old)[^)]*\)", name)
    if m:
        basis = "34" if m.group(1) == "new" else "63"
        name = name[: m.start()].strip()
    unit_set = row.get("unit_set", "")
    if unit_set in ("63", "34"):
        basis = unit_set
    if row.get("rank_of") in ("63", "34") and basis is None:
        basis = row["rank_of"]
    if basis is None:
        basis = "34" if "post-merger" in fold(row.get("as_of", "")) or (year or 0) >= 2026 else "63"
    return name, basis


def match_published_name(
    name: str, row: dict | None = None, year: int | None = None
) -> geography.Unit | None:
    """The unit a published name refers to; ``None`` for national and group rows."""
    row = row or {}
    if fold(name) in NATIONAL or fold(name).startswith("("):
        return None
    clean, basis = _basis_hint(name, row, year)
    try:
        return geography.match_province(clean, basis)  # type: ignore[arg-type]
    except geography.UnknownProvince:
        other = "63" if basis == "34" else "34"
        return geography.match_province(clean, other)  # type: ignore[arg-type]


def read_published(folder: Path | None = None) -> pd.DataFrame:
    """All published facts as one table (see the module docstring)."""
    folder = Path(folder or paths.published_dir())
    rows = []
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        name_col = next(c for c in NAME_COLUMNS if c in frame.columns)
        previous = ""
        for i, rec in enumerate(frame.to_dict("records"), start=2):
            rec = {k: clean_cell(v) for k, v in rec.items()}
            period_text = next((rec[c] for c in PERIOD_COLUMNS if rec.get(c)), "")
            if fold(period_text) == "same":  # "same as the row above", as published
                period_text = previous
                rec["as_of"] = previous
            previous = period_text
            year = _year(period_text)
            unit = match_published_name(rec[name_col], rec, year)
            measure = (
                rec.get("measure")
                or rec.get("component")
                or ("dti_rank" if "rank_dti" in rec else "")
            )
            value_text = next((rec[c] for c in VALUE_COLUMNS if rec.get(c)), "")
            rank_text = rec.get("rank") or rec.get("rank_dti") or ""
            rank_of = _number(rec.get("rank_of", "")) or (
                63 if "rank_dti" in rec or ("63" in rec.get("unit_set", "") and rank_text) else None
            )
            rows.append(
                {
                    "file": f"data/raw/published/{path.name}",
                    "row": i,
                    "geography_as_published": rec[name_col],
                    "basis": unit.basis if unit else None,
                    "province_code": unit.code if unit else None,
                    "province": unit.codename if unit else None,
                    "province_name": unit.name if unit else None,
                    "measure": measure,
                    "indicator": MEASURE_TO_INDICATOR.get(fold(measure)),
                    "period_text": period_text,
                    "year": year,
                    "value": _number(value_text),
                    "value_text": value_text,
                    "numerator": _number(rec.get("numerator", "")),
                    "denominator": _number(rec.get("denominator", "")),
                    "rank": _number(rank_text),
                    "rank_text": rank_text,
                    "rank_of": rank_of,
                    "source_url": rec.get("source", ""),
                    "note": rec.get("note", ""),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
