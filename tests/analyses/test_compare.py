"""Comparison analytics against hand-computed fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import compare
from analysis.reference import geography, population

IND = "villages_mobile_broadband_pct"


def _obs(rows, indicator=IND, freq="M"):
    p34 = geography.provinces("34").set_index("codename")
    out = []
    for codename, period, num, den in rows:
        out.append(
            {
                "province": codename,
                "province_code": p34.loc[codename, "code"],
                "indicator": indicator,
                "period": pd.Period(period, freq),
                "freq": freq,
                "numerator": num,
                "denominator": den,
                "value": 100.0 * num / den if den else num,
                "is_weighted": False,
            }
        )
    return pd.DataFrame(out)


@pytest.fixture
def small():
    # Three provinces, two months; hand-computed below.
    return _obs(
        [
            ("nghe_an", "2026-09", 3700, 3806),
            ("nghe_an", "2026-10", 3760, 3806),
            ("ha_tinh", "2026-09", 1900, 2000),
            ("ha_tinh", "2026-10", 1990, 2000),
            ("hue", "2026-09", 1000, 1100),
            ("hue", "2026-10", 1045, 1100),
        ]
    )


def test_ranks_values_and_weighted_national(small):
    c = compare.compare_indicator(small, IND, "2026-10").set_index("province")
    # Hà Tĩnh 99.5 %, Nghệ An 98.79 %, Huế 95.0 %.
    assert c.loc["ha_tinh", "rank"] == 1 and c.loc["nghe_an", "rank"] == 2
    assert c.loc["hue", "rank"] == 3
    assert c.loc["nghe_an", "n_ranked"] == 3
    assert pd.isna(c.loc["ha_noi", "rank"])  # no data: not ranked
    national = 100 * (3760 + 1990 + 1045) / (3806 + 2000 + 1100)
    assert c.loc["nghe_an", "national_value"] == pytest.approx(national)
    mean_of_rates = np.mean([100 * 3760 / 3806, 99.5, 95.0])
    assert abs(national - mean_of_rates) > 0.1  # the fixture tells the two apart
    # Gap to the 100 % target in points (negative = behind).
    assert c.loc["nghe_an", "gap_target"] == pytest.approx(100 * 3760 / 3806 - 100)
    assert c.loc["nghe_an", "change_month"] == pytest.approx(100 * 60 / 3806)
    # September: Nghệ An 97.21 % led Hà Tĩnh 95.0 %; October reverses it.
    assert c.loc["nghe_an", "rank_prev_month"] == 1 and c.loc["ha_tinh", "rank_prev_month"] == 2


def test_regional_value_is_ratio_of_sums(small):
    c = compare.compare_indicator(small, IND, "2026-10").set_index("province")
    # All three are in the North Central and Central Coast region.
    assert c.loc["hue", "regional_value"] == pytest.approx(c.loc["hue", "national_value"])


def test_ties_share_the_best_rank():
    obs = _obs(
        [
            ("nghe_an", "2026-10", 50, 100),
            ("ha_tinh", "2026-10", 5, 10),
            ("hue", "2026-10", 40, 100),
        ]
    )
    c = compare.compare_indicator(obs, IND, "2026-10").set_index("province")
    assert c.loc["nghe_an", "rank"] == 1 and c.loc["ha_tinh", "rank"] == 1
    assert c.loc["hue", "rank"] == 3


def test_lower_is_better_direction_and_signed_gaps():
    obs = _obs(
        [("nghe_an", "2026-10", 5, 100), ("ha_tinh", "2026-10", 1, 100)],
        indicator="dx_plan_tasks_overdue_pct",
    )
    c = compare.compare_indicator(obs, "dx_plan_tasks_overdue_pct", "2026-10")
    c = c.set_index("province")
    assert c.loc["ha_tinh", "rank"] == 1
    assert c.loc["ha_tinh", "gap_national"] > 0  # fewer overdue than the nation: ahead
    assert c.loc["nghe_an", "gap_target"] == pytest.approx(-5.0)


def test_annual_indicator_uses_the_last_complete_year_and_weights_rates():
    rows = []
    for codename, value in (("nghe_an", 7.38), ("ha_noi", 17.15)):
        rows.append(
            {
                "province": codename,
                "province_code": geography.by_codename(codename).code,
                "indicator": "digital_economy_share_grdp_pct",
                "period": pd.Period("2025", "Y"),
                "freq": "Y",
                "value": value,
                "numerator": np.nan,
                "denominator": np.nan,
                "is_weighted": False,
            }
        )
    c = compare.compare_indicator(
        pd.DataFrame(rows), "digital_economy_share_grdp_pct", "2026-10"
    ).set_index("province")
    assert str(c.loc["nghe_an", "period_used"]) == "2025"
    pop = population.provinces("34").set_index("codename")["population_thousands"]
    expected = (7.38 * pop["nghe_an"] + 17.15 * pop["ha_noi"]) / (pop["nghe_an"] + pop["ha_noi"])
    assert c.loc["nghe_an", "national_value"] == pytest.approx(expected)
    assert c.loc["ha_noi", "rank"] == 1


def test_tiers_movers_and_peers(small):
    c = compare.compare_indicator(small, IND, "2026-10")
    tiers = c.set_index("province")["tier"]
    assert tiers["ha_tinh"] == 2 and tiers["hue"] == 4  # ceil(rank * 4 / 3)
    movers = compare.top_movers(c, IND, n=1)
    assert movers.iloc[0]["province"] == "ha_tinh"  # +4.5 points, the largest rise
    assert set(compare.peers(c, "nghe_an")["region"]) == {"NCC"}
    assert compare.rank_text(2, 34) == "hạng 2/34"
    assert compare.rank_text(2, 34, "en") == "rank 2 of 34"


def test_aggregates_carry_their_coverage(small):
    c = compare.compare_indicator(small, IND, "2026-10").set_index("province")
    assert (c.loc["nghe_an", "n_reporting"], c.loc["nghe_an", "n_units"]) == (3, 34)
    assert not c.loc["nghe_an", "national_covered"]  # 3 of 34 is not the country
    # Nghệ An and Hà Tĩnh share a region with no one else reporting in this fixture.
    region = c.loc["nghe_an", "region"]
    in_region = int((c["region"] == region).sum())
    assert c.loc["nghe_an", "n_units_region"] == in_region
    assert c.loc["nghe_an", "n_reporting_region"] == int(
        c.loc[c["region"] == region, "value"].notna().sum()
    )


def test_coverage_threshold_is_two_thirds():
    assert not compare.covers(22, 34) and compare.covers(23, 34)  # 23 >= 2/3 of 34 = 22,67
    assert compare.covers(34, 34) and not compare.covers(0, 0)
    assert not compare.covers(float("nan"), 34)


def test_ties_are_counted():
    obs = _obs(
        [
            ("nghe_an", "2026-10", 100, 100),
            ("ha_tinh", "2026-10", 50, 50),
            ("hue", "2026-10", 90, 100),
        ]
    )
    c = compare.compare_indicator(obs, IND, "2026-10").set_index("province")
    assert c.loc["nghe_an", "rank"] == c.loc["ha_tinh", "rank"] == 1
    assert (c.loc["nghe_an", "n_tied"], c.loc["hue", "n_tied"]) == (2, 1)
    assert pd.isna(c.loc["ha_noi", "n_tied"])
    assert compare.rank_text(1, 34, tied=True) == "đồng hạng 1/34"
    assert compare.rank_text(1, 34, "en", tied=True) == "tied 1st of 34"


def test_comparison_shows_official_city_names(small):
    names = set(compare.compare_indicator(small, IND, "2026-10")["province_name"])
    assert "TP. Hồ Chí Minh" in names and "TP. Huế" in names and "Nghệ An" in names
