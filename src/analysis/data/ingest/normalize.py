"""Step 2, normalizing: every text cell of a read file parsed into typed observation rows.

Decimal commas, percent signs, thousands separators, BOMs, non-breaking spaces and names without
diacritics are all read here (see :mod:`~analysis.data.ingest.cells`); provinces and indicators
are matched to the reference tables. A cell that cannot be read unambiguously gives a
:class:`~analysis.data.ingest.problems.Problem` naming the column as the file names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.data.ingest.cells import parse_number, parse_period
from analysis.data.ingest.problems import CellError, Problem, merge_columns
from analysis.data.ingest.raw import RawTable
from analysis.reference import catalog, geography
from analysis.reference.names import fold

LONG_COLUMNS = ("province", "indicator", "period")
PROVINCE_HEADERS = {
    "province",
    "tinh/thanh pho",
    "tinh",
    "tinh thanh",
    "tinh/thanh",
    "don vi",
    "dia phuong",
    "tinh, thanh pho",
}
VALUE_TOLERANCE = 0.01
"""Largest accepted gap, in percentage points, between a reported rate and numerator/denominator."""


NORMALIZED_COLUMNS = [
    "dataset",
    "basis",
    "province_code",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "rate_only",
    "source",
    "note",
    "source_file",
    "source_row",
    "is_synthetic",
]


def header_key(name: str) -> str:
    return fold(name).replace(" ", "_")


def _is_long(header: Sequence[str]) -> bool:
    keys = {header_key(h) for h in header}
    return "indicator" in keys or "period" in keys


def period_from_name(name: str) -> str | None:
    """The month a file name carries (``..._2026-10.csv``, ``..._10_2026.xlsx``), or ``None``."""
    m = re.search(r"(\d{4})[-_](\d{2})(?!\d)", name) or re.search(r"(\d{2})[-_](\d{4})", name)
    if not m:
        return None
    a, b = m.groups()
    return f"{a}-{b}" if len(a) == 4 else f"{b}-{a}"


def normalize_table(table: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse every cell of a read file into typed observation rows.

    Returns the rows that could be parsed and a problem for every cell that could not (one per
    fault, naming every column it affects). Rows skipped on purpose (total rows) are noted in
    ``table.notes``. The frame has :data:`NORMALIZED_COLUMNS` and :data:`SOURCE_COLUMNS`, the
    file's own name of each figure's column, for messages.
    """
    problems = list(table.problems)
    if problems:
        return empty_frame(), problems
    for memo in (_indicator_memo, _period_memo, _province_memo):
        memo.cache_clear()  # the catalog or "today" may differ from the previous file's
    if _is_long(table.header):
        records, more = _long_records(table)
    else:
        records, more = _wide_records(table)
    problems += more
    synthetic = bool(table.meta.get("synthetic", False))
    source = str(table.meta.get("source") or table.display)
    out = []
    dataset = table.dataset
    for rec in records:
        rec.setdefault("source", "")
        rec["source"] = rec["source"] or source
        rec["dataset"] = dataset
        rec["source_file"] = table.display
        rec["is_synthetic"] = synthetic
        out.append(rec)
    frame = (
        pd.DataFrame(out, columns=[*NORMALIZED_COLUMNS, SOURCE_COLUMNS]) if out else empty_frame()
    )
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    return frame, merge_columns(problems)


SOURCE_COLUMNS = "_source_columns"
"""Column of the normalized frame: figure (value, numerator, ...) -> the file's column name."""


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[*NORMALIZED_COLUMNS, SOURCE_COLUMNS])


TOTAL_ROWS = {
    "tong",
    "tong cong",
    "tong so",
    "cong",
    "toan tinh",
    "toan thanh pho",
    "ca nuoc",
    "toan quoc",
    "total",
    "grand total",
    "sum",
}
"""Province cells (folded) that mark a total row, which is skipped, not matched to a province."""


def no_figure_column(table: RawTable, keys: Sequence[str]) -> list[Problem]:
    """The problem of a long-layout file (province or commune) with no column of figures."""
    if {"value", "numerator"} & set(keys):
        return []
    return [
        Problem(
            table.display,
            1,
            "value",
            None,
            "neither a 'value' nor a 'numerator' column",
            "Add the figures in 'value' (rates) or 'numerator' and 'denominator' (counts).",
        )
    ]


def is_total(text: str) -> bool:
    return re.sub(r"[^a-z ]", "", fold(text)).strip() in TOTAL_ROWS


def _note_total_rows(table: RawTable, column: str, rows: list[tuple[int, str]]) -> None:
    """One note per file for its total rows (they are skipped)."""
    if not rows:
        return
    numbers = ", ".join(str(n) for n, _ in rows)
    table.notes.append(
        Problem(
            table.display,
            rows[0][0],
            column,
            rows[0][1],
            f"a total row (row{'s' if len(rows) > 1 else ''} {numbers}), not a province",
            "Remove it or leave it: it is skipped, totals are computed from the provinces.",
        )
    )


def _long_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []
    keys = [header_key(h) for h in table.header]
    for required in LONG_COLUMNS:
        if required not in keys:
            problems.append(
                Problem(
                    table.display,
                    1,
                    required,
                    None,
                    f"the column {required!r} is missing",
                    "The long layout needs province, indicator and period "
                    "columns (see data/raw/README.md).",
                )
            )
    problems += no_figure_column(table, keys)
    if problems:
        return [], problems
    records = []
    colmap = dict(zip(keys, table.header, strict=True))
    totals: list[tuple[int, str]] = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if len(cells) < len(keys):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    table.header[len(cells)] if cells else None,
                    None,
                    f"short row: {len(cells)} of {len(keys)} cells",
                    "Fill every column (leave a cell empty, not missing).",
                )
            )
            continue
        if len(cells) > len(keys) and any(cells[len(keys) :]):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    None,
                    ",".join(cells[len(keys) :]),
                    f"long row: {len(cells)} cells under {len(keys)} headers",
                    "Remove the extra cells or name their column.",
                )
            )
            continue
        row = dict(zip(keys, cells, strict=False))
        if is_total(row.get("province", "")):
            totals.append((row_no, row["province"]))
            continue
        rec, more = parse_row(table, row_no, row, colmap)
        problems += more
        if rec is not None:
            records.append(rec)
    _note_total_rows(table, colmap["province"], totals)
    return records, problems


_WIDE_FIELDS = {
    "": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "tu_so": "numerator",
    "mau_so": "denominator",
}
"""Suffix after ``__`` in a wide header -> the figure it holds (Vietnamese names allowed)."""


def _wide_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    header = table.header
    problems = _wide_header_problems(table)
    if problems:
        return [], problems
    period_text = str(table.meta.get("period") or period_from_name(table.path.name) or "")
    columns, problems = _wide_columns(table)
    if problems:
        return [], problems
    indicators = dict.fromkeys(ind for _, ind, _ in columns)
    records = []
    totals: list[tuple[int, str]] = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if len(cells) < len(header):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    header[len(cells)],
                    None,
                    f"short row: {len(cells)} of {len(header)} cells",
                    "Fill every column (leave a cell empty, not missing).",
                )
            )
            continue
        if is_total(cells[0]):
            totals.append((row_no, cells[0]))
            continue
        for ind in indicators:
            row = {"province": cells[0], "indicator": ind, "period": period_text}
            for pos, i, field_ in columns:
                if i == ind:
                    row[field_] = cells[pos]
            if not any(row.get(f, "") for f in ("value", "numerator", "denominator")):
                continue  # an indicator the province did not report this month
            rec, more = parse_row(table, row_no, row, _wide_colmap(header, columns, ind))
            problems += more
            if rec is not None:
                records.append(rec)
    _note_total_rows(table, header[0], totals)
    return records, problems


def _wide_colmap(header: list[str], columns: list[tuple[int, str, str]], ind: str) -> dict:
    """Figure -> the file's column name for one indicator of a wide file.

    A figure without a column of its own is named as its column would be
    (``<indicator>__numerator``), so a message says which column to add.
    """
    own = {f: header[pos] for pos, i, f in columns if i == ind}
    base = next(header[pos] for pos, i, _ in columns if i == ind).partition("__")[0]
    names = {f: f"{base}__{f}" for f in ("numerator", "denominator")}
    names["value"] = base
    return {**names, **own, "province": header[0], "period": "period", "indicator": base}


def _wide_header_problems(table: RawTable) -> list[Problem]:
    """A wide file needs provinces in its first column and a reporting period."""
    header = table.header
    if header_key(header[0]).replace("_", " ") not in PROVINCE_HEADERS:
        return [
            Problem(
                table.display,
                1,
                header[0],
                header[0],
                "the first column does not name provinces",
                "Name it 'province' (or 'Tỉnh/Thành phố'), or use the long "
                "layout with an 'indicator' column.",
            )
        ]
    if not (table.meta.get("period") or period_from_name(table.path.name)):
        return [
            Problem(
                table.display,
                None,
                None,
                None,
                "no reporting period for this wide file",
                "Put the month in the file name (..._2026-10.xlsx) or in its "
                "sidecar (`period: 2026-10`).",
            )
        ]
    return []


def _wide_columns(table: RawTable) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """(position, indicator, field) of every indicator column; a problem for unknown ones."""
    columns: list[tuple[int, str, str]] = []
    problems: list[Problem] = []
    for pos, name in enumerate(table.header[1:], start=1):
        base, _, suffix = name.partition("__")
        field_ = _WIDE_FIELDS.get(header_key(suffix))
        ind = catalog.resolve_indicator(base)
        if ind is None or field_ is None:
            problems.append(
                Problem(
                    table.display,
                    1,
                    name,
                    name,
                    "unknown indicator column",
                    "Use catalog ids (see `python -m analysis list`); candidates: "
                    + ", ".join(catalog.indicator_candidates(base)),
                )
            )
            continue
        columns.append((pos, ind, field_))
    return columns, problems


# Inputs repeat the same few hundred province names, indicators and periods many thousand times;
# parse each distinct text once per file.
@lru_cache(maxsize=4096)
def _indicator_memo(text: str, level: str = "province") -> catalog.Indicator | None:
    found = catalog.resolve_indicator(text, level)
    return None if found is None else catalog.indicators(level)[found]


@lru_cache(maxsize=4096)
def _period_memo(text: str, frequency: str) -> pd.Period:
    return parse_period(text, frequency)


@lru_cache(maxsize=4096)
def _province_memo(text: str, basis: str) -> geography.Unit:
    return geography.match_province(text, basis)  # type: ignore[arg-type]


Fail = Callable[[str, "str | None", str, str], None]


def parse_row(
    table: RawTable, row_no: int, row: dict, colmap: dict | None = None, level: str = "province"
) -> tuple[dict | None, list[Problem]]:
    """One observation from one row's cells (``colmap``: field -> the file's column name).

    ``level`` is the catalog level the row's indicator must be reported at.
    """
    names = colmap or {}
    problems: list[Problem] = []

    def fail(column: str, value: str | None, reason: str, hint: str) -> None:
        problems.append(
            Problem(table.display, row_no, names.get(column, column), value, reason, hint)
        )

    ind = _indicator_memo(row.get("indicator", ""), level)
    if ind is None:
        fail(
            "indicator",
            row.get("indicator"),
            "unknown indicator" if level == "province" else f"not a {level}-level indicator",
            "Use a catalog id (`python -m analysis list`); candidates: "
            + ", ".join(catalog.indicator_candidates(row.get("indicator", ""), level=level)),
        )
        return None, problems
    period, basis, unit = _parse_keys(row, ind, fail)
    numbers = _parse_numbers(row, fail)
    if problems:
        return None, problems
    figures = _figures(row, ind, numbers, fail)
    if figures is None:
        return None, problems
    value, num, den = figures
    return {
        "basis": basis,
        "province_code": unit.code if unit else None,
        "indicator": ind.id,
        "freq": ind.freq,
        "period": period,
        "value": value,
        "numerator": num,
        "denominator": den,
        "rate_only": num is None,
        "source": row.get("source", ""),
        "note": row.get("note", ""),
        "source_row": row_no,
        SOURCE_COLUMNS: {f: names.get(f, f) for f in ("value", "numerator", "denominator")},
    }, problems


def _parse_keys(
    row: dict, ind: catalog.Indicator, fail: Fail
) -> tuple[pd.Period | None, str | None, geography.Unit | None]:
    """The row's period, basis (63 or 34) and province; ``fail`` for each that cannot be read."""
    period = None
    try:
        period = _period_memo(row.get("period", ""), ind.frequency)
    except CellError as exc:
        fail("period", row.get("period"), exc.reason, exc.hint)

    basis_text = row.get("basis", "")
    basis: str | None = None
    if basis_text:
        if basis_text not in ("63", "34"):
            fail(
                "basis",
                basis_text,
                "basis must be 63 or 34",
                "Leave it empty: 63 before 2025-07, 34 from 2025-07.",
            )
        else:
            basis = basis_text
    if basis is None and period is not None:
        basis = geography.basis_for_period(period)

    unit = None
    if basis is not None:
        try:
            unit = _province_memo(row.get("province", ""), basis)
        except geography.UnknownProvince as exc:
            fail(
                "province",
                row.get("province"),
                exc.reason,
                "Use a code, codename or name of a province on the "
                f"{basis}-unit basis"
                + (f" (did you mean {', '.join(exc.candidates)}?)" if exc.candidates else "."),
            )
    return period, basis, unit


def _parse_numbers(row: dict, fail: Fail) -> dict[str, float | None]:
    """``value`` (a rate, ``%`` allowed), ``numerator`` and ``denominator`` (whole counts)."""
    numbers: dict[str, float | None] = {}
    for name, integer in (("value", False), ("numerator", True), ("denominator", True)):
        text = row.get(name, "")
        try:
            numbers[name] = parse_number(text, integer=integer, percent_ok=not integer)
        except CellError as exc:
            fail(name, text, exc.reason, exc.hint)
            numbers[name] = np.nan
    return numbers


def _figures(
    row: dict, ind: catalog.Indicator, numbers: dict[str, float | None], fail: Fail
) -> tuple[float | None, float | None, float | None] | None:
    """(value, numerator, denominator) once they agree with each other; None after ``fail``."""
    value, num, den = numbers["value"], numbers["numerator"], numbers["denominator"]
    if (num is None) != (den is None):
        missing = "denominator" if den is None else "numerator"
        fail(
            missing,
            row.get(missing, ""),
            f"a {'numerator' if den is None else 'denominator'} without its {missing}",
            "Give both counts, or only the rate in 'value'.",
        )
        return None
    if value is None and num is None:
        fail(
            "value",
            row.get("value", ""),
            "no figure in this row",
            "Fill 'value' or 'numerator' and 'denominator', or remove the row.",
        )
        return None
    if ind.kind == "rate" and num is not None:
        fail(
            "numerator",
            row.get("numerator"),
            "counts given for a rate-only indicator",
            f"{ind.id} is published as a rate; put it in 'value'.",
        )
        return None
    if num is not None and den is not None and den > 0 and value is not None:
        implied = 100.0 * num / den
        if abs(implied - value) > VALUE_TOLERANCE:
            fail(
                "value",
                row.get("value"),
                f"value disagrees with numerator/denominator ({implied:.4f})",
                "Correct either the rate or the counts.",
            )
            return None
    if value is None and num is not None and den and den > 0:
        value = 100.0 * num / den
    return value, num, den
