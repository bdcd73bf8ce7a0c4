"""Accessible briefings: table headers with their scope, chart alt texts, tagged PDFs.

The last tests read the real briefings of the shared small run (two provinces and the
national overview, see ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.core.i18n import t
from analysis.reporting.render.accessibility import mark_table_headers
from analysis.reporting.render.components import StatusRow, risk_table, status_table
from analysis.reporting.render.sanitize import sanitize_html

PERIOD = "2026-10"


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


def test_pandas_tables_get_column_and_row_headers():
    frame = pd.DataFrame({"Tỉnh": ["Nghệ An", "Hà Tĩnh"], "Giá trị": ["82,5%", "80,1%"]})
    soup = _soup(sanitize_html(frame.to_html(index=False, classes="data-table")))
    assert [th["scope"] for th in soup.select("thead th")] == ["col", "col"]
    rows = soup.select("tbody tr")
    assert [tr.find("th", scope="row").get_text() for tr in rows] == ["Nghệ An", "Hà Tĩnh"]
    assert [len(tr.find_all("td")) for tr in rows] == [1, 1]


def test_other_tables_keep_their_cells_and_get_scopes():
    html = (
        "<table><tr><th>A</th><th colspan='2'>B</th></tr><tr><td>1</td><td>2</td><td>3</td></tr>"
        "</table><table><tbody><tr><th scope='col'>x</th><th>y</th><td>z</td></tr></tbody></table>"
    )
    soup = _soup(mark_table_headers(html))
    first, second = soup.find_all("table")
    assert [th["scope"] for th in first.find_all("th")] == ["col", "colgroup"]
    assert len(first.find_all("td")) == 3  # not row-headed: no cell changes kind
    assert [th["scope"] for th in second.find_all("th")] == ["col", "row"]  # written one kept
    assert mark_table_headers("<p>no table</p>") == "<p>no table</p>"


def test_markdown_and_styler_tables_through_the_sanitizer():
    styled = pd.DataFrame({"v": [1.5]}, index=["Nghệ An"]).style.to_html()
    soup = _soup(sanitize_html(styled))
    scopes = {th.get_text(strip=True): th.get("scope") for th in soup.find_all("th")}
    assert scopes["v"] == "col" and scopes["Nghệ An"] == "row"
    assert all(th.get("scope") for th in soup.find_all("th")), soup


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_status_and_risk_tables_mark_the_indicator_as_row_header(lang):
    row = StatusRow("Định danh", "82,5%", "90%", "12/2026", 0.4, "+1", "+0,5", "at_risk")
    soup = _soup(status_table([row], lang, caption=t("table.status_caption", lang)))
    assert soup.find("caption").get_text() == t("table.status_caption", lang)
    assert all(th["scope"] == "col" for th in soup.select("thead th"))
    assert soup.select_one("tbody th[scope=row]").get_text(strip=True) == "Định danh"
    risk = pd.DataFrame(
        [
            {
                "indicator": "eid_activation_pct", "target": 90.0, "deadline": "2026-12",
                "deadline_passed": False, "n_at_risk": 1, "n_off_track": 0, "n_missed": 0,
                "n_late": 0, "n_insufficient": 0, "n_total": 34, "provinces": ["Nghệ An"],
            }
        ]
    )  # fmt: skip
    soup = _soup(risk_table(risk, lang))
    assert all(th["scope"] == "col" for th in soup.select("thead th"))
    assert len(soup.select("tbody th[scope=row]")) == 1


# ---------------------------------------------------------------- the real briefings


def _briefings(reports: Path) -> list[Path]:
    found = sorted((reports / PERIOD).glob("*/*.html"))
    assert found
    return found


@pytest.mark.slow
def test_every_chart_of_a_briefing_has_its_own_alt_text(small_run):
    generic = {t("report.chart_alt", lang) for lang in ("vi", "en")}
    for path in _briefings(small_run):
        soup = _soup(path.read_text(encoding="utf-8"))
        alts = [img.get("alt", "") for img in soup.find_all("img")]
        assert alts, path
        assert not set(alts) & generic, (path, alts)
        assert len(set(alts)) == len(alts), (path, alts)
        for table in soup.find_all("table"):
            assert all(th.get("scope") for th in table.find_all("th")), (path, table)


@pytest.mark.slow
def test_the_briefing_pdfs_are_tagged_with_language_title_and_alt(small_run):
    import pikepdf

    for html_path in _briefings(small_run):
        soup = _soup(html_path.read_text(encoding="utf-8"))
        with pikepdf.open(html_path.with_suffix(".pdf")) as pdf:
            assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
            assert str(pdf.Root.Lang) == soup.html["lang"]
            assert str(pdf.docinfo["/Title"]) == soup.title.get_text()
            alts = figure_alts(pdf.Root.StructTreeRoot, [])
        assert alts == [img["alt"] for img in soup.find_all("img")]


def figure_alts(node, out: list[str]) -> list[str]:
    """The /Alt of every /Figure in a PDF structure tree, in reading order."""
    import pikepdf

    if isinstance(node, pikepdf.Array):
        for kid in node:
            figure_alts(kid, out)
    elif isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == "/Figure":
            out.append(str(node.get("/Alt", "")))
        if "/K" in node:
            figure_alts(node["/K"], out)
    return out
