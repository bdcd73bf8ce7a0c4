"""Table semantics for assistive technology: every header cell says what it heads.

A screen reader announces a data cell with its column and row headers only when the table marks
them: ``<th scope="col">`` in the header row, ``<th scope="row">`` for the cell that names the
row. pandas' ``DataFrame.to_html(index=False)`` writes neither (plain ``<th>`` above, ``<td>``
everywhere below), Markdown tables the same; :func:`mark_table_headers` adds what is missing to
every table of a fragment, and WeasyPrint carries the same structure into the tagged PDF
(``/TH`` with ``/Scope``).
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

#: Tables whose first column names the row (the briefings' convention for ``to_html`` tables):
#: its cells become row headers.
ROW_HEADED_CLASSES: frozenset[str] = frozenset({"data-table", "status-table"})


def mark_table_headers(html: str) -> str:
    """``html`` with ``scope`` on every header cell and row headers in row-headed tables.

    - ``<th>`` in ``<thead>`` (or in a first row made only of ``<th>``) gets ``scope="col"``
      (``"colgroup"`` when it spans columns); any other ``<th>`` gets ``scope="row"``;
    - in tables with a class of :data:`ROW_HEADED_CLASSES`, the first cell of a body row that
      has no header cell becomes ``<th scope="row">`` (its attributes kept);
    - a ``scope`` already written is left alone. Fragments without a table are returned as
      they are (not even re-serialized).
    """
    if "<table" not in html.lower():
        return html
    soup = BeautifulSoup(html, features="html.parser")
    for table in soup.find_all("table"):
        _mark_table(table)
    return str(soup)


def _mark_table(table: Any) -> None:
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    classes = set(table.get("class") or [])
    row_headed = bool(classes & ROW_HEADED_CLASSES)
    for i, tr in enumerate(rows):
        cells = tr.find_all(["th", "td"], recursive=False)
        in_head = tr.find_parent("thead") is not None
        is_head_row = in_head or (
            i == 0
            and cells
            and all(c.name == "th" for c in cells)
            and tr.find_parent("tbody") is None
        )
        if is_head_row:
            for th in (c for c in cells if c.name == "th" and not c.has_attr("scope")):
                th["scope"] = "colgroup" if _span(th) > 1 else "col"
            continue
        if row_headed and cells and not any(c.name == "th" for c in cells):
            cells[0].name = "th"
        for th in (c for c in cells if c.name == "th" and not c.has_attr("scope")):
            th["scope"] = "row"


def _span(cell: Any) -> int:
    try:
        return int(cell.get("colspan", 1))
    except ValueError:
        return 1
