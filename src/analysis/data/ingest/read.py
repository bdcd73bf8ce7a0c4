"""Step 1, reading: find the input files and read each one as text cells with its sidecar.

CSV (UTF-8, ``,`` ``;`` or tab separated) and Excel ``.xlsx`` are read in either layout of
``data/raw/README.md``; every cell stays text here (the next step parses it), and every row keeps
the number a person sees when opening the file. Every sheet of a workbook is read (one table
each); an empty sheet, a hidden one or one of notes is skipped with a note that says so, and a
sheet whose header row cannot be found is refused by name. The header row is looked for below
title rows (:mod:`~analysis.data.ingest.headers`). A file that cannot be read gives a
:class:`~analysis.data.ingest.problems.Problem`, not an exception.
"""

from __future__ import annotations

import array
import csv
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import yaml

from analysis import paths
from analysis.data.ingest import limits, workbooks
from analysis.data.ingest.cells import month_in_text, month_of, period_from_name
from analysis.data.ingest.headers import (
    HEADER_SEARCH_ROWS,
    find_header,
    is_column_numbers,
    is_notes_sheet,
)
from analysis.data.ingest.problems import IngestError, Msg, Problem
from analysis.data.ingest.raw import Claim, RawTable, cell_text, display_path
from analysis.reference.names import clean_cell

SIDECAR_SUFFIXES = (".meta.yml", ".meta.yaml")
DATA_SUFFIXES = (".csv", ".xlsx", ".xlsm")
UNSUPPORTED = {
    ".xls": ("reason.type_xls", "hint.convert_excel"),
    ".txt": ("reason.type_txt", "hint.convert_excel"),
    ".ods": ("reason.type_ods", "hint.convert_ods"),
    ".xlsb": ("reason.type_xlsb", "hint.convert_excel"),
}
"""Spreadsheet formats people send that are refused, with what to do about each (message
keys): Excel's own formats are saved again from Excel, an ``.ods`` from LibreOffice."""


def unsupported_type(path: Path) -> tuple[Msg, Msg]:
    """(reason, hint) for a file ingest cannot read."""
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED:
        reason, hint = UNSUPPORTED[suffix]
        return Msg(reason), Msg(hint)
    return Msg("reason.type_other", suffix=suffix or "(—)"), Msg("hint.type_other")


def is_sidecar(path: Path) -> bool:
    """Whether ``path`` is a provenance sidecar (``<data file>.meta.yml`` or ``.meta.yaml``)."""
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def skip_reason(path: Path) -> Msg | None:
    """Why a file under ``data/raw`` is not read as data (None: it is read, or refused)."""
    name = path.name
    if name.startswith("~$"):
        return Msg("skipped.lock_file")
    if name.startswith("."):
        return Msg("skipped.hidden_file")
    if is_sidecar(path):
        data = path.with_name(name[: name.lower().rindex(".meta.")])
        if data.exists():
            return Msg("skipped.sidecar")
        return Msg("skipped.orphan_sidecar")
    if name.upper().startswith("README"):
        return Msg("skipped.readme")
    return None


@dataclass
class Survey:
    """Every file under a folder, sorted into what is read and what is skipped (with why)."""

    read: list[Path]
    skipped: list[tuple[Path, Msg]]


_SKIPPED_FOLDERS = {
    "reference": Msg("skipped.reference_folder"),
    "published": Msg("skipped.published_folder"),
}


def survey_inputs(raw_dir: Path | None = None) -> Survey:
    """Sort every file under ``raw_dir`` (default ``data/raw``): read it, or say why not.

    Data files (CSV, XLSX) are read; files of other types are read too, so that they are
    refused with what to do rather than skipped unseen. Hidden files, Excel lock files,
    sidecars, READMEs and the ``reference/`` and ``published/`` folders are skipped, each with
    its reason.
    """
    root = Path(raw_dir or paths.raw_dir())
    survey = Survey([], [])
    folders: dict[Path, Msg] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        parts = p.relative_to(root).parts[:-1]
        if any(f.startswith(".") for f in parts):
            survey.skipped.append((p, Msg("skipped.hidden_folder")))
            continue
        skipped = next((f for f in parts if f in _SKIPPED_FOLDERS), None)
        if skipped is not None:
            folder = root.joinpath(*parts[: parts.index(skipped) + 1])
            folders[folder] = _SKIPPED_FOLDERS[skipped]
            continue
        reason = skip_reason(p)
        if reason is None:
            survey.read.append(p)
        else:
            survey.skipped.append((p, reason))
    survey.skipped += list(folders.items())
    return survey


def discover_inputs(raw_dir: Path | None = None) -> list[Path]:
    """The files under ``data/raw`` that ingest reads (see :func:`survey_inputs`)."""
    return survey_inputs(raw_dir).read


def sidecar_of(path: Path) -> Path | None:
    """The provenance sidecar beside ``path`` (``.meta.yml``, else ``.meta.yaml``), if any."""
    for suffix in SIDECAR_SUFFIXES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            return side
    return None


def read_sidecar(path: Path) -> dict:
    """The provenance sidecar of the data file ``path`` (empty when there is none).

    Raises :class:`IngestError` when the sidecar is not a YAML mapping or a field is wrong.
    """
    side = sidecar_of(path)
    if side is None:
        return {}
    meta, problems = load_sidecar(side)
    if problems:
        raise IngestError(problems)
    return meta


def load_sidecar(side: Path) -> tuple[dict, list[Problem]]:
    """A sidecar's fields, and a problem for each that is wrong (file named as shown)."""
    shown = display_path(side)
    try:
        with open(side, encoding="utf-8") as fh:
            meta = yaml.safe_load(fh) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, [
            _file_problem(
                shown, Msg("reason.sidecar_unreadable", error=first), Msg("hint.sidecar_lines")
            )
        ]
    if not isinstance(meta, dict):
        return {}, [
            _file_problem(shown, Msg("reason.sidecar_not_mapping"), Msg("hint.sidecar_lines"))
        ]
    problems = []
    if "synthetic" in meta and not isinstance(meta["synthetic"], bool):
        problems.append(
            Problem(
                shown,
                None,
                "synthetic",
                str(meta["synthetic"]),
                Msg("reason.not_true_false"),
                Msg("hint.synthetic"),
            )
        )
    revises = meta.get("revises")
    if revises is not None and not (
        isinstance(revises, str) or all(isinstance(r, str) for r in revises or [None])
    ):
        problems.append(
            Problem(
                shown,
                None,
                "revises",
                str(revises),
                Msg("reason.not_a_file_name"),
                Msg("hint.revises"),
            )
        )
    period = meta.get("period")
    if period is not None and month_of(str(period)) is None and not _is_year(str(period)):
        problems.append(
            Problem(
                shown,
                None,
                "period",
                str(period),
                Msg("reason.sidecar_period"),
                Msg("hint.sidecar_period"),
            )
        )
    return meta, problems


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", text.strip()))


def _file_problem(display: str, reason: Msg, hint: Msg, sheet: str | None = None) -> Problem:
    return Problem(display, None, None, None, reason, hint, sheet=sheet)


def read_table(path: Path) -> RawTable:
    """The one table of a file that holds one (a CSV file, a workbook with one data sheet).

    Raises ``ValueError`` for a workbook with several sheets of data: read those with
    :func:`read_tables`.
    """
    tables = read_tables(path)
    if len(tables) != 1:
        raise ValueError(f"{path} holds {len(tables)} tables; use read_tables")
    return tables[0]


def read_tables(path: Path) -> list[RawTable]:
    """Every table of one input file as text cells: one per sheet that holds data.

    A file that cannot be read gives one table holding the problem, not an exception. A sheet
    that is empty, or holds only notes, is skipped with a note saying so; a sheet whose
    header cannot be found is refused by name.
    """
    path = Path(path)
    display = display_path(path)
    try:
        meta = read_sidecar(path)
    except IngestError as exc:
        return [RawTable(path, display, [], [], [], {}, list(exc.problems))]
    empty = RawTable(path, display, [], [], [], meta)
    if not path.exists():
        empty.problems.append(
            _file_problem(display, Msg("reason.not_found"), Msg("hint.check_path"))
        )
        return [empty]
    if path.is_dir():
        empty.problems.append(_file_problem(display, Msg("reason.a_folder"), Msg("hint.a_folder")))
        return [empty]
    if path.stat().st_size == 0:
        empty.problems.append(
            _file_problem(display, Msg("reason.empty_file"), Msg("hint.empty_file"))
        )
        return [empty]
    # A gzip-compressed CSV (the commune demo) is read as the CSV it holds.
    suffix = ".csv" if path.name.lower().endswith(".csv.gz") else path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        empty.problems.append(_file_problem(display, *unsupported_type(path)))
        return [empty]
    refused = limits.refusal(path, display)  # past a limit: refused before it is parsed
    if refused is not None:
        empty.problems.append(_file_problem(display, *refused))
        return [empty]
    if suffix != ".csv":
        # A workbook made by `python -m analysis collect` is recognized by its marker.
        workbook = workbooks.workbook_meta(path)
        if workbook is not None:
            return [workbooks.read_workbook(path, workbook, meta)]
    claims = _file_claims(path, meta)
    try:
        if suffix == ".csv":
            tables = [_table(path, display, meta, None, _csv_rows(path), claims, letters=False)]
        else:
            tables = _xlsx_tables(path, display, meta, claims)
    except UnicodeDecodeError:
        empty.problems.append(_file_problem(display, Msg("reason.not_utf8"), Msg("hint.not_utf8")))
        return [empty]
    except Exception as exc:  # Any parser failure means "unreadable"
        empty.problems.append(_unreadable(display, exc))
        return [empty]
    return _with_data(tables, empty)


def _unreadable(display: str, exc: Exception) -> Problem:
    """Why a file could not be read, in one line: a limit met while it was parsed, entities
    in its XML, or the parser's own first line."""
    if isinstance(exc, limits.InputTooLarge):
        return _file_problem(display, exc.reason, exc.hint)
    first = (str(exc).strip().splitlines() or [""])[0]
    reason = limits.xml_refusal(exc) or Msg(
        "reason.unreadable", error=f"{type(exc).__name__}: {first}"
    )
    return _file_problem(display, reason, Msg("hint.unreadable"))


def _with_data(tables: list[RawTable], empty: RawTable) -> list[RawTable]:
    """The tables with rows (or problems); a file with none is refused, naming why."""
    kept = [t for t in tables if t.rows or t.problems]
    notes = [n for t in tables for n in t.notes]
    headers_only = [t for t in tables if t.header and not t.rows and not t.problems]
    if kept:
        notes += [
            _file_problem(
                t.display, Msg("reason.sheet_no_rows"), Msg("hint.sheet_skipped"), t.sheet
            )
            for t in headers_only
        ]
        for t in kept:
            t.notes = []
        kept[0].notes = notes  # the file's notes, told once
        return kept
    if headers_only:
        first = headers_only[0]
        first.problems.append(
            _file_problem(
                first.display, Msg("reason.no_data_rows"), Msg("hint.no_data_rows"), first.sheet
            )
        )
        return [first]
    empty.problems.append(
        _file_problem(empty.display, Msg("reason.no_header_row"), Msg("hint.no_header_row"))
    )
    empty.notes = notes
    return [empty]


class _Numbered(Sequence[tuple[int, list[str]]]):
    """Rows and their line numbers, kept side by side rather than as a tuple per row (a large
    file has millions); reads as the list of ``(line number, cells)`` it stands for."""

    def __init__(self, numbers: array.array, cells: list[list[str]]) -> None:
        self.numbers, self.cells = numbers, cells

    def __len__(self) -> int:
        return len(self.cells)

    @overload
    def __getitem__(self, index: int) -> tuple[int, list[str]]: ...

    @overload
    def __getitem__(self, index: slice) -> _Numbered: ...

    def __getitem__(self, index: int | slice) -> tuple[int, list[str]] | _Numbered:
        if isinstance(index, slice):
            return _Numbered(self.numbers[index], self.cells[index])
        return self.numbers[index], self.cells[index]

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return zip(self.numbers, self.cells, strict=True)


def _csv_rows(path: Path) -> Sequence[tuple[int, list[str]]]:
    """The non-empty lines of a CSV file as cells, with their line numbers.

    Read as a stream (a ``.csv.gz`` unpacked as it goes) within the limits of one input file
    (:mod:`.limits`); a large file repeats a few texts (provinces, indicators, periods)
    millions of times, so each distinct cell is cleaned once and kept once.
    """
    display = display_path(path)
    with limits.open_text(path, display) as text:
        lines = limits.lines(text, display)
        head = list(itertools.islice((ln for ln in lines if ln.strip()), HEADER_SEARCH_ROWS))
        # Excel with a Vietnamese locale writes ';' because ',' is the decimal mark; the busiest
        # of the first lines decides (a title line above the header has few separators).
        sample = max(head or [""], key=lambda line: max(line.count(d) for d in ",;\t"))
        delimiter = max((",", ";", "\t"), key=sample.count) if sample else ","
        reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
        numbers, rows = array.array("q"), []
        seen: dict[str, str] = {}
        for line_no, row in enumerate(limits.counted_rows(reader, display), start=1):
            cells = [seen.get(c) or _cleaned(c, seen) for c in row]
            if any(cells):
                numbers.append(line_no)
                rows.append(cells)
    return _Numbered(numbers, rows)


def _cleaned(cell: str, seen: dict[str, str]) -> str:
    text = clean_cell(cell)
    if len(seen) < 100_000:
        seen[cell] = text
    return text


def _xlsx_tables(path: Path, display: str, sidecar: dict, claims: list[Claim]) -> list[RawTable]:
    """One table per sheet that holds data; the sheet named ``meta`` gives the period.

    Formulas are read from the value Excel stored when it last saved the workbook; a formula
    without one (a workbook written by a program and never opened in Excel) is a problem.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        meta_claims, sheet_meta = _meta_sheet(wb)
        sheets = [
            (ws.title, ws.sheet_state, _sheet_grid(ws))
            for ws in wb.worksheets
            if ws.title != "meta"
        ]
    finally:
        wb.close()
    meta = {**sheet_meta, **sidecar}
    tables = []
    notes: list[Problem] = []
    for name, state, grid in sheets:
        formulas = {
            (line_no, col)
            for line_no, cells in grid
            for col, (value, _, kind) in enumerate(cells)
            if kind == "f" or (isinstance(value, str) and value.startswith("="))
        }
        stored = _stored_values(path, name, formulas) if formulas else {}
        rows, missing = _sheet_text(grid, formulas, stored)
        if not rows:
            notes.append(
                _file_problem(display, Msg("reason.sheet_empty"), Msg("hint.sheet_skipped"), name)
            )
            continue
        if state != "visible":
            notes.append(
                _file_problem(display, Msg("reason.sheet_hidden"), Msg("hint.sheet_hidden"), name)
            )
            continue
        sheet_claims = [*meta_claims, *_sheet_name_claims(name), *claims]
        table = _table(path, display, meta, name, rows, sheet_claims, letters=True)
        if (
            table.problems
            and not table.header
            and is_notes_sheet(name, [c for _, r in rows for c in r])
        ):
            notes.append(
                _file_problem(display, Msg("reason.sheet_notes"), Msg("hint.sheet_skipped"), name)
            )
            continue
        if not table.problems:
            table.problems += _formula_problems(table, missing)
        tables.append(table)
    if tables:
        tables[0].notes = notes + tables[0].notes
    elif notes:
        holder = RawTable(path, display, [], [], [], meta, notes=notes)
        tables.append(holder)
    return tables


def _meta_sheet(wb) -> tuple[list[Claim], dict]:
    """The period claimed by a sheet named ``meta`` (key in A, value in B), and its fields."""
    if "meta" not in wb.sheetnames:
        return [], {}
    claims, meta = [], {}
    for line_no, row in enumerate(wb["meta"].iter_rows(max_col=2), start=1):
        if len(row) < 2 or row[0].value is None or row[1].value is None:
            continue
        key = str(row[0].value).strip()
        value = cell_text(row[1].value, row[1].number_format)
        meta[key] = value
        if key == "period":
            claims.append(
                Claim(
                    Msg("place.cell", sheet="meta", cell=f"B{line_no}"),
                    value,
                    "meta",
                    f"B{line_no}",
                )
            )
    return claims, meta


def _sheet_grid(ws) -> list[tuple[int, list[tuple[object, str, str]]]]:
    rows = limits.counted_rows(ws.iter_rows(), ws.title)
    return [
        (line_no, [(c.value, c.number_format, c.data_type) for c in row])
        for line_no, row in enumerate(rows, start=1)
    ]


def _sheet_text(
    grid: list, formulas: set[tuple[int, int]], stored: dict
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, int]]]:
    """The non-empty rows of a sheet as text, and the formula cells without a stored value."""
    rows = []
    missing: list[tuple[int, int]] = []
    for line_no, cells in grid:
        texts = []
        for col, (value, number_format, _) in enumerate(cells):
            if (line_no, col) in formulas:
                value = stored.get((line_no, col))
                if value is None:
                    missing.append((line_no, col))
            texts.append(clean_cell(cell_text(value, number_format)))
        while texts and texts[-1] == "":
            texts.pop()
        if any(texts) or any(line == line_no for line, _ in missing):
            rows.append((line_no, texts))
    return rows, missing


def _table(
    path: Path,
    display: str,
    meta: dict,
    sheet: str | None,
    rows: Sequence[tuple[int, list[str]]],
    claims: list[Claim],
    letters: bool,
) -> RawTable:
    """A table from a sheet's (or CSV file's) non-empty rows: the header row found below any
    title rows, the rows under it, and the months the titles claim."""
    table = RawTable(path, display, [], [], [], dict(meta), sheet=sheet)
    if not rows:
        return table
    found = find_header([cells for _, cells in rows])
    if found is None:
        table.problems.append(_header_not_found(display, sheet, rows))
        return table
    offset = next((i for i, c in enumerate(found.cells) if c), 0)
    header = found.cells[offset:]
    while header and header[-1] == "":
        header.pop()
    table.header = header
    table.header_row = rows[found.index][0]
    if letters:
        from openpyxl.utils import get_column_letter

        table.letters = [get_column_letter(offset + k + 1) for k in range(len(header))]
    titles = rows[: found.index]
    table.periods = [*_title_claims(titles, sheet, letters), *claims]
    body = rows[found.index + (2 if found.two_rows else 1) :]
    if body and is_column_numbers(body[0][1]):
        body = body[1:]
    for line_no, cells in body:
        if offset:  # no copy of every row of a large file when the table starts in column A
            cells = cells[offset:]
        if letters:
            # A spreadsheet row has every column: empty cells at its end are empty, not missing.
            cells = cells + [""] * (len(header) - len(cells))
        table.rows.append(cells)
        table.row_numbers.append(line_no)
    return table


def _header_not_found(
    display: str, sheet: str | None, rows: Sequence[tuple[int, list[str]]]
) -> Problem:
    """The sheet's first rows hold no heading of the accepted layouts: say what they hold."""
    line_no, cells = rows[0]
    first = next((c for c in cells if c), "")
    return Problem(
        display,
        line_no,
        None,
        first,
        Msg("reason.header_not_found", rows=HEADER_SEARCH_ROWS),
        Msg("hint.header_not_found"),
        sheet=sheet,
    )


def _file_claims(path: Path, sidecar: dict) -> list[Claim]:
    """The months a file's sidecar, name and folder give (see :class:`RawTable.periods`)."""
    claims = []
    if sidecar.get("period") is not None:
        side = sidecar_of(path)
        claims.append(
            Claim(Msg("place.sidecar", file=side.name if side else ""), str(sidecar["period"]))
        )
    named = period_from_name(path.name)
    if named:
        claims.append(Claim(Msg("place.file_name", name=path.name), named))
    folder = workbooks.month_folder(path)
    if folder:
        claims.append(Claim(Msg("place.folder", folder=folder), folder))
    return claims


def _sheet_name_claims(name: str) -> list[Claim]:
    month = month_in_text(name, bare=True)
    return [Claim(Msg("place.sheet_name", sheet=name), month)] if month else []


def _title_claims(
    rows: Sequence[tuple[int, list[str]]], sheet: str | None, letters: bool
) -> list[Claim]:
    """The month a title row above the header names ("BÁO CÁO THÁNG 10/2026")."""
    from openpyxl.utils import get_column_letter

    claims = []
    for line_no, cells in rows:
        for col, text in enumerate(cells):
            month = month_in_text(text)
            if month is None:
                continue
            cell = f"{get_column_letter(col + 1)}{line_no}" if letters else None
            place = (
                Msg("place.cell", sheet=sheet, cell=cell)
                if cell
                else Msg("place.line", row=line_no)
            )
            claims.append(Claim(place, month, sheet, cell))
    return claims


def _stored_values(path: Path, sheet: str, cells: set[tuple[int, int]]) -> dict:
    """The values Excel stored for formula ``cells`` ((row, column index) -> value or None)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            (line_no, col): cell.value
            for line_no, row in enumerate(wb[sheet].iter_rows(), start=1)
            for col, cell in enumerate(row)
            if (line_no, col) in cells
        }
    finally:
        wb.close()


def _formula_problems(table: RawTable, missing: list[tuple[int, int]]) -> list[Problem]:
    """One problem per column whose formula cells have no stored value, naming the cells."""
    from openpyxl.utils import get_column_letter

    by_column: dict[int, list[int]] = {}
    for line_no, col in missing:
        by_column.setdefault(col, []).append(line_no)
    problems = []
    for col, lines in sorted(by_column.items()):
        letter = get_column_letter(col + 1)
        cells = [f"{letter}{n}" for n in lines]
        shown = ", ".join(cells[:5]) + (f" (+{len(cells) - 5})" if len(cells) > 5 else "")
        heading = (
            table.header[table.letters.index(letter)]
            if letter in table.letters and table.header[table.letters.index(letter)]
            else letter
        )
        problems.append(
            Problem(
                table.display,
                lines[0] if len(lines) == 1 else None,
                heading,
                None,
                Msg("reason.formula_no_value"),
                Msg("hint.formula_no_value"),
                sheet=table.sheet,
                cell=shown,
            )
        )
    return problems
