"""Every notebook executed with papermill on the demo store, and what it produced checked.

The expected values come from independent computations (SQL over the store, hand formulas), not
from the code under test.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import duckdb
import nbformat
import papermill as pm
import pytest

from analysis.analyses import compare
from analysis.data import store
from analysis.reference import catalog
from analysis.reporting.render import exporters
from tests.conftest import ROOT
from tests.notebook_runs import execute

NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.slow


def _execute(name, tmp_path, **parameters):
    out = tmp_path / f"{name}.ipynb"
    return execute(name, out, **parameters), out


def _html_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


def _sql_rank(db, indicator, period, province):
    """Rank 1 = highest value, computed in SQL over the store (independent of compare.py)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            """
            WITH v AS (SELECT province, numerator / denominator * 100 AS pct
                       FROM observations_34 WHERE indicator = ? AND period = ?
                       AND dataset = 'demo')
            SELECT (SELECT count(*) FROM v AS o WHERE o.pct > v.pct) + 1, pct,
                   (SELECT count(*) FROM v)
            FROM v WHERE province = ?""",
            [indicator, period, province],
        ).fetchone()


def test_every_notebook_has_a_parameters_cell_and_no_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        tags = [c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"]
        assert ["parameters"] in tags, path.name
        assert all(
            not c.get("outputs") and not c.get("execution_count")
            for c in nb.cells
            if c.cell_type == "code"
        ), path.name
        assert path.with_suffix(".py").exists(), f"{path.name} is not paired with a .py"


def test_province_comparison_values_match_sql_and_hand_computation(use_demo_store, tmp_path):
    nb, _ = _execute(
        "10_province_comparison",
        tmp_path,
        province="Nghệ An",
        period="2023-08",
        indicators=["villages_mobile_broadband_pct"],
    )
    html = _html_outputs(nb)
    # Seed fact: 3,743 of 3,806 villages -> 98,35 % (hand computation, vi-VN format).
    assert f"{100 * 3743 / 3806:.2f}".replace(".", ",") + "%" in html
    rank, pct, n = _sql_rank(
        store.connect().execute("PRAGMA database_list").fetchone()[2],
        "villages_mobile_broadband_pct",
        "2023-08",
        "nghe_an",
    )
    assert abs(pct - 100 * 3743 / 3806) < 1e-9
    obs = store.load_series_frame("demo")
    ours = compare.compare_indicator(obs, "villages_mobile_broadband_pct", "2023-08")
    row = ours.set_index("province").loc["nghe_an"]
    assert (int(row["rank"]), int(row["n_ranked"])) == (rank, n)
    assert f"<td>{rank}/{n}</td>" in html


def test_target_forecast_runs_with_plain_papermill_cli(use_demo_store, tmp_path):
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "papermill")
            if (ROOT / ".venv" / "bin" / "papermill").exists()
            else "papermill",
            str(NOTEBOOKS / "20_target_forecast.ipynb"),
            str(out),
            "-p",
            "province",
            "nghe_an",
            "-p",
            "period",
            "2026-10",
            "--cwd",
            str(NOTEBOOKS),
        ],
        check=True,
        capture_output=True,
    )
    nb = nbformat.read(out, as_version=4)
    html = _html_outputs(nb)
    for ind in ("eid_activation_pct", "online_dossier_rate_pct"):
        assert catalog.get(ind).short("vi") in html
    assert "Xác suất đạt" in html and re.search(r"\d+%", html)
    # Model descriptions in Vietnamese, not the engine's English account.
    assert "Kết hợp" in html and "rolling-origin" not in html and "combination of" not in html
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # one fan chart per target


def test_target_forecast_refuses_bad_parameters_in_the_first_cell(use_demo_store, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        _execute("20_target_forecast", tmp_path, province="Atlantis", period="2026-10")
    assert "unknown province: 'Atlantis'" in str(err.value)


@pytest.fixture(scope="module")
def overview_pdfs(demo_store, tmp_path_factory):
    """The national overview of 2026-10 executed and rendered, in Vietnamese and English."""
    out = tmp_path_factory.mktemp("overview")
    files = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VNDX_DATA_DIR", str(demo_store))
        for lang in ("vi", "en"):
            path = out / f"40_national_overview.{lang}.ipynb"
            execute("40_national_overview", path, period="2026-10", lang=lang)
            files[lang] = exporters.export(path, out, formats=("html", "pdf"))
    return files


def _text(pdf, first=None, last=None):
    args = [
        "pdftotext",
        *(["-f", str(first)] if first else []),
        *(["-l", str(last)] if last else []),
    ]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_national_overview_opens_with_its_verdict_in_at_most_four_pages(overview_pdfs):
    pdf = overview_pdfs["vi"]["pdf"]
    assert _pages(pdf) <= 4
    first = " ".join(_text(pdf, 1, 1).split())
    verdict = first.index("Đánh giá chung")
    assert verdict < first.index("Các mục tiêu đến hạn năm 2026")
    assert "Tất cả 34 tỉnh, thành phố đã có đủ số liệu tháng 10/2026." in first
    assert re.search(r"Trong \d+ mục tiêu đến hạn năm 2026, cả nước: ", first)
    assert re.search(
        r"\d+ trong 34 tỉnh, thành có nguy cơ không đạt hoặc chậm tiến độ mục tiêu", first
    )
    text = " ".join(_text(pdf).split())
    order = [
        "Đánh giá chung",
        "Trạng thái từng tỉnh, thành theo từng mục tiêu",
        "Những thay đổi so với tháng trước",
        "Ghi chú phương pháp",
    ]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    assert "40_national_overview.xlsx" in text  # every value: in the annex
    english = " ".join(_text(overview_pdfs["en"]["pdf"]).split())
    assert _pages(overview_pdfs["en"]["pdf"]) <= 4
    assert "Overall assessment" in english and "Targets due in 2026" in english
    assert "Đánh giá" not in english


def test_national_overview_counts_every_unit_once_per_target(overview_pdfs):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(overview_pdfs["vi"]["html"].read_text(), "html.parser")
    bars = soup.select("table.verdict-table .count-bar")
    assert bars
    for bar in bars:
        counts = [int(n) for n in re.findall(r": (\d+)", bar["aria-label"])]
        assert sum(counts) == 34, bar["aria-label"]  # every unit, "no data" included
    alt = soup.find("img", alt=re.compile("Ma trận trạng thái"))["alt"]
    cells = [int(n) for n in re.findall(r"(\d+)(?=, |\.$)", alt.split(":", 1)[1])]
    assert sum(cells) == 34 * len(catalog.targets_frame("2026-10"))  # a cell per unit x target


def test_explore_notebook_runs(use_demo_store, tmp_path):
    nb, _ = _execute("00_explore", tmp_path)
    text = "\n".join(
        o.get("data", {}).get("text/plain", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert "3743" in text and "3806" in text  # the SQL example


@pytest.fixture(scope="module")
def briefing_pdfs(demo_store, tmp_path_factory):
    import os

    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(demo_store)
    out = tmp_path_factory.mktemp("briefing")
    try:
        files = {}
        for lang in ("vi", "en"):
            path = out / f"30_leadership_briefing.{lang}.ipynb"
            pm.execute_notebook(
                str(NOTEBOOKS / "30_leadership_briefing.ipynb"),
                str(path),
                parameters={"province": "nghe_an", "period": "2026-10", "lang": lang},
                kernel_name="python3",
                cwd=str(NOTEBOOKS),
                progress_bar=False,
            )
            files[lang] = exporters.export(path, out, formats=("html", "pdf"))
    finally:
        if old is None:
            os.environ.pop("VNDX_DATA_DIR", None)
        else:
            os.environ["VNDX_DATA_DIR"] = old
    return files


def _pdf(files):
    return files["pdf"]


def _pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_briefing_pdf_text_pages_fonts_and_notice(briefing_pdfs):
    pdf = _pdf(briefing_pdfs["vi"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Báo cáo chuyển đổi số" in text and "Nghệ An" in text
    assert "tháng 10/2026" in text
    assert re.search(r"\d{1,3},\d{2}%", text)  # vi-VN percentage such as 82,47%
    pages = _pages(pdf)
    assert 2 <= pages <= 4
    for page in range(1, pages + 1):
        page_text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout
        assert "DỮ LIỆU MẪU (TỔNG HỢP)" in page_text, page
        assert f"Trang {page}/{pages}" in page_text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(re.search(r"\byes\b\s+\byes\b", r) for r in rows), fonts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_english_briefing_is_in_english(briefing_pdfs):
    text = subprocess.run(
        ["pdftotext", str(_pdf(briefing_pdfs["en"])), "-"], capture_output=True, text=True
    ).stdout
    assert "Briefing on digital transformation" in text and "October 2026" in text
    assert "SYNTHETIC DEMO DATA" in text
    for vietnamese in ("Báo cáo chuyển đổi số", "Tiến độ thực hiện", "Trạng thái", "tháng"):
        assert vietnamese not in text


def test_briefing_html_is_offline(briefing_pdfs):
    html = briefing_pdfs["vi"]["html"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html)
    assert "<script" not in html.lower()
    assert "data:image/png;base64" in html


def _table_row(html: str, first_cell: str) -> str:
    """The text of the first table row whose first cell is ``first_cell``."""
    for row in re.findall(r"<tr.*?</tr>", html, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        if cells and re.sub(r"<[^>]+>", "", cells[0]).strip() == first_cell:
            return re.sub(r"<[^>]+>", " ", row)
    raise AssertionError(f"no row for {first_cell!r}")


def test_briefing_forecast_and_overview_agree_on_a_target_met_late(
    use_demo_store, briefing_pdfs, tmp_path
):
    from analysis.analyses import monthly
    from analysis.reference.targets import MET_LATE
    from analysis.reporting import briefing

    results = monthly.period_results("2026-10")
    late = briefing.target_rows(results, "nghe_an")
    late = late[late["status"] == MET_LATE]
    assert not late.empty, "the demo has targets Nghệ An met after their deadline"
    short = catalog.get(late.iloc[0]["indicator"]).short("vi")

    own = briefing_pdfs["vi"]["html"].read_text()
    assert f"{short} (hoàn thành muộn)" in own
    forecast, _ = _execute("20_target_forecast", tmp_path, province="nghe_an", period="2026-10")
    assert "Hoàn thành muộn" in _table_row(_html_outputs(forecast), short)
    from analysis.reporting import national_pages

    cells = national_pages.matrix_cells(results).set_index(["province", "indicator"])
    assert cells.loc[("nghe_an", late.iloc[0]["indicator"]), "status"] == MET_LATE
    overview, _ = _execute("40_national_overview", tmp_path, period="2026-10")
    alts = [str(o.get("metadata", {})) for c in overview.cells for o in c.get("outputs", [])]
    assert any(re.search(r"Ma trận trạng thái.*Hoàn thành muộn \d+", a) for a in alts)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_briefing_marks_its_published_figures(briefing_pdfs):
    pdf = _pdf(briefing_pdfs["vi"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    # Nghệ An kept its borders: its DTI 2024 is the published 0.7184; Index 766 2026 to 10/10:
    # 61.82 points, rank 21 of 34 (data/raw/published/real).
    for expected in (
        "Số liệu công bố (không phải dữ liệu mẫu)",
        "DTI tổng thể 2024: 0,7184",
        "61,82/100 điểm, hạng 21/34 (số công bố)",
        "dti.gov.vn",
        "dichvucong.gov.vn",
    ):
        assert expected.replace(" ", "") in flat, expected
    assert "DỮ LIỆU MẪU (TỔNG HỢP)" in text  # the rest stays marked synthetic


def _fill(pdf, page: int) -> float:
    """How far down its text block a page's content reaches (0 to 1): the lowest row with ink,
    between the running header and footer, at 30 dpi."""
    import io

    from PIL import Image

    png = subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", "-f", str(page), "-l", str(page), "-png", str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    top, bottom = int(height * 0.08), int(height * 0.91)  # 19 mm / 18 mm page margins
    pixels = image.load()
    lowest = top
    for y in range(top, bottom):
        if any(pixels[x, y] < 200 for x in range(0, width, 2)):
            lowest = y
    return (lowest - top) / (bottom - top)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_briefing_opens_with_its_verdict_and_has_no_half_empty_page(briefing_pdfs, lang):
    pdf = _pdf(briefing_pdfs[lang])
    first = " ".join(_text(pdf, 1, 1).split())
    verdict, cards = (
        ("Đánh giá chung", "Các chỉ số chính")
        if lang == "vi"
        else (
            "Overall assessment",
            "Key figures",
        )
    )
    assert first.index(verdict) < first.index(cards)
    pages = _pages(pdf)
    for page in range(1, pages):  # every page but the last is at least two-thirds full
        assert _fill(pdf, page) > 0.66, (lang, page, _fill(pdf, page))


def test_briefing_verdict_numbers_are_in_its_target_table(briefing_pdfs):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(briefing_pdfs["vi"]["html"].read_text(), "html.parser")
    sentences = [p.get_text(" ", strip=True) for p in soup.select("section.verdict p")]
    assert 2 <= len(sentences) <= 4
    table = soup.select_one("table.status-table")
    cells = set(re.findall(r"\d+(?:[.,]\d+)*", table.get_text(" ")))
    labels = [r.select_one(".status-text").get_text(strip=True) for r in table.select("tbody tr")]
    counts = {str(labels.count(label)) for label in labels} | {str(len(labels))}
    for sentence in sentences:
        for number in re.findall(r"\d+(?:[.,]\d+)*", sentence):
            assert number in cells or number in counts, (number, sentence)
    for label in set(labels):
        assert f"{labels.count(label)} {label.lower()}" in sentences[0]
    # Every card is read against a year earlier as well.
    cards = soup.select(".kpi-card")
    years = [c for c in cards if "cùng kỳ năm trước" in c.get_text()]
    assert len(years) == len(cards) == 6


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_briefing_pdf_has_no_jargon_and_a_short_method_note(briefing_pdfs, demo_store):
    from analysis.core.version import code_version

    pdf = _pdf(briefing_pdfs["vi"])
    text = _text(pdf)
    html = briefing_pdfs["vi"]["html"].read_text()
    version = re.search(r"Phiên bản dữ liệu</dt><dd>([0-9a-f]{12})", html).group(1)
    for jargon in (
        version,
        code_version(),
        "30_leadership_briefing",
        "25_published_figures",
        "Phiên bản phần mềm",
        "Sổ tính toán",
        str(ROOT),
        str(demo_store),
    ):
        assert jargon not in text, jargon
        if jargon in (version, code_version(), "30_leadership_briefing"):
            assert jargon in html  # kept in the HTML's full provenance
    # The method note: its short version on paper (at most half a page), the full one on screen.
    flat = " ".join(text.split())
    method = flat[flat.index("Ghi chú phương pháp") :]
    method = method[: method.index("Nguồn số liệu:")]
    assert len(method) < 1400, len(method)
    assert "Phương pháp đầy đủ có trong bản HTML của báo cáo." in method
    assert "Tỷ lệ của vùng và cả nước được tính từ tổng tử số" in html  # the full note
