"""Many series at once: :func:`forecast_pooled` (one indicator) and :func:`forecast_batch`.

The series of one indicator are forecast together so that their interval calibration can be
pooled over all their backtests (:func:`.calibration.calibrate_pools`);
the batch fans the simulations out to worker processes (stage 1) and pools and summarizes in
the parent (stage 2), with a random stream per series so results do not depend on the workers.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.forecasting.calibration import calibrate_pools
from analysis.analyses.forecasting.series import (
    HIGHER,
    check_bounds,
    check_level,
    clean,
    deadline_ordinal,
    opt_float,
    opt_target,
    ordinals_of,
    pstr,
    series_from_pandas,
)
from analysis.analyses.forecasting.simulation import N_PATHS, Sim, simulate_for, single_thread_blas
from analysis.analyses.forecasting.single import ForecastResult, result_from_summary
from analysis.analyses.forecasting.summary import StatusThresholds, Summary, summarize
from analysis.core.periods import to_month

#: Columns of :func:`forecast_batch` output, in order.
BATCH_COLUMNS = [
    "province",
    "indicator",
    "target",
    "deadline",
    "last_period",
    "last_value",
    "point",
    "lower",
    "upper",
    "prob_target_met",
    "expected_completion",
    "required_pace",
    "current_pace",
    "status",
    "model",
    "model_spec",
    "path_json",
]
_STR_COLS = (
    "province",
    "indicator",
    "deadline",
    "last_period",
    "expected_completion",
    "status",
    "model",
    "model_spec",
    "path_json",
)
_FLOAT_COLS = tuple(c for c in BATCH_COLUMNS if c not in _STR_COLS)


def _pooled_sims(histories: dict[str, pd.Series], args: tuple) -> dict[str, Sim]:
    """Simulate each named series (one worker's share of :func:`forecast_pooled`)."""
    deadline, lower, upper, level, seed, n_paths, censored = args
    out = {}
    with single_thread_blas():
        for key, history in histories.items():
            try:
                series = series_from_pandas(history)
                dl = deadline_ordinal(deadline, series.freq)
            except ValueError as exc:
                raise ValueError(f"series {key!r}: {exc}") from exc
            rng = _task_seed(seed, str(key), "", dl)
            out[key] = simulate_for(series, dl, lower, upper, level, rng, n_paths, censored)
    return out


def forecast_pooled(
    histories: dict[str, pd.Series],
    deadline: pd.Period | str,
    target: float | None = None,
    lower: float | None = None,
    upper: float | None = None,
    level: float = 0.8,
    *,
    seed: int = 0,
    jobs: int = 1,
    thresholds: StatusThresholds | None = None,
    direction: str | None = HIGHER,
    return_paths: bool = False,
    n_paths: int = N_PATHS,
    resolution: float | None = None,
    censored: bool = False,
    pool: bool = True,
) -> dict[str, ForecastResult]:
    """Forecast several series of one indicator to one deadline, calibrated together.

    Every series is forecast as by :func:`forecast_to_deadline`; then the
    held-out errors of all their backtests are pooled
    (:class:`~analysis.analyses.forecasting.calibration.PooledCalibration`) and replace each
    series' own interval calibration, unless fewer than
    :data:`~analysis.analyses.forecasting.calibration.MIN_POOLED_ERRORS` errors are available.
    This is what :func:`forecast_batch` does for the provinces of each
    indicator; the accuracy benchmark calls it for the countries of each
    origin year.

    Parameters are those of :func:`forecast_to_deadline`, with ``histories``
    a mapping of name to series (the name also seeds the series' random
    stream), ``jobs`` worker processes, and ``pool=False`` to keep each
    series' own calibration.

    Returns
    -------
    dict
        Name -> :class:`ForecastResult`, in the order of ``histories``.
    """
    level = check_level(level)
    thresholds = thresholds or StatusThresholds()
    lower, upper = check_bounds(lower, upper)
    tgt = opt_target(target)
    args = (deadline, lower, upper, level, seed, n_paths, censored)
    keys = list(histories)
    n_jobs = max(1, min(int(jobs or 1), len(keys)))
    if n_jobs == 1:
        sims = _pooled_sims(dict(histories), args)
    else:
        # joblib's process backend (loky) for the one numerical step worth splitting: it returns
        # the simulations as Python objects and keeps its workers between calls. The report
        # pool (running/pool.py) runs notebooks and is not available inside them. The backend
        # is joblib's default (loky) as the caller configures it: the monthly run gives its
        # workers an initializer that ends them with the run.
        from joblib import Parallel, delayed

        chunks = [keys[i::n_jobs] for i in range(n_jobs)]
        parts = Parallel(n_jobs=n_jobs)(
            delayed(_pooled_sims)({k: histories[k] for k in c}, args) for c in chunks
        )
        sims = {k: v for part in parts for k, v in part.items()}
    if pool:
        # Steps ahead only compare within one frequency: monthly and annual series pool apart.
        calibrate_pools((sim.series.freq, sim) for sim in sims.values())
    out = {}
    for key in keys:
        sim = sims[key]
        s = summarize(sim, tgt, direction, thresholds, level, resolution)
        out[key] = result_from_summary(s, sim, tgt, level, return_paths)
    return out


def _row_from_summary(
    province: str, indicator: str, target: float | None, sim: Sim, s: Summary
) -> dict[str, Any]:
    freq = sim.series.freq
    records = [
        {
            "period": pstr(o, freq),
            "mean": round(float(m), 6),
            "median": round(float(md), 6),
            "lower": round(float(lo), 6),
            "upper": round(float(hi), 6),
        }
        for o, m, md, lo, hi in zip(s.path_ord, s.mean, s.median, s.lo, s.hi, strict=True)
    ]
    return {
        "province": province,
        "indicator": indicator,
        "target": np.nan if target is None else float(target),
        "deadline": pstr(sim.deadline, freq),
        "last_period": pstr(s.last_ord, freq),
        "last_value": float(s.last_value),
        "point": s.at_deadline[0],
        "lower": s.at_deadline[1],
        "upper": s.at_deadline[2],
        "prob_target_met": float(s.prob),
        "expected_completion": None if s.expected is None else pstr(s.expected, freq),
        "required_pace": float(s.required_pace),
        "current_pace": float(s.current_pace),
        "status": s.status,
        "model": s.model,
        "model_spec": s.model_spec,
        # A reached deadline has no forecast: its one row is an observation, not a path to draw.
        "path_json": (
            json.dumps(records, separators=(",", ":")) if records and sim.kind != "passed" else None
        ),
    }


def _task_seed(seed: int, province: str, indicator: str, deadline: int) -> np.random.Generator:
    # crc32 rather than hash(): Python string hashes are salted per process,
    # which would make results depend on the worker that ran the task.
    key = [
        int(seed) & 0xFFFFFFFF,
        zlib.crc32(province.encode()),
        zlib.crc32(indicator.encode()),
        int(deadline) & 0xFFFFFFFF,
    ]
    return np.random.default_rng(np.random.SeedSequence(key))


def _sim_task(task: dict[str, Any], level: float, n_paths: int) -> list[tuple]:
    """Simulate one series for each of its (deadline, bounds) groups (stage 1 of the batch)."""
    series = clean(task["freq"], task["ordinals"], task["values"], task["cut"])
    out = []
    for (dl, lo, hi), specs in task["groups"].items():
        rng = _task_seed(task["seed"], task["province"], task["indicator"], dl)
        notes = []
        try:
            lo, hi = check_bounds(lo, hi)
        except ValueError as exc:
            notes.append(f"bounds ignored ({exc})")
            lo = hi = None
        sim = simulate_for(
            series,
            dl,
            lo,
            hi,
            level,
            rng,
            n_paths,
            bool(task.get("censored")),
            reached=_reached(dl, task["freq"], task.get("month")),
        )
        sim.notes.extend(notes)
        sim.flags.extend("bounds_ignored" for _ in notes)
        if sim.poolable:
            sim.paths = None  # rebuilt from z_raw after pooling; halves what workers send back
        # Errors are in each series' own units, so provinces with different bounds (a
        # quota per province) pool together; the transform kind must agree.
        kind = (lo is None, hi is None, bool(task.get("censored")))
        pool_key = (task["indicator"], task["freq"], dl, kind)
        out.append((pool_key, sim, specs))
    return out


def _reached(deadline: int, freq: str, month: int | None) -> bool:
    """Whether the report's month (a monthly ordinal) holds the deadline or follows it: then no
    forecast is made, even when the deadline period's own figure is not in yet."""
    if month is None:
        return False
    last_month = pd.Period(ordinal=int(deadline), freq=freq).asfreq("M", how="end")
    return bool(last_month.ordinal <= month)


def _run_chunk(tasks: list[dict[str, Any]], level: float, n_paths: int) -> list[tuple]:
    out: list[tuple] = []
    with single_thread_blas():
        for task in tasks:
            out.extend((task, *item) for item in _sim_task(task, level, n_paths))
    return out


def _finish(
    sims: list[tuple], level: float, thr: StatusThresholds, pool: bool
) -> list[dict[str, Any]]:
    """Stage 2 of the batch: pool calibration per indicator and deadline, then summarize."""
    if pool:
        calibrate_pools((key, sim) for _task, key, sim, _specs in sims)
    else:
        for _task, _key, sim, _specs in sims:
            sim.materialize(None)  # the workers sent raw paths: the series' own calibration
    rows = []
    for task, _key, sim, specs in sims:
        for target, direction, order in specs:
            s = summarize(sim, target, direction, thr, level, task.get("resolution"))
            row = _row_from_summary(task["province"], task["indicator"], target, sim, s)
            row["_order"] = order
            rows.append(row)
    return rows


def _build_tasks(
    frame: pd.DataFrame, targets: pd.DataFrame, period: Any, seed: int
) -> tuple[list[dict[str, Any]], int]:
    """One task per province x indicator with targets; returns the tasks and the row count."""
    need = {"province", "indicator", "period", "value"}
    missing = need - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks columns {sorted(missing)}")
    if not {"indicator", "target", "deadline"} <= set(targets.columns):
        raise ValueError("targets needs columns indicator, target, deadline")
    cutoff = to_month(period)

    tspecs: dict[str, list[dict[str, Any]]] = {}
    for i, rec in enumerate(targets.to_dict("records")):
        tspecs.setdefault(str(rec["indicator"]), []).append({**rec, "_i": i})

    tasks: list[dict[str, Any]] = []
    n_rows = 0
    for (prov, ind), g in frame.groupby(["province", "indicator"], sort=True):
        specs = tspecs.get(str(ind))
        if specs:
            tasks.append(_task(str(prov), str(ind), g, specs, cutoff, seed))
            n_rows += len(specs)
    return tasks, n_rows


def _task(
    prov: str,
    ind: str,
    g: pd.DataFrame,
    specs: list[dict[str, Any]],
    cutoff: pd.Period,
    seed: int,
) -> dict[str, Any]:
    """The series of one province x indicator up to the cut-off, with its targets.

    Targets are grouped by (deadline, bounds): one simulation serves every target of a group.
    """
    freq, ords = ordinals_of(g["period"])
    cut = cutoff.asfreq(freq, how="end").ordinal
    vals = pd.to_numeric(g["value"], errors="coerce").to_numpy(dtype=float)
    keep = ords <= cut
    f_lo = _last_valid(g, "lower", keep)
    f_hi = _last_valid(g, "upper", keep)
    groups: dict[tuple[int, float | None, float | None], list] = {}
    for spec in specs:
        dl = deadline_ordinal(spec["deadline"], freq)
        lo = f_lo if f_lo is not None else opt_float(spec.get("lower"))
        hi = f_hi if f_hi is not None else opt_float(spec.get("upper"))
        direction = spec.get("direction")
        if direction is None or (isinstance(direction, float) and math.isnan(direction)):
            direction = HIGHER
        order = (prov, ind, spec["_i"])
        groups.setdefault((dl, lo, hi), []).append(
            (opt_target(spec.get("target")), direction, order)
        )
    return {
        "province": prov,
        "indicator": ind,
        "freq": freq,
        "ordinals": ords[keep],
        "values": vals[keep],
        "cut": int(cut),
        "month": int(cutoff.ordinal),
        "groups": groups,
        "seed": seed,
        "resolution": _last_valid(g, "resolution", keep) if "resolution" in g else None,
        "censored": bool(g["censored"].iloc[-1]) if "censored" in g else False,
    }


def _last_valid(g: pd.DataFrame, col: str, keep: np.ndarray) -> float | None:
    if col not in g.columns:
        return None
    v = pd.to_numeric(g[col], errors="coerce").to_numpy(dtype=float)
    ords_ok = np.isfinite(v) & keep
    if not ords_ok.any():
        ords_ok = np.isfinite(v)
        if not ords_ok.any():
            return None
    return float(v[ords_ok][-1])


def forecast_batch(
    frame: pd.DataFrame,
    targets: pd.DataFrame,
    period: pd.Period | str,
    *,
    jobs: int | None = None,
    seed: int = 0,
    level: float = 0.8,
    thresholds: StatusThresholds | None = None,
    n_paths: int = N_PATHS,
    pool: bool = True,
) -> pd.DataFrame:
    """Forecast every province x indicator x target using history up to ``period``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy data with columns ``province``, ``indicator``, ``period``
        (pandas Period, monthly or annual; one frequency per indicator),
        ``value`` and optionally ``lower``/``upper`` per row.  Row bounds win
        over target bounds (the latest non-null bound of the series is used).
    targets : pandas.DataFrame
        One row per indicator x target: ``indicator``, ``target``, ``deadline``
        (Period or string), and optionally ``direction``, ``lower``, ``upper``.
        A missing direction means ``higher_is_better``.
    period : pandas.Period or str
        Monthly cut-off; monthly series use periods <= ``period``, annual
        series the years <= its year.
    jobs : int, optional
        Worker processes (joblib loky); default all cores; 1 runs in-process.
    seed : int, default 0
        Base seed; each series gets a stream derived from (seed, province,
        indicator, deadline), so results do not depend on ``jobs`` or chunking.
    level : float, default 0.8
        Interval coverage.
    thresholds : StatusThresholds, optional
    n_paths : int, default 1000
    pool : bool, default True
        Calibrate the intervals of the series of one indicator and deadline
        together, from the pooled errors of all their backtests (see
        :func:`forecast_pooled`); ``False`` keeps each series' own calibration.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BATCH_COLUMNS`; periods are strings; ``path_json`` is a
        JSON list of ``{"period", "mean", "median", "lower", "upper"}`` records;
        ``point`` is the median at the deadline.
    """
    level = check_level(level)
    thr = thresholds or StatusThresholds()
    tasks, n_rows = _build_tasks(frame, targets, period, seed)
    if not tasks:
        return normalize(pd.DataFrame(columns=BATCH_COLUMNS))
    n_jobs = int(jobs) if jobs else (os.cpu_count() or 1)
    n_jobs = max(1, min(n_jobs, len(tasks)))
    if n_jobs == 1:
        sims = _run_chunk(tasks, level, n_paths)
    else:
        from joblib import Parallel, delayed

        # A few chunks per worker: big enough to amortise inter-process
        # traffic, small enough to balance uneven series. joblib's default backend (loky), as
        # the caller configures it (see forecast_batch above).
        n_chunks = min(len(tasks), n_jobs * 4)
        chunks = [tasks[i::n_chunks] for i in range(n_chunks)]
        parts = Parallel(n_jobs=n_jobs)(delayed(_run_chunk)(c, level, n_paths) for c in chunks)
        sims = [r for part in parts for r in part]
    rows = _finish(sims, level, thr, pool)
    rows.sort(key=lambda r: r["_order"])
    out = pd.DataFrame(rows)
    out = out.drop(columns="_order")[BATCH_COLUMNS]
    return normalize(out)


def normalize(df: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes (object strings with None, float64) so cached rows compare equal."""
    df = df.reset_index(drop=True).copy()
    for c in _STR_COLS:
        if c in df.columns:
            df[c] = pd.Series(
                [
                    None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
                    for v in df[c]
                ],
                dtype=object,
            )
    for c in _FLOAT_COLS:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    return df[[c for c in BATCH_COLUMNS if c in df.columns]]
