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
from analysis.data.ingest.problems import Problem


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
    cells: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    """(row, column) -> (the cell as a person finds it, e.g. "sheet 'Số liệu', cell L7", and
    the column's heading), for files whose messages name cells (collection workbooks)."""

    @property
    def dataset(self) -> str:
        return dataset_of(self.path)


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
