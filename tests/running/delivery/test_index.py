"""Index pages: every unit with its target counts, headline figures and links that resolve."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from analysis.analyses import monthly
from analysis.cli import main
from analysis.reference.names import fold
from analysis.reporting import briefing
from analysis.running.delivery import index

pytestmark = pytest.mark.slow
PERIOD = "2026-10"


def _page(path: Path) -> BeautifulSoup:
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    return BeautifulSoup(text, "html.parser")


def _row(soup: BeautifulSoup, name: str):
    for tr in soup.select("#units tbody tr"):
        if tr.find("th").get_text(" ", strip=True).startswith(name):
            return tr
    raise AssertionError(f"no row for {name}")


def _links_resolve(page: Path) -> list[str]:
    hrefs = [a["href"] for a in _page(page).find_all("a")]
    for href in hrefs:
        assert not re.match(r"^[a-z]+:", href), href  # relative only: file:// and any server
        assert (page.parent / href).resolve().is_file(), (page, href)
    return hrefs


def test_the_run_writes_both_languages_with_every_unit_and_its_counts(reports_copy):
    vi, en = reports_copy / PERIOD / "index.html", reports_copy / PERIOD / "index.en.html"
    soup = _page(vi)
    assert soup.html["lang"] == "vi" and _page(en).html["lang"] == "en"
    rows = soup.select("#units tbody tr")
    assert len(rows) == 35  # 34 provinces and the national overview
    assert all(tr.find("th")["scope"] == "row" for tr in rows)
    assert {th["scope"] for th in soup.select("thead th")} == {"col"}
    assert "DỮ LIỆU MẪU" in soup.get_text()  # the demo data are marked as synthetic

    results = monthly.period_results(PERIOD)
    expected = Counter(briefing.target_rows(results, "nghe_an")["status"])
    nghe_an = _row(soup, "Nghệ An")
    shown = {td["data-status"]: int(td.get_text()) for td in nghe_an.select("td[data-status]")}
    assert shown == {s: expected.get(s, 0) for s in shown}
    assert sum(shown.values()) == sum(expected.values())  # no status left without a column
    assert {"achieved", "on_track", "at_risk", "off_track"} <= set(shown)
    figures = nghe_an.select("ul.fig li")
    assert 2 <= len(figures) <= 3 and re.search(r"\d+,\d{2}%", figures[0].get_text())
    assert re.search(r"\d+\.\d{2}%", _row(_page(en), "Nghệ An").select("ul.fig li")[0].text)

    national = _row(soup, "Cả nước")
    per_province = Counter()
    for unit in results.forecasts["province"].unique():
        per_province.update(briefing.target_rows(results, unit)["status"])
    assert int(national.select_one('td[data-status="at_risk"]').text) == per_province["at_risk"]


def test_links_are_relative_resolve_and_exist_only_for_files_made(reports_copy):
    page = reports_copy / PERIOD / "index.html"
    hrefs = _links_resolve(page)
    assert "nghe_an/30_leadership_briefing.pdf" in hrefs
    assert "national/40_national_overview.ipynb" in hrefs
    assert "index.en.html" in hrefs and "../index.html" in hrefs
    _links_resolve(reports_copy / PERIOD / "index.en.html")
    soup = _page(page)
    assert not _row(soup, "Cao Bằng").find("a")  # no report for it: no link, a word instead
    assert "Chưa có báo cáo" in _row(soup, "Cao Bằng").get_text()

    (reports_copy / PERIOD / "ha_tinh" / "30_leadership_briefing.pdf").unlink()
    index.build_indexes(PERIOD)
    hrefs = _links_resolve(page)
    assert "ha_tinh/30_leadership_briefing.pdf" not in hrefs
    assert "ha_tinh/30_leadership_briefing.html" in hrefs


def test_search_data_holds_folded_names_and_the_page_needs_nothing_external(reports_copy):
    text = (reports_copy / PERIOD / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    names = {tr.find("th").contents[0].strip(): tr["data-name"] for tr in soup.select("tbody tr")}
    assert "nghe an" in names["Nghệ An"] and "ha tinh" in names["Hà Tĩnh"]
    assert "da nang" in names["TP. Đà Nẵng"]  # đ folds to d, as the script folds queries
    for name, key in names.items():
        assert key == fold(key) and fold(name.replace("TP. ", "")) in key, (name, key)
    assert soup.find("input", type="search") and soup.find(id="finder").has_attr("hidden")
    assert not soup.find_all(["link", "img", "iframe"]) and not soup.find("script", src=True)
    assert "http://" not in text and "https://" not in text  # no CDN, no font, no request
    assert 'normalize("NFD")' in soup.find("script").text


def test_the_overview_lists_every_period_and_the_command_rebuilds_the_pages(reports_copy):
    (reports_copy / "index.html").unlink()
    (reports_copy / PERIOD / "index.en.html").unlink()
    result = CliRunner().invoke(main, ["index", "--period", PERIOD])
    assert result.exit_code == 0, result.output
    for page in ("index.html", "index.en.html"):
        hrefs = _links_resolve(reports_copy / page)
        assert f"{PERIOD}/{page}" in hrefs
    overview = _page(reports_copy / "index.html")
    assert overview.html["lang"] == "vi" and "tháng 10/2026" in overview.get_text()
    assert "DỮ LIỆU MẪU" in overview.get_text()
    assert overview.select_one("tbody td.n").get_text() == "3"  # units with reports


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the page's script")
def test_the_page_script_folds_a_query_as_the_rows_are_folded(reports_copy):
    script = _page(reports_copy / PERIOD / "index.html").find("script").text
    fold_js = re.search(r"function fold\(s\) \{.*?\n  \}", script, re.S).group(0)
    queries = ["Nghệ An", "NGHE AN", "Đà Nẵng", "  hà   tĩnh "]
    program = fold_js + "\nconsole.log(JSON.stringify(" + json.dumps(queries) + ".map(fold)));"
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [fold(q) for q in queries]


def test_each_unit_says_whether_its_month_is_complete(reports_copy, monkeypatch):
    from analysis.analyses.completeness import Gap, MonthCompleteness, UnitMonth
    from analysis.reference import geography

    # Hà Nội has not reported October (its latest figures are September's); Hà Tĩnh sent 26 of
    # the 27 figures due; the other units are complete. The page says so for every unit, in
    # both languages, by the one rule of analysis.analyses.completeness.
    due = [f"i{n}" for n in range(27)]

    def month(u: geography.Unit) -> UnitMonth:
        if u.codename == "ha_noi":
            return UnitMonth(u.codename, u.code, u.display_name, 27, (), (), "2026-09")
        if u.codename == "ha_tinh":
            gap = Gap(u.codename, "households_fibre_pct", PERIOD, "2026-09")
            return UnitMonth(u.codename, u.code, u.display_name, 27, tuple(due[1:]), (gap,), PERIOD)
        return UnitMonth(u.codename, u.code, u.display_name, 27, tuple(due), (), PERIOD)

    found = MonthCompleteness(
        PERIOD, "demo", 27, tuple(month(u) for u in geography.units() if u.basis == "34")
    )
    monkeypatch.setattr(index, "completeness", lambda results: found)
    result = CliRunner().invoke(main, ["index", "--period", PERIOD])
    assert result.exit_code == 0, result.output
    vi, en = (
        _page(reports_copy / PERIOD / "index.html"),
        _page(reports_copy / PERIOD / "index.en.html"),
    )
    hanoi = _row(vi, "TP. Hà Nội").select_one("ul.gaps").get_text(" ", strip=True)
    assert "tháng 10/2026" in hanoi and "tháng 9/2026" in hanoi
    assert "No figures for October 2026" in en.select_one("ul.gaps").get_text(" ", strip=True)
    hatinh = _row(vi, "Hà Tĩnh").select_one("ul.gaps").get_text(" ", strip=True)
    assert "Đã có số liệu 26/27 chỉ tiêu đến hạn tháng 10/2026, còn thiếu 1" in hatinh
    assert "Hộ có cáp quang: chưa có số liệu tháng 10/2026; số liệu gần nhất: tháng 9/2026" in (
        hatinh
    )
    assert _row(vi, "Nghệ An").select_one("p.complete").get_text() == "Đủ số liệu của tháng"
    national = _row(vi, "Cả nước").select_one("ul.gaps").get_text(" ", strip=True)
    assert national.startswith("33/34 tỉnh, thành phố có số liệu tháng 10/2026: 32 có đủ")


def test_each_link_names_its_unit_report_and_format_and_none_reads_alike(reports_copy):
    for page in ("index.html", "index.en.html"):
        soup = _page(reports_copy / PERIOD / page)
        names: dict[str, str] = {}
        for tr in soup.select("#units tbody tr"):
            groups = [li.get_text(" ", strip=True).split(":")[0] for li in tr.select("ul.links li")]
            assert len(groups) == len(set(groups)), groups  # no two groups of a unit alike
            for a in tr.select("ul.links a"):
                name = a["aria-label"]
                assert a.get_text() in name  # the visible word is part of the name
                assert names.setdefault(name, a["href"]) == a["href"], name
    vi = _page(reports_copy / PERIOD / "index.html")
    nghe_an = [li.get_text(" ", strip=True) for li in _row(vi, "Nghệ An").select("ul.links li")]
    assert [t.split(":")[0] for t in nghe_an] == ["Báo cáo lãnh đạo", "Số liệu đã công bố"]
    national = _row(vi, "Cả nước")
    groups = [li.get_text(" ", strip=True).split(":")[0] for li in national.select("ul.links li")]
    assert groups == ["Tổng quan cả nước", "Phụ lục bảng tính của tổng quan", "Số liệu đã công bố"]
    annex = national.find("a", href="national/40_national_overview.xlsx")
    assert annex.get_text() == "Excel"
    assert annex["aria-label"] == "Cả nước: Phụ lục bảng tính của tổng quan, Excel"
