"""Text alternatives of the charts: written from the data, in Vietnamese and English."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.reference import geography
from analysis.reporting import charts

IND = "eid_activation_pct"


def _comparison(values: dict[str, float | None] | None = None) -> pd.DataFrame:
    """One indicator for the 34 units: Nghệ An 82.5 % ranked 32nd, the rest spread around it."""
    units = {u.codename: u.display_name for u in geography.units() if u.basis == "34"}
    others = [c for c in sorted(units) if c != "nghe_an"]
    # 31 units above Nghệ An (99 down to 84 %), 2 below (80 and 79 %).
    vals: dict[str, float | None] = {c: 99.0 - 0.5 * i for i, c in enumerate(others[:31])}
    vals.update({others[31]: 80.0, others[32]: 79.0})
    vals["nghe_an"] = 82.5
    vals.update(values or {})
    frame = pd.DataFrame(
        {
            "province": list(vals),
            "province_name": [units[c] for c in vals],
            "indicator": IND,
            "value": list(vals.values()),
            "target": 90.0,
            "national_value": 85.0,
        }
    )
    frame["rank"] = frame["value"].rank(ascending=False, method="min")
    return frame


def _first_last(frame: pd.DataFrame) -> tuple[str, str]:
    have = frame.dropna(subset=["value"]).sort_values("rank")
    return have["province_name"].iloc[0], have["province_name"].iloc[-1]


def test_rank_chart_says_where_the_province_stands_in_both_languages():
    frame = _comparison()
    assert int(frame.loc[frame["province"] == "nghe_an", "rank"].iloc[0]) == 32
    first, last = _first_last(frame)
    vi = charts.alt_text(charts.rank_bar_chart(frame, "nghe_an", lang="vi", title="Định danh"))
    assert vi.startswith("Biểu đồ xếp hạng Định danh: Nghệ An xếp thứ 32/34, 82,5%")
    assert "mục tiêu 90%, cả nước 85%." in vi
    assert f"Đứng đầu: {first} (99%)" in vi and f"đứng cuối: {last}" in vi
    en = charts.alt_text(charts.rank_bar_chart(frame, "nghe_an", lang="en"))
    # Without a title the indicator's own name says what is ranked.
    assert en.startswith("Ranking chart of e-ID accounts activated: Nghệ An ranks 32 of 34, 82.5%")
    assert "target 90%, national 85%." in en


def test_rank_chart_says_shared_ranks_and_missing_provinces():
    frame = _comparison({"nghe_an": 99.0, "lai_chau": None, "dien_bien": None})
    frame["rank"] = frame["value"].rank(ascending=False, method="min")
    vi = charts.alt_text(charts.rank_bar_chart(frame, "nghe_an", lang="vi"))
    assert "Nghệ An đồng hạng 1/34, 99%" in vi and "32/34 tỉnh, thành có số liệu" in vi
    en = charts.alt_text(charts.rank_bar_chart(frame, "nghe_an", lang="en"))
    assert "Nghệ An tied 1st of 34, 99%" in en and "32 of 34 provinces with data" in en
    gone = charts.alt_text(charts.rank_bar_chart(frame, "lai_chau", lang="vi"))
    assert "Lai Châu chưa có số liệu" in gone


def test_rank_and_map_has_one_text_for_both_panels():
    frame = _comparison()
    fig = charts.rank_and_map(frame, "nghe_an", lang="vi", title="Định danh điện tử")
    text = charts.alt_text(fig)
    assert text.startswith("Biểu đồ xếp hạng Định danh điện tử: Nghệ An xếp thứ")
    assert "Bản đồ" not in text  # the map's own text was replaced, not appended


def _history() -> pd.Series:
    idx = pd.period_range("2026-01", "2026-10", freq="M")
    return pd.Series([70 + i for i in range(9)] + [80.5], index=idx)


def _path(end: str = "2026-12") -> pd.DataFrame:
    idx = pd.period_range("2026-11", end, freq="M")
    n = len(idx)
    mean, upper = [81.0] * (n - 1) + [82.4], [83.0] * (n - 1) + [84.9]
    return pd.DataFrame({"mean": mean, "lower": [80.0] * n, "upper": upper}, index=idx)


def test_trend_chart_tells_last_value_change_target_and_forecast():
    fig = charts.trend_fan_chart(
        _history(), _path(), target=90, deadline="2026-12", title="Định danh", lang="vi"
    )
    assert charts.alt_text(fig) == (
        "Biểu đồ xu hướng Định danh: mới nhất 80,5% (tháng 10/2026), +2,5 điểm % so với "
        "tháng 9/2026, mục tiêu 90% đến tháng 12/2026, dự báo 82,4% vào tháng 12/2026 "
        "(khoảng 80% – 84,9%)."
    )
    fig = charts.trend_fan_chart(
        _history(), _path(), target=90, deadline="2026-12", title="e-ID", lang="en"
    )
    assert charts.alt_text(fig) == (
        "Trend chart of e-ID: latest 80.5% (October 2026), +2.5 pp since September 2026, "
        "target 90% by December 2026, forecast 82.4% for December 2026 (range 80% – 84.9%)."
    )


def test_trend_chart_says_unchanged_and_leaves_out_a_forecast_into_the_past():
    hist = pd.Series([50.0, 50.0], index=pd.period_range("2026-09", "2026-10", freq="M"))
    past = pd.DataFrame(
        {"mean": [44.4], "lower": [44.4], "upper": [44.4]},
        index=pd.period_range("2025-12", "2025-12", freq="M"),
    )
    text = charts.alt_text(
        charts.trend_fan_chart(hist, past, target=100, deadline="2025-12", title="X", lang="vi")
    )
    assert "không đổi so với tháng 9/2026" in text
    assert "dự báo" not in text and "44,4" not in text
    empty = charts.alt_text(charts.trend_fan_chart(pd.Series(dtype=float), None, title="Y"))
    assert empty == "Biểu đồ xu hướng Y: chưa có số liệu."


def test_heatmap_summarizes_tiers():
    units = [u for u in geography.units() if u.basis == "34"]
    rows = []
    for i, u in enumerate(units):
        for j, ind in enumerate(["eid_activation_pct", "online_dossier_rate_pct"]):
            tier = {"ha_noi": 1, "cao_bang": 4}.get(u.codename, 2 + (i + j) % 2)
            rows.append({"province": u.codename, "indicator": ind, "value": 50.0, "tier": tier})
    frame = pd.DataFrame(rows)
    vi = charts.alt_text(charts.heatmap(frame, lang="vi"))
    assert vi.startswith("Bảng nhiệt 34 tỉnh, thành × 2 chỉ tiêu, tô màu theo nhóm xếp hạng")
    assert "ở nhóm 1 nhiều nhất: TP. Hà Nội (2/2 chỉ tiêu)" in vi
    assert "ở nhóm 4 nhiều nhất: Cao Bằng (2/2 chỉ tiêu)" in vi
    frame = frame[~((frame["province"] == "hue") & (frame["indicator"] == "eid_activation_pct"))]
    en = charts.alt_text(charts.heatmap(frame, lang="en"))
    assert "1 cells without data" in en and "top quarter: TP. Hà Nội (2 of 2" in en


def test_tile_map_names_highest_lowest_and_the_highlighted_unit():
    values = {"ha_noi": 95.0, "nghe_an": 82.5, "cao_bang": 60.25}
    vi = charts.alt_text(charts.tile_map(values, highlight="nghe_an", lang="vi", title="eID"))
    assert vi == (
        "Bản đồ ô eID: 3/34 tỉnh, thành có số liệu, cao nhất TP. Hà Nội (95%), "
        "thấp nhất Cao Bằng (60,3%), Nghệ An 82,5%."
    )
    en = charts.alt_text(charts.tile_map(values, highlight="lai_chau", lang="en"))
    assert en.startswith("Tile map of the provinces: 3 of 34 provinces with data")
    assert en.endswith("no data for Lai Châu.")


def test_status_bar_counts_the_statuses():
    statuses = ["achieved", "on_track", "on_track", "at_risk", "missed"]
    assert charts.alt_text(charts.status_bar(statuses, lang="vi")) == (
        "Trạng thái 5 mục tiêu: Đã đạt 1, Đúng tiến độ 2, Có nguy cơ 1, Quá hạn chưa đạt 1."
    )
    assert charts.alt_text(charts.status_bar(statuses, lang="en")).startswith(
        "Status of 5 targets: Achieved 1, On track 2, At risk 1"
    )


@pytest.mark.parametrize("given", [None, "Một câu khác"])
def test_show_puts_the_text_in_the_output_metadata(monkeypatch, given):
    from analysis.reporting.charts import output

    shown = []
    monkeypatch.setattr(output, "display", lambda obj: shown.append(obj))
    fig = charts.status_bar(["on_track"], lang="vi")
    charts.show(fig, dpi=50, alt=given)
    (image,) = shown
    _data, metadata = image._repr_png_()
    assert metadata["alt"] == (given or "Trạng thái 1 mục tiêu: Đúng tiến độ 1.")
