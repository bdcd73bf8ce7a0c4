"""The commune analyses and the two commune notebooks, on a small hand-made store.

The store holds Lai Châu's 38 communes (the smallest province), two indicators, two months,
with figures chosen so every expected rank, tie, change and status is computed by hand here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest

from analysis.analyses import commune_standings
from analysis.data.rebuild import rebuild
from analysis.reference import communes
from analysis.reporting import commune_pages
from analysis.reporting.render import exporters
from analysis.running import params
from tests.conftest import write_csv
from tests.notebook_runs import execute

CODES = communes.communes("lai_chau")["commune_code"].tolist()  # 38, in code order


def _online(i: int) -> int:
    """October online dossiers of commune i (of 100): 30 + i, with i = 11 tied with i = 10."""
    return 40 if i == 11 else 30 + i


def _rows() -> str:
    lines = ["province,commune,indicator,period,numerator,denominator"]
    for i, code in enumerate(CODES):
        lines.append(f"12,{code},online_dossier_rate_pct,2026-10,{_online(i)},100")
        if i > 0:  # the first commune did not report in September
            lines.append(f"12,{code},online_dossier_rate_pct,2026-09,{28 + i},100")
        lines.append(f"12,{code},dossiers_on_time_pct,2026-10,{96 - i % 5},100")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    data = tmp_path_factory.mktemp("communes") / "data"
    write_csv(
        data / "raw" / "demo" / "xa_lai_chau.csv",
        _rows(),
        "source: Dữ liệu mẫu tổng hợp (synthetic demo data)\nsynthetic: true\n",
    )
    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(data)
    try:
        rebuild(data / "raw" / "published")
        yield data
    finally:
        if old is None:
            os.environ.pop("VNDX_DATA_DIR", None)
        else:
            os.environ["VNDX_DATA_DIR"] = old


@pytest.fixture(scope="module")
def table(small_store) -> pd.DataFrame:
    return commune_standings.standings(commune_standings.load_province("lai_chau", "2026-10"))


def _row(table: pd.DataFrame, i: int, indicator: str) -> pd.Series:
    rows = table[(table["commune_code"] == CODES[i]) & (table["indicator"] == indicator)]
    return rows.iloc[0]


def test_ranks_ties_changes_tiers_and_status(table):
    top = _row(table, 37, "online_dossier_rate_pct")
    assert (top["value"], top["rank"], top["n_ranked"], top["tier"]) == (67.0, 1, 38, 1)
    assert top["change"] == pytest.approx(67 - 65) and top["better"] is True
    assert top["status"] == commune_standings.MET and top["target"] == 60
    tied = [_row(table, i, "online_dossier_rate_pct") for i in (10, 11)]
    assert [r["rank"] for r in tied] == [27, 27] and all(r["tied"] for r in tied)
    assert _row(table, 9, "online_dossier_rate_pct")["rank"] == 29
    first = _row(table, 0, "online_dossier_rate_pct")
    assert pd.isna(first["change"]) and first["better"] is None
    assert (first["rank"], first["tier"], first["status"]) == (38, 4, commune_standings.NOT_MET)
    assert (
        table.query("indicator == 'online_dossier_rate_pct'")["status"] == commune_standings.MET
    ).sum() == 8
    on_time = _row(table, 37, "dossiers_on_time_pct")  # 94 %: eight communes at 96, eight at 95
    assert (on_time["value"], on_time["rank"], on_time["tied"]) == (94.0, 17, True)
    assert on_time["status"] == commune_standings.NOT_MET  # target 95


def test_summary_is_the_ratio_of_summed_counts(small_store, table):
    data = commune_standings.load_province("lai_chau", "2026-10")
    s = commune_standings.summary(data, table).set_index("indicator")
    online = s.loc["online_dossier_rate_pct"]
    assert online["province_value"] == pytest.approx(100 * 1842 / 3800)
    # Change over the 37 communes that reported both months: (1842 - 30) - sum(28 + i, i=1..37).
    both_now, both_before = 1842 - 30, sum(28 + i for i in range(1, 38))
    assert online["province_change"] == pytest.approx(100 * (both_now - both_before) / 3700)
    assert (online["n"], online["n_met"], online["min"], online["max"]) == (38, 8, 30, 67)
    assert s.loc["dossiers_on_time_pct", "n_met"] == 16


def test_leaders_laggards_movers_and_overall_tiers(table):
    best, worst = commune_standings.leaders_laggards(table, "online_dossier_rate_pct", 3)
    assert best["commune_code"].tolist() == [CODES[37], CODES[36], CODES[35]]
    assert worst["commune_code"].tolist() == [CODES[0], CODES[1], CODES[2]]
    moved = commune_standings.movers(table, 2)
    online = moved[moved["indicator"] == "online_dossier_rate_pct"]
    assert len(online) == 2 and (online["change"] == 2).all()  # every commune +2, no falls
    tiers = commune_standings.overall_tiers(table)
    counts = tiers["tier"].value_counts()
    assert sorted(counts.index) == [1, 2, 3, 4] and counts.sum() == 38 and counts.min() >= 8
    # Mean rank percentile: i = 35 is 3rd and 1st (1/37), i = 4 is 34th and 33rd (32.5/37).
    assert tiers.iloc[0]["commune_code"] == CODES[35] and tiers.iloc[0]["tier"] == 1
    assert tiers.iloc[-1]["commune_code"] == CODES[4] and tiers.iloc[-1]["tier"] == 4
    assert tiers.iloc[0]["percentile"] == pytest.approx(1 / 37)


def test_parameter_models(small_store):
    p = params.validate("16_commune_scorecard", {"province": "Lai Chau", "commune": "khoen on"})
    assert (p.province, p.commune) == ("lai_chau", "03640")
    assert params.model_for("15_commune_comparison") is params.CommuneComparisonParams
    assert params.data_range(level="commune") == ("2026-09", "2026-10")
    with pytest.raises(params.ParameterError, match="parameter 'commune' = 'Vinh Phu'"):
        params.validate("16_commune_scorecard", {"province": "lai_chau", "commune": "Vinh Phu"})
    with pytest.raises(params.ParameterError, match="outside the data"):
        params.validate("15_commune_comparison", {"province": "lai_chau", "period": "2026-08"})
    with pytest.raises(params.ParameterError, match="'dataset' = 'submitted' is not in the store"):
        params.validate("15_commune_comparison", {"province": "lai_chau", "dataset": "submitted"})
    with pytest.raises(ValueError, match="no commune figures for nghe_an in 2026-10"):
        commune_standings.load_province("nghe_an", "2026-10")


def test_position_strip_is_a_data_image():
    img = commune_pages.position_strip(pd.Series([1.0, 2.0, 3.0]), 2.0, 2.5, "hạng 2/3")
    assert img.startswith('<img src="data:image/svg+xml;base64,') and 'alt="hạng 2/3"' in img


# --- the notebooks, executed and rendered --------------------------------------------------


def _render(name: str, out_dir, **parameters):
    out = out_dir / f"{name}.{parameters.get('lang', 'vi')}.ipynb"
    nb = execute(name, out, **parameters)
    return nb, exporters.export(out, out_dir, formats=("pdf",))["pdf"]


def plain_text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


@pytest.mark.slow
@needs_poppler
def test_scorecard_is_one_page_with_the_commune_figures(small_store, tmp_path):
    nb, pdf = _render("16_commune_scorecard", tmp_path, province="12", commune="Khoen On")
    assert all(o.get("output_type") != "error" for c in nb.cells for o in c.get("outputs", []))
    assert _pages(pdf) == 1
    text = " ".join(plain_text(pdf).split())
    assert "Phiếu chỉ tiêu chuyển đổi số cấp xã" in text
    assert "Xã Khoen On, Lai Châu" in text and "tháng 10/2026" in text
    assert "DỮ LIỆU MẪU (TỔNG HỢP)" in text
    assert "67,00%" in text and "hạng 1/38" in text and "+2,00 điểm %" in text
    assert "94,00%" in text and "đồng hạng 17/38" in text
    assert "Đạt mục tiêu" in text and "Chưa đạt mục tiêu" in text
    assert "Nhóm dẫn đầu" in text


@pytest.mark.slow
@needs_poppler
def test_comparison_in_vietnamese_and_english(small_store, tmp_path):
    _nb, pdf = _render("15_commune_comparison", tmp_path, province="lai_chau")
    text = " ".join(plain_text(pdf).split())
    assert "So sánh các xã, phường, đặc khu" in text and "Lai Châu" in text
    assert "48,47%" in text  # the province: 1,842 of 3,800 dossiers online
    assert "8/38 xã" in text and "16/38 xã" in text
    assert "Xã Khoen On 67,00%" in text  # the leader
    assert _pages(pdf) <= 4
    _nb, pdf_en = _render("15_commune_comparison", tmp_path, province="lai_chau", lang="en")
    english = " ".join(plain_text(pdf_en).split())
    assert "Communes compared" in english and "October 2026" in english
    assert "48.47%" in english and "8 of 38" in english
    assert "SYNTHETIC DEMO DATA" in english
    for vietnamese in ("So sánh các xã", "Dẫn đầu", "tháng"):
        assert vietnamese not in english
