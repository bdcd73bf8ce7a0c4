"""Forecast batches cached per data version, period and parameters.

A period's batch (every province x indicator x target, backtests included) takes seconds to
minutes; every report of the period reads the same one. :func:`cached_forecast_batch` keeps it
in the analytics cache (:mod:`analysis.analyses.results_cache`), keyed so that editing a target, the
seed or the engine never serves stale rows.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from analysis.analyses.forecasting import batch
from analysis.analyses.forecasting.simulation import N_PATHS
from analysis.analyses.forecasting.summary import StatusThresholds
from analysis.analyses.results_cache import Database, cache_lock, read_cached, write_cached
from analysis.core.periods import to_month

#: Bumped whenever the engine's results change for the same inputs, so that
#: cached batches computed by an earlier engine are not reused.
ENGINE_VERSION = "10-moving-bounds-beta-upper-map"

#: The cache table of forecast batches.
TABLE = "forecast_cache"


def params_key(targets: pd.DataFrame, kw: dict[str, Any]) -> str:
    """Hash of everything besides data and period that changes the result."""
    cols = [
        c
        for c in ("indicator", "target", "deadline", "direction", "lower", "upper")
        if c in targets.columns
    ]
    t = targets[cols].astype(str).to_csv(index=False)
    thr = kw.get("thresholds") or StatusThresholds()
    extra = json.dumps(
        {
            "seed": kw.get("seed", 0),
            "level": kw.get("level", 0.8),
            "n_paths": kw.get("n_paths", N_PATHS),
            "thresholds": [thr.on_track, thr.at_risk],
            "pool": bool(kw.get("pool", True)),
            "engine": ENGINE_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256((t + extra).encode()).hexdigest()[:16]


def cached_forecast_batch(
    con_or_path: Database,
    frame: pd.DataFrame,
    targets: pd.DataFrame,
    period: pd.Period | str,
    data_version: str,
    **kw: Any,
) -> pd.DataFrame:
    """:func:`~analysis.analyses.forecasting.batch.forecast_batch`, cached in ``forecast_cache``.

    Rows are keyed by ``(data_version, period_key)`` plus a ``params_key`` hash
    of the targets and of the keyword arguments that change results (seed,
    level, thresholds, n_paths, pooling, engine version), so editing targets never
    serves stale rows. A hit returns exactly what the miss returned (same columns,
    order and dtypes).

    Parameters
    ----------
    con_or_path : duckdb.DuckDBPyConnection or str or pathlib.Path
        Open connection (left open) or database path (opened and closed here; writers of
        one path wait for each other, so a period is computed once).
    frame, targets, period
        As for :func:`~analysis.analyses.forecasting.batch.forecast_batch`.
    data_version : str
        Identifier of the data snapshot (bump it whenever the data change).
    **kw
        Passed to :func:`~analysis.analyses.forecasting.batch.forecast_batch`
        (``jobs``, ``seed``, ``level``...).

    Returns
    -------
    pandas.DataFrame
        Same columns and row order as :func:`~analysis.analyses.forecasting.batch.forecast_batch`.
    """
    key = (str(data_version), str(to_month(period)), params_key(targets, kw))
    hit = read_cached(TABLE, *key, db=con_or_path)
    if hit is not None:
        return batch.normalize(hit)
    with cache_lock(con_or_path):
        hit = read_cached(TABLE, *key, db=con_or_path)  # another process may have finished
        if hit is not None:
            return batch.normalize(hit)
        result = batch.forecast_batch(frame, targets, period, **kw)
        write_cached(TABLE, key[0], key[1], result, key[2], db=con_or_path)
    return result
