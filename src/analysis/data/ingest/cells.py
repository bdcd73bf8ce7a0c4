"""Reading one cell: numbers and periods as Vietnamese and English spreadsheets write them.

Used by the normalizing step for every cell; a cell that cannot be read unambiguously raises
:class:`~analysis.data.ingest.problems.CellError` with the reason and what to do.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analysis.core.clock import today
from analysis.core.periods import to_month, to_period
from analysis.data.ingest.problems import CellError, Msg
from analysis.reference.names import clean_cell, fold

MISSING_TOKENS = {"", "-", "—", "–", "na", "n/a", "nan", "null", "none", "..."}

_NUMBER = re.compile(r"^[+-]?[\d.,]+$")


@lru_cache(maxsize=65536)  # a large file repeats the same figures many times
def parse_number(text: str, *, integer: bool, percent_ok: bool = False) -> float | None:
    """Read a number as Vietnamese or English spreadsheets write it.

    ``"45,03"``, ``"45.03"`` and ``"45,03%"`` are 45.03; ``"2.852.992"`` and ``"2,852,992"`` are
    2852992. For counts (``integer=True``) separators are thousands separators; for rates a
    single separator is the decimal mark, and with both kinds present the last one is.
    Empty cells and ``-``/``N/A`` give ``None``.
    """
    return read_number(text, integer=integer, percent_ok=percent_ok)[0]


def read_number(text: str, *, integer: bool, percent_ok: bool = False) -> tuple[float | None, int]:
    """(the number, how many decimals were typed) as :func:`parse_number` reads it.

    ``"51,2"`` is (51.2, 1): a rate beside its counts agrees with them to that precision.
    """
    s = clean_cell(text).replace(" ", "")
    if fold(s) in MISSING_TOKENS:
        return None, 0
    if s.endswith("%"):
        if not percent_ok:
            raise CellError(Msg("reason.percent_in_count"), Msg("hint.percent_in_count"))
        s = s[:-1]
    if not _NUMBER.match(s):
        raise CellError(Msg("reason.not_a_number"), Msg("hint.not_a_number"))
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if integer:
        groups = re.split(r"[.,]", s)
        if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
            raise CellError(Msg("reason.count_decimals"), Msg("hint.count_decimals"))
        return sign * float("".join(groups)), 0
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
            raise CellError(Msg("reason.misplaced_separators"), Msg("hint.misplaced_separators"))
        s = "".join(groups)
    decimals = len(s.partition(".")[2])
    return sign * float(s), decimals


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), "my"),
    (re.compile(r"^(?:thang|month|t)\s*(\d{1,2})\s*(?:[-/.]|nam)\s*(\d{4})$"), "my"),
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
            raise CellError(Msg("reason.no_such_month", month=month), Msg("hint.no_such_month"))
        if year < FIRST_YEAR:
            raise CellError(
                Msg("reason.year_too_early", year=year, first=FIRST_YEAR),
                Msg("hint.year_too_early", first=FIRST_YEAR),
            )
        if frequency == "annual":
            if month is not None and kind != "ymd":
                raise CellError(Msg("reason.month_for_annual"), Msg("hint.month_for_annual"))
            period = to_period(str(year))
            if period.end_time.date() > today() and period.start_time.date() > today():
                raise CellError(Msg("reason.future_period"), Msg("hint.future_year"))
            return period
        if month is None:
            raise CellError(Msg("reason.year_for_monthly"), Msg("hint.year_for_monthly"))
        period = to_month(f"{year:04d}-{month:02d}")
        if period > to_month(today()):
            raise CellError(
                Msg("reason.future_period"), Msg("hint.future_month", latest=f"{today():%Y-%m}")
            )
        return period
    raise CellError(Msg("reason.not_a_period"), Msg("hint.not_a_period"))


def period_from_name(name: str) -> str | None:
    """The month a file name carries (``..._2026-10.csv``, ``..._10_2026.xlsx``), or ``None``."""
    m = re.search(r"(\d{4})[-_](\d{2})(?!\d)", name) or re.search(r"(\d{2})[-_](\d{4})", name)
    if not m:
        return None
    a, b = m.groups()
    return f"{a}-{b}" if len(a) == 4 else f"{b}-{a}"


_MONTH_WORDS = re.compile(r"(?:thang|month|ky)\s*(\d{1,2})\s*(?:[/.-]|nam|,)\s*(\d{4})(?!\d)")
_BARE_MONTH = (
    re.compile(r"^t?(\d{1,2})\s*[/.-]\s*(\d{4})$"),
    re.compile(r"^(\d{4})\s*[/.-]\s*(\d{1,2})$"),
)


def month_in_text(text: str, bare: bool = False) -> str | None:
    """``YYYY-MM`` of a month written in a title ("Báo cáo tháng 10/2026", "THÁNG 10 NĂM
    2026") or, with ``bare``, alone as in a sheet name ("10-2026", "T10.2026", "2026-10").

    An impossible month (``tháng 13/2026``) is returned as written, to be refused by name.
    """
    folded = fold(text)
    found = _MONTH_WORDS.search(folded)
    if found:
        month, year = found.groups()
    elif bare or re.fullmatch(r"\d{4}-\d{2}", folded):
        match = next((m for p in _BARE_MONTH if (m := p.match(folded))), None)
        if match is None:
            return None
        a, b = match.groups()
        month, year = (b, a) if len(a) == 4 else (a, b)
    else:
        return None
    return f"{int(year):04d}-{int(month):02d}"


def month_of(text: str) -> str | None:
    """``YYYY-MM`` for a month as a sidecar, meta sheet or folder writes it, else ``None``."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text) or re.fullmatch(
        r"\s*(\d{4})-(\d{1,2})-\d{1,2}(?:[ T].*)?", text
    )
    if match is None:
        found = month_in_text(text, bare=True) if text.strip() else None
        return found if found is not None and is_month(found) else None
    year, month = int(match.group(1)), int(match.group(2))
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def is_month(text: str) -> bool:
    """Whether ``YYYY-MM`` names a month that exists."""
    year, _, number = text.partition("-")
    return len(year) == 4 and year.isdigit() and number.isdigit() and 1 <= int(number) <= 12
