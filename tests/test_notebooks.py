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


def test_national_overview_lists_provinces_at_risk(use_demo_store, tmp_path):
    nb, _ = _execute("40_national_overview", tmp_path, period="2026-10")
    html = _html_outputs(nb)
    assert "địa phương có nguy cơ hoặc chậm tiến độ" in html
    # Every province appears in the all-values table.
    for name in ("Nghệ An", "TP. Hồ Chí Minh", "Cà Mau", "Lai Châu"):
        assert name in html
    # National values say how many provinces they stand for.
    assert "Số tỉnh, thành báo cáo" in html and "<td>34/34</td>" in html


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
    overview, _ = _execute("40_national_overview", tmp_path, period="2026-10")
    row = _table_row(_html_outputs(overview), short)
    assert "Nghệ An" not in row and "hoàn thành muộn" in row


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
