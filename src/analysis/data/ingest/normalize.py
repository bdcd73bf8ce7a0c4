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

from analysis.data.ingest.cells import month_of, parse_period, read_number
from analysis.data.ingest.headers import (
    FIELD_HEADINGS,
    field_columns,
    field_of,
    heading_key,
    wide_column,
)
from analysis.data.ingest.problems import (
    CellError,
    Choice,
    Msg,
    Num,
    PeriodText,
    Problem,
    merge_columns,
)
from analysis.data.ingest.raw import Claim, RawTable
from analysis.reference import catalog, geography
from analysis.reference.names import fold

LONG_COLUMNS = ("province", "indicator", "period")
VALUE_TOLERANCE = 0.01
"""Largest gap, in percentage points, always accepted between a reported rate and
numerator/denominator; a rate typed with fewer decimals is accepted to the precision typed
(51,2 beside 125.430 / 245.120 = 51,17)."""


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
    """A heading folded, spaces as ``_`` (how unrecognized columns are keyed in a row)."""
    return heading_key(name).replace(" ", "_")


def field_keys(header: Sequence[str]) -> list[str]:
    """The field each column holds (``province``, ``indicator``, ``value``...: the best-headed
    column of each, in English or Vietnamese), else its folded heading.

    A province code column stands for the province when no column names it.
    """
    fields = field_columns(header)
    if "province" not in fields and "province_code" in fields:
        fields["province"] = fields.pop("province_code")
    names = set(FIELD_HEADINGS) | set(fields)
    keys = []
    for pos, heading in enumerate(header):
        key = header_key(heading) or f"_{pos}"
        keys.append(f"{key}_{pos}" if key in names else key)
    for field_, pos in fields.items():
        keys[pos] = field_
    for pos, heading in enumerate(header):
        found = field_of(heading)
        if found is not None and found[0] == "skip":
            keys[pos] = "skip"  # a row number or unit column: nothing to read
    return keys


def _is_long(header: Sequence[str]) -> bool:
    """The long layout has an indicator column; a wide one names indicators in its headings."""
    keys = field_keys(header)
    if "indicator" in keys:
        return True
    if any(wide_column(h) for h, k in zip(header, keys, strict=True) if k not in FIELD_HEADINGS):
        return False
    return "period" in keys


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
        locate(rec, table)
        out.append(rec)
    frame = (
        pd.DataFrame(out, columns=[*NORMALIZED_COLUMNS, *PRIVATE_COLUMNS]) if out else empty_frame()
    )
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    return frame, merge_columns(problems)


SOURCE_COLUMNS = "_source_columns"
"""Column of the normalized frame: figure (value, numerator, ...) -> the file's column name."""
SOURCE_SHEET = "_source_sheet"
"""Column of the normalized frame: the sheet a figure was read from (``None``: a CSV file)."""
SOURCE_CELLS = "_source_cells"
"""Column of the normalized frame: figure -> its cell (``L7``), in workbooks."""
PRIVATE_COLUMNS = [SOURCE_COLUMNS, SOURCE_SHEET, SOURCE_CELLS]
"""Where each figure came from, for messages; dropped before the store is written."""


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=[*NORMALIZED_COLUMNS, *PRIVATE_COLUMNS])


def locate(rec: dict, table: RawTable) -> None:
    """Add the sheet and the cells of a parsed row's figures (for messages)."""
    rec[SOURCE_SHEET] = table.sheet
    names = rec.get(SOURCE_COLUMNS) or {}
    rec[SOURCE_CELLS] = {
        f: cell for f, name in names.items() if (cell := table.cell_of(name, rec["source_row"]))
    }


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
            table.header_row,
            None,
            None,
            Msg("reason.no_figure_column"),
            Msg("hint.no_figure_column"),
        )
    ]


def is_total(text: str) -> bool:
    return re.sub(r"[^a-z ]", "", fold(text)).strip() in TOTAL_ROWS


def _note_total_rows(table: RawTable, column: str, rows: list[tuple[int, str]]) -> None:
    """One note per table for its total rows (they are skipped)."""
    if not rows:
        return
    numbers = ", ".join(str(n) for n, _ in rows)
    table.notes.append(
        Problem(
            table.display,
            rows[0][0],
            column,
            rows[0][1],
            Msg("reason.total_rows", rows=numbers, count=len(rows)),
            Msg("hint.total_rows"),
        )
    )


def _long_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    keys = field_keys(table.header)
    period_text, problems = _long_header_problems(table, keys)
    if problems:
        return [], problems
    records = []
    colmap = dict(zip(keys, table.header, strict=True))
    totals: list[tuple[int, str]] = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if (shape := _shape_problem(table, row_no, cells, long_rows=True)) is not None:
            problems.append(shape)
            continue
        row = dict(zip(keys, cells, strict=False))
        if is_total(row.get("province", "")):
            totals.append((row_no, row["province"]))
            continue
        if not any(row.get(f, "") for f in ("indicator", "value", "numerator", "denominator")):
            continue  # a signature or remark under the table: nothing to read
        if period_text is not None:
            row["period"] = period_text
        rec, more = parse_row(table, row_no, row, colmap)
        problems += more
        if rec is not None:
            records.append(rec)
    _note_total_rows(table, colmap["province"], totals)
    return records, problems


def _long_header_problems(table: RawTable, keys: list[str]) -> tuple[str | None, list[Problem]]:
    """(the file's month when it has no period column, the header's problems)."""
    problems: list[Problem] = []
    period_text = None
    if "period" not in keys:
        period_text, claimed = claimed_period(table)
        if period_text is None and not claimed:
            problems.append(_missing_column(table, "period"))
        problems += claimed
    for required in ("province", "indicator"):
        if required not in keys:
            problems.append(_missing_column(table, required))
    return period_text, problems + no_figure_column(table, keys)


def _shape_problem(
    table: RawTable, row_no: int, cells: list[str], long_rows: bool
) -> Problem | None:
    """A row with fewer cells than the header (CSV), or more that hold something."""
    width = len(table.header)
    if len(cells) < width:
        return Problem(
            table.display,
            row_no,
            table.header[len(cells)] if cells else None,
            None,
            Msg("reason.short_row", cells=len(cells), columns=width),
            Msg("hint.short_row"),
        )
    if long_rows and len(cells) > width and any(cells[width:]):
        return Problem(
            table.display,
            row_no,
            None,
            ",".join(cells[width:]),
            Msg("reason.long_row", cells=len(cells), columns=width),
            Msg("hint.long_row"),
        )
    return None


_HEADING_EXAMPLES = {
    "province": "Tỉnh/Thành phố (province)",
    "indicator": "Chỉ tiêu (indicator)",
    "period": "Kỳ báo cáo (period)",
}


def _missing_column(table: RawTable, field_: str) -> Problem:
    return Problem(
        table.display,
        table.header_row,
        None,
        None,
        Msg("reason.missing_column", column=_HEADING_EXAMPLES[field_]),
        Msg("hint.missing_column"),
    )


def _wide_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    header = table.header
    keys = field_keys(header)
    columns, period_text, problems = _wide_header(table, keys)
    if problems:
        return [], problems
    indicators = dict.fromkeys(ind for _, ind, _ in columns)
    records = []
    totals: list[tuple[int, str]] = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if (shape := _shape_problem(table, row_no, cells, long_rows=False)) is not None:
            problems.append(shape)
            continue
        by_key = dict(zip(keys, cells, strict=False))
        if is_total(by_key["province"]):
            totals.append((row_no, by_key["province"]))
            continue
        for ind in indicators:
            row = {
                "province": by_key["province"],
                "indicator": ind,
                "period": by_key["period"] if period_text is None else period_text,
                "note": by_key.get("note", ""),
                "source": by_key.get("source", ""),
            }
            row.update({f: cells[pos] for pos, i, f in columns if i == ind})
            if not any(row.get(f, "") for f in ("value", "numerator", "denominator")):
                continue  # an indicator the province did not report this month
            rec, more = parse_row(table, row_no, row, _wide_colmap(header, keys, columns, ind))
            problems += more
            if rec is not None:
                records.append(rec)
    _note_total_rows(table, header[keys.index("province")], totals)
    return records, problems


def _wide_header(
    table: RawTable, keys: list[str]
) -> tuple[list[tuple[int, str, str]], str | None, list[Problem]]:
    """(indicator columns, the table's month when it has no period column, problems)."""
    if "province" not in keys:
        problem = Problem(
            table.display,
            table.header_row,
            table.header[0] if table.header else None,
            None,
            Msg("reason.no_province_column"),
            Msg("hint.no_province_column"),
        )
        return [], None, [problem]
    columns, problems = _wide_columns(table, keys)
    period_text = None
    if "period" not in keys:
        period_text, more = claimed_period(table)
        problems += more
        if period_text is None and not more:
            problems.append(
                Problem(
                    table.display, None, None, None, Msg("reason.no_period"), Msg("hint.no_period")
                )
            )
    return columns, period_text, problems


def _wide_colmap(
    header: list[str], keys: list[str], columns: list[tuple[int, str, str]], ind: str
) -> dict:
    """Figure -> the file's column name for one indicator of a wide file.

    A figure without a column of its own is named as its column would be
    (``<indicator>__numerator``), so a message says which column to add.
    """
    own = {f: header[pos] for pos, i, f in columns if i == ind}
    base = next(header[pos] for pos, i, _ in columns if i == ind).partition("__")[0]
    names = {f: f"{base}__{f}" for f in ("numerator", "denominator")}
    names["value"] = base
    fields = {k: header[pos] for pos, k in enumerate(keys) if k in ("province", "period", "note")}
    return {"period": "period", **names, **own, **fields, "indicator": base}


def _wide_columns(
    table: RawTable, keys: list[str]
) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """(position, indicator, figure) of every indicator column; a problem for each column that
    names no indicator (with the closest ones) and for two columns of one figure."""
    columns: list[tuple[int, str, str]] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for pos, (name, key) in enumerate(zip(table.header, keys, strict=True)):
        if key in FIELD_HEADINGS:
            continue  # the province, period, note... columns
        if not name:
            if any(pos < len(r) and r[pos] for r in table.rows):
                problems.append(
                    Problem(
                        table.display,
                        table.header_row,
                        None,
                        None,
                        Msg("reason.column_without_heading"),
                        Msg("hint.column_without_heading"),
                        cell=table.cell_of(name, table.header_row),
                    )
                )
            continue
        found = wide_column(name)
        if found is None:
            problems.append(
                Problem(
                    table.display,
                    table.header_row,
                    name,
                    name,
                    Msg("reason.unknown_indicator_column"),
                    _candidates_hint(name.partition("__")[0]),
                )
            )
            continue
        if found in seen:
            problems.append(
                Problem(
                    table.display,
                    table.header_row,
                    name,
                    None,
                    Msg("reason.same_figure_twice", other=seen[found]),
                    Msg("hint.same_figure_twice"),
                )
            )
            continue
        seen[found] = name
        columns.append((pos, *found))
    return columns, problems


def _candidates_hint(text: str, level: str = "province") -> Msg:
    """What to write instead of an unknown indicator: the closest ones, best first."""
    inds = catalog.indicators(level)
    found = [
        Msg("candidate", id=i, name=Choice(inds[i].name_vi, inds[i].name_en))
        for i in catalog.indicator_candidates(text, level=level)
    ]
    return Msg("hint.unknown_indicator", candidates=found)


def claimed_period(table: RawTable) -> tuple[str | None, list[Problem]]:
    """The month a table without a period column reports, from every place that names one
    (:attr:`RawTable.periods`); a problem for one that is no month and for two that disagree.

    A sidecar's or meta sheet's year (``period: 2024``, for annual indicators) is used as
    written.
    """
    problems: list[Problem] = []
    months: list[Claim] = []
    for claim in table.periods:
        text = claim.value.strip()
        if re.fullmatch(r"\d{4}", text) and claim.place.key in ("place.sidecar", "place.cell"):
            return text, []
        month = month_of(text)
        if month is None:
            problems.append(
                Problem(
                    table.display,
                    None,
                    None,
                    text,
                    Msg("reason.not_a_month_at", place=claim.place),
                    Msg("hint.not_a_month"),
                    sheet=claim.sheet,
                    cell=claim.cell,
                )
            )
            continue
        months.append(Claim(claim.place, month, claim.sheet, claim.cell))
    distinct = list(dict.fromkeys(c.value for c in months))
    if len(distinct) > 1:
        cells = [c.cell for c in months if c.cell]
        problems.append(
            Problem(
                table.display,
                None,
                None,
                None,
                Msg(
                    "reason.periods_disagree",
                    claims=[
                        Msg("place_says", place=c.place, period=PeriodText(c.value)) for c in months
                    ],
                ),
                Msg("hint.periods_disagree"),
                cell=", ".join(cells) or None,
            )
        )
    if problems:
        return None, problems
    return (distinct[0] if distinct else None), []


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


Fail = Callable[[str, "str | None", Msg, Msg], None]


def parse_row(
    table: RawTable, row_no: int, row: dict, colmap: dict | None = None, level: str = "province"
) -> tuple[dict | None, list[Problem]]:
    """One observation from one row's cells (``colmap``: field -> the file's column name).

    ``level`` is the catalog level the row's indicator must be reported at.
    """
    names = colmap or {}
    problems: list[Problem] = []

    def fail(column: str, value: str | None, reason: Msg, hint: Msg) -> None:
        problems.append(
            Problem(table.display, row_no, names.get(column, column), value, reason, hint)
        )

    ind = _indicator_memo(row.get("indicator", ""), level)
    if ind is None:
        fail(
            "indicator",
            row.get("indicator"),
            Msg("reason.unknown_indicator")
            if level == "province"
            else Msg("reason.not_at_level", level=level),
            _candidates_hint(row.get("indicator", ""), level),
        )
        return None, problems
    period, basis, unit = _parse_keys(row, ind, fail)
    numbers, decimals = _parse_numbers(row, fail)
    if problems:
        return None, problems
    figures = _figures(row, ind, numbers, decimals, fail)
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
            fail("basis", basis_text, Msg("reason.basis"), Msg("hint.basis"))
        else:
            basis = basis_text
    if basis is None and period is not None:
        basis = geography.basis_for_period(period)

    unit = None
    if basis is not None:
        text = row.get("province", "")
        try:
            unit = _province_memo(text, basis)
        except geography.UnknownProvince as exc:
            reason, hint = unknown_province(text, basis, exc)
            fail("province", text, reason, hint)
    return period, basis, unit


def unknown_province(text: str, basis: str, exc: geography.UnknownProvince) -> tuple[Msg, Msg]:
    """(reason, hint) for a province cell that names no unit of ``basis``."""
    candidates = list(exc.candidates)
    if re.fullmatch(r"\d{1,2}", text.strip()):
        reason = Msg("reason.province_code_unknown", code=text.strip(), basis=basis)
    elif exc.reason.startswith("ambiguous"):
        reason = Msg("reason.province_ambiguous")
    elif basis == "34" and (old := _former(text)) is not None:
        new = geography.successor(old.code)
        reason = Msg("reason.province_merged", old=old.name, new=new.name)
        candidates = [new.name]
    else:
        reason = Msg("reason.unknown_province")
    if candidates:
        return reason, Msg("hint.province_candidates", basis=basis, candidates=candidates)
    return reason, Msg("hint.province", basis=basis)


def _former(text: str) -> geography.Unit | None:
    try:
        return geography.match_province(text, "63")
    except geography.UnknownProvince:
        return None


def _parse_numbers(row: dict, fail: Fail) -> tuple[dict[str, float | None], dict[str, int]]:
    """``value`` (a rate, ``%`` allowed), ``numerator`` and ``denominator`` (whole counts),
    and how many decimals each was typed with."""
    numbers: dict[str, float | None] = {}
    decimals: dict[str, int] = {}
    for name, integer in (("value", False), ("numerator", True), ("denominator", True)):
        text = row.get(name, "")
        try:
            numbers[name], decimals[name] = read_number(
                text, integer=integer, percent_ok=not integer
            )
        except CellError as exc:
            fail(name, text, exc.reason, exc.hint)
            numbers[name] = np.nan
    return numbers, decimals


def rate_tolerance(decimals: int) -> float:
    """How far a rate typed with ``decimals`` decimals may be from its counts' rate: half a
    unit of its last digit (51,2 stands for 51,15 to 51,25), and never less than
    :data:`VALUE_TOLERANCE`."""
    return max(VALUE_TOLERANCE, 0.5 * 10.0**-decimals + 1e-9)


def _figures(
    row: dict,
    ind: catalog.Indicator,
    numbers: dict[str, float | None],
    decimals: dict[str, int],
    fail: Fail,
) -> tuple[float | None, float | None, float | None] | None:
    """(value, numerator, denominator) once they agree with each other; None after ``fail``."""
    value, num, den = numbers["value"], numbers["numerator"], numbers["denominator"]
    if (num is None) != (den is None):
        missing = "denominator" if den is None else "numerator"
        fail(
            missing,
            row.get(missing, ""),
            Msg("reason.numerator_alone" if den is None else "reason.denominator_alone"),
            Msg("hint.both_counts"),
        )
        return None
    if value is None and num is None:
        fail("value", row.get("value", ""), Msg("reason.no_figure"), Msg("hint.no_figure"))
        return None
    if ind.kind == "rate" and num is not None:
        fail(
            "numerator",
            row.get("numerator"),
            Msg("reason.counts_for_rate"),
            Msg("hint.counts_for_rate", indicator=ind.id),
        )
        return None
    if num is not None and den is not None and den > 0 and value is not None:
        implied = 100.0 * num / den
        places = decimals.get("value", 2)
        if abs(implied - value) > rate_tolerance(places):
            fail(
                "value",
                row.get("value"),
                Msg("reason.value_disagrees", implied=Num(implied, max(places, 2))),
                Msg("hint.value_disagrees", decimals=places),
            )
            return None
    if value is None and num is not None and den and den > 0:
        value = 100.0 * num / den
    return value, num, den
