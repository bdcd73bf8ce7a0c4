"""What the report pages say, from hand-built period results (no store, no kernel).

Each test builds the observations, the comparison and the forecasts of a small case by hand and
checks the words and numbers the briefing, the forecast notebook and the national overview show.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import compare
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.reference import catalog, geography, targets
from analysis.reference.targets import INSUFFICIENT_HISTORY, MET_LATE, MISSED
from analysis.reporting import briefing, briefing_changes
from analysis.reporting.render import components

PERIOD = pd.Period("2026-10", "M")
FIBRE = "households_fibre_pct"  # target 85 % by 2026-12, not a headline
EID = "eid_activation_pct"  # headline, target 90 % by 2026-12
D422 = "decision422_services_pct"  # target 100 % by 2024-12 (passed in 2026-10)
VILLAGES = "villages_mobile_broadband_pct"  # headline


def _obs(rows):
    """Observations from (province, indicator, period, value) tuples (denominator 1000)."""
    p34 = geography.provinces("34").set_index("codename")
    out = []
    for province, indicator, period, value in rows:
        out.append(
            {
                "province": province,
                "province_code": p34.loc[province, "code"],
                "indicator": indicator,
                "period": pd.Period(period, "M"),
                "freq": "M",
                "numerator": value * 10.0,
                "denominator": 1000.0,
                "value": value,
                "is_weighted": False,
                "is_synthetic": True,
                "source": "Dữ liệu mẫu tổng hợp (synthetic demo data)",
            }
        )
    return pd.DataFrame(out)


def _forecast(province, indicator, status, last_value, prob=np.nan, **extra):
    ind = catalog.get(indicator)
    target = ind.target_for(PERIOD)
    row = {
        "province": province,
        "indicator": indicator,
        "target": target.value,
        "deadline": str(pd.Period(target.deadline, "M")),
        "last_period": "2026-10",
        "last_value": last_value,
        "point": last_value,
        "lower": last_value,
        "upper": last_value,
        "prob_target_met": prob,
        "expected_completion": None,
        "required_pace": np.nan,
        "current_pace": np.nan,
        "status": status,
        "model": "test",
        "path_json": "[]",
    }
    row.update(extra)
    return row


def _results(obs, forecasts):
    ids = sorted(set(obs["indicator"]))
    comparison = compare.compare_period(obs, PERIOD, ids)
    return PeriodResults(PERIOD, "demo", "v1", obs, comparison, pd.DataFrame(forecasts))


@pytest.fixture
def deadline_case():
    """DVC 422 (due 2024-12) met on time by Hà Tĩnh, late by Nghệ An, missed by Huế."""
    obs = _obs(
        [
            ("nghe_an", D422, "2026-09", 100.0),
            ("nghe_an", D422, "2026-10", 100.0),
            ("ha_tinh", D422, "2026-10", 100.0),
            ("hue", D422, "2026-10", 90.0),
        ]
    )
    forecasts = [
        _forecast("nghe_an", D422, "off_track", 100.0, 0.0),  # 60 % at the deadline
        _forecast("ha_tinh", D422, "achieved", 100.0, 1.0, expected_completion="2024-12"),
        _forecast("hue", D422, "off_track", 90.0, 0.0),
    ]
    return _results(obs, forecasts)


def test_target_met_late_is_the_same_on_all_three_pages(deadline_case):
    r = deadline_case
    name = catalog.get(D422).short("vi")
    # Briefing: not in the table of open targets, listed as done, late.
    assert [row.indicator for row in briefing.status_rows(r, "nghe_an")] == []
    assert f"{name} (hoàn thành muộn)" in briefing.done_note(r, "nghe_an")
    # Forecast notebook's table.
    status_col = i18n.t("table.status", "vi")
    assert briefing.forecast_table(r, "nghe_an")[status_col].tolist() == ["Hoàn thành muộn"]
    assert briefing.forecast_table(r, "ha_tinh")[status_col].tolist() == ["Hoàn thành đúng hạn"]
    assert briefing.forecast_table(r, "hue")[status_col].tolist() == ["Quá hạn chưa đạt"]
    # National overview: Huế missed it, Nghệ An met it late and is not "at risk".
    risk = briefing.provinces_at_risk(r).set_index("indicator").loc[D422]
    assert risk["provinces"] == ["TP. Huế"]
    assert (risk["n_missed"], risk["n_late"], risk["n_achieved"]) == (1, 1, 1)
    html = str(components.risk_table(briefing.provinces_at_risk(r), "vi"))
    assert "1/3 địa phương quá hạn chưa đạt" in html and "1 địa phương hoàn thành muộn" in html
    assert "Nghệ An" not in html
    # Huế's own briefing shows it as missed, in words.
    rows = briefing.status_rows(r, "hue")
    assert [row.status for row in rows] == [MISSED]
    assert "Quá hạn chưa đạt" in str(components.status_table(rows, "vi"))


def test_one_rule_decides_after_the_deadline():
    frame = pd.DataFrame(
        [
            _forecast("nghe_an", D422, "off_track", 100.0),
            _forecast("ha_tinh", D422, "achieved", 95.0),  # met at the deadline, fell since
            _forecast("hue", D422, "off_track", 99.9999),
            _forecast("nghe_an", EID, "off_track", 90.0),  # ahead, met now, a stock
            _forecast("nghe_an", FIBRE, "achieved", 85.0, 0.95),  # ahead, met, held
            _forecast("ha_tinh", FIBRE, "achieved", 85.5, 0.5),  # ahead, met, may fall back
            _forecast("hue", FIBRE, INSUFFICIENT_HISTORY, 80.0),
        ]
    )
    got = targets.target_status(frame, PERIOD).set_index(["province", "indicator"])["status"]
    assert got[("nghe_an", D422)] == MET_LATE
    assert got[("ha_tinh", D422)] == "achieved"
    assert got[("hue", D422)] == MISSED
    assert got[("nghe_an", EID)] == "achieved"
    assert got[("nghe_an", FIBRE)] == "achieved"
    assert got[("ha_tinh", FIBRE)] == targets.MET_AT_RISK
    assert got[("hue", FIBRE)] == INSUFFICIENT_HISTORY


@pytest.fixture
def one_month():
    """A first month of own data: Nghệ An's fibre at 84,90 % against 85 % by 2026-12."""
    obs = _obs(
        [
            ("nghe_an", FIBRE, "2026-10", 84.9),
            ("ha_tinh", FIBRE, "2026-10", 80.0),
            ("hue", FIBRE, "2026-10", 88.0),
            ("nghe_an", EID, "2026-10", 70.0),
            ("ha_tinh", EID, "2026-10", 72.0),
            ("hue", EID, "2026-10", 75.0),
        ]
    )
    forecasts = [
        _forecast("nghe_an", FIBRE, INSUFFICIENT_HISTORY, 84.9, point=np.nan),
        _forecast("nghe_an", EID, INSUFFICIENT_HISTORY, 70.0, point=np.nan),
        _forecast("hue", EID, INSUFFICIENT_HISTORY, 75.0, point=np.nan),
    ]
    return _results(obs, forecasts)


def test_too_little_history_shows_gap_and_pace_but_no_probability(one_month):
    rows = {row.indicator: row for row in briefing.status_rows(one_month, "nghe_an")}
    fibre = rows[catalog.get(FIBRE).short("vi")]
    assert fibre.status == INSUFFICIENT_HISTORY and fibre.probability is None
    assert fibre.required_pace == "+0,05"  # 0,10 points over the 2 months to 2026-12
    assert "Cách mục tiêu 0,10 điểm %" in fibre.note and "mới có 1 kỳ số liệu" in fibre.note
    html = str(components.status_table(list(rows.values()), "vi"))
    assert "Chưa đủ số liệu để dự báo" in html
    assert "Chậm tiến độ" not in html
    assert not re.search(r">\s*(0|100)%\s*<", html)  # no certainty from one point
    forecast = briefing.forecast_table(one_month, "nghe_an")
    assert set(forecast[i18n.t("table.forecast", "vi")]) == {"—"}
    # Nobody is "at risk" on a target nobody can forecast yet.
    risk = briefing.provinces_at_risk(one_month).set_index("indicator").loc[EID]
    assert risk["provinces"] == [] and risk["n_insufficient"] == 2
    assert "2 địa phương chưa đủ số liệu" in str(
        components.risk_table(briefing.provinces_at_risk(one_month), "vi")
    )


def test_what_changed_needs_a_previous_month(one_month, deadline_case):
    assert not briefing_changes.has_previous_period(one_month, "nghe_an")
    assert briefing_changes.changes_section(one_month, "nghe_an", "vi") is None
    assert briefing_changes.has_previous_period(deadline_case, "nghe_an")
    assert "Những thay đổi" in str(briefing_changes.changes_section(deadline_case, "nghe_an", "vi"))


def test_three_provinces_are_not_a_national_value(one_month):
    c = briefing.comparison(one_month)
    row = c[(c["province"] == "nghe_an") & (c["indicator"] == EID)].iloc[0]
    assert (row["n_reporting"], row["n_units"]) == (3, 34) and not row["national_covered"]
    card = briefing.kpi_card(one_month, "nghe_an", catalog.get(EID), "vi")
    assert card.note.startswith("Trung bình 3 tỉnh, thành báo cáo: ")
    assert "Cả nước" not in card.note
    summary = briefing.comparison_summary(one_month, "nghe_an", [EID], "vi")
    national = summary[i18n.t("kpi.national_average", "vi")].iloc[0]
    assert national == "— (3/34 tỉnh, thành báo cáo)"
    regional = summary[i18n.t("kpi.regional_average", "vi")].iloc[0]
    assert regional.startswith("— (3/") and "tỉnh, thành báo cáo" in regional
    (_, table), *_ = [t for t in briefing.value_tables(one_month, "vi") if "Hạ tầng" in t[0]]
    national_row = table.set_index(i18n.t("table.province", "vi")).loc["Cả nước"]
    reporting_row = table.set_index(i18n.t("table.province", "vi")).loc["Số tỉnh, thành báo cáo"]
    assert national_row.iloc[0] == "—" and reporting_row.iloc[0] == "3/34"


def test_full_coverage_says_how_many_reported():
    everyone = geography.provinces("34")["codename"]
    obs = _obs([(p, VILLAGES, "2026-10", 90.0 + i / 10) for i, p in enumerate(everyone)])
    r = _results(obs, [])
    card = briefing.kpi_card(r, "nghe_an", catalog.get(VILLAGES), "vi")
    assert re.fullmatch(r"Cả nước: \d+,\d\d% \(34/34 tỉnh, thành báo cáo\)", card.note)


def _css_colors():
    from analysis.reporting.render.styles import STYLESHEET

    css = STYLESHEET.read_text(encoding="utf-8")
    return css, dict(re.findall(r"--status-([a-z_]+):\s*(#[0-9a-fA-F]{6})", css))


def test_css_palette_is_the_charts_palette():
    from analysis.reporting.charts import STATUS_COLORS

    css, palette = _css_colors()
    assert {k: v.lower() for k, v in palette.items()} == {
        k: v.lower() for k, v in STATUS_COLORS.items()
    }
    for status in STATUS_COLORS:
        rule = re.search(rf"\.kpi-card\.status-{status}\b[^{{]*\{{([^}}]*)\}}", css)
        assert rule and f"var(--status-{status})" in rule.group(1), status


def test_kpi_card_colour_follows_its_status(one_month, deadline_case):
    frame = one_month.forecasts.copy()
    frame.loc[frame["province"] == "nghe_an", "status"] = "at_risk"
    frame["prob_target_met"] = 0.5
    r = PeriodResults(PERIOD, "demo", "v1", one_month.observations, one_month.comparison, frame)
    card = briefing.kpi_card(r, "nghe_an", catalog.get(EID), "vi")
    assert card.status == "at_risk"
    html = str(components.kpi_cards([card]))
    assert 'class="kpi-card tone-neutral status-at_risk"' in html
    legend = str(components.kpi_legend([card], "vi"))
    assert "status-at_risk" in legend and "Có nguy cơ" in legend
    # No target: better / worse by the indicator's direction (higher is better here).
    obs = _obs([("nghe_an", VILLAGES, "2026-09", 99.0), ("nghe_an", VILLAGES, "2026-10", 98.0)])
    card = briefing.kpi_card(_results(obs, []), "nghe_an", catalog.get(VILLAGES), "vi")
    assert (card.status, card.trend, card.direction) == ("worse", "worse", "down")


def test_ties_say_tied(one_month):
    obs = _obs(
        [
            ("nghe_an", VILLAGES, "2026-10", 100.0),
            ("ha_tinh", VILLAGES, "2026-10", 100.0),
            ("hue", VILLAGES, "2026-10", 95.0),
            ("ha_noi", VILLAGES, "2026-10", 94.0),
            ("ca_mau", VILLAGES, "2026-10", 93.0),
        ]
    )
    r = _results(obs, [])
    vi = briefing.kpi_card(r, "nghe_an", catalog.get(VILLAGES), "vi")
    en = briefing.kpi_card(r, "nghe_an", catalog.get(VILLAGES), "en")
    assert vi.rank == "đồng hạng 1/5" and en.rank == "tied 1st of 5"
    assert briefing.kpi_card(r, "hue", catalog.get(VILLAGES), "vi").rank == "hạng 3/5"
    summary = briefing.comparison_summary(r, "ha_tinh", [VILLAGES], "vi")
    assert summary[i18n.t("table.rank", "vi")].iloc[0] == "đồng hạng 1/5"


def test_no_rank_among_fewer_than_five_units():
    """One or a few units reporting: no "hạng 1/1", and no average of one unit."""
    assert compare.MIN_RANKED == 5
    one = _results(_obs([("nghe_an", VILLAGES, "2026-10", 100.0)]), [])
    card = briefing.kpi_card(one, "nghe_an", catalog.get(VILLAGES), "vi")
    assert card.rank is None and card.note == "1/34 tỉnh, thành báo cáo"
    four = _results(
        _obs([(p, VILLAGES, "2026-10", 90.0 + i) for i, p in enumerate(PROVINCES_4)]), []
    )
    card = briefing.kpi_card(four, "nghe_an", catalog.get(VILLAGES), "vi")
    assert card.rank is None and card.note.startswith("Trung bình 4 tỉnh, thành báo cáo")
    summary = briefing.comparison_summary(four, "nghe_an", [VILLAGES], "vi")
    assert summary[i18n.t("table.rank", "vi")].iloc[0] == i18n.MISSING
    assert summary[i18n.t("table.tier", "vi")].iloc[0] == i18n.MISSING


PROVINCES_4 = ("nghe_an", "ha_tinh", "hue", "ha_noi")


def test_pages_use_official_city_names(deadline_case):
    assert briefing.province_name("ho_chi_minh") == "TP. Hồ Chí Minh"
    assert briefing.province_name("hue") == "TP. Huế"
    assert briefing.province_name("nghe_an") == "Nghệ An"
    names = set(briefing.comparison(deadline_case)["province_name"])
    assert {"TP. Hồ Chí Minh", "TP. Hà Nội", "TP. Hải Phòng", "TP. Đà Nẵng"} <= names
    assert {"TP. Cần Thơ", "TP. Huế"} <= names and "Hồ Chí Minh" not in names


def test_provenance_is_in_the_page_language(deadline_case):
    params = {"period": "2026-10", "lang": "vi", "dataset": None, "province": "nghe_an"}
    vi = briefing.provenance(deadline_case, "30_leadership_briefing", params, "vi")
    assert vi["parameters"] == (
        "Tỉnh, thành phố: Nghệ An; Kỳ: tháng 10/2026; Ngôn ngữ: tiếng Việt; Bộ dữ liệu: mặc định"
    )
    assert vi["source"] == "Dữ liệu mẫu tổng hợp"
    assert not any("synthetic" in str(v) or "{" in str(v) for v in vi.values())
    en = briefing.provenance(deadline_case, "30_leadership_briefing", dict(params, lang="en"), "en")
    assert en["parameters"].startswith("Province: Nghệ An; Period: October 2026; Language: English")
    assert en["source"] == "Synthetic demo data"


@pytest.fixture
def stale_case():
    """Nghệ An's e-ID rows are missing for 2026-10: its latest figure is September's."""
    obs = _obs(
        [
            ("nghe_an", EID, "2026-09", 63.68),
            ("ha_tinh", EID, "2026-09", 70.0),
            ("ha_tinh", EID, "2026-10", 71.0),
            ("nghe_an", VILLAGES, "2026-10", 99.0),
        ]
    )
    forecasts = [
        _forecast("nghe_an", EID, "off_track", 63.68, 0.01, last_period="2026-09"),
        _forecast("ha_tinh", EID, "on_track", 71.0, 0.9),
    ]
    return _results(obs, forecasts)


def test_older_figures_carry_their_own_period(stale_case):
    card = briefing.kpi_card(stale_case, "nghe_an", catalog.get(EID), "vi")
    assert card.value == "63,68%" and card.note == "số liệu tháng 9/2026"
    assert card.status == "stale" and card.rank is None and card.change is None
    cards = briefing.kpi_cards(stale_case, "nghe_an", "vi")
    assert catalog.get(EID).short("vi") in [c.label for c in cards]  # the card does not vanish
    (row,) = briefing.status_rows(stale_case, "nghe_an")
    assert row.value == "63,68% (số liệu tháng 9/2026)"
    summary = briefing.comparison_summary(stale_case, "nghe_an", [EID], "vi")
    assert summary[i18n.t("table.value", "vi")].tolist() == ["63,68% (số liệu tháng 9/2026)"]
    risk = briefing.provinces_at_risk(stale_case).set_index("indicator").loc[EID]
    assert risk["provinces"] == ["Nghệ An (số liệu tháng 9/2026)"]
    value = briefing.forecast_table(stale_case, "nghe_an")[i18n.t("table.value", "vi")]
    assert value.tolist() == ["63,68% (số liệu tháng 9/2026)"]


def test_a_headline_never_reported_says_so(stale_case):
    card = briefing.kpi_card(stale_case, "hue", catalog.get(EID), "vi")
    assert card.value == "—" and card.note == "Chưa báo cáo tháng 10/2026"


@pytest.mark.parametrize(
    ("period", "year"), [("2026-12", 2025), ("2026-03", 2025), ("2026-02", 2024)]
)
def test_an_annual_headline_never_reported_names_the_year_collected_not_the_month(
    stale_case, period, year
):
    """The digital-economy share is collected in March for the year before: a December report
    without it lacks the 2025 figure, not a figure "for December 2026"."""
    r = PeriodResults(
        pd.Period(period, "M"),
        "submitted",
        "v1",
        stale_case.observations,
        stale_case.comparison,
        stale_case.forecasts,
    )
    ind = catalog.get("digital_economy_share_grdp_pct")
    card = briefing.kpi_card(r, "nghe_an", ind, "vi")
    assert card.note == f"Chưa báo cáo năm {year}", card.note
    assert briefing.kpi_card(r, "nghe_an", ind, "en").note == f"Not reported for {year}"


def test_nan_probabilities_never_print(deadline_case):
    frame = deadline_case.forecasts.copy()
    frame["deadline"] = "2026-12"
    frame["status"] = "on_track"
    frame["prob_target_met"] = math.nan
    frame["last_value"] = 50.0
    r = PeriodResults(
        PERIOD, "demo", "v1", deadline_case.observations, deadline_case.comparison, frame
    )
    (row,) = briefing.status_rows(r, "hue")
    assert row.probability is None
    html = str(components.status_table([row], "vi"))
    cells = re.findall(r'<td class="num">(.*?)</td>', html)  # value, target, probability, ...
    assert cells[2] == "—" and "nan" not in html.lower()


def test_real_sources_are_shown_as_written(deadline_case):
    obs = deadline_case.observations.copy()
    obs.loc[obs["province"] == "hue", "source"] = "Sở KH&CN Huế"
    r = PeriodResults(PERIOD, "demo", "v1", obs, deadline_case.comparison, deadline_case.forecasts)
    assert briefing.sources_text(r, "en") == "Synthetic demo data; Sở KH&CN Huế"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "Bộ dữ liệu: số liệu địa phương gửi"),
        ("en", "Dataset: figures submitted by the provinces"),
    ],
)
def test_dataset_parameter_is_named_in_the_page_language(lang, expected):
    text = briefing.parameters_text({"province": "nghe_an", "dataset": "submitted"}, lang)
    assert expected in text and "submitted" not in text.replace("submitted by", "")


def test_one_period_is_said_in_good_english(one_month):
    rows = {row.indicator: row for row in briefing.status_rows(one_month, "nghe_an", "en")}
    fibre = rows[catalog.get(FIBRE).short("en")]
    assert "only 1 period so far" in fibre.note and "1 periods" not in fibre.note


def test_generation_time_is_shown_in_viet_nam_time_whatever_the_server_clock(one_month):
    """Servers often run on UTC; the footer (like the index pages) shows Viet Nam time."""
    import datetime as dt

    info = briefing.provenance(one_month, "30_leadership_briefing", {}, "vi")
    stamp = info["generated_at"]
    assert stamp.tzinfo is not None
    shown = i18n.fmt_datetime(stamp, "vi")
    in_vietnam = stamp.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert shown.startswith(in_vietnam.strftime("%H:%M"))


# --- the verdict: every number from the target table ----------------------------------------

DOSSIERS = "online_dossier_rate_pct"  # a monthly flow (can fall): 60 % by 2026-12


@pytest.fixture
def verdict_case():
    """Nghệ An's targets in 2026-10: e-ID off track, fibre on track, online dossiers above the
    target but likely to fall below it, DVC 422 met late; Hà Tĩnh and Huế for the ranks."""
    months = [f"2026-{m:02d}" for m in (8, 9, 10)]
    obs = _obs(
        [("nghe_an", EID, m, v) for m, v in zip(months, (80.0, 80.5, 81.0), strict=True)]
        + [("nghe_an", FIBRE, m, v) for m, v in zip(months, (83.0, 83.8, 84.6), strict=True)]
        + [("nghe_an", DOSSIERS, m, v) for m, v in zip(months, (66.0, 63.2, 60.02), strict=True)]
        + [("nghe_an", D422, m, v) for m, v in zip(months, (100.0, 100.0, 100.0), strict=True)]
        + [(p, i, "2026-10", 70.0) for p in ("ha_tinh", "hue") for i in (EID, FIBRE, DOSSIERS)]
    )
    forecasts = [
        _forecast("nghe_an", EID, "off_track", 81.0, 0.02, required_pace=4.5, current_pace=0.5),
        _forecast("nghe_an", FIBRE, "on_track", 84.6, 0.9, required_pace=0.2, current_pace=0.8),
        _forecast(
            "nghe_an", DOSSIERS, "achieved", 60.02, 0.32, required_pace=-0.01, current_pace=-3
        ),
        _forecast("nghe_an", D422, "off_track", 100.0, expected_completion="2026-08"),
    ]
    return _results(obs, forecasts)


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _table_numbers(rows, lang):
    """Every number the target table shows (its cells as rendered), and the counts of its rows
    by status label and in all."""
    text = re.sub(r"<[^>]+>", " ", str(components.status_table(rows, lang)))
    numbers = set(NUMBER.findall(text))
    labels = [row.label or i18n.t(f"status.{row.status}", lang) for row in rows]
    counts = {str(labels.count(label)) for label in labels} | {str(len(rows))}
    return numbers, counts


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_verdict_says_only_what_the_target_table_shows(verdict_case, lang):
    rows = briefing.status_rows(verdict_case, "nghe_an", lang)
    sentences = briefing.verdict(verdict_case, "nghe_an", lang)
    assert 2 <= len(sentences) <= 4
    numbers, counts = _table_numbers(rows, lang)
    for sentence in sentences:
        for number in NUMBER.findall(sentence):
            assert number in numbers or number in counts, (number, sentence, numbers, counts)
    # The counts are the table's, by the words the table uses.
    labels = [row.label or i18n.t(f"status.{row.status}", lang) for row in rows]
    for label in set(labels):
        assert f"{labels.count(label)} {label.lower()}" in sentences[0], (label, sentences[0])
    # The most urgent target is the one off track, with the pace the table gives it.
    eid = next(r for r in rows if r.indicator == catalog.get(EID).short(lang))
    assert eid.indicator in sentences[1] and eid.required_pace in sentences[1]
    assert eid.current_pace in sentences[1] and eid.value in sentences[1]
    # The rate above its target that may fall back is said so, with its probability.
    slipping = next(r for r in rows if r.status == targets.MET_AT_RISK)
    said = " ".join(sentences)
    assert slipping.indicator in said and slipping.value in said


def test_the_verdict_numbers_are_counted_from_the_rows_shown(verdict_case):
    sentences = briefing.verdict(verdict_case, "nghe_an", "vi")
    assert sentences[0] == (
        "Trong 3 mục tiêu ở bảng dưới đây: 1 đã đạt, có nguy cơ giảm dưới mục tiêu; "
        "1 đúng tiến độ; 1 chậm tiến độ."
    )
    assert sentences[1] == (
        "Cần ưu tiên nhất: Kích hoạt định danh điện tử hiện đạt 81,00%, mục tiêu 90% "
        "(hạn 31/12/2026); tốc độ cần thiết +4,50 điểm %/tháng, tốc độ hiện tại +0,50 điểm %/tháng."
    )
    assert sentences[2] == (
        "Đã đạt nhưng có nguy cơ giảm dưới mục tiêu trước hạn: Hồ sơ trực tuyến 60,02% "
        "(mục tiêu 60%, xác suất giữ được 30%)."
    )
