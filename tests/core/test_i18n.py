"""The message catalog and vi-VN / English formatting."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import numpy as np
import pandas as pd
import pytest

from analysis.core import i18n
from analysis.core.i18n import (
    fmt_date,
    fmt_datetime,
    fmt_decimal,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_points,
    fmt_signed,
    t,
)

# ---------------------------------------------------------------------------------- catalog


def test_every_message_has_vietnamese_and_english():
    assert i18n.missing_translations() == []


def test_placeholders_agree_between_languages():
    assert i18n.placeholder_mismatches() == []


def test_catalog_text_is_nfc_and_trimmed():
    for key, texts in i18n.catalog().items():
        for lang, text in texts.items():
            assert unicodedata.is_normalized("NFC", text), (key, lang)
            assert text == text.strip(), (key, lang)


@pytest.mark.parametrize(
    ("key", "vi", "en"),
    [
        ("report.title", "Báo cáo chuyển đổi số", "Briefing on digital transformation"),
        ("table.indicator", "Chỉ tiêu", "Indicator"),
        ("table.value", "Giá trị", "Value"),
        ("table.target", "Mục tiêu", "Target"),
        ("table.deadline", "Hạn", "Deadline"),
        ("table.probability", "Xác suất đạt", "Probability of meeting target"),
        ("table.required_pace", "Tốc độ cần thiết (điểm %/tháng)", "Required pace (pp/month)"),
        ("table.current_pace", "Tốc độ hiện tại (điểm %/tháng)", "Current pace (pp/month)"),
        ("table.status", "Trạng thái", "Status"),
        ("status.achieved", "Đã đạt", "Achieved"),
        ("status.on_track", "Đúng tiến độ", "On track"),
        ("status.at_risk", "Có nguy cơ", "At risk"),
        ("status.off_track", "Chậm tiến độ", "Off track"),
        ("status.achieved_on_time", "Hoàn thành đúng hạn", "Met on time"),
        ("status.achieved_late", "Hoàn thành muộn", "Met late"),
        ("status.missed", "Quá hạn chưa đạt", "Missed"),
        ("status.insufficient_history", "Chưa đủ số liệu để dự báo", "Too little data to forecast"),
        (
            "notice.synthetic",
            "DỮ LIỆU MẪU (TỔNG HỢP) — KHÔNG PHẢI SỐ LIỆU CHÍNH THỨC",
            "SYNTHETIC DEMO DATA — NOT OFFICIAL STATISTICS",
        ),
    ],
)
def test_required_labels(key, vi, en):
    assert t(key) == vi
    assert t(key, "vi") == vi
    assert t(key, "en") == en


def test_placeholders_are_filled():
    assert t("kpi.rank", rank=3, of=34) == "hạng 3/34"
    assert t("kpi.rank", "en", rank=3, of=34) == "rank 3 of 34"
    assert t("page.label", "vi", page=1, pages=3) == "Trang 1/3"
    assert t("units.points_vs_target", "vi", value="+5,03") == "+5,03 điểm % so với mục tiêu"


def test_unknown_key_is_a_clear_key_error():
    with pytest.raises(KeyError, match=r"unknown message key 'status\.on_trak'.*status\.on_track"):
        t("status.on_trak")


def test_missing_placeholder_value_is_a_clear_key_error():
    with pytest.raises(KeyError, match=r"kpi\.rank.*'rank'"):
        t("kpi.rank", "vi")


@pytest.mark.parametrize("lang", ["vi", "vi-VN", "vi_VN", "VI", None])
def test_language_codes_are_normalized(lang):
    assert t("status.on_track", lang) == "Đúng tiến độ"


def test_unsupported_language_is_refused():
    with pytest.raises(ValueError, match="unsupported report language"):
        t("status.on_track", "fr")


def test_yaml_boolean_keys_are_refused(tmp_path, monkeypatch):
    bad = tmp_path / "messages.yml"
    bad.write_text("common:\n  yes:\n    vi: Có\n    en: Yes\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_PATH", bad)
    i18n.reload_catalog()
    try:
        with pytest.raises(ValueError, match="not a string"):
            i18n.catalog()
    finally:
        monkeypatch.undo()
        i18n.reload_catalog()


# ---------------------------------------------------------------------------------- numbers


def test_numbers_vi_and_en():
    assert fmt_number(1899673) == "1.899.673"
    assert fmt_number(1899673, "en") == "1,899,673"
    assert fmt_number(np.int64(1234567), "vi") == "1.234.567"
    assert fmt_decimal(45.03) == "45,03"
    assert fmt_decimal(45.03, "en") == "45.03"
    assert fmt_decimal(1234.5, "vi", 1) == "1.234,5"


def test_rounding_is_half_up():
    assert fmt_decimal(45.025, "vi") == "45,03"
    assert fmt_decimal(2.675, "en") == "2.68"
    assert fmt_number(0.5) == "1"


def test_percent_takes_percent_units_and_has_no_space_in_vietnamese():
    assert fmt_percent(45.03) == "45,03%"
    assert fmt_percent(45.03, "en") == "45.03%"
    assert fmt_percent(80, "vi", decimals=0) == "80%"


def test_points_are_signed():
    assert fmt_points(5.03) == "+5,03 điểm %"
    assert fmt_points(5.03, "en") == "+5.03 pp"
    assert fmt_points(-1.2) == "-1,20 điểm %"
    assert fmt_points(-0.001) == "0,00 điểm %"  # no "-0,00"
    assert fmt_signed(1234.5, "vi", 1) == "+1.234,5"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values_are_an_em_dash(missing):
    for fmt in (fmt_number, fmt_decimal, fmt_percent, fmt_points, fmt_signed):
        assert fmt(missing) == "—"
    assert fmt_date(missing) == "—"
    assert fmt_period(missing) == "—"


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError):
        fmt_number(math.inf)


# ---------------------------------------------------------------------------------- dates


def test_periods():
    assert fmt_period(pd.Period("2026-10", "M")) == "tháng 10/2026"
    assert fmt_period(pd.Period("2026-10", "M"), "en") == "October 2026"
    assert fmt_period(pd.Period("2026", "Y")) == "năm 2026"
    assert fmt_period(pd.Period("2026", "Y"), "en") == "2026"
    assert fmt_period("2026-03") == "tháng 3/2026"
    assert fmt_period("2026Q3") == "quý 3/2026"
    assert fmt_period("2026Q3", "en") == "Q3 2026"
    assert fmt_period(2026) == "năm 2026"
    assert i18n.upper_first(fmt_period("2026-10")) == "Tháng 10/2026"


def test_dates_and_datetimes():
    assert fmt_date(dt.date(2026, 12, 31)) == "31/12/2026"
    assert fmt_date(dt.date(2026, 12, 31), "en") == "31 December 2026"
    assert fmt_date("2026-01-05") == "05/01/2026"
    assert fmt_date(pd.Timestamp("2026-12-31")) == "31/12/2026"
    naive = dt.datetime(2026, 12, 31, 14, 30)
    assert fmt_datetime(naive) == "14:30 31/12/2026"
    assert fmt_datetime(naive, "en") == "31 December 2026, 14:30"
    aware = dt.datetime(2026, 12, 31, 7, 30, tzinfo=dt.UTC)  # 14:30 in Viet Nam (UTC+7)
    assert fmt_datetime(aware) == "14:30 31/12/2026"


def test_outputs_are_nfc():
    for text in (fmt_period("2026-10"), t("status.at_risk"), fmt_points(1.5)):
        assert unicodedata.is_normalized("NFC", text)


def test_short_dates_for_tables():
    assert fmt_date(dt.date(2030, 12, 31), "en", short=True) == "31 Dec 2030"
    assert fmt_date(dt.date(2030, 12, 31), "vi", short=True) == "31/12/2030"


def test_every_report_status_has_a_label():
    from analysis.reference.targets import REPORT_STATUSES

    for status in REPORT_STATUSES:
        assert i18n.has_message(f"status.{status}"), status


def test_ranks_say_when_they_are_shared():
    assert i18n.rank_text(5, 34) == "hạng 5/34"
    assert i18n.rank_text(5, 34, "en") == "rank 5 of 34"
    assert i18n.rank_text(1, 34, tied=True) == "đồng hạng 1/34"
    assert i18n.rank_text(1, 34, "en", tied=True) == "tied 1st of 34"
    assert [i18n.ordinal(n, "en") for n in (2, 3, 4, 11, 12, 13, 21, 22)] == [
        "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"
    ]  # fmt: skip
    assert i18n.rank_text(5, 34, short=True) == "5/34"


def test_free_text_is_cleaned_and_cut():
    assert i18n.strip_control("a\x00b\x1bc\x9fd\te\nf") == "abcd\te\nf"
    text = "Sở Thông tin và Truyền thông " * 40
    short = i18n.shorten(text, 300)
    assert len(short) <= 300 and short.endswith("…") and text.startswith(short[:-1])
    assert i18n.shorten("ngắn", 300) == "ngắn"


def test_periods_are_read_by_the_shared_reader():
    from analysis.core import periods

    for value in ("2026-10", "2026", "2026Q3", 2026, dt.date(2026, 10, 5)):
        assert fmt_period(value) == fmt_period(periods.to_period(value))


@pytest.mark.parametrize(
    ("p", "vi", "en"),
    [
        (0.72, "70%", "70%"),
        (0.75, "70%", "70%"),  # beside "at risk" (under 80 %): never shown as 80 %
        (0.7999, "70%", "70%"),
        (0.8, "80%", "80%"),
        (0.29, "20%", "20%"),  # "behind" (under 30 %)
        (0.3, "30%", "30%"),
        (0.5, "50%", "50%"),
        (0.1, "10%", "10%"),
        (0.099, "dưới 10%", "under 10%"),
        (0.0, "dưới 10%", "under 10%"),
        (0.94, "90%", "90%"),
        (0.95, "trên 90%", "over 90%"),
        (1.0, "trên 90%", "over 90%"),
        (float("nan"), "—", "—"),
    ],
)
def test_probabilities_shown_in_ten_point_steps_on_the_side_of_their_status(p, vi, en):
    from analysis.core.i18n import fmt_probability

    assert fmt_probability(p, "vi") == vi
    assert fmt_probability(p, "en") == en
