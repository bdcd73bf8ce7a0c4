"""The period's analytics, computed once and reused by every notebook and report.

:func:`period_results` returns the comparison table (every province on every indicator) and
the forecast table (every province x indicator x the target it tracks in that period). The
forecasts - the expensive part, backtests included - are cached
(:mod:`analysis.analyses.results_cache`, ``data/processed/analytics.duckdb``) keyed by data version,
dataset and period, so a month's 35 reports compute them once. The monthly runner calls
:func:`precompute` before it starts any kernel; notebooks then only read the cache
(read-only connections from many processes are safe).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from analysis import paths
from analysis.analyses import compare
from analysis.analyses.results_cache import cache_lock, read_cached, write_cached
from analysis.core.periods import to_month
from analysis.data import store
from analysis.reference import catalog, geography

SEED = 20260101
COMPARISON_TABLE = "comparison_cache"
NATIONAL = "national"
"""The ``province`` of the country's own rows in :func:`national_forecasts`."""


@dataclass
class PeriodResults:
    period: pd.Period
    dataset: str
    data_version: str
    observations: pd.DataFrame
    comparison: pd.DataFrame
    forecasts: pd.DataFrame
    origin: tuple | None = field(default=None, compare=False, repr=False)
    """What :func:`period_results` read these results from (store and analytics cache, data
    version, dataset, period); ``None`` for results made or restricted by other code. What is
    derived from results with an origin is kept once per process (:func:`derived`)."""

    def copy(self) -> PeriodResults:
        """The same results with tables of their own (changing one leaves this one alone)."""
        return PeriodResults(
            self.period,
            self.dataset,
            self.data_version,
            self.observations.copy(),
            self.comparison.copy(),
            self.forecasts.copy(),
            self.origin,
        )

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


def compute_forecasts(
    obs: pd.DataFrame, period: pd.Period, version: str, jobs: int | None = None
) -> pd.DataFrame:
    """Forecasts for the period, from the cache when present, computed and cached otherwise.

    A hit returns exactly what the miss returned (see
    :func:`~analysis.analyses.forecasting.batch_cache.cached_forecast_batch`).
    """
    # Imported here, not at the top: the forecast engine brings SciPy's statistics (about a
    # second), which the command line, the index pages and a run with nothing to do never need.
    from analysis.analyses import forecasting

    frame, targets = forecast_inputs(obs, period)
    return forecasting.cached_forecast_batch(
        paths.analytics_cache_path(), frame, targets, period, version, jobs=jobs, seed=SEED
    )


def _comparison_cached(version: str, period: pd.Period) -> pd.DataFrame | None:
    rows = read_cached(COMPARISON_TABLE, version, str(period))
    if rows is None:
        return None
    for col in ("rank", "n_ranked", "rank_prev_month", "rank_prev_year", "tier"):
        rows[col] = rows[col].astype("Int64")
    rows["meets_target"] = rows["meets_target"].astype("boolean")
    return rows


def compute_comparison(obs: pd.DataFrame, period: pd.Period, version: str) -> pd.DataFrame:
    """Every province on every indicator, from the cache when present.

    A miss returns the rows as the cache gives them back, so that a hit and a miss are equal.
    """
    hit = _comparison_cached(version, period)
    if hit is not None:
        return hit
    with cache_lock():
        hit = _comparison_cached(version, period)  # another process may have finished
        if hit is not None:
            return hit
        table = compare.compare_period(obs, period)
        table["period_used"] = table["period_used"].astype(str)
        table["deadline"] = table["deadline"].astype(str).replace({"None": None})
        table["meets_target"] = table["meets_target"].astype("boolean")
        write_cached(COMPARISON_TABLE, version, str(period), table)
    result = _comparison_cached(version, period)
    assert result is not None, "the comparison cache was written just before"
    return result


def period_results(
    period: pd.Period | str | None = None, dataset: str | None = None, jobs: int | None = None
) -> PeriodResults:
    """Comparison and forecasts for a month (default: the latest month with data)."""
    with store.connect() as con:
        ds = dataset or store.default_dataset(con)
        version = _scalar(con.execute("SELECT data_version FROM meta").fetchone(), "meta")
        if period is None:
            period = _scalar(
                con.execute(
                    "SELECT max(period) FROM observations_34 WHERE freq = 'M' AND dataset = ?",
                    [ds],
                ).fetchone(),
                "observations_34",
            )
    p = to_month(period)
    memo_key = (str(paths.database_path()), str(paths.analytics_cache_path()), version, ds, str(p))
    if memo_key in _MEMO:
        _MEMO.move_to_end(memo_key)
        return _MEMO[memo_key].copy()
    obs = store.load_series_frame(ds, until=p)
    key = cache_key(version, ds)
    comparison = compute_comparison(obs, p, key)
    forecasts = compute_forecasts(obs, p, key, jobs=jobs)
    results = PeriodResults(p, ds, version, obs, comparison, forecasts, memo_key)
    _MEMO[memo_key] = results.copy()
    while len(_MEMO) > MEMO_SIZE:
        forgotten, _ = _MEMO.popitem(last=False)
        for k in [k for k in _DERIVED if k[0] == forgotten]:
            del _DERIVED[k]
    return results


MEMO_SIZE = 4
"""Periods' results kept per process: a briefing reads its month and the month before (what
changed), so two per dataset are in use at once."""
_MEMO: OrderedDict[tuple, PeriodResults] = OrderedDict()
"""The last periods' results read in this process, by what they were read from.

A reused kernel makes one report after another for the same period (a worker's briefings, a
province's scorecards): reading the store and the analytics cache again for each costs more
than many a report's own cells. The key holds the store's path and data version, the dataset,
the period and the cache's path, so a kernel warmed for one run never serves another's data;
each caller gets its own copy, so a notebook that changes its tables changes nothing for the
next one.
"""
_DERIVED: dict[tuple[tuple, str], Any] = {}
"""What :func:`derived` computed from results with an origin: (origin, name) -> value."""

T = TypeVar("T")


def derived(results: PeriodResults, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, done once for ``results``: once per process for results read by
    :func:`period_results` (by their origin: store, data version, dataset, period), once per
    object for results made by other code. The value is shared: callers change copies of it.

    What every report of a period derives alike from its results (the country's forecasts,
    every unit's status changes, every unit's month) is so computed once for a reused
    kernel's many reports, never across data versions, datasets or analytics caches.
    """
    if results.origin is None or results.origin not in _MEMO:
        attr = f"_{name}"
        if attr not in results.__dict__:
            results.__dict__[attr] = compute()
        value: T = results.__dict__[attr]
        return value
    key = (results.origin, name)
    if key not in _DERIVED:
        _DERIVED[key] = compute()
    found: T = _DERIVED[key]
    return found


def cache_key(version: str, dataset: str) -> str:
    """What identifies a period's inputs in the cache: the data version *and* the dataset.

    One store can hold the demo and the user's own data under one data version; keyed by the
    version alone, a run on one would be served the other's cached results.
    """
    return f"{version}/{dataset}"


def _scalar(row: tuple | None, table: str) -> str:
    if row is None or row[0] is None:
        raise ValueError(
            f"the store's table {table!r} is empty: run `python -m analysis ingest` first"
        )
    return str(row[0])


def national_frame(obs: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """The country's series of ``indicators`` as observation rows (``province`` "national"):
    the value aggregated as the comparison aggregates it, only for periods in which enough
    units reported to call it national (:func:`~analysis.analyses.compare.covers`)."""
    total = len(geography.provinces("34"))
    rows = []
    for indicator in indicators:
        part = obs[(obs["indicator"] == indicator) & obs["value"].notna()]
        for period, group in part.groupby("period", sort=True):
            agg = compare.aggregate(group, indicator)
            if not compare.covers(agg.n_units, total):
                continue
            rows.append(
                {
                    "province": NATIONAL,
                    "indicator": indicator,
                    "period": period,
                    "value": agg.value,
                    "denominator": agg.denominator,
                    "n_units": agg.n_units,
                }
            )
    columns = ["province", "indicator", "period", "value", "denominator", "n_units"]
    return pd.DataFrame(rows, columns=columns)


def from_store(results: PeriodResults) -> bool:
    """Whether ``results`` were computed from the store as it is now (its data version): only
    then can the month before be read from it, and the results' own analytics be cached."""
    try:
        return store.data_version() == results.data_version
    except store.StoreMissing:
        return False


def national_forecasts(results: PeriodResults, jobs: int | None = 1) -> pd.DataFrame:
    """The country's forecast to each target the period tracks (the national series of
    :func:`national_frame`), as :func:`~analysis.analyses.forecasting.forecast_batch` rows
    with ``province`` "national"; cached like the provinces' batch, computed once a period."""
    return derived(results, "national_forecasts", lambda: _national_forecasts(results, jobs))


def _national_forecasts(results: PeriodResults, jobs: int | None) -> pd.DataFrame:
    # Imported here: see compute_forecasts.
    from analysis.analyses import forecasting

    targets = catalog.targets_frame(results.period)
    obs = national_frame(results.observations, sorted(set(targets["indicator"])))
    frame, table = forecast_inputs(obs, results.period)
    if from_store(results) and not frame.empty:
        key = f"{cache_key(results.data_version, results.dataset)}/{NATIONAL}"
        found: pd.DataFrame = forecasting.cached_forecast_batch(
            paths.analytics_cache_path(), frame, table, results.period, key, jobs=jobs, seed=SEED
        )
        return found
    # nothing national to forecast, or results made by hand (a test, a what-if)
    return forecasting.forecast_batch(frame, table, results.period, jobs=jobs, seed=SEED)


def previous_results(results: PeriodResults, jobs: int | None = None) -> PeriodResults | None:
    """The month before's comparison and forecasts (same dataset and store): what "what
    changed" compares with; ``None`` when the dataset has no monthly figure that month, or
    when ``results`` were not made from the store as it is (:func:`from_store`)."""
    # Kept with this object only: the month before's results are read from the process's
    # memo (:func:`period_results`) as a copy of their own, which the caller may change.
    if "_previous" in results.__dict__:
        return results.__dict__["_previous"]
    before = results.period - 1
    obs = results.observations
    has = bool(((obs["freq"] == "M") & (obs["period"] == before)).any()) if len(obs) else False
    has = has and from_store(results)
    found = period_results(before, results.dataset, jobs) if has else None
    results.__dict__["_previous"] = found
    return found


def precompute(
    period: pd.Period | str, dataset: str | None = None, jobs: int | None = None
) -> PeriodResults:
    """Fill the cache for a period before reports fan out (the runner calls this): the
    period's comparison and forecasts, the month before's (for what changed), and the
    country's forecasts (for the national overview)."""
    results = period_results(period, dataset, jobs)
    previous_results(results, jobs)
    national_forecasts(results)
    return results
