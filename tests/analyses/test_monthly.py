"""The period's results: read once per process while the store and the cache are the same."""

from __future__ import annotations

import shutil

import pytest

from analysis.analyses import monthly
from analysis.data import store

pytestmark = pytest.mark.slow  # computes the month's forecasts (once per test session)


def test_period_results_are_read_once_and_each_caller_gets_its_own_tables(
    use_demo_store, tmp_path, monkeypatch
):
    first = monthly.period_results("2026-10")
    reads = []
    load = store.load_series_frame
    monkeypatch.setattr(
        store, "load_series_frame", lambda *a, **k: reads.append(1) or load(*a, **k)
    )
    second = monthly.period_results("2026-10")
    assert reads == []
    assert second.comparison.equals(first.comparison) and second.forecasts.equals(first.forecasts)
    second.comparison.loc[:, "value"] = -1.0
    assert not (monthly.period_results("2026-10").comparison["value"] == -1.0).any()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(use_demo_store / "processed" / "dx.duckdb", copy)
    monkeypatch.setenv("VNDX_DATABASE", str(copy))  # another store (a run's snapshot)
    monthly.period_results("2026-10")
    assert reads == [1]


def test_a_briefing_reads_its_month_and_the_month_before_once_per_process(
    use_demo_store, small_run, monkeypatch
):
    """What every briefing of a reused kernel derives alike (the month before's results, every
    unit's status changes, every unit's month) is computed for the first one only."""
    from analysis.analyses import month_changes
    from analysis.analyses.monthly import PeriodResults
    from analysis.reporting import gaps

    monkeypatch.setattr(monthly, "_MEMO", type(monthly._MEMO)())
    monkeypatch.setattr(monthly, "_DERIVED", {})
    first = monthly.period_results("2026-10")  # the run (small_run) cached both months
    expected = month_changes.target_changes(first)
    assert str(monthly.previous_results(first).period) == "2026-09"
    reads, compared = [], []
    load, compare = store.load_series_frame, month_changes._compare
    monkeypatch.setattr(
        store, "load_series_frame", lambda *a, **k: reads.append(1) or load(*a, **k)
    )
    monkeypatch.setattr(month_changes, "_compare", lambda r: compared.append(1) or compare(r))
    for province in ("nghe_an", "ha_tinh", "nghe_an"):
        results = monthly.period_results("2026-10")  # a briefing's own copy
        assert str(monthly.previous_results(results).period) == "2026-09"
        changes = month_changes.target_changes(results, province)
        mine = expected[expected["province"] == province].reset_index(drop=True)
        assert changes.equals(mine)
        assert gaps.completeness(results) is gaps.completeness(first)
    assert reads == [] and compared == []

    # Results made by other code are never served what was derived from the store's, even
    # under the same data version: here Nghệ An's figures are left out.
    obs = first.observations[first.observations["province"] != "nghe_an"]
    other = PeriodResults(
        first.period, first.dataset, first.data_version, obs, first.comparison, first.forecasts
    )
    assert gaps.completeness(other).unit("nghe_an").n_received == 0
    assert gaps.completeness(first).unit("nghe_an").n_received > 0
