"""What the national overview says, from hand-built period results and the real forecast
engine: the verdict per target, the units by status, the status matrix and what changed."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import compare, forecasting, monthly
from analysis.analyses.monthly import PeriodResults
from analysis.reference import catalog, geography
from analysis.reference.targets import MET_AT_RISK
from analysis.reporting import briefing, national_pages
from analysis.reporting.render import components

PERIOD = pd.Period("2026-10", "M")
DOSSIERS = "online_dossier_rate_pct"  # a monthly flow: can fall; 60 % by 2026-12
VILLAGES = "villages_mobile_broadband_pct"  # a cumulative count: 100 % by 2026-12


def _obs(series: dict[tuple[str, str], list[float]], end: str = "2026-10") -> pd.DataFrame:
    """Observations of each (unit, indicator) series, monthly up to ``end``."""
    p34 = geography.provinces("34").set_index("codename")
    rows = []
    for (unit, indicator), values in series.items():
        periods = pd.period_range(end=end, periods=len(values), freq="M")
        for period, value in zip(periods, values, strict=True):
            rows.append(
                {
                    "dataset": "demo",
                    "province": unit,
                    "province_code": p34.loc[unit, "code"],
                    "province_name": p34.loc[unit, "name"],
                    "region": p34.loc[unit, "region"],
                    "indicator": indicator,
                    "freq": "M",
                    "period": period,
                    "value": value,
                    "numerator": value * 10.0,
                    "denominator": 1000.0,
                    "is_weighted": False,
                    "is_synthetic": True,
                    "source": "Dữ liệu mẫu tổng hợp (synthetic demo data)",
                }
            )
    return pd.DataFrame(rows)


def _results(obs: pd.DataFrame) -> PeriodResults:
    """Comparison and forecasts by the product's own engine (no store: not cached)."""
    ids = sorted(set(obs["indicator"]))
    comparison = compare.compare_period(obs, PERIOD, ids)
    frame, table = monthly.forecast_inputs(obs, PERIOD)
    forecasts = forecasting.forecast_batch(frame, table, PERIOD, jobs=1, seed=1)
    return PeriodResults(PERIOD, "demo", "hand-built", obs, comparison, forecasts)


@pytest.fixture(scope="module")
def slipping():
    """Nghệ An's online dossiers rose to 66 % by April 2026 and fell since to 60,4 % in
    October: above the 60 % due in December, falling ~1 point a month. Hà Tĩnh climbs
    to 70 %, Huế towards 60 %; villages (a count) reached 100 % in Nghệ An."""
    rise = list(np.linspace(40.0, 66.0, 28))  # 2024-01 .. 2026-04
    fall = [65.0, 64.1, 63.0, 62.2, 61.3, 60.4]  # 2026-05 .. 2026-10
    series = {
        ("nghe_an", DOSSIERS): rise + fall,
        ("ha_tinh", DOSSIERS): list(np.linspace(62.0, 70.0, 34)),
        ("hue", DOSSIERS): list(np.linspace(30.0, 55.0, 34)),
        ("nghe_an", VILLAGES): list(np.linspace(97.0, 100.0, 31)) + [100.0] * 3,
    }
    return _results(_obs(series))


def test_the_engine_forecasts_the_slip_and_the_rule_says_met_at_risk(slipping):
    f = slipping.forecasts.set_index(["province", "indicator"])
    row = f.loc[("nghe_an", DOSSIERS)]
    assert row["last_value"] == pytest.approx(60.4) and row["status"] == "achieved"
    assert row["prob_target_met"] < 0.8  # the engine sees the fall
    rows = briefing.target_rows(slipping, "nghe_an").set_index("indicator")
    assert rows.loc[DOSSIERS, "status"] == MET_AT_RISK
    assert rows.loc[VILLAGES, "status"] == "achieved"  # a count that reached 100 % stays met


def test_a_rate_slipping_below_its_target_is_said_so_on_the_briefing(slipping):
    for lang, words in (("vi", "Đã đạt, có nguy cơ giảm dưới mục tiêu"), ("en", "Met, at risk")):
        rows = briefing.status_rows(slipping, "nghe_an", lang)
        row = next(r for r in rows if r.indicator == catalog.get(DOSSIERS).short(lang))
        assert row.status == MET_AT_RISK and row.probability is not None
        html = str(components.status_table(rows, lang))
        assert words in html and "status-achieved_at_risk" in html
        assert any(
            catalog.get(DOSSIERS).short(lang) in s
            for s in briefing.verdict(slipping, "nghe_an", lang)
        )
        card = briefing.kpi_card(slipping, "nghe_an", catalog.get(DOSSIERS), lang)
        assert card.status == MET_AT_RISK


def test_a_rate_slipping_below_its_target_is_said_so_on_the_overview(slipping):
    cells = national_pages.matrix_cells(slipping).set_index(["province", "indicator"])
    assert cells.loc[("nghe_an", DOSSIERS), "status"] == MET_AT_RISK
    # Hà Tĩnh's rising 70 % is met at risk too: the monthly probability map tops out below the
    # 80 % of "on track" (docs/method.md), so no monthly rate is met before its deadline month.
    assert cells.loc[("ha_tinh", DOSSIERS), "status"] == MET_AT_RISK
    assert cells.loc[("hue", DOSSIERS), "status"] == "off_track"
    assert national_pages.status_counts(slipping, DOSSIERS)[MET_AT_RISK] == 2
    (row,) = [
        r for r in national_pages.verdict_rows(slipping, "vi") if r.indicator == "Hồ sơ trực tuyến"
    ]
    assert (MET_AT_RISK, 2, "Đã đạt, có nguy cơ giảm dưới mục tiêu") in row.counts
    html = str(components.verdict_table([row], "vi"))
    assert 'class="seg status-achieved_at_risk"' in html
    assert "Đã đạt, có nguy cơ giảm dưới mục tiêu: 2" in html


def test_the_counts_by_status_add_up_to_the_units(slipping):
    units = len(geography.provinces("34"))
    for v in national_pages.verdicts(slipping):
        counts = national_pages.status_counts(slipping, v.indicator)
        assert sum(counts.values()) == units, (v.indicator, counts)
        reporting = slipping.comparison[
            (slipping.comparison["indicator"] == v.indicator) & slipping.comparison["value"].notna()
        ]
        assert sum(n for s, n in counts.items() if s != "no_data") == len(reporting)
        bar = next(
            r
            for r in national_pages.verdict_rows(slipping)
            if r.indicator == catalog.get(v.indicator).short("vi")
        )
        assert sum(n for _, n, _ in bar.counts) == units


def test_the_verdict_names_the_units_behind_in_the_seeds_style(slipping):
    sentences = national_pages.verdict_sentences(slipping, "vi")
    said = " ".join(sentences)
    # 3 of 34 units reported: too few for a national value of any target due this year.
    assert sentences[0].startswith("3/34 tỉnh, thành phố có số liệu tháng 10/2026")
    due = len(national_pages.due_this_year(slipping))
    assert f"Trong {due} mục tiêu đến hạn năm 2026, cả nước: {due} chưa có số liệu." in said
    # Huế (55 %) cannot reach 60 % by December: named with its value, one decimal.
    behind = [s for s in sentences if "hồ sơ trực tuyến 60%" in s]
    assert behind and re.search(r"^\d+ trong 34 tỉnh, thành có nguy cơ", behind[0])
    assert "TP. Huế 55,0%" in behind[0]


def test_the_matrix_has_every_unit_in_the_official_order(slipping):
    units = national_pages.official_order()
    assert len(units) == 34
    regions = geography.regions().set_index("region")["order"]
    order = [int(regions[r]) for r in units["region"]]
    assert order == sorted(order)  # grouped by region in the reference order
    for _, group in units.groupby("region"):
        assert list(group["code"]) == sorted(group["code"])  # then by official code
    fig = __import__("analysis.reporting.charts", fromlist=["status_matrix"]).status_matrix(
        national_pages.matrix_cells(slipping),
        units,
        national_pages.matrix_columns(slipping, "vi"),
        lang="vi",
    )
    from analysis.reporting.charts import alt_text

    assert "Ma trận trạng thái của 34 tỉnh, thành" in alt_text(fig)
    assert "Đã đạt, có nguy cơ giảm dưới mục tiêu 2" in alt_text(fig)


def test_a_rate_slipping_below_its_target_is_said_so_on_the_index(slipping, workspace):
    """The index page counts the unit's targets by the same rule, with a column of their own."""
    from bs4 import BeautifulSoup

    from analysis import paths
    from analysis.running.delivery import index
    from analysis.running.manifest import write_manifest

    pdf = paths.reports_dir() / "2026-10" / "nghe_an" / "30_leadership_briefing.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7\n")
    entry = {
        "notebook": "30_leadership_briefing",
        "unit": "nghe_an",
        "lang": "vi",
        "format": "pdf",
        "path": "2026-10/nghe_an/30_leadership_briefing.pdf",
        "status": "ok",
        "data_version": slipping.data_version,
    }
    write_manifest("2026-10", lambda m: {**m, "dataset": "demo", "outputs": [entry]})
    for page in index.build_period_index("2026-10", slipping):
        if page.suffix != ".html":
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        header = soup.select_one(f'thead th[data-status="{MET_AT_RISK}"]').get_text()
        assert header in ("Đã đạt, có nguy cơ giảm dưới mục tiêu", "Met, at risk of falling below")
        row = next(tr for tr in soup.select("#units tbody tr") if "Nghệ An" in tr.th.get_text())
        assert row.select_one(f'td[data-status="{MET_AT_RISK}"]').get_text() == "1"
        assert row.select_one('td[data-status="achieved"]').get_text() == "1"  # villages
