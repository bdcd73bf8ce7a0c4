"""Step 1, reading: find the input files and read each one as text cells with its sidecar.

CSV (UTF-8, ``,`` ``;`` or tab separated) and Excel ``.xlsx`` are read in either layout of
``data/raw/README.md``; every cell stays text here (the next step parses it), and every row keeps
the number a person sees when opening the file. A file that cannot be read gives a
:class:`~analysis.data.ingest.problems.Problem`, not an exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from analysis import paths
from analysis.data.ingest.problems import IngestError, Problem
from analysis.reference.names import clean_cell


@dataclass
class RawTable:
    """A file's cells as text, with the row numbers a person sees when opening the file."""

    path: Path
    display: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    meta: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return dataset_of(self.path)


def discover_inputs(raw_dir: Path | None = None) -> list[Path]:
    """Every CSV and XLSX under ``data/raw`` except reference tables and published extracts."""
    root = Path(raw_dir or paths.raw_dir())
    found = [
        p
        for p in root.rglob("*")
        if p.suffix.lower() in (".csv", ".xlsx", ".xlsm")
        and p.is_file()
        and not p.name.startswith((".", "~$"))
    ]
    skip = {"reference", "published"}
    return sorted(p for p in found if not (set(p.relative_to(root).parts[:-1]) & skip))


def dataset_of(path: Path) -> str:
    """``demo``, ``published`` or ``submitted``: which collection a raw file belongs to."""
    try:
        top = path.resolve().relative_to(paths.raw_dir().resolve()).parts[0]
    except (ValueError, IndexError):
        top = ""
    return top if top in ("demo", "published") else "submitted"


def read_sidecar(path: Path) -> dict:
    """The ``<file>.meta.yml`` provenance sidecar of ``path`` (empty when there is none)."""
    side = path.with_name(path.name + ".meta.yml")
    if not side.exists():
        return {}
    with open(side, encoding="utf-8") as fh:
        meta = yaml.safe_load(fh) or {}
    if not isinstance(meta, dict):
        raise IngestError(
            [
                Problem(
                    str(side),
                    None,
                    None,
                    None,
                    "sidecar is not a YAML mapping",
                    "Write `key: value` lines (source, synthetic, period).",
                )
            ]
        )
    return meta


def display_path(path: Path) -> str:
    """``path`` relative to the project (as messages show it), else as given."""
    try:
        return str(path.resolve().relative_to(paths.project_root().resolve()))
    except ValueError:
        return str(path)


def _file_problem(display: str, reason: str, hint: str) -> Problem:
    return Problem(display, None, None, None, reason, hint)


def read_table(path: Path) -> RawTable:
    """Read one input file as text cells; unreadable files give a problem, not an exception."""
    path = Path(path)
    display = display_path(path)
    meta = read_sidecar(path)
    empty = RawTable(path, display, [], [], [], meta)
    if not path.exists():
        empty.problems.append(_file_problem(display, "file not found", "Check the path."))
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
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            header, rows, numbers = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            header, rows, numbers, sheet_meta = _read_xlsx(path)
            meta = {**sheet_meta, **meta}
        else:
            empty.problems.append(
                _file_problem(
                    display, f"unsupported file type {suffix!r}", "Send CSV (UTF-8) or Excel .xlsx."
                )
            )
            return empty
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
    table.problems += _shape_problems(table)
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
    raw = path.read_bytes().decode("utf-8-sig")  # strips a BOM if present
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


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]], list[int], dict]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    meta: dict = {}
    try:
        if "meta" in wb.sheetnames:
            for row in wb["meta"].iter_rows(values_only=True):
                if row and row[0] is not None and len(row) > 1 and row[1] is not None:
                    meta[str(row[0]).strip()] = _cell_text(row[1])
        sheet = next(wb[n] for n in wb.sheetnames if n != "meta")
        header: list[str] = []
        rows: list[list[str]] = []
        numbers: list[int] = []
        for line_no, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [clean_cell(_cell_text(c)) for c in row]
            while cells and cells[-1] == "":
                cells.pop()
            if not any(cells):
                continue
            if not header:
                header = cells
                continue
            rows.append(cells)
            numbers.append(line_no)
    finally:
        wb.close()
    return header, rows, numbers, meta


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m")
    return str(value)
