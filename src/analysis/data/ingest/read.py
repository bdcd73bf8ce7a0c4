"""Step 1, reading: find the input files and read each one as text cells with its sidecar.

CSV (UTF-8, ``,`` ``;`` or tab separated) and Excel ``.xlsx`` are read in either layout of
``data/raw/README.md``; every cell stays text here (the next step parses it), and every row keeps
the number a person sees when opening the file. A file that cannot be read gives a
:class:`~analysis.data.ingest.problems.Problem`, not an exception.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis import paths
from analysis.data.ingest import workbooks
from analysis.data.ingest.problems import IngestError, Problem
from analysis.data.ingest.raw import RawTable, cell_text, display_path
from analysis.reference.names import clean_cell

SIDECAR_SUFFIXES = (".meta.yml", ".meta.yaml")
DATA_SUFFIXES = (".csv", ".xlsx", ".xlsm")
_CONVERT = (
    "Open it in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8, then remove this one."
)
UNSUPPORTED = {
    ".xls": ("an Excel 97-2003 workbook (.xls), which ingest does not read", _CONVERT),
    ".txt": (
        "a text file (Excel's 'Unicode Text' or similar), which ingest does not read",
        _CONVERT,
    ),
    ".ods": ("an OpenDocument spreadsheet (.ods), which ingest does not read", _CONVERT),
    ".xlsb": ("an Excel binary workbook (.xlsb), which ingest does not read", _CONVERT),
}
"""Spreadsheet formats people send that are refused, with what to do about each."""


def unsupported_type(path: Path) -> tuple[str, str]:
    """(reason, hint) for a file ingest cannot read."""
    suffix = path.suffix.lower()
    return UNSUPPORTED.get(
        suffix,
        (
            f"unsupported file type {suffix or '(none)'!r}",
            "Send CSV (UTF-8) or Excel .xlsx; move other files out of data/raw.",
        ),
    )


def is_sidecar(path: Path) -> bool:
    """Whether ``path`` is a provenance sidecar (``<data file>.meta.yml`` or ``.meta.yaml``)."""
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def skip_reason(path: Path) -> str | None:
    """Why a file under ``data/raw`` is not read as data (None: it is read, or refused)."""
    name = path.name
    if name.startswith("~$"):
        return "an Excel lock file (the workbook is open somewhere)"
    if name.startswith("."):
        return "a hidden file"
    if is_sidecar(path):
        data = path.with_name(name[: name.lower().rindex(".meta.")])
        if data.exists():
            return "provenance sidecars, read with their data files"
        return "sidecars without their data file (nothing to describe)"
    if name.upper().startswith("README"):
        return "a README"
    return None


@dataclass
class Survey:
    """Every file under a folder, sorted into what is read and what is skipped (with why)."""

    read: list[Path]
    skipped: list[tuple[Path, str]]


_SKIPPED_FOLDERS = {
    "reference": "reference tables, maintained with the code",
    "published": "published figures, read by `analysis.data.published_press` and `published_real`",
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
    folders: dict[Path, str] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        parts = p.relative_to(root).parts[:-1]
        if any(f.startswith(".") for f in parts):
            survey.skipped.append((p, "in a hidden folder"))
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
    survey.skipped += [(folder, f"{why} (folder)") for folder, why in folders.items()]
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
                shown,
                f"the sidecar cannot be read ({first})",
                "Write one `key: value` per line in UTF-8 (source, synthetic, period).",
            )
        ]
    if not isinstance(meta, dict):
        return {}, [
            _file_problem(
                shown,
                "sidecar is not a YAML mapping",
                "Write `key: value` lines (source, synthetic, period).",
            )
        ]
    problems = []
    if "synthetic" in meta and not isinstance(meta["synthetic"], bool):
        problems.append(
            Problem(
                shown,
                None,
                "synthetic",
                str(meta["synthetic"]),
                "not true or false",
                "Write `synthetic: false` (or true for generated data only).",
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
                "not a file name",
                "Write the name of the file this one corrects (`revises: bao_cao_2026-09.csv`).",
            )
        )
    return meta, problems


def _file_problem(display: str, reason: str, hint: str) -> Problem:
    return Problem(display, None, None, None, reason, hint)


def read_table(path: Path) -> RawTable:
    """Read one input file as text cells; unreadable files give a problem, not an exception."""
    path = Path(path)
    display = display_path(path)
    try:
        meta = read_sidecar(path)
    except IngestError as exc:
        return RawTable(path, display, [], [], [], {}, list(exc.problems))
    empty = RawTable(path, display, [], [], [], meta)
    if not path.exists():
        empty.problems.append(_file_problem(display, "file not found", "Check the path."))
        return empty
    if path.is_dir():
        empty.problems.append(
            _file_problem(display, "a folder, not a file", "Name the files, or check the folder.")
        )
        return empty
    if path.stat().st_size == 0:
        empty.problems.append(
            _file_problem(
                display,
                "the file is empty",
                "Export the sheet again; an empty file has no figures.",
            )
        )
        return empty
    # A gzip-compressed CSV (the commune demo) is read as the CSV it holds.
    suffix = ".csv" if path.name.lower().endswith(".csv.gz") else path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        empty.problems.append(_file_problem(display, *unsupported_type(path)))
        return empty
    if suffix != ".csv":
        # A workbook made by `python -m analysis collect` is recognized by its marker.
        workbook = workbooks.workbook_meta(path)
        if workbook is not None:
            return workbooks.read_workbook(path, workbook, meta)
    try:
        cell_problems: list[Problem] = []
        if suffix == ".csv":
            header, rows, numbers = _read_csv(path)
        else:
            header, rows, numbers, sheet_meta, cell_problems = _read_xlsx(path)
            meta = {**sheet_meta, **meta}
    except UnicodeDecodeError:
        empty.problems.append(
            _file_problem(
                display,
                "the file is not UTF-8 text",
                "Save it again as 'CSV UTF-8' (Excel: Save As > CSV UTF-8).",
            )
        )
        return empty
    except Exception as exc:  # Any parser failure means "unreadable"
        empty.problems.append(
            _file_problem(
                display,
                f"the file cannot be read ({type(exc).__name__}: {exc})",
                "Open it in a spreadsheet program and save it again.",
            )
        )
        return empty
    table = RawTable(path, display, header, rows, numbers, meta)
    table.problems += cell_problems or _shape_problems(table)
    return table


def _shape_problems(table: RawTable) -> list[Problem]:
    """A file without a header row or without data rows has nothing to read."""
    if not table.header:
        return [
            _file_problem(
                table.display, "the file has no header row", "The first row must name the columns."
            )
        ]
    if not table.rows:
        return [
            _file_problem(
                table.display,
                "the file has no data rows",
                "Add one row per province (and indicator, and period).",
            )
        ]
    return []


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    raw = data.decode("utf-8-sig")  # strips a BOM if present
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    # Excel with a Vietnamese locale writes ';' because ',' is the decimal mark.
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    for line_no, row in enumerate(reader, start=1):
        cells = [clean_cell(c) for c in row]
        if not any(cells):
            continue
        if not header:
            header = cells
            continue
        rows.append(cells)
        numbers.append(line_no)
    return header, rows, numbers


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]], list[int], dict, list[Problem]]:
    """The first sheet other than ``meta`` as text, each cell as Excel displays it.

    Formulas are read from the value Excel stored when it last saved the workbook; a formula
    without one (a workbook written by a program and never opened in Excel) is a problem.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        meta = {
            str(row[0].value).strip(): cell_text(row[1].value, row[1].number_format)
            for row in (wb["meta"].iter_rows() if "meta" in wb.sheetnames else [])
            if len(row) > 1 and row[0].value is not None and row[1].value is not None
        }
        name = next(n for n in wb.sheetnames if n != "meta")
        grid = [
            (line_no, [(c.value, c.number_format, c.data_type) for c in row])
            for line_no, row in enumerate(wb[name].iter_rows(), start=1)
        ]
    finally:
        wb.close()
    formulas = {
        (line_no, col)
        for line_no, cells in grid
        for col, (value, _, kind) in enumerate(cells)
        if kind == "f" or (isinstance(value, str) and value.startswith("="))
    }
    stored = _stored_values(path, name, formulas) if formulas else {}
    header: list[str] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
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
        if not any(texts) and not any(line == line_no for line, _ in missing):
            continue
        if not header:
            header = texts
            continue
        # A spreadsheet row has every column: empty cells at its end are empty, not missing.
        rows.append(texts + [""] * (len(header) - len(texts)))
        numbers.append(line_no)
    return header, rows, numbers, meta, _formula_problems(path, name, header, missing)


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


def _formula_problems(
    path: Path, sheet: str, header: list[str], missing: list[tuple[int, int]]
) -> list[Problem]:
    """One problem per column whose formula cells have no stored value, naming the cells."""
    from openpyxl.utils import get_column_letter

    by_column: dict[int, list[int]] = {}
    for line_no, col in missing:
        by_column.setdefault(col, []).append(line_no)
    problems = []
    for col, lines in sorted(by_column.items()):
        cells = [f"{get_column_letter(col + 1)}{n}" for n in lines]
        shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
        problems.append(
            Problem(
                display_path(path),
                lines[0] if len(lines) == 1 else None,
                header[col] if col < len(header) and header[col] else get_column_letter(col + 1),
                None,
                f"sheet {sheet!r}, cell{'s' if len(cells) > 1 else ''} {shown}: a formula "
                "without a stored value (the workbook was written by a program and never "
                "saved by Excel, so the figure is not in the file)",
                "Open and save it in Excel, or paste values (Paste Special > Values) over the "
                "formulas.",
            )
        )
    return problems
