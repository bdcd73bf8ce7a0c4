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
