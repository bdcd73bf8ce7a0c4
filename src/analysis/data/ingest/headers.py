"""Column headings as provinces write them, and the header row found below title rows.

A heading is compared folded (no diacritics, any case, punctuation and ``%`` ignored), so
``Giá trị (%)``, ``GIA TRI`` and ``value`` name the same column. The long layout's columns may be
headed in English (``province``, ``indicator``, ``period``, ``value``, ``numerator``,
``denominator``, ``note``) or in Vietnamese (``Tỉnh/Thành phố``, ``Chỉ tiêu``, ``Kỳ``,
``Tháng``, ``Kỳ báo cáo``, ``Giá trị``, ``Tử số``, ``Mẫu số``, ``Ghi chú``); a wide layout's
columns by an indicator's id, Vietnamese or English name or short name, as
``python -m analysis list indicators`` prints them (:func:`analysis.reference.catalog.
resolve_indicator`), with ``Tử số``/``Mẫu số`` (or ``__numerator``/``__denominator``) after the
name for counts.

The header row is the first row of the first :data:`HEADER_SEARCH_ROWS` that names the
province (or commune) column and either an indicator column or an indicator's name; rows
above it (the authority, the report's title, the month, blank rows, merged cells) are titles.
A heading that spans several columns over a second row of ``Tử số``/``Mẫu số``/``Giá trị``
(merged cells) heads each of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.data.ingest.cells import parse_number
from analysis.data.ingest.problems import CellError
from analysis.reference import catalog
from analysis.reference.catalog import name_key

HEADER_SEARCH_ROWS = 20
"""How many non-empty rows from the top the header row is looked for in."""

FIELD_HEADINGS: dict[str, tuple[str, ...]] = {
    "province": (
        "province",
        "tinh thanh pho",
        "tinh",
        "tinh thanh",
        "ten tinh",
        "ten tinh thanh pho",
        "thanh pho",
        "province name",
        "dia phuong",
        "don vi",
        "don vi bao cao",
        "ten don vi",
    ),
    "province_code": ("province code", "ma tinh", "ma tinh thanh pho", "province id"),
    "indicator": (
        "indicator",
        "indicator id",
        "ma chi tieu",
        "chi tieu",
        "ten chi tieu",
        "indicator name",
    ),
    "period": (
        "period",
        "ky bao cao",
        "ky",
        "thang",
        "thang bao cao",
        "thoi gian",
        "thoi ky",
        "reporting period",
        "month",
        "nam",
        "year",
    ),
    "value": (
        "value",
        "gia tri",
        "ty le",
        "rate",
        "so lieu",
        "ket qua",
        "percent",
        "percentage",
    ),
    "numerator": ("numerator", "tu so"),
    "denominator": ("denominator", "mau so"),
    "note": ("note", "notes", "ghi chu", "remarks", "remark", "giai thich"),
    "source": ("source", "nguon", "nguon so lieu"),
    "basis": ("basis",),
    "skip": ("stt", "tt", "so thu tu", "no", "don vi tinh", "dvt", "unit"),
}
"""Field -> its headings (as :func:`~analysis.reference.catalog.name_key` folds them), best
first: where two columns could hold one field, the one with the better heading is read
("Mã chỉ tiêu" before "Chỉ tiêu", "Tỉnh, thành phố" before "Đơn vị")."""

_RANK = {
    heading: (field, rank)
    for field, hs in FIELD_HEADINGS.items()
    for rank, heading in enumerate(hs)
}

COUNT_FIELDS = {
    "numerator": "numerator",
    "tu so": "numerator",
    "denominator": "denominator",
    "mau so": "denominator",
    "value": "value",
    "gia tri": "value",
    "ty le": "value",
}
"""A word after an indicator's name in a wide heading -> the figure of that column."""

PROVINCE_FIELDS = ("province", "province_code")


def heading_key(text: str) -> str:
    """A heading folded for comparison (see the module docstring)."""
    return name_key(text)


def field_of(heading: str) -> tuple[str, int] | None:
    """(field, rank) a long-layout heading names (rank 0 is the best heading), or ``None``."""
    return _RANK.get(heading_key(heading))


def field_columns(header: Sequence[str]) -> dict[str, int]:
    """Field -> position of the column read for it (the best-headed one; ties: the first)."""
    best: dict[str, tuple[int, int]] = {}
    for pos, heading in enumerate(header):
        found = field_of(heading)
        if found is None or found[0] == "skip":
            continue
        field, rank = found
        if field not in best or rank < best[field][0]:
            best[field] = (rank, pos)
    return {field: pos for field, (_, pos) in best.items()}


def wide_column(heading: str) -> tuple[str, str] | None:
    """(indicator id, figure) a wide-layout heading names, or ``None``.

    ``online_dossier_rate_pct``, ``Tỷ lệ hồ sơ trực tuyến (%)`` and ``Hồ sơ trực tuyến - Giá
    trị`` give the value; ``eid_activation_pct__numerator`` and ``Tài khoản định danh điện tử
    được kích hoạt - Tử số`` the numerator.
    """
    base, sep, suffix = heading.partition("__")
    if sep:
        field = COUNT_FIELDS.get(heading_key(suffix.replace("_", " ")))
        found = catalog.resolve_indicator(base)
        return (found, field) if found and field else None
    found = catalog.resolve_indicator(heading)
    if found:
        return found, "value"
    key = heading_key(heading)
    for word, field in COUNT_FIELDS.items():
        if key.endswith(" " + word):
            found = catalog.resolve_indicator(key[: -len(word) - 1])
            if found:
                return found, field
    return None


def count_word(heading: str) -> str | None:
    """The figure a sub-heading names alone (``Tử số``, ``Mẫu số``, ``Giá trị (%)``), or None."""
    return COUNT_FIELDS.get(heading_key(heading))


@dataclass(frozen=True)
class HeaderRow:
    """Where a table's header is: its grid index, its cells, and whether the next row is a
    second header row (counts under a merged indicator heading)."""

    index: int
    cells: list[str]
    two_rows: bool = False


def header_score(cells: Sequence[str]) -> tuple[bool, int]:
    """(is a complete header, how many of its cells are recognized headings)."""
    fields = field_columns(cells)
    named = sum(1 for c in cells if c and field_of(c) is not None)
    indicator_columns = sum(1 for c in cells if c and field_of(c) is None and wide_column(c))
    commune = any(_is_commune_heading(c) for c in cells)
    place = commune or any(f in fields for f in PROVINCE_FIELDS)
    complete = place and ("indicator" in fields or indicator_columns > 0)
    return complete, named + indicator_columns + int(commune)


def _is_commune_heading(text: str) -> bool:
    return heading_key(text) in COMMUNE_HEADINGS


COMMUNE_HEADINGS = {
    heading_key(h)
    for h in (
        "commune",
        "commune_code",
        "xã",
        "xã/phường",
        "xã, phường",
        "xã phường",
        "mã xã",
        "tên xã",
        "đơn vị cấp xã",
        "xã/phường/đặc khu",
    )
}
"""Headings (folded) of the column that names communes."""


def find_header(rows: Sequence[list[str]]) -> HeaderRow | None:
    """The header row among the first :data:`HEADER_SEARCH_ROWS` non-empty ``rows``.

    The first complete one (see :func:`header_score`); else the one with the most recognized
    headings (its faults are then told column by column); ``None`` when no row has any.
    """
    best: tuple[int, int] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        complete, score = header_score(cells)
        if complete:
            return _with_second_row(rows, index)
        if score and (best is None or score > best[1]):
            best = (index, score)
    return _with_second_row(rows, best[0]) if best else None


def _with_second_row(rows: Sequence[list[str]], index: int) -> HeaderRow:
    """The header at ``index``, joined with a second row of count headings when there is one.

    ``Tỷ lệ hồ sơ trực tuyến`` merged over two columns headed ``Tử số`` and ``Mẫu số`` heads
    them as ``Tỷ lệ hồ sơ trực tuyến - Tử số`` and ``- Mẫu số``.
    """
    cells = list(rows[index])
    below = list(rows[index + 1]) if index + 1 < len(rows) else []
    words = [c for c in below if c]
    if not words or not all(count_word(c) for c in words):
        return HeaderRow(index, cells)
    width = max(len(cells), len(below))
    cells += [""] * (width - len(cells))
    below += [""] * (width - len(below))
    joined, group = [], ""
    for top, sub in zip(cells, below, strict=True):
        group = top or (group if sub else "")
        if not sub:
            joined.append(top)
        elif catalog.resolve_indicator(group):
            joined.append(f"{group} - {sub}")
        else:
            joined.append(sub)  # "Số liệu" over "Tử số": the count itself
    return HeaderRow(index, joined, two_rows=True)


_COLUMN_NUMBER = re.compile(r"^\(?([0-9]{1,2}|[a-z])\)?$")


def is_column_numbers(cells: Sequence[str]) -> bool:
    """A row numbering the columns under the header ("(1) (2) (3)", "A B 1 2"), as official
    forms have; it holds no figure."""
    marks = [heading_key(c) or c for c in cells if c]
    if len(marks) < 3 or not all(_COLUMN_NUMBER.match(m) for m in marks):
        return False
    numbers = [int(m.strip("()")) for m in marks if m.strip("()").isdigit()]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True


_NOTES_SHEETS = (
    "ghi chu",
    "giai trinh",
    "huong dan",
    "thuyet minh",
    "gioi thieu",
    "note",
    "notes",
    "remarks",
    "readme",
    "read me",
    "instructions",
    "instruction",
    "guide",
)
"""Sheet names (folded) of notes a person adds beside the figures."""


def is_notes_sheet(name: str, cells: Sequence[str]) -> bool:
    """A sheet named as notes ("Ghi chú", "Giải trình"...), or whose cells hold no number."""
    key = heading_key(name)
    if any(key == w or key.startswith(w + " ") for w in _NOTES_SHEETS):
        return True
    return not any(_is_number(c) for c in cells if c)


def _is_number(text: str) -> bool:
    try:
        return parse_number(text, integer=False, percent_ok=True) is not None
    except CellError:
        return False
