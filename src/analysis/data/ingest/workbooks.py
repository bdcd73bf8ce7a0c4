"""Reading a filled collection workbook back, exactly as a province returns it.

``check`` and ``ingest`` recognize a workbook written by ``collect`` by the marker of its hidden
``meta`` sheet (not by its file name, which people change) and read it here into the long
layout the normalizing step parses: one row per indicator row with a figure. What people do in
Excel or LibreOffice is accepted: numbers typed as text (``45,03%``, ``2.852.992``), empty cells
(not reported this month), blank rows, remarks in the spare columns, a renamed file, a sheet of
notes added beside the data.

A workbook says which unit and month it is for in several places, and all of them must agree
(:func:`identity_problems`):

* the unit: the visible cells (``D2``, the code and name columns ``B`` and ``C`` of every row),
  the hidden ``meta`` sheet (``unit``, ``unit_code``), the document properties, and the file
  name or folder it was put in;
* the month: the sheet's title (``A1``), ``D3``, the period column ``F`` of the monthly rows, the
  hidden ``meta`` sheet (``period``), the document properties, and the place it was put (a
  ``data/raw/2026-10/`` folder, or the sidecar's ``period``).

What most places say is what the workbook is taken to be; each place that says otherwise is
refused with its sheet and cell, the value found and the value expected, and what to do. So a
Nghệ An workbook whose hidden unit code says Hà Nội is refused (it is never stored for Hà Nội),
and so is last month's workbook filed under this month. A value that is not a month at all
(``2026-13``) is refused by its cell too.

Refused as well, each with the sheet and cell named: a formula without a value stored by Excel;
a value outside the workbook's validation (through the ingest's own checks: bounds, whole
counts, numerator not above the denominator); a sheet of figures added beside the data sheet.

Two workbooks of one province and month with different figures are a conflict, refused by the
ingest like any two files, unless the later one's sidecar says ``revises: <earlier file>``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.core.i18n import LANGS, fmt_period, t
from analysis.data.ingest.cells import is_month, month_in_text, month_of
from analysis.data.ingest.headers import is_notes_sheet
from analysis.data.ingest.problems import Label, Msg, PeriodText, Problem
from analysis.data.ingest.raw import Claim, RawTable, cell_text, display_path
from analysis.reference import catalog, geography, workbook
from analysis.reference.due import due_indicators
from analysis.reference.names import clean_cell, fold

HEADER = ["province", "indicator", "period", "value", "numerator", "denominator", "note"]
"""The long-layout columns a workbook is read into."""

_LETTER_OF = {
    "province": workbook.BY_FIELD["code"].letter,
    "indicator": workbook.BY_FIELD["indicator"].letter,
    "period": workbook.BY_FIELD["period"].letter,
    "value": workbook.BY_FIELD["value"].letter,
    "numerator": workbook.BY_FIELD["numerator"].letter,
    "denominator": workbook.BY_FIELD["denominator"].letter,
    "note": workbook.BY_FIELD["note"].letter,
}
_HEADING_OF = {
    "province": "code",
    "indicator": "indicator",
    "period": "period",
    "value": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "note": "note",
}


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


@dataclass
class _Workbook:
    """What a collection workbook holds, cell by cell, as read once."""

    meta_cells: dict[str, str] = field(default_factory=dict)
    """``meta`` key -> its value cell (``B5``)."""
    properties: dict[str, str] = field(default_factory=dict)
    top: dict[str, str] = field(default_factory=dict)
    """Cells above the data sheet's headings (``A1``, ``D2``, ``D3``) as text."""
    rows: list[tuple[int, list[tuple[object, str, bool]]]] = field(default_factory=list)
    others: list[tuple[str, str, list[list[str]]]] = field(default_factory=list)
    """Every other sheet: (name, state, its non-empty rows as text)."""


def read_workbook(path: Path, meta: dict[str, str], sidecar: dict) -> RawTable:
    """A filled workbook as a long-layout :class:`RawTable`, or one with its problems."""
    display = display_path(path)
    sheet = meta.get("data_sheet") or t("collection.sheet_data")
    table = RawTable(
        path,
        display,
        list(HEADER),
        [],
        [],
        dict(sidecar),
        sheet=sheet,
        letters=[_LETTER_OF[h] for h in HEADER],
        headings={h: t(workbook.HEADING_KEYS[_HEADING_OF[h]]) for h in HEADER},
        header_row=workbook.HEADER_ROW,
    )
    try:
        book = _read(path, sheet)
    except KeyError:
        table.problems = [
            Problem(
                display,
                None,
                None,
                sheet,
                Msg("reason.no_data_sheet", sheet=sheet),
                Msg("hint.no_data_sheet"),
            )
        ]
        return table
    problems, unit, month = identity_problems(path, display, meta, sidecar, sheet, book)
    problems += _sheet_problems(table, book, sheet)
    if problems or unit is None or month is None:
        table.problems = problems
        return table
    _fill(table, book.rows, unit, month, meta.get("unit") == workbook.NATIONAL)
    return table


def _read(path: Path, sheet: str) -> _Workbook:
    """Every cell the reader looks at, from one pass over the workbook (``KeyError``: the data
    sheet is missing).

    A formula's value is the one Excel stored when it last saved the workbook (``None`` when
    it never did).
    """
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in formulas.sheetnames:
            raise KeyError(sheet)
        book = _Workbook()
        book.properties = {p.name: str(p.value) for p in values.custom_doc_props}
        for number, row in enumerate(
            values[workbook.META_SHEET].iter_rows(max_col=2, values_only=True), start=1
        ):
            if len(row) > 1 and row[0] is not None:
                book.meta_cells[str(row[0])] = f"B{number}"
        pairs = zip(formulas[sheet].iter_rows(), values[sheet].iter_rows(), strict=False)
        for number, (frow, vrow) in enumerate(pairs, start=1):
            cells = []
            for fcell, vcell in zip(frow, vrow, strict=False):
                is_formula = getattr(fcell, "data_type", None) == "f" or (
                    isinstance(fcell.value, str) and fcell.value.startswith("=")
                )
                cells.append((vcell.value, vcell.number_format or "General", is_formula))
            if number <= workbook.HEADER_ROW:
                for col, (value, fmt, _) in enumerate(cells):
                    if value is not None:
                        book.top[f"{_letter(col)}{number}"] = clean_cell(cell_text(value, fmt))
            else:
                book.rows.append((number, cells))
        for ws in values.worksheets:
            if ws.title in (sheet, workbook.META_SHEET):
                continue
            rows = [
                [clean_cell(cell_text(c.value, c.number_format)) for c in row]
                for row in ws.iter_rows()
            ]
            book.others.append((ws.title, ws.sheet_state, [r for r in rows if any(r)]))
        return book
    finally:
        formulas.close()
        values.close()


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def _sheet_problems(table: RawTable, book: _Workbook, sheet: str) -> list[Problem]:
    """Sheets other than the instructions, the data and ``meta``: empty ones and notes are
    skipped (with a note); a sheet holding figures is refused, since only ``sheet`` is read."""
    instructions = {t("collection.sheet_instructions", lang) for lang in LANGS}
    problems = []
    for name, state, rows in book.others:
        if name in instructions:
            continue
        if not rows:
            reason = "reason.sheet_empty"
        elif state != "visible":
            reason = "reason.sheet_hidden"
        elif is_notes_sheet(name, [c for row in rows for c in row]):
            reason = "reason.sheet_notes"
        else:
            problems.append(
                Problem(
                    table.display,
                    None,
                    None,
                    None,
                    Msg("reason.extra_sheet", data=sheet),
                    Msg("hint.extra_sheet", data=sheet),
                    sheet=name,
                )
            )
            continue
        table.notes.append(
            Problem(
                table.display, None, None, None, Msg(reason), Msg("hint.sheet_skipped"), sheet=name
            )
        )
    return problems


# --- identity: every place the unit and the month are written --------------------------------


def identity_problems(
    path: Path, display: str, meta: dict[str, str], sidecar: dict, sheet: str, book: _Workbook
) -> tuple[list[Problem], str | None, str | None]:
    """(problems, unit codename, month) from every place the workbook names them.

    What most places say is expected; every place that disagrees is a problem naming its sheet
    and cell, what it says and what the others say. A value that names no unit or no month is
    a problem of its own, which says what the other places say.
    """
    unit_claims, bad_units = _unit_claims(path, meta, sheet, book)
    month_claims, bad_months = _month_claims(path, meta, sidecar, sheet, book)
    unit, problems = _agree(display, unit_claims, bad_units, _unit_text, "unit")
    month, more = _agree(display, month_claims, bad_months, _month_text, "month")
    problems += more
    if not problems and unit is not None and month is not None:
        problems += _row_problems(display, sheet, book, unit, month)
    return problems, unit, month


Invalid = tuple[Claim, str, str]
"""A place whose value names nothing: (the place, the text found, the reason's key)."""


def _claim(key: str, value: str, sheet: str = "", cell: str | None = None, **kw: str) -> Claim:
    """A place of the workbook (``sheet=""``: the file's name, folder or properties)."""
    return Claim(Msg(f"place.{key}", sheet=sheet, cell=cell or "", **kw), value, sheet, cell)


def _unit_claims(
    path: Path, meta: dict[str, str], sheet: str, book: _Workbook
) -> tuple[list[Claim], list[Invalid]]:
    """Every place the workbook names its unit, visible ones first (they win a tie)."""
    claims: list[Claim] = []
    invalid: list[Invalid] = []
    unit = meta.get("unit", "")
    national = unit == workbook.NATIONAL
    shown = book.top.get(workbook.UNIT_CELL, "")
    place = _claim("cell", "", sheet, workbook.UNIT_CELL)
    if named := _unit_of_text(shown):
        claims.append(replace(place, value=named))
    else:
        invalid.append((place, shown, "reason.unit_unknown"))
    if not national:
        for field_, letter in (("code", "B"), ("province", "C")):
            texts = [_text(cells, letter) for _, cells in book.rows]
            units = [
                _codename_of_code(x) if field_ == "code" else _unit_of_text(x) for x in texts if x
            ]
            common = Counter(u for u in units if u).most_common(1)
            if common:
                claims.append(_claim("column", common[0][0], sheet, letter, column=letter))
        for name in sorted(place_units(path)):
            claims.append(_claim("file_place", name, name=path.name))
    place = _claim("cell", "", workbook.META_SHEET, book.meta_cells.get("unit", "B3"))
    if national or _codename(unit):
        claims.append(replace(place, value=unit))
    else:
        invalid.append((place, unit, "reason.unit_unknown"))
    code = meta.get("unit_code", "")
    place = _claim("cell", "", workbook.META_SHEET, book.meta_cells.get("unit_code", "B4"))
    if found := _codename_of_code(code):
        claims.append(replace(place, value=found))
    elif code or not national:
        invalid.append((place, code, "reason.unit_code_unknown"))
    if "vndx_unit" in book.properties:
        claims.append(_claim("property", book.properties["vndx_unit"], name="vndx_unit"))
    return claims, invalid


def _month_claims(
    path: Path, meta: dict[str, str], sidecar: dict, sheet: str, book: _Workbook
) -> tuple[list[Claim], list[Invalid]]:
    """Every place the workbook names its month, visible ones first (they win a tie)."""
    claims: list[Claim] = []
    invalid: list[Invalid] = []

    def add(place: Claim, text: str, month: str | None) -> None:
        if month is not None and is_month(month):
            claims.append(replace(place, value=month))
        else:
            invalid.append((place, text, "reason.not_a_month"))

    for ref in (workbook.TITLE_CELL, workbook.PERIOD_CELL):
        text = book.top.get(ref, "")
        add(_claim("cell", "", sheet, ref), text, month_in_text(text, bare=True))
    letter = workbook.BY_FIELD["period"].letter
    monthly = [
        m for _, cells in book.rows if (m := month_in_text(_text(cells, letter))) and is_month(m)
    ]
    common = Counter(monthly).most_common(1)
    if common:
        claims.append(_claim("column", common[0][0], sheet, letter, column=letter))
    text = meta.get("period", "")
    place = _claim("cell", "", workbook.META_SHEET, book.meta_cells.get("period", "B5"))
    add(place, text, month_of(text))
    if "vndx_period" in book.properties:
        text = book.properties["vndx_period"]
        add(_claim("property", "", name="vndx_period"), text, month_of(text))
    if sidecar.get("period") is not None:
        month = month_of(str(sidecar["period"]))
        if month is not None:  # else the sidecar's own check refuses it
            claims.append(_claim("sidecar_period", month, file=path.name + ".meta.yml"))
    elif folder := month_folder(path):
        claims.append(_claim("folder", folder, folder=folder))
    return claims, invalid


def _agree(
    display: str, claims: list[Claim], invalid: list[Invalid], shown, what: str
) -> tuple[str | None, list[Problem]]:
    """The value most claims give, and a problem for every claim that gives another (and for
    every place whose value names nothing).

    Ties go to the first claims (the visible cells before the hidden ones and the places).
    """
    expected = None
    if claims:
        counts = Counter(c.value for c in claims)
        order = {c.value: -i for i, c in reversed(list(enumerate(claims)))}
        expected = max(counts, key=lambda v: (counts[v], order[v]))
    witnesses = _places([c for c in claims if c.value == expected][:3])
    problems = []
    for claim in claims:
        if claim.value == expected:
            continue
        located = bool(claim.cell)
        problems.append(
            Problem(
                display,
                None,
                None,
                None,
                Msg(
                    f"reason.{what}_disagrees" + ("_here" if located else ""),
                    place=claim.place,
                    found=shown(claim.value),
                    expected=shown(expected),
                    witnesses=witnesses,
                ),
                _hint_for(claim, expected),
                sheet=claim.sheet,
                cell=claim.cell,
            )
        )
    for place, text, reason in invalid:
        told = (
            Msg(
                "reason.names_nothing",
                reason=Msg(reason),
                expected=shown(expected),
                witnesses=witnesses,
            )
            if expected is not None
            else Msg(reason)
        )
        problems.append(
            Problem(
                display,
                None,
                None,
                text,
                told,
                _hint_for(place, expected),
                sheet=place.sheet,
                cell=place.cell,
            )
        )
    return expected, problems


def _places(claims: list[Claim]) -> list[Msg]:
    """Places told together, those of one sheet once: "ô D2, cột B, cột C trang 'Số liệu'"."""
    by_sheet: dict[str, list[Msg]] = {}
    alone: list[Msg] = []
    for claim in claims:
        if claim.sheet and claim.cell:
            short = (
                "place.short_column" if claim.place.key == "place.column" else "place.short_cell"
            )
            by_sheet.setdefault(claim.sheet, []).append(Msg(short, cell=claim.cell))
        else:
            alone.append(claim.place)
    grouped = [Msg("place.in_sheet", items=items, sheet=sheet) for sheet, items in by_sheet.items()]
    return [*grouped, *alone]


def _hint_for(claim: Claim, expected: str | None) -> Msg:
    """What to do about one place that disagrees with the others (or names nothing)."""
    key = claim.place.key
    if key == "place.folder" and expected:
        return Msg("hint.month_folder", expected=expected, place=claim.value)
    if key == "place.sidecar_period" and expected:
        return Msg("hint.month_sidecar", expected=expected)
    if key == "place.file_place":
        return Msg("hint.unit_file_name")
    if claim.sheet == workbook.META_SHEET or key == "place.property":
        return Msg("hint.hidden_identity")
    return Msg("hint.locked_identity")


def _unit_text(value: str) -> str | Label:
    if value == workbook.NATIONAL:
        return Label("collection.national_office")
    try:
        unit = geography.by_codename(value)
    except KeyError:
        return value
    return f"{unit.display_name} ({unit.code})"


def _month_text(value: str) -> str | PeriodText:
    return PeriodText(value) if is_month(value) else value


def _codename(text: str) -> str | None:
    try:
        return geography.by_codename(text).codename
    except KeyError:
        return None


def _codename_of_code(code: str) -> str | None:
    text = str(code).strip()
    if not re.fullmatch(r"\d{1,2}", text):
        return None
    try:
        return geography.unit("34", f"{int(text):02d}").codename
    except KeyError:
        return None


def _unit_of_text(text: str) -> str | None:
    """The unit (or ``national``) a visible cell names, or ``None``."""
    if not text:
        return None
    if fold(text) in {fold(t("collection.national_office", lang)) for lang in LANGS}:
        return workbook.NATIONAL
    try:
        return geography.match_province(text, "34").codename
    except geography.UnknownProvince:
        return None


def _text(cells: list, letter: str) -> str:
    from openpyxl.utils import column_index_from_string

    index = column_index_from_string(letter) - 1
    if index >= len(cells):
        return ""
    value, number_format, _ = cells[index]
    return clean_cell(cell_text(value, number_format))


def _row_problems(
    display: str, sheet: str, book: _Workbook, unit: str, month: str
) -> list[Problem]:
    """Rows that say another unit (code, name) or another period than the workbook's."""
    periods = {d.indicator.id: d.period for d in due_indicators(month)}
    national = unit == workbook.NATIONAL
    wrong: dict[tuple[str, str], list[str]] = {}
    found: dict[tuple[str, str], str] = {}
    indicator_letter = workbook.BY_FIELD["indicator"].letter
    for row, cells in book.rows:
        indicator = _text(cells, indicator_letter)
        if not indicator:
            continue
        code, name = _text(cells, "B"), _text(cells, "C")
        by_code, by_name = _codename_of_code(code), _unit_of_text(name)
        expected_unit = by_code if national else unit
        if not national and code and by_code != unit:
            wrong.setdefault(("B", "unit"), []).append(f"B{row}")
            found.setdefault(("B", "unit"), code)
        if name and by_name != expected_unit:
            wrong.setdefault(("C", "unit"), []).append(f"C{row}")
            found.setdefault(("C", "unit"), name)
        due = periods.get(catalog.resolve_indicator(indicator) or indicator)
        period_text = _text(cells, workbook.BY_FIELD["period"].letter)
        if (
            due is not None
            and period_text
            and fold(period_text) not in {fold(fmt_period(due, lang)) for lang in LANGS}
        ):
            letter = workbook.BY_FIELD["period"].letter
            wrong.setdefault((letter, "period"), []).append(f"{letter}{row}")
            found.setdefault((letter, "period"), period_text)
    problems = []
    for (letter, what), refs in wrong.items():
        shown = ", ".join(refs[:5]) + (f" (+{len(refs) - 5})" if len(refs) > 5 else "")
        problems.append(
            Problem(
                display,
                None,
                None,
                found[(letter, what)],
                Msg(
                    f"reason.row_{what}",
                    expected=_unit_text(unit) if what == "unit" else PeriodText(month),
                ),
                Msg("hint.locked_identity"),
                sheet=sheet,
                cell=shown,
            )
        )
    return problems


# --- the figures ------------------------------------------------------------------------------


def _fill(table: RawTable, grid: list, unit: str, month: str, national: bool) -> None:
    """The rows with figures, and a problem per formula without a value."""
    periods = {d.indicator.id: str(d.period) for d in due_indicators(month)}
    letters = [c.letter for c in workbook.COLUMNS]
    code = "" if national else geography.by_codename(unit).code
    for row, cells in grid:
        text = _row_text(table, row, cells, letters)
        if text is None:
            continue
        spare = [v for v in text[len(letters) :] if v]
        by_field = dict(zip((c.field for c in workbook.COLUMNS), text, strict=False))
        figures = [by_field.get(f, "") for f in ("value", "numerator", "denominator")]
        if not any(figures):
            continue  # not reported this month, or a blank row, or remarks only
        indicator = by_field.get("indicator", "")
        province = by_field.get("code", "") if national else code
        period = periods.get(catalog.resolve_indicator(indicator) or indicator, month)
        note = "; ".join(v for v in [by_field.get("note", ""), *spare] if v)
        table.rows.append([province, indicator, period, *figures, note])
        table.row_numbers.append(row)


def _row_text(table: RawTable, row: int, cells: list, letters: list[str]) -> list[str] | None:
    """A row's cells as text; ``None`` (and a problem) when a formula has no stored value."""
    texts = []
    missing = []
    for i, (value, number_format, is_formula) in enumerate(cells):
        if is_formula and value is None:
            missing.append(_letter(i))
        texts.append(clean_cell(cell_text(value, number_format)))
    headings = {c.letter: t(workbook.HEADING_KEYS[c.field]) for c in workbook.COLUMNS}
    for letter in missing:
        table.problems.append(
            Problem(
                table.display,
                row,
                headings.get(letter, letter),
                None,
                Msg("reason.formula_no_value"),
                Msg("hint.formula_no_value"),
                sheet=table.sheet,
                cell=f"{letter}{row}",
            )
        )
    if missing:
        return None
    return texts + [""] * (len(letters) - len(texts))


# --- where a file was put ---------------------------------------------------------------------

_MONTH_FOLDER = re.compile(r"^(\d{4})-(\d{2})$")


def month_folder(path: Path) -> str | None:
    """The ``YYYY-MM`` folder a file was put in (the nearest one above it), if any."""
    for folder in _folders(path):
        if _MONTH_FOLDER.match(folder):
            return folder
    return None


def place_month(path: Path, sidecar: dict) -> str | None:
    """The month a file was filed under: its sidecar's ``period``, else a ``YYYY-MM`` folder.

    ``None`` when neither gives a month (a sidecar period that is not a month included: the
    sidecar's check refuses it).
    """
    if sidecar.get("period"):
        try:
            return str(pd.Period(str(sidecar["period"]), freq="M"))
        except (ValueError, TypeError):
            return None
    return month_folder(path)


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
