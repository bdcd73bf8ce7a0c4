"""A file as read: its cells as text, with where each came from.

The shared shape of every reader (CSV, plain workbooks, collection workbooks, commune files):
:class:`RawTable`, the cell text as Excel shows it (:func:`cell_text`), which collection a file
belongs to (:func:`dataset_of`) and the path messages show (:func:`display_path`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from analysis import paths
from analysis.data.ingest.problems import Msg, Problem


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
    notes: list[Problem] = field(default_factory=list)
    """Things ingest did on purpose and tells the sender (skipped total rows, duplicates)."""
    sheet: str | None = None
    """The workbook sheet the table was read from (``None``: a CSV file)."""
    letters: list[str] = field(default_factory=list)
    """The spreadsheet column letter of each header position (workbooks only)."""
    headings: dict[str, str] = field(default_factory=dict)
    """Header name -> the heading a person sees, where they differ (a collection workbook is
    read into the long layout's English names; its headings are Vietnamese)."""
    header_row: int = 1
    """The row of the header (below any title rows)."""
    periods: list[Claim] = field(default_factory=list)
    """Where the file says which month it reports (sidecar, meta sheet, title, sheet name,
    file name, folder): a wide table's period, refused when two of them disagree."""

    @property
    def dataset(self) -> str:
        return dataset_of(self.path)

    def cell_of(self, column: str | None, row: int | None) -> str | None:
        """The cell reference (``L7``) of a column (as the header names it) in a row."""
        if column is None or row is None or not self.letters:
            return None
        try:
            return f"{self.letters[self.header.index(column)]}{row}"
        except (ValueError, IndexError):
            return None


@dataclass(frozen=True)
class Claim:
    """One place a file says something about itself (its month, its unit), and what it says.

    ``place`` tells a person where to look (a message: "the file name", "the folder 2026-10",
    "sheet 'meta', cell B5"); ``sheet`` and ``cell`` locate it in a workbook.
    """

    place: Msg
    value: str
    sheet: str | None = None
    cell: str | None = None


def dataset_of(path: Path) -> str:
    """``demo``, ``published`` or ``submitted``: which collection a raw file belongs to."""
    try:
        top = path.resolve().relative_to(paths.raw_dir().resolve()).parts[0]
    except (ValueError, IndexError):
        top = ""
    return top if top in ("demo", "published") else "submitted"


def display_path(path: Path) -> str:
    """``path`` relative to the project (as messages show it), else as given."""
    try:
        return str(path.resolve().relative_to(paths.project_root().resolve()))
    except ValueError:
        return str(path)


def cell_text(value: object, number_format: str | None = "General") -> str:
    """A cell's value as text, as Excel shows it: a percentage-formatted 0.884 is ``88.4%``.

    Numbers keep their full stored precision (Excel may round what it shows); dates become
    ``YYYY-MM`` (``YYYY`` when the format shows only the year).
    """
    if value is None:
        return ""
    fmt = _format_text(number_format or "General")
    if isinstance(value, dt.datetime | dt.date):
        year_only = "y" in fmt and "m" not in fmt and "d" not in fmt
        return value.strftime("%Y" if year_only else "%Y-%m")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    number = Decimal(repr(value))
    percent = "%" in fmt
    if percent:
        number *= 100
    text = format(number.normalize(), "f")
    return text + "%" if percent else text


def _format_text(number_format: str) -> str:
    """The first section of an Excel number format without quoted text and escapes, lower case.

    ``0.0"%"`` shows a literal percent sign without scaling; ``0.0%`` scales by 100.
    """
    section = number_format.split(";", 1)[0]
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section)
    return section.lower()
