"""The report of real published figures (notebook 25_published_figures) and its schedule.

Expected values are the published cells themselves (data/raw/published/real) and hand
computations from them, never the output of the code under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.analyses import published_tables
from analysis.data.rebuild import rebuild
from analysis.reference import geography
from analysis.reporting import published_pages
from analysis.running import jobs, params, runner
from analysis.running.params import ParameterError
from tests.conftest import ROOT
from tests.notebook_runs import execute

NOTEBOOK = "25_published_figures"
PUBLISHED = ROOT / "data" / "raw" / "published"


@pytest.fixture(scope="module")
def published_store(tmp_path_factory) -> Path:
    """A store built from the shipped reference and published files alone (no monthly data)."""
    data = tmp_path_factory.mktemp("published_only") / "data"
    (data / "raw").mkdir(parents=True)
    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(data)
    try:
        rebuild(PUBLISHED)
    finally:
        os.environ.pop("VNDX_DATA_DIR") if old is None else os.environ.update(VNDX_DATA_DIR=old)
    return data


@pytest.fixture
def real(published_store, monkeypatch):
    monkeypatch.setenv("VNDX_DATA_DIR", str(published_store))
    return published_tables.load()


def _row(view, measure, year):
    t = view.table
    return t[(t["measure"] == measure) & (t["year"] == year)].iloc[0]


def test_published_dti_values_and_ranks_come_out_unchanged(real):
    da_nang = published_tables.dti_view(real, geography.by_codename("da_nang").code)
    assert [f.name for f in da_nang.former] == ["Đà Nẵng", "Quảng Nam"]
    r2022 = _row(da_nang, "dti_overall", 2022)
    assert (r2022["former:48"], r2022["former_rank:48"], r2022["former_rank_of:48"]) == (
        0.8002,
        1,
        63,
    )
    r2024 = _row(da_nang, "dti_overall", 2024)
    assert (r2024["former_rank:49"], r2024["former_rank_of:49"]) == (57, 63)
    assert round(r2024["nation"], 4) == 0.6961 and r2024["nation_n"] == 63
    nghe_an = published_tables.dti_view(real, geography.by_codename("nghe_an").code)
    assert _row(nghe_an, "dti_overall", 2022)["former_rank:40"] == 52


def test_derived_value_of_a_merged_unit_by_hand(real):
    # Đà Nẵng 2022: (0.8002 x 1,220.2 + 0.5808 x 1,519.4) / (1,220.2 + 1,519.4), the DTI and the
    # population of the former Đà Nẵng and Quảng Nam as published.
    expected = (0.8002 * 1220.2 + 0.5808 * 1519.4) / (1220.2 + 1519.4)
    row = _row(published_tables.dti_view(real, "48"), "dti_overall", 2022)
    assert row["unit"] == pytest.approx(expected)
    assert round(expected, 4) == 0.6785
    assert row["unit_rank_of"] == 34
    derived = published_tables.dti_derived_ranks(real)
    year = derived[(derived["measure"] == "dti_overall") & (derived["year"] == 2022)]
    assert row["unit_rank"] == 1 + int((year["value"] > expected).sum())


def test_index_766_of_2026_and_the_national_block(real):
    online = published_tables.national_value(real, "dossiers_online_pct")
    assert online is not None
    assert (online["value"], online["numerator"], online["denominator"]) == (
        94.88,
        13_913_639,
        14_664_697,
    )
    da_nang = published_tables.index766_year_to_date(real, "48").set_index("measure")
    assert (da_nang.loc["index766_total", "value"], da_nang.loc["index766_total", "rank"]) == (
        61.0,
        25,
    )
    country = published_tables.index766_year_to_date(real, None).set_index("measure")["value"]
    assert country["index766_total"] == 62.59


def test_plan_schedules_the_published_report_for_every_unit_and_the_country():
    planned = jobs.plan_jobs("2026-10")
    mine = [j for j in planned if j.notebook == NOTEBOOK]
    assert sorted(j.unit for j in mine) == sorted(
        [*geography.provinces("34")["codename"], "national"]
    )
    national = next(j for j in mine if j.unit == "national")
    assert national.parameters["province"] == "national" and national.stem == NOTEBOOK
    assert national.out_dir(Path("/r")) == Path("/r/2026-10/national")
    few = jobs.plan_jobs("2026-10", ["Nghệ An"], langs=("vi", "en"))
    assert {(j.notebook, j.unit, j.lang) for j in few if j.notebook == NOTEBOOK} == {
        (NOTEBOOK, u, lang) for u in ("nghe_an", "national") for lang in ("vi", "en")
    }
    assert {j.stem for j in few if j.notebook == NOTEBOOK} == {NOTEBOOK, f"{NOTEBOOK}.en"}
    assert jobs.validate_jobs(mine) == []
    with pytest.raises(ParameterError):
        params.validate(NOTEBOOK, {"province": "Atlantis"})


def test_run_leaves_the_report_out_when_the_store_has_no_published_figures(workspace, tmp_path):
    rebuild(tmp_path / "no_published_folder")
    planned = jobs.plan_jobs("2026-10", ["nghe_an"])
    kept, left_out = runner._with_published(planned)
    assert left_out == [NOTEBOOK]
    assert {j.notebook for j in kept} == {"30_leadership_briefing", "40_national_overview"}


def test_briefing_box_marks_the_published_figures(real):
    box = str(published_pages.briefing_box("da_nang", "vi", real))
    assert "0,6949" in box and "hạng 19/34 (suy ra, không phải số công bố)" in box
    assert "61,00/100 điểm, hạng 25/34 (số công bố)" in box
    assert "dti.gov.vn" in box and "dichvucong.gov.vn" in box


def test_a_unit_kept_whole_shows_its_dti_as_published(real):
    """Nghệ An kept its borders: its DTI 2024 is the published 0,7184, rank 27 of 63, as the
    published-figures report shows it; nothing about it is derived."""
    latest = published_tables.latest_dti(real, "40")
    assert latest is not None and latest.published
    assert (latest.year, latest.value, latest.rank, latest.rank_of) == (2024, 0.7184, 27, 63)
    box = str(published_pages.briefing_box("nghe_an", "vi", real))
    assert "DTI tổng thể 2024: 0,7184, hạng 27/63 (số công bố)." in box
    assert "suy ra" not in box
    en = str(published_pages.briefing_box("nghe_an", "en", real))
    assert "Overall DTI 2024: 0.7184, rank 27 of 63 (as published)." in en


def _render(tmp_path: Path, **parameters) -> str:
    from analysis.reporting.render import exporters

    out = tmp_path / f"{NOTEBOOK}.{parameters['province']}.{parameters['lang']}.ipynb"
    execute(NOTEBOOK, out, **parameters)
    files = exporters.export(out, tmp_path, formats=("html", "pdf"))
    html = Path(files["html"]).read_text(encoding="utf-8")
    text = subprocess.run(
        ["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert 'class="notice tone-bad synthetic"' not in html
    assert 'alt="Biểu đồ đường: điểm trung bình Chỉ số 766' in html or "Line chart" in html
    # Without white space: a long address or repository name may break across lines.
    return "".join(text.split())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_notebook_renders_published_figures_for_a_unit_and_the_country(
    published_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("VNDX_DATA_DIR", str(published_store))
    unit = _render(tmp_path, province="da_nang", period="2026-10", lang="vi")
    for expected in (
        "0,8002 (1/63)",  # Đà Nẵng 2022, published
        "0,5803 (57/63)",  # Quảng Nam 2024, published
        "0,6785 (5/34)",  # the merged unit 2022, derived
        "0,6961",  # 2024 mean of the 63 provinces
        "hạng 25/34",
        "13.913.639 trên 14.664.697",
        "94,88%",
        "dti.gov.vn",
        "dichvucong.gov.vn",
        "Tổng cục Thống kê",
        "PhamQuyNam/PMNM_HaUI.DNK_2025",
        "duynghiaqn/Crawler-766",
        "suy ra, không phải số công bố",
    ):
        assert expected.replace(" ", "") in unit, expected
    for banner in ("DỮ LIỆU MẪU (TỔNG HỢP)", "Dữ liệu mẫu (tổng hợp)", "dữ liệu mẫu (tổng hợp)"):
        assert banner.replace(" ", "") not in unit
    country = _render(tmp_path, province="national", period="2026-10", lang="en")
    for expected in ("0.6961", "62.59", "94.88%", "13,913,639", "dichvucong.gov.vn", "Rank/34"):
        assert expected.replace(" ", "") in country, expected
    assert "SYNTHETICDEMODATA" not in country.upper() and "Syntheticdemodata" not in country


def test_index_766_figures_dated_after_the_report_month_are_left_out(real):
    before = " ".join(
        str(p) for p in published_pages.index766_section(real, "da_nang", "2026-09", "vi")
    )
    assert "sau kỳ báo cáo tháng 9/2026" in before and "61,00" not in before
    after = " ".join(
        str(p) for p in published_pages.index766_section(real, "da_nang", "2026-10", "vi")
    )
    assert "61,00/100 điểm, hạng 25/34" in after
    assert "Dịch vụ trực tuyến của tỉnh, thành phố là tổng hai phần công bố" in after
