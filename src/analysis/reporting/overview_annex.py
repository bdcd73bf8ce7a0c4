"""The national overview's spreadsheet annex: every unit's value on every indicator.

``reports/<period>/national/40_national_overview.xlsx`` (``.en.xlsx`` for the English run) is
written by the overview's job beside its PDF (:mod:`analysis.running.worker`): one sheet per
indicator family, one row per unit in the official order (code, name, region), then the
country's row and how many units its values stand for. Values stay numbers, exactly as the
store holds them (an office suite shows them with the reader's decimal comma), with a number
format set on every cell; the header row is frozen and filterable; synthetic data say so on
each sheet's first row and in its printed header.

Why openpyxl: it writes the Office Open XML that Excel and LibreOffice both open, with number
formats, frozen panes and filters, and it is already how collection workbooks are made.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.analyses import compare
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.reference import catalog, geography
from analysis.reporting.national_pages import official_order
from analysis.reporting.report_tables import comparison

NUMBER_FORMAT = "#,##0.00"
"""Values: two decimals and grouped thousands; the office suite shows them in its locale."""
COUNT_FORMAT = "0"
FIRST_DATA_ROW = 3
"""Row 1 says what the sheet is (and that the data are synthetic); row 2 is the header."""
FIXED_COLUMNS = 3
"""Code, unit, region: kept in view when scrolling right."""

_HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
_NATIONAL_FILL = PatternFill("solid", fgColor="F3F6F9")


def family_columns(results: PeriodResults) -> dict[str, list[str]]:
    """Family -> the ids of its indicators that the period's comparison holds, catalog order."""
    have = set(results.comparison["indicator"])
    out: dict[str, list[str]] = {}
    for ind in catalog.indicators().values():
        if ind.id in have:
            out.setdefault(ind.family, []).append(ind.id)
    return {f: out[f] for f in catalog.FAMILIES if f in out}


def sheet_frame(results: PeriodResults, family: str) -> pd.DataFrame:
    """One family's values: a row per unit (official order), a column per indicator.

    Columns: code, codename, name, region (its name), then the indicator ids; values are the
    comparison's (the store's figure of the period each indicator shows: the month, or the
    latest year for an annual one), NaN where the unit has none.
    """
    ids = family_columns(results).get(family, [])
    c = comparison(results)
    wide = c[c["indicator"].isin(ids)].pivot_table(
        index="province", columns="indicator", values="value", aggfunc="first", dropna=False
    )
    units = official_order()
    frame = units[["code", "codename", "name", "region"]].copy()
    for ind in ids:
        column = wide[ind] if ind in wide.columns else pd.Series(dtype=float)
        frame[ind] = frame["codename"].map(column).astype(float)
    return frame.reset_index(drop=True)


def national_rows(results: PeriodResults, ids: list[str]) -> tuple[list[float], list[int], int]:
    """The country's value of each indicator (NaN when too few units reported for one), how
    many units reported each, and how many units there are."""
    first = comparison(results).drop_duplicates("indicator").set_index("indicator")
    values, counts, total = [], [], len(official_order())
    for ind in ids:
        r = first.loc[ind] if ind in first.index else None
        if r is None:
            values.append(float("nan"))
            counts.append(0)
            continue
        covered = compare.covers(r["n_reporting"], r["n_units"])
        values.append(float(r["national_value"]) if covered else float("nan"))
        counts.append(int(r["n_reporting"]))
        total = int(r["n_units"])
    return values, counts, total


def _header(ind_id: str, results: PeriodResults, lang: str) -> str:
    ind = catalog.get(ind_id)
    c = comparison(results)
    used = c.loc[(c["indicator"] == ind_id) & c["value"].notna(), "period_used"]
    label = ind.short(lang)
    if ind.frequency == "annual" and len(used):
        label += f", {i18n.fmt_period(pd.Period(str(used.iloc[0]), 'Y'), lang)}"
    return f"{label} ({ind.unit})"


def _title(results: PeriodResults, family: str, lang: str, synthetic: bool) -> str:
    name_vi, name_en = catalog.FAMILIES[family]
    parts = [
        i18n.t("report.national_title", lang),
        i18n.fmt_period(results.period, lang),
        name_vi if lang == "vi" else name_en,
    ]
    if synthetic:
        parts.append(i18n.t("notice.synthetic", lang))
    return " — ".join(parts)


def _write_sheet(
    ws: Worksheet, results: PeriodResults, family: str, lang: str, synthetic: bool
) -> None:
    frame = sheet_frame(results, family)
    ids = [c for c in frame.columns if c not in ("code", "codename", "name", "region")]
    ws["A1"] = _title(results, family, lang, synthetic)
    ws["A1"].font = Font(bold=True, color="B42318" if synthetic else "123A63")
    headers = [
        i18n.t("annex.code", lang),
        i18n.t("table.province", lang),
        i18n.t("annex.region", lang),
        *[_header(i, results, lang) for i in ids],
    ]
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=2, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    row = FIRST_DATA_ROW
    for _, values in frame.iterrows():
        ws.cell(row=row, column=1, value=str(values["code"]))
        ws.cell(row=row, column=2, value=str(values["name"]))
        ws.cell(row=row, column=3, value=geography.region_name(str(values["region"]), lang))
        for k, ind in enumerate(ids, start=FIXED_COLUMNS + 1):
            _number(ws, row, k, values[ind])
        row += 1
    last_unit_row = row - 1
    national, counts, total = national_rows(results, ids)
    ws.cell(row=row, column=2, value=i18n.t("report.national_place", lang))
    ws.cell(row=row + 1, column=2, value=i18n.t("annex.reporting", lang, total=total))
    for k, (value, count) in enumerate(zip(national, counts, strict=True), start=FIXED_COLUMNS + 1):
        _number(ws, row, k, value)
        _number(ws, row + 1, k, count, COUNT_FORMAT)
    for r in (row, row + 1):
        for col in range(1, len(headers) + 1):
            ws.cell(row=r, column=col).fill = _NATIONAL_FILL
        ws.cell(row=r, column=2).font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=FIXED_COLUMNS + 1)
    last_col = get_column_letter(len(headers))
    # The filter covers the units only: sorting them never moves the country's rows.
    ws.auto_filter.ref = f"A2:{last_col}{last_unit_row}"
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 30
    for col in range(FIXED_COLUMNS + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16
    ws.row_dimensions[2].height = 45
    ws.print_title_rows = "1:2"
    if synthetic:
        ws.oddHeader.center.text = i18n.t("notice.synthetic", lang)


def _number(ws: Worksheet, row: int, col: int, value: Any, fmt: str = NUMBER_FORMAT) -> None:
    """A numeric cell with its number format; an empty cell for a missing value."""
    if value is None or pd.isna(value):
        return
    cell = ws.cell(row=row, column=col, value=float(value) if fmt != COUNT_FORMAT else int(value))
    cell.number_format = fmt


def workbook_bytes(results: PeriodResults, lang: str = "vi") -> bytes:
    """The annex as ``.xlsx`` bytes (one sheet per family, see the module docstring)."""
    synthetic = bool(results.observations["is_synthetic"].any())
    wb = Workbook()
    wb.remove(wb.active)
    for family in family_columns(results):
        name_vi, name_en = catalog.FAMILIES[family]
        ws = wb.create_sheet((name_vi if lang == "vi" else name_en)[:31])
        _write_sheet(ws, results, family, lang, synthetic)
    wb.properties.title = _title(results, next(iter(family_columns(results))), lang, synthetic)
    wb.properties.creator = "vn-dx"
    wb.properties.keywords = f"data version {results.data_version}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = [
    "COUNT_FORMAT",
    "FIRST_DATA_ROW",
    "FIXED_COLUMNS",
    "NUMBER_FORMAT",
    "family_columns",
    "national_rows",
    "sheet_frame",
    "workbook_bytes",
]
