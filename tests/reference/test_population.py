"""Population weights: the published GSO figures of the 63 former provinces, by year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import compare
from analysis.data import ingest
from analysis.reference import population
from tests.conftest import ROOT


def test_merged_unit_weight_is_the_sum_of_its_former_provinces():
    # Published (data/raw/published/real/population_grdp_per_capita_2022_2024_raw.csv):
    # Đà Nẵng 1,220.2 / 1,276.0 and Quảng Nam 1,519.4 / 1,543.9 thousand (2022 / 2024);
    # Tuyên Quang 805.8 and Hà Giang 892.7 (2022).
    assert population.population_34(2022)["48"] == pytest.approx(1220.2 + 1519.4)
    assert population.population_34(2024)["48"] == pytest.approx(1276.0 + 1543.9)
    assert population.population_34(2022)["08"] == pytest.approx(805.8 + 892.7)
    # Nghệ An was kept whole: its own figure.
    assert population.population_34(2023)["40"] == pytest.approx(3442.0)
    assert population.provinces("34", 2022).set_index("codename").loc[
        "da_nang", "population_thousands"
    ] == pytest.approx(1220.2 + 1519.4)


def test_year_rule_uses_the_same_year_else_the_nearest_published():
    assert population.years() == (2022, 2023, 2024)
    assert [population.weight_year(y) for y in (2019, 2022, 2023, 2024, 2026)] == [
        2022,
        2022,
        2023,
        2024,
        2024,
    ]
    # No year: the latest published one (the tables' population column).
    latest = population.provinces("63").set_index("code")["population_thousands"]
    assert latest["48"] == pytest.approx(1276.0)
    assert population.population_63(2026)["49"] == pytest.approx(1543.9)


def test_population_has_one_source():
    header = (ROOT / "data/raw/reference/provinces_63.csv").read_text("utf-8").splitlines()[0]
    assert "population" not in header
    assert population.source_path().name == "population_grdp_per_capita_2022_2024_raw.csv"


def test_harmonize_weights_with_the_population_of_the_period_year():
    rows = [
        {
            "dataset": "demo",
            "basis": "63",
            "province_code": code,
            "indicator": "digital_economy_share_grdp_pct",
            "freq": "Y",
            "period": pd.Period("2022", "Y"),
            "value": value,
            "numerator": np.nan,
            "denominator": np.nan,
            "source": "test",
            "is_synthetic": False,
        }
        for code, value in (("48", 20.0), ("49", 10.0))
    ]
    h, _ = ingest.harmonize_to_current_provinces(pd.DataFrame(rows))
    expected = (20 * 1220.2 + 10 * 1519.4) / (1220.2 + 1519.4)
    assert h.iloc[0]["value"] == pytest.approx(expected)


def test_national_mean_weights_units_by_the_population_of_the_figure_year():
    rows = pd.DataFrame(
        {
            "province_code": ["48", "08"],
            "value": [20.0, 10.0],
            "numerator": [np.nan, np.nan],
            "denominator": [np.nan, np.nan],
            "period_used": [pd.Period("2022", "Y")] * 2,
        }
    )
    got = compare.aggregate(rows, "digital_economy_share_grdp_pct").value
    da_nang, tuyen_quang = 1220.2 + 1519.4, 805.8 + 892.7
    assert got == pytest.approx((20 * da_nang + 10 * tuyen_quang) / (da_nang + tuyen_quang))
