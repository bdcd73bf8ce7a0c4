"""The period's analytics, computed once and reused by every notebook and report.

:func:`period_results` returns the comparison table (every province on every indicator) and
the forecast table (every province x indicator x the target it tracks in that period). The
forecasts - the expensive part, backtests included - are cached in
``data/processed/analytics.duckdb`` keyed by data version and period, so a month's 35 reports
compute them once. The monthly runner calls :func:`precompute` before it starts any kernel;
notebooks then only read the cache (read-only connections from many processes are safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from analysis import forecast, paths
from analysis.analyses import compare
from analysis.data import store
from analysis.reference import catalog

SEED = 20260101


def cache_path() -> Path:
    return paths.processed_dir() / "analytics.duckdb"


@dataclass
class PeriodResults:
    period: pd.Period
    dataset: str
    data_version: str
    observations: pd.DataFrame
    comparison: pd.DataFrame
    forecasts: pd.DataFrame

    def province(self, codename: str) -> PeriodResults:
        """The same results restricted to one province (history kept for all, for ranks)."""
        return PeriodResults(
            self.period,
            self.dataset,
            self.data_version,
            self.observations,
            self.comparison[self.comparison["province"] == codename],
            self.forecasts[self.forecasts["province"] == codename],
        )


def forecast_inputs(obs: pd.DataFrame, period: pd.Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy frame and target table that :func:`analysis.forecast.forecast_batch` takes."""
    targets = catalog.targets_frame(period)
    frame = obs[obs["indicator"].isin(targets["indicator"])][
        ["province", "indicator", "period", "value", "denominator"]
    ].copy()
    # One counted unit in points (one task of 89 is 1.12 points): lets "100 % of tasks" be met
    # by the last task rather than by a path touching the bound.
    frame["resolution"] = 100.0 / frame.pop("denominator")
    completion = {i.id for i in catalog.indicators().values() if i.completion}
    frame["censored"] = frame["indicator"].isin(completion)
    bounds = {i.id: i.bounds for i in catalog.indicators().values()}
    frame["lower"] = frame["indicator"].map(lambda i: bounds[i][0])
    frame["upper"] = frame["indicator"].map(lambda i: bounds[i][1])
    return frame, targets[["indicator", "target", "deadline", "direction", "lower", "upper"]]


def _cached(version: str, period: pd.Period, frame, targets) -> pd.DataFrame | None:
    db = cache_path()
    if not db.exists():
        return None
    key = forecast._params_key(targets, {"seed": SEED})  # Same key as the writer
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute(
                "SELECT * FROM forecast_cache WHERE data_version = ? AND period_key = ? "
                "AND params_key = ?",
                [version, str(period), key],
            ).df()
    except duckdb.Error:
        return None
    if rows.empty:
        return None
    return rows.drop(columns=["data_version", "period_key", "params_key"], errors="ignore")


def compute_forecasts(
    obs: pd.DataFrame, period: pd.Period, version: str, jobs: int | None = None
) -> pd.DataFrame:
    """Forecasts for the period, from the cache when present, computed and cached otherwise."""
    frame, targets = forecast_inputs(obs, period)
    hit = _cached(version, period, frame, targets)
    if hit is not None:
        return hit
    paths.processed_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_path()) + ".lock", timeout=1800):
        hit = _cached(version, period, frame, targets)  # another process may have finished
        if hit is not None:
            return hit
        return forecast.cached_forecast_batch(
            str(cache_path()), frame, targets, period, version, jobs=jobs, seed=SEED
        )


def _comparison_cached(version: str, period: pd.Period) -> pd.DataFrame | None:
    db = cache_path()
    if not db.exists():
        return None
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute(
                "SELECT * FROM comparison_cache WHERE data_version = ? AND "
                "period_key = ? ORDER BY row_order",
                [version, str(period)],
            ).df()
    except duckdb.Error:
        return None
    if rows.empty:
        return None
    rows = rows.drop(columns=["data_version", "period_key", "row_order"])
    for col in ("rank", "n_ranked", "rank_prev_month", "rank_prev_year", "tier"):
        rows[col] = rows[col].astype("Int64")
    rows["meets_target"] = rows["meets_target"].astype("boolean")
    return rows


def compute_comparison(obs: pd.DataFrame, period: pd.Period, version: str) -> pd.DataFrame:
    """Every province on every indicator, from the cache when present."""
    hit = _comparison_cached(version, period)
    if hit is not None:
        return hit
    comparison = compare.compare_period(obs, period)
    table = comparison.copy()
    table["period_used"] = table["period_used"].astype(str)
    table["deadline"] = table["deadline"].astype(str).replace({"None": None})
    table["meets_target"] = table["meets_target"].astype("boolean")
    table.insert(0, "row_order", range(len(table)))
    table.insert(0, "period_key", str(period))
    table.insert(0, "data_version", version)
    paths.processed_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_path()) + ".lock", timeout=1800):
        with duckdb.connect(str(cache_path())) as con:
            con.register("_new", table)
            con.execute(
                "CREATE TABLE IF NOT EXISTS comparison_cache AS SELECT * FROM _new WHERE false"
            )
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "DELETE FROM comparison_cache WHERE data_version = ? AND period_key = ?",
                [version, str(period)],
            )
            con.execute("INSERT INTO comparison_cache BY NAME SELECT * FROM _new")
            con.execute("COMMIT")
    return _comparison_cached(version, period)


def period_results(
    period: pd.Period | str | None = None, dataset: str | None = None, jobs: int | None = None
) -> PeriodResults:
    """Comparison and forecasts for a month (default: the latest month with data)."""
    with store.connect() as con:
        ds = dataset or store.default_dataset(con)
        version = con.execute("SELECT data_version FROM meta").fetchone()[0]
        if period is None:
            period = con.execute(
                "SELECT max(period) FROM observations_34 WHERE freq = 'M' AND dataset = ?", [ds]
            ).fetchone()[0]
    p = pd.Period(period, freq="M")
    obs = store.load_series_frame(ds, until=p)
    comparison = compute_comparison(obs, p, version)
    forecasts = compute_forecasts(obs, p, version, jobs=jobs)
    return PeriodResults(p, ds, version, obs, comparison, forecasts)


def precompute(
    period: pd.Period | str, dataset: str | None = None, jobs: int | None = None
) -> PeriodResults:
    """Fill the cache for a period before reports fan out (the runner calls this)."""
    return period_results(period, dataset, jobs)
