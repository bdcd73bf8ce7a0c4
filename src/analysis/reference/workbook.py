"""The collection workbook's layout, shared by the writer and the reader.

A workbook has an instructions sheet, a data sheet and a hidden ``meta`` sheet whose key/value
rows identify it: the :data:`MARKER`, the template version, the unit (a province's codename, or
``national``) and the month collected. The reader recognizes a workbook by the marker, never by
its file name, so a renamed file is read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKER = "vn-dx collection workbook"
"""The value of ``template`` in the hidden ``meta`` sheet of every collection workbook."""

TEMPLATE_VERSION = "1"
"""Raised when the layout changes in a way the reader must know about."""

META_SHEET = "meta"
NATIONAL = "national"
"""The unit of the national office's workbook (one row per province and indicator)."""

HEADER_ROW = 6
"""The row of the data sheet's column headings; indicator rows follow it."""

TITLE_CELL = "A1"
"""The data sheet's title, which names the month ("... tháng 10/2026")."""
UNIT_CELL = "D2"
"""The unit the workbook is for, as pages name it ("Nghệ An", "TP. Hà Nội")."""
PERIOD_CELL = "D3"
"""The month collected ("tháng 10/2026")."""


@dataclass(frozen=True)
class Column:
    """One column of the data sheet: its letter, the field it holds and its heading's key."""

    letter: str
    field: str
    width: float
    is_input: bool = False


COLUMNS = (
    Column("A", "no", 5),
    Column("B", "code", 8),
    Column("C", "province", 18),
    Column("D", "indicator", 30),
    Column("E", "name", 34),
    Column("F", "period", 14),
    Column("G", "definition", 48),
    Column("H", "unit", 7),
    Column("I", "last", 14),
    Column("J", "last_period", 14),
    Column("K", "range", 28),
    Column("L", "value", 12, is_input=True),
    Column("M", "numerator", 14, is_input=True),
    Column("N", "denominator", 14, is_input=True),
    Column("O", "note", 30, is_input=True),
)
BY_FIELD = {c.field: c for c in COLUMNS}
LAST_COLUMN = COLUMNS[-1].letter
"""Cells right of this column are spare: remarks typed there are kept as notes."""

HEADING_KEYS = {
    "no": "collection.col_no",
    "code": "collection.col_code",
    "province": "collection.col_province",
    "indicator": "collection.col_indicator",
    "name": "collection.col_name",
    "period": "collection.period_label",
    "definition": "collection.col_definition",
    "unit": "collection.col_unit",
    "last": "collection.col_last",
    "last_period": "collection.col_last_period",
    "range": "collection.col_range",
    "value": "collection.col_value",
    "numerator": "collection.col_numerator",
    "denominator": "collection.col_denominator",
    "note": "collection.col_note",
}


def file_name(unit: str, month: str) -> str:
    """The name ``collect`` gives a unit's workbook (``nghe_an_2026-10.xlsx``)."""
    return f"{unit}_{month}.xlsx"
