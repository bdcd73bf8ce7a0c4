"""Reading a filled collection workbook back, exactly as a province returns it.

``check`` and ``ingest`` recognize a workbook written by ``collect`` by the marker of its hidden
``meta`` sheet (not by its file name, which people change) and read it here into the long
layout the normalizing step parses: one row per indicator row with a figure. What people do in
Excel is accepted: numbers typed as text (``45,03%``, ``2.852.992``), empty cells (not reported
this month), blank rows, remarks in the spare columns, a renamed file.

Refused, each with the sheet and cell named and what to do:

* a workbook whose month is not the month of the place it was put: the folder
  (``data/raw/2026-10/``) or the sidecar's ``period`` (last month's workbook sent again);
* a workbook of another province than the one its file name or folder names;
* a formula without a value stored by Excel;
* a value outside the workbook's validation (through the ingest's own checks: bounds,
  whole counts, numerator not above the denominator), with the cell named.

Two workbooks of one province and month with different figures are a conflict, refused by the
ingest like any two files, unless the later one's sidecar says ``revises: <earlier file>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.core.i18n import t
from analysis.data.ingest.problems import Problem
from analysis.data.ingest.raw import RawTable, cell_text, display_path
from analysis.reference import catalog, geography, workbook
from analysis.reference.due import due_indicators
from analysis.reference.names import clean_cell, fold

HEADER = ["province", "indicator", "period", "value", "numerator", "denominator", "note"]
"""The long-layout columns a workbook is read into."""

_FIELD_OF = {"value": "value", "numerator": "numerator", "denominator": "denominator"}


def workbook_meta(path: Path) -> dict[str, str] | None:
    """The ``meta`` sheet of a collection workbook as text; ``None`` for any other file."""
    import openpyxl

    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # Not a workbook we can open: the ordinary reader says why
        return None
    try:
        if workbook.META_SHEET not in wb.sheetnames:
            return None
        meta = {
            str(row[0]): "" if row[1] is None else str(row[1]).strip()
            for row in wb[workbook.META_SHEET].iter_rows(max_col=2, values_only=True)
            if len(row) > 1 and row[0] is not None
        }
    finally:
        wb.close()
    return meta if meta.get("template") == workbook.MARKER else None


def read_workbook(path: Path, meta: dict[str, str], sidecar: dict) -> RawTable:
    """A filled workbook as a long-layout :class:`RawTable`, or one with its problems."""
    display = display_path(path)
    table = RawTable(path, display, list(HEADER), [], [], dict(sidecar))
    sheet = meta.get("data_sheet") or t("collection.sheet_data")
    problems = _identity_problems(path, display, meta, sidecar, sheet)
    if problems:
        table.problems = problems
        return table
    try:
        grid = _grid(path, sheet)
    except KeyError:
        table.problems = [
            Problem(
                display,
                None,
                None,
                sheet,
                f"the collection workbook has no sheet {sheet!r}",
                "Fill the workbook as it was sent, without renaming or deleting its sheets.",
            )
        ]
        return table
    _fill(table, grid, meta, sheet)
    return table


def _grid(path: Path, sheet: str) -> list[tuple[int, list[tuple[object, str, bool]]]]:
    """Every row of the data sheet below the headings: (row, [(value, format, formula?)]).

    A formula's value is the one Excel stored when it last saved the workbook (``None`` when
    it never did).
    """
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = []
        pairs = zip(
            formulas[sheet].iter_rows(min_row=workbook.HEADER_ROW + 1),
            values[sheet].iter_rows(min_row=workbook.HEADER_ROW + 1),
            strict=False,
        )
        for number, (frow, vrow) in enumerate(pairs, start=workbook.HEADER_ROW + 1):
            cells = []
            for fcell, vcell in zip(frow, vrow, strict=False):
                is_formula = getattr(fcell, "data_type", None) == "f" or (
                    isinstance(fcell.value, str) and fcell.value.startswith("=")
                )
                cells.append((vcell.value, vcell.number_format or "General", is_formula))
            rows.append((number, cells))
        return rows
    finally:
        formulas.close()
        values.close()


def _fill(table: RawTable, grid: list, meta: dict[str, str], sheet: str) -> None:
    """The rows with figures, a problem per formula without a value, cells named for messages."""
    month = meta["period"]
    periods = {d.indicator.id: str(d.period) for d in due_indicators(month)}
    national = meta.get("unit") == workbook.NATIONAL
    letters = [c.letter for c in workbook.COLUMNS]
    for row, cells in grid:
        text = _row_text(table, sheet, row, cells, letters)
        if text is None:
            continue
        spare = [v for v in text[len(letters) :] if v]
        by_field = dict(zip((c.field for c in workbook.COLUMNS), text, strict=False))
        figures = [by_field.get(f, "") for f in ("value", "numerator", "denominator")]
        if not any(figures):
            continue  # not reported this month, or a blank row, or remarks only
        indicator = by_field.get("indicator", "")
        province = by_field.get("code", "") if national else meta.get("unit_code", "")
        period = periods.get(catalog.resolve_indicator(indicator) or indicator, month)
        note = "; ".join(v for v in [by_field.get("note", ""), *spare] if v)
        table.rows.append([province, indicator, period, *figures, note])
        table.row_numbers.append(row)
        for field, col in _FIELD_OF.items():
            table.cells[(row, field)] = (
                f"sheet {sheet!r}, cell {workbook.BY_FIELD[col].letter}{row}",
                t(workbook.HEADING_KEYS[col]),
            )
        table.cells[(row, "indicator")] = (
            f"sheet {sheet!r}, cell {workbook.BY_FIELD['indicator'].letter}{row}",
            t(workbook.HEADING_KEYS["indicator"]),
        )


def _row_text(
    table: RawTable, sheet: str, row: int, cells: list, letters: list[str]
) -> list[str] | None:
    """A row's cells as text; ``None`` (and a problem) when a formula has no stored value."""
    from openpyxl.utils import get_column_letter

    texts = []
    missing = []
    for i, (value, number_format, is_formula) in enumerate(cells):
        if is_formula and value is None:
            missing.append(get_column_letter(i + 1))
        texts.append(clean_cell(cell_text(value, number_format)))
    headings = {c.letter: t(workbook.HEADING_KEYS[c.field]) for c in workbook.COLUMNS}
    for letter in missing:
        table.problems.append(
            Problem(
                table.display,
                row,
                headings.get(letter, letter),
                None,
                f"sheet {sheet!r}, cell {letter}{row}: a formula without a stored value "
                "(the workbook was saved by a program that does not calculate, so the figure "
                "is not in the file)",
                "Open and save it in Excel, or paste values (Paste Special > Values) over the "
                "formula.",
            )
        )
    if missing:
        return None
    return texts + [""] * (len(letters) - len(texts))


def _identity_problems(
    path: Path, display: str, meta: dict[str, str], sidecar: dict, sheet: str
) -> list[Problem]:
    """The workbook's month and unit against the place it was put (folder, name, sidecar)."""
    problems = []
    month = meta.get("period", "")
    place = place_month(path, sidecar)
    if place is not None and place != month:
        problems.append(
            Problem(
                display,
                None,
                "period",
                month,
                f"sheet {sheet!r}, cell D3: the workbook is for {month}, but it was put "
                f"with the figures of {place} (last month's workbook sent again?)",
                f"Ask the province for the {place} workbook (python -m analysis collect "
                f"--period {place}), or move this file to the {month} folder.",
            )
        )
    unit = meta.get("unit", "")
    named = place_units(path)
    if unit != workbook.NATIONAL and named and unit not in named:
        problems.append(
            Problem(
                display,
                None,
                "province",
                unit,
                f"sheet {sheet!r}, cell D2: the workbook is {unit}'s, but its file name or "
                f"folder names {', '.join(sorted(named))}",
                "Check who sent it: file each province's workbook under its own name, or "
                "rename the file.",
            )
        )
    return problems


_MONTH_FOLDER = re.compile(r"^(\d{4})-(\d{2})$")


def place_month(path: Path, sidecar: dict) -> str | None:
    """The month a file was filed under: its sidecar's ``period``, else a ``YYYY-MM`` folder."""
    if sidecar.get("period"):
        return str(pd.Period(str(sidecar["period"]), freq="M"))
    for folder in _folders(path):
        if _MONTH_FOLDER.match(folder):
            return folder
    return None


def _folders(path: Path) -> Iterator[str]:
    """The folders between ``data/raw`` (or the file system root) and the file, nearest first."""
    try:
        parts = path.resolve().relative_to(paths.raw_dir().resolve()).parts[:-1]
    except ValueError:
        parts = path.resolve().parts[-3:-1]  # a file checked elsewhere: its own folders
    return reversed(parts)


def place_units(path: Path) -> set[str]:
    """The provinces (34-unit codenames) a file's name or folders name, if any."""
    words = [path.stem, *_folders(path)]
    found = set()
    for word in words:
        key = "_" + re.sub(r"[^a-z0-9]+", "_", fold(word)).strip("_") + "_"
        for name, unit in _codenames().items():
            if f"_{name}_" in key:
                found.add(unit)
    return found


def _codenames() -> dict[str, str]:
    """Codenames of the 34 units and of the 63 former provinces -> the 34-unit codename."""
    out = {}
    for u in geography.units():
        out[u.codename] = u.codename if u.basis == "34" else geography.successor(u.code).codename
    return out
