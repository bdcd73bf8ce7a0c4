"""The analytics cache: one read/write pair, and a hit that returns exactly what a miss did."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analysis import paths
from analysis.analyses import monthly
from analysis.analyses.results_cache import read_cached, write_cached
from analysis.data import store


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache file of the test's own, so the shared demo store's cache is never touched."""
    db = tmp_path / "analytics.duckdb"
    monkeypatch.setattr(paths, "analytics_cache_path", lambda: db)
    return db


def test_a_cache_hit_returns_exactly_what_the_miss_returned(use_demo_store, own_cache) -> None:
    period = pd.Period("2026-10", "M")
    with store.connect() as con:
        ds = store.default_dataset(con)
        version = con.execute("SELECT data_version FROM meta").fetchall()[0][0]
    obs = store.load_series_frame(ds, until=period)
    few = obs[obs["province"].isin(["ha_noi", "nghe_an", "ca_mau"])]

    miss_forecasts = monthly.compute_forecasts(few, period, version, jobs=1)
    miss_comparison = monthly.compute_comparison(obs, period, version)
    assert own_cache.exists()
    hit_forecasts = monthly.compute_forecasts(few.iloc[0:0], period, version, jobs=1)
    hit_comparison = monthly.compute_comparison(obs.iloc[0:0], period, version)

    pd.testing.assert_frame_equal(hit_forecasts, miss_forecasts)
    pd.testing.assert_frame_equal(hit_comparison, miss_comparison)
    assert "row_order" not in hit_forecasts.columns
    assert len(hit_forecasts) == len(miss_forecasts) > 0


def test_write_then_read_keeps_order_types_and_keys(tmp_path) -> None:
    db = tmp_path / "c.duckdb"
    frame = pd.DataFrame({"name": ["b", "a", "c"], "when": [None, None, None], "x": [2.0, 1, 3]})
    write_cached("demo_table", "v1", "2026-10", frame, db=db)
    got = read_cached("demo_table", "v1", "2026-10", db=db)
    assert got is not None and list(got["name"]) == ["b", "a", "c"]  # written order, not sorted
    assert list(got.columns) == ["name", "when", "x"]
    # A column all missing in one write is still text, so a later write with values fits.
    later = frame.assign(when=["2026-11", None, "2027-01"])
    write_cached("demo_table", "v1", "2026-11", later, db=db)
    assert list(read_cached("demo_table", "v1", "2026-11", db=db)["when"]) == [
        "2026-11",
        None,
        "2027-01",
    ]
    assert read_cached("demo_table", "v2", "2026-10", db=db) is None
    assert read_cached("demo_table", "v1", "2026-10", "other-params", db=db) is None
    assert read_cached("missing_table", "v1", "2026-10", db=db) is None
    assert read_cached("demo_table", "v1", "2026-10", db=tmp_path / "none.duckdb") is None


def test_a_table_of_an_older_layout_is_replaced(tmp_path) -> None:
    db = tmp_path / "c.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE comparison_cache (data_version VARCHAR, period_key VARCHAR)")
        con.execute("INSERT INTO comparison_cache VALUES ('v1', '2026-10')")
    assert read_cached("comparison_cache", "v1", "2026-10", db=db) is None
    write_cached("comparison_cache", "v1", "2026-10", pd.DataFrame({"a": [1, 2]}), db=db)
    got = read_cached("comparison_cache", "v1", "2026-10", db=db)
    assert got is not None and list(got["a"]) == [1, 2]


def test_two_datasets_of_one_data_version_never_share_cached_results(
    use_demo_store, own_cache
) -> None:
    """The demo and a user's own data live in one store under one data version."""
    period = pd.Period("2026-10", "M")
    with store.connect() as con:
        ds = store.default_dataset(con)
    obs = store.load_series_frame(ds, until=period)
    own = obs[obs["province"].isin(["nghe_an", "ha_noi"])].copy()
    own["value"] = own["value"] / 2

    demo_rows = monthly.compute_comparison(obs, period, monthly.cache_key("v1", ds))
    own_rows = monthly.compute_comparison(own, period, monthly.cache_key("v1", "submitted"))

    assert monthly.cache_key("v1", ds) != monthly.cache_key("v1", "submitted")
    demo_na = demo_rows[demo_rows["province"] == "nghe_an"].set_index("indicator")["value"]
    own_na = own_rows[own_rows["province"] == "nghe_an"].set_index("indicator")["value"]
    both = demo_na.dropna().index.intersection(own_na.dropna().index)
    assert len(both) > 0
    assert ((own_na[both] - demo_na[both] / 2).abs() < 1e-9).all()
