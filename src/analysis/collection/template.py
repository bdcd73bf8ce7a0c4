"""The month's collection workbooks: one per province and one for the national office.

Each workbook lists the indicators due that month (:mod:`~analysis.reference.due`) with their
definition, unit, the latest figure the store holds and its period, and the accepted range;
every input cell carries Excel data validation (a decimal in the indicator's bounds; whole
counts with the numerator not above the denominator), labels are locked (sheet protection
without a password) and the input cells are not. The hidden ``meta`` sheet and the custom
document properties record the marker, template version, unit and month, which is how
:mod:`~analysis.data.ingest.workbooks` recognizes a filled workbook.

The same inputs give the same bytes: document dates are fixed to the month collected and
every zip entry has the same timestamp, so a workbook sent twice can be compared by checksum.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from analysis import paths
from analysis.core.i18n import fmt_date, fmt_decimal, fmt_number, fmt_period, t
from analysis.core.periods import to_month
from analysis.data import store
from analysis.files import write_atomic
from analysis.reference import catalog, geography, workbook
from analysis.reference.due import DEFAULT_DUE_DAY, Due, due_date, due_indicators

log = logging.getLogger(__name__)

LastValues = Mapping[tuple[str, str], tuple[float, str]]
"""(province code, indicator) -> (latest value, its period as the store writes it)."""

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADING_FILL = PatternFill("solid", fgColor="D9E2F3")
MAX_COUNT = 10**12
"""Largest count a validation accepts (a cap Excel needs; no count comes near it)."""


def last_values(month: pd.Period | str, dataset: str | None = None) -> dict:
    """The latest figure before ``month`` of every province and indicator in the store.

    Empty when there is no store yet (the workbooks then say "chưa có").
    """

    p = to_month(month)
    try:
        con = store.connect()
    except store.StoreMissing:
        return {}
    with con:
        ds = dataset or store.default_dataset(con)
        rows = con.execute(
            "SELECT province_code, indicator, period, value FROM observations_34 "
            "WHERE dataset = ? AND value IS NOT NULL "
            "AND ((freq = 'M' AND period < ?) OR (freq = 'Y' AND period < ?)) "
            "QUALIFY row_number() OVER "
            "(PARTITION BY province_code, indicator ORDER BY period DESC) = 1",
            [ds, str(p), str(p.year)],
        ).fetchall()
    return {(code, ind): (float(value), str(period)) for code, ind, period, value in rows}


def build_workbook(
    unit: geography.Unit | None,
    month: pd.Period | str,
    last: LastValues,
    due_day: int = DEFAULT_DUE_DAY,
) -> openpyxl.Workbook:
    """The workbook for ``unit`` (``None``: the national office, every province) and ``month``."""
    p = to_month(month)
    units = [unit] if unit is not None else list(_units_34())
    name = unit.display_name if unit is not None else t("collection.national_office")
    due = due_date(p, due_day)
    wb = openpyxl.Workbook()
    guide = wb.active
    assert guide is not None  # a new workbook has one sheet
    guide.title = t("collection.sheet_instructions")
    data = wb.create_sheet(t("collection.sheet_data"))
    _instructions(guide, name, p, due)
    _data_sheet(data, name, p, due, units, last)
    _meta_sheet(wb, unit, p, data.title)
    _properties(wb, unit, p)
    return wb


def _units_34() -> Iterable[geography.Unit]:
    return (u for u in geography.units() if u.basis == "34")


def _instructions(ws: Worksheet, name: str, p: pd.Period, due: dt.date) -> None:
    ws.column_dimensions["A"].width = 120
    ws["A1"] = t("collection.title", period=fmt_period(p))
    ws["A1"].font = Font(bold=True, size=14)
    text = t(
        "collection.instructions",
        period=fmt_period(p),
        unit=name,
        sheet=t("collection.sheet_data"),
        due=fmt_date(due),
    )
    for row, line in enumerate(text.splitlines(), start=3):
        ws.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True)
    ws.protection.sheet = True


def _data_sheet(
    ws: Worksheet,
    name: str,
    p: pd.Period,
    due: dt.date,
    units: list[geography.Unit],
    last: LastValues,
) -> None:
    ws["A1"] = t("collection.title", period=fmt_period(p))
    ws["A1"].font = Font(bold=True, size=13)
    for row, (label, value) in enumerate(
        (
            ("collection.province_label", name),
            ("collection.period_label", fmt_period(p)),
            ("collection.due_label", fmt_date(due)),
            ("collection.version_label", workbook.TEMPLATE_VERSION),
        ),
        start=2,
    ):
        ws.cell(row=row, column=1, value=t(label)).font = Font(bold=True)
        ws.cell(row=row, column=4, value=value)
    for col in workbook.COLUMNS:
        cell = ws[f"{col.letter}{workbook.HEADER_ROW}"]
        cell.value = t(workbook.HEADING_KEYS[col.field])
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[col.letter].width = col.width
    due_list = due_indicators(p)
    row = workbook.HEADER_ROW
    for unit in units:
        for item in due_list:
            row += 1
            _indicator_row(ws, row, row - workbook.HEADER_ROW, unit, item, last)
    if row > workbook.HEADER_ROW:
        _validations(ws, row, due_list, len(units))
    ws.freeze_panes = f"A{workbook.HEADER_ROW + 1}"
    ws.protection.sheet = True
    # People add remarks right of the table, and widen columns to read the definitions.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _indicator_row(
    ws: Worksheet, row: int, number: int, unit: geography.Unit, item: Due, last: LastValues
) -> None:
    ind = item.indicator
    latest = last.get((unit.code, ind.id))
    lo, hi = ind.bounds
    rng = t("collection.range", low=fmt_number(lo), high=fmt_number(hi)) + f" {ind.unit}"
    if ind.kind == "ratio":
        rng += t("collection.range_counts")
    values = {
        "no": number,
        "code": unit.code,
        "province": unit.display_name,
        "indicator": ind.id,
        "name": ind.name_vi,
        "period": fmt_period(item.period),
        "definition": _definition(ind),
        "unit": ind.unit,
        "last": fmt_decimal(latest[0]) if latest else t("collection.no_last"),
        "last_period": fmt_period(latest[1]) if latest else "",
        "range": rng,
    }
    for col in workbook.COLUMNS:
        cell = ws[f"{col.letter}{row}"]
        if col.field in values:
            cell.value = values[col.field]
            cell.alignment = Alignment(wrap_text=col.field in ("name", "definition", "range"))
        if _is_input(col, ind):
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
            if col.field == "value":
                cell.number_format = "0.00"
            elif col.field in ("numerator", "denominator"):
                cell.number_format = "#,##0"
            else:
                cell.number_format = "@"


def _is_input(col: workbook.Column, ind: catalog.Indicator) -> bool:
    """Counts are asked only of ratio indicators; rates and remarks of every indicator."""
    if col.field in ("numerator", "denominator"):
        return ind.kind == "ratio"
    return col.is_input


def _definition(ind: catalog.Indicator) -> str:
    num, den = ind.numerator.get("vi"), ind.denominator.get("vi")
    if num and den:
        return t("collection.definition", numerator=num, denominator=den)
    return ind.name_vi


def _validations(ws: Worksheet, last_row: int, due_list: list[Due], n_units: int) -> None:
    """Excel data validation on every input cell, grouped by the ranges Excel checks.

    One validation per bound pair for the values, and one custom formula each for numerators
    (not above the denominator) and denominators; the formulas use relative references, so
    one rule covers a whole column.
    """
    value_ranges: dict[tuple[float, float], list[str]] = {}
    count_rows: list[int] = []
    for u in range(n_units):
        for i, item in enumerate(due_list):
            row = workbook.HEADER_ROW + 1 + u * len(due_list) + i
            value_ranges.setdefault(item.indicator.bounds, []).append(f"L{row}")
            if item.indicator.kind == "ratio":
                count_rows.append(row)
    title = t("collection.error_title")
    for (lo, hi), cells in value_ranges.items():
        rule = DataValidation(
            type="decimal",
            operator="between",
            formula1=_number(lo),
            formula2=_number(hi),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=title,
            error=t("collection.error_value", low=fmt_number(lo), high=fmt_number(hi)),
        )
        for cell in cells:
            rule.add(cell)
        ws.add_data_validation(rule)
    if not count_rows:
        return
    # Excel reads relative references from the first cell of the rule's cells.
    first = count_rows[0]
    message = t("collection.error_count")
    for letter, formula in (
        (
            "M",
            f"AND(ISNUMBER(M{first}),M{first}>=0,M{first}=INT(M{first}),"
            f"OR(ISBLANK(N{first}),M{first}<=N{first}))",
        ),
        (
            "N",
            f"AND(ISNUMBER(N{first}),N{first}>=0,N{first}=INT(N{first}),"
            f"N{first}<={MAX_COUNT},OR(ISBLANK(M{first}),M{first}<=N{first}))",
        ),
    ):
        rule = DataValidation(
            type="custom",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=title,
            error=message,
        )
        for r in count_rows:
            rule.add(f"{letter}{r}")
        ws.add_data_validation(rule)
    del last_row  # every row is covered through the lists above


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _meta_sheet(
    wb: openpyxl.Workbook, unit: geography.Unit | None, p: pd.Period, data: str
) -> None:
    """The hidden key/value sheet the reader identifies the workbook by."""
    ws = wb.create_sheet(workbook.META_SHEET)
    rows = [
        ("template", workbook.MARKER),
        ("template_version", workbook.TEMPLATE_VERSION),
        ("unit", unit.codename if unit is not None else workbook.NATIONAL),
        ("unit_code", unit.code if unit is not None else ""),
        ("period", str(p)),
        ("data_sheet", data),
        ("header_row", str(workbook.HEADER_ROW)),
    ]
    for row, (key, value) in enumerate(rows, start=1):
        ws.cell(row=row, column=1, value=key)
        # Text cells: Excel must not turn "2026-10" into a date or "01" into 1.
        cell = ws.cell(row=row, column=2, value=value)
        cell.number_format = "@"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _properties(wb: openpyxl.Workbook, unit: geography.Unit | None, p: pd.Period) -> None:
    stamp = _stamp(p)
    props = wb.properties
    props.creator = "vn-dx"
    props.lastModifiedBy = "vn-dx"
    props.title = t("collection.title", period=fmt_period(p))
    props.created = props.modified = stamp
    for key, value in (
        ("vndx_template", workbook.MARKER),
        ("vndx_template_version", workbook.TEMPLATE_VERSION),
        ("vndx_unit", unit.codename if unit is not None else workbook.NATIONAL),
        ("vndx_period", str(p)),
    ):
        wb.custom_doc_props.append(StringProperty(name=key, value=value))


def _stamp(p: pd.Period) -> dt.datetime:
    """The fixed document date of a month's workbooks: the first day of the month collected."""
    return dt.datetime(p.year, p.month, 1)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every zip entry's timestamp (the earliest a zip can hold), so equal contents are equal bytes."""


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    """The workbook as ``.xlsx`` bytes that depend only on its contents.

    ``openpyxl.save_workbook`` stamps the save time; the writer is driven directly instead, and
    the archive is written again with fixed entry times and a fixed entry order.
    """
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(first) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def write_workbooks(
    month: pd.Period | str,
    provinces: Iterable[geography.Unit] | None = None,
    out_dir: Path | None = None,
    due_day: int = DEFAULT_DUE_DAY,
    national: bool = True,
) -> list[Path]:
    """Write the month's workbooks (every province and the national office by default).

    Each file is written atomically to ``out_dir`` (default ``data/collection/<month>/``).
    """
    p = to_month(month)
    folder = Path(out_dir) if out_dir is not None else paths.collection_dir() / str(p)
    last = last_values(p)
    chosen: list[geography.Unit | None] = list(provinces if provinces is not None else _units_34())
    if national:
        chosen.append(None)
    written = []
    for unit in chosen:
        wb = build_workbook(unit, p, last, due_day)
        name = workbook.file_name(unit.codename if unit else workbook.NATIONAL, str(p))
        written.append(write_atomic(folder / name, workbook_bytes(wb)))
    log.info("wrote %d workbook(s) to %s", len(written), folder)
    return written
