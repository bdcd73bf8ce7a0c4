"""The one completeness rule: a unit-month is complete when every indicator due has a figure.

Hand-built figures of a dataset (no store: the merged-unit case, which needs the ingest's log,
is in tests/reporting/test_gaps.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses.completeness import (
    COMPLETE,
    MISSING,
    PARTIAL,
    month_completeness,
    unit_state,
)
from analysis.reference import catalog
from analysis.reference.due import due_indicators

ANNUAL = "digital_economy_share_grdp_pct"  # collected in March, for the year that ended


def _monthly_ids(month: str) -> list[str]:
    return [d.indicator.id for d in due_indicators(month) if d.indicator.frequency == "monthly"]


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(province, indicator, period) -> observations as the store gives them (value 50)."""
    return pd.DataFrame(
        [
            {
                "province": province,
                "indicator": indicator,
                "freq": "M" if len(period) == 7 else "Y",
                "period": pd.Period(period, "M" if len(period) == 7 else "Y"),
                "value": 50.0,
            }
            for province, indicator, period in rows
        ]
    )


@pytest.fixture(autouse=True)
def _no_store(workspace):
    """An empty data folder: no store, no ingest log (no merged unit left out)."""
    return workspace


def test_the_rule_itself():
    assert unit_state(27, 27) == COMPLETE
    assert unit_state(27, 26) == PARTIAL
    assert unit_state(27, 0) == MISSING
    assert unit_state(0, 0) == COMPLETE  # nothing due is nothing missing


def test_a_first_month_of_own_data_is_complete_only_with_every_figure_due():
    due = _monthly_ids("2026-12")
    rows = [("nghe_an", i, "2026-12") for i in due if i != "land_records_digitized_pct"]
    rows += [("ha_tinh", i, "2026-12") for i in due]
    found = month_completeness(_frame(rows), "2026-12", "submitted")

    nghe_an = found.unit("nghe_an")
    assert nghe_an.state == PARTIAL and (nghe_an.n_received, nghe_an.n_due) == (26, 27)
    (gap,) = nghe_an.gaps
    assert (gap.indicator, gap.period, gap.latest) == (
        "land_records_digitized_pct",
        "2026-12",
        None,
    )
    assert found.unit("ha_tinh").state == COMPLETE
    # The other 32 units never reported: missing, not left out.
    missing = found.with_state(MISSING)
    assert len(missing) == 32 and all(u.latest is None for u in missing)
    assert found.n_reported == 2 and not found.complete


def test_a_month_missing_after_earlier_months_keeps_the_latest_month():
    due = _monthly_ids("2026-11")
    rows = [("hue", i, "2026-11") for i in due] + [("hue", due[0], "2026-12")]
    found = month_completeness(_frame(rows), "2026-12", "submitted")
    hue = found.unit("hue")
    assert hue.state == PARTIAL and hue.n_received == 1
    assert {g.latest for g in hue.gaps} == {"2026-11"}
    rows = [("hue", i, "2026-11") for i in due]
    hue = month_completeness(_frame(rows), "2026-12", "submitted").unit("hue")
    assert hue.state == MISSING and hue.latest == "2026-11"


def test_an_annual_indicator_counts_in_its_collection_month_only():
    assert catalog.get(ANNUAL).collection_month == 3
    monthly = [("nghe_an", i, "2026-03") for i in _monthly_ids("2026-03")]
    march = month_completeness(_frame(monthly), "2026-03", "submitted").unit("nghe_an")
    assert march.state == PARTIAL and march.n_due == len(monthly) + 1
    (gap,) = march.gaps
    assert (gap.indicator, gap.period) == (ANNUAL, "2025")
    with_year = month_completeness(
        _frame([*monthly, ("nghe_an", ANNUAL, "2025")]), "2026-03", "submitted"
    )
    assert with_year.unit("nghe_an").state == COMPLETE
    # April asks for no annual figure: the monthly ones make the month complete.
    april = [("nghe_an", i, "2026-04") for i in _monthly_ids("2026-04")]
    assert month_completeness(_frame(april), "2026-04", "submitted").unit("nghe_an").state == (
        COMPLETE
    )


def test_every_unit_complete_reads_complete():
    from analysis.reference import geography

    due = _monthly_ids("2026-10")
    units = [u.codename for u in geography.units() if u.basis == "34"]
    found = month_completeness(
        _frame([(u, i, "2026-10") for u in units for i in due]), "2026-10", "demo"
    )
    assert found.complete and found.n_reported == 34 and len(found.with_state(COMPLETE)) == 34
