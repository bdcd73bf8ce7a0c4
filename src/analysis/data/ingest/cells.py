"""Reading one cell: numbers and periods as Vietnamese and English spreadsheets write them.

Used by the normalizing step for every cell; a cell that cannot be read unambiguously raises
:class:`~analysis.data.ingest.problems.CellError` with the reason and what to do.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.core.clock import today
from analysis.core.periods import to_month, to_period
from analysis.data.ingest.problems import CellError
from analysis.reference.names import clean_cell, fold

MISSING_TOKENS = {"", "-", "—", "–", "na", "n/a", "nan", "null", "none", "..."}

_NUMBER = re.compile(r"^[+-]?[\d.,]+$")


def parse_number(text: str, *, integer: bool, percent_ok: bool = False) -> float | None:
    """Read a number as Vietnamese or English spreadsheets write it.

    ``"45,03"``, ``"45.03"`` and ``"45,03%"`` are 45.03; ``"2.852.992"`` and ``"2,852,992"`` are
    2852992. For counts (``integer=True``) separators are thousands separators; for rates a
    single separator is the decimal mark, and with both kinds present the last one is.
    Empty cells and ``-``/``N/A`` give ``None``.
    """
    s = clean_cell(text).replace(" ", "")
    if fold(s) in MISSING_TOKENS:
        return None
    if s.endswith("%"):
        if not percent_ok:
            raise CellError(
                "a percent sign in a count",
                "Counts are whole numbers; put rates in the `value` column.",
            )
        s = s[:-1]
    if not _NUMBER.match(s):
        raise CellError(
            "text where a number is expected",
            "Write only digits, with ',' or '.' as separators; put remarks in `note`.",
        )
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if integer:
        groups = re.split(r"[.,]", s)
        if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
            raise CellError(
                "a count with a decimal part",
                "Counts must be whole numbers (2.852.992 or 2852992).",
            )
        return sign * float("".join(groups))
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        s = s.replace(thousands, "").replace(decimal, ".")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        sep = "," if s.count(",") > 1 else "."
        groups = s.split(sep)
        if not all(len(g) == 3 for g in groups[1:]):
            raise CellError(
                "a number with misplaced separators", "Write rates like 45,03 or 45.03."
            )
        s = "".join(groups)
    return sign * float(s)


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), "my"),
    (re.compile(r"^(?:thang|month)\s*(\d{1,2})[-/.](\d{4})$"), "my"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})$"), "y"),
    (re.compile(r"^(?:nam|year)\s*(\d{4})$"), "y"),
)
FIRST_YEAR = 2015


def parse_period(text: str, frequency: str) -> pd.Period:
    """Parse ``YYYY-MM``, ``MM/YYYY``, ``tháng 10/2026`` or ``YYYY`` for a frequency."""
    s = fold(text).replace(" ", " ")
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        if kind == "y":
            year, month = int(m.group(1)), None
        elif kind == "ym" or kind == "ymd":
            year, month = int(m.group(1)), int(m.group(2))
        else:
            month, year = int(m.group(1)), int(m.group(2))
        if month is not None and not 1 <= month <= 12:
            raise CellError(f"month {month} does not exist", "Months run from 01 to 12.")
        if year < FIRST_YEAR:
            raise CellError(
                f"year {year} is before {FIRST_YEAR}",
                "Check the year; the monitoring series start in 2015.",
            )
        if frequency == "annual":
            if month is not None and kind != "ymd":
                raise CellError(
                    "a month given for an annual indicator", "Write the year only (2024)."
                )
            period = to_period(str(year))
            if period.end_time.date() > today() and period.start_time.date() > today():
                raise CellError("a period in the future", "Check the year.")
            return period
        if month is None:
            raise CellError(
                "a year given for a monthly indicator", "Write the month as YYYY-MM (2026-10)."
            )
        period = to_month(f"{year:04d}-{month:02d}")
        if period > to_month(today()):
            raise CellError(
                "a period in the future",
                f"Figures can be reported up to {today():%Y-%m}; check the date.",
            )
        return period
    raise CellError("not a period", "Write YYYY-MM for months (2026-10) or YYYY for years.")
