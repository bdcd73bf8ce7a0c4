"""One series to its deadline: :func:`forecast_to_deadline` and its :class:`ForecastResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.forecasting.series import (
    HIGHER,
    check_bounds,
    check_level,
    deadline_ordinal,
    opt_target,
    series_from_pandas,
)
from analysis.analyses.forecasting.simulation import N_PATHS, Sim, simulate_for, single_thread_blas
from analysis.analyses.forecasting.summary import StatusThresholds, Summary, summarize


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """Forecast of one series to a deadline.

    Attributes
    ----------
    path : pandas.DataFrame
        Indexed by period from the first forecast period to the deadline,
        columns ``mean``, ``median``, ``lower``, ``upper`` (the central
        ``level`` interval) of the simulated paths.  For a deadline reached (the
        last observation at or after it): no forecast, one row at the deadline
        with the observed value.  Empty when the history is too short for a
        forecast.
    point : float
        Point forecast at the deadline: the median of the simulated paths (see
        ``docs/method.md`` for why not the mean).  NaN when the history is too
        short (the latest value is ``last_value``).
    lower, upper : float
        Interval at the deadline (NaN when the history is too short).
    prob_target_met : float
        Probability that the value at the deadline meets the target (see
        ``docs/method.md`` for the no-target rule).  NaN when no forecast is
        made: the history is too short, or the deadline is reached (the figures
        then say whether the target was met; no probability is claimed).
    expected_completion : pandas.Period or None
        First period at which the per-period median of the simulated paths
        meets the target; the last observed period if already met; None if not
        by the deadline, without a target, or when the history is too short.
    required_pace, current_pace : float
        Change per period needed (the gap over the periods left, given with a
        target while a period is left; NaN once the deadline is reached) /
        observed recently (units of the series; NaN from a single observation,
        where no pace can be measured).
    status : str
        One of :data:`analysis.reference.targets.FORECAST_STATUSES` (``achieved``,
        ``on_track``, ``at_risk``, ``off_track``) or
        :data:`~analysis.reference.targets.INSUFFICIENT_HISTORY` (``insufficient_history``:
        fewer observations than
        :func:`~analysis.analyses.forecasting.simulation.min_history`, 6 months or 3
        years, and the target not already met).  For a deadline reached, the
        observed figures decide (:func:`analysis.reference.targets.status_at_deadline`):
        ``achieved`` (met at the deadline), ``achieved_late`` (met after it) or
        ``missed`` (not met by the latest figure).
    model : str
        Readable description of what was done, including fallbacks (English, for the API
        and logs).
    model_spec : str
        The same as compact JSON (case, models and weights, calibration, flags); reports
        show it in their language with :func:`analysis.forecast.describe_model`.
    level : float
        Nominal interval coverage.
    target : float or None
    direction : str
        ``higher_is_better`` or ``lower_is_better`` (after inference).
    deadline, last_period : pandas.Period
        ``last_period`` is the last observed period (the last index period when
        nothing was observed).
    last_value : float
        Latest observed value (NaN only when nothing was observed).
    interval_scale : float
        Calibration factor applied to path dispersion (1.0 when none).
    weights : dict
        Mixture weight per model name (empty for fallbacks without a model).
    paths : numpy.ndarray or None
        Simulated paths, shape ``(n_paths, periods)``, when requested with
        ``return_paths=True`` and a forecast was simulated.
    """

    path: pd.DataFrame
    point: float
    lower: float
    upper: float
    prob_target_met: float
    expected_completion: pd.Period | None
    required_pace: float
    current_pace: float
    status: str
    model: str
    level: float
    target: float | None
    direction: str
    deadline: pd.Period
    last_period: pd.Period
    last_value: float
    interval_scale: float
    weights: dict[str, float] = field(default_factory=dict)
    paths: np.ndarray | None = field(default=None, repr=False)
    model_spec: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (periods as strings, NaN as None, path as records)."""
        path = [
            {
                "period": str(p),
                "mean": _json_float(r.mean),
                "median": _json_float(r.median),
                "lower": _json_float(r.lower),
                "upper": _json_float(r.upper),
            }
            for p, r in zip(self.path.index, self.path.itertuples(index=False), strict=True)
        ]
        return {
            "point": _json_float(self.point),
            "lower": _json_float(self.lower),
            "upper": _json_float(self.upper),
            "prob_target_met": _json_float(self.prob_target_met),
            "expected_completion": (
                None if self.expected_completion is None else str(self.expected_completion)
            ),
            "required_pace": _json_float(self.required_pace),
            "current_pace": _json_float(self.current_pace),
            "status": self.status,
            "model": self.model,
            "model_spec": self.model_spec,
            "level": self.level,
            "target": _json_float(self.target),
            "direction": self.direction,
            "deadline": str(self.deadline),
            "last_period": str(self.last_period),
            "last_value": _json_float(self.last_value),
            "interval_scale": _json_float(self.interval_scale),
            "weights": {k: _json_float(v) for k, v in self.weights.items()},
            "path": path,
        }


def forecast_to_deadline(
    history: pd.Series,
    deadline: pd.Period | str,
    target: float | None = None,
    lower: float | None = None,
    upper: float | None = None,
    level: float = 0.8,
    *,
    seed: int = 0,
    thresholds: StatusThresholds | None = None,
    direction: str | None = HIGHER,
    return_paths: bool = False,
    n_paths: int = N_PATHS,
    resolution: float | None = None,
    censored: bool = False,
) -> ForecastResult:
    """Forecast a series to a deadline and assess its target.

    Parameters
    ----------
    history : pandas.Series
        Values indexed by a monthly or annual ``PeriodIndex`` (a
        ``DatetimeIndex`` with an inferable frequency is converted); gaps and
        NaN are allowed.
    deadline : pandas.Period or str
        E.g. ``"2026-12"``, ``"2026-12-31"`` or ``"2026"``; converted to the
        series frequency, a year meaning its last period.
    target : float, optional
        Value to reach by the deadline.
    lower, upper : float, optional
        Bounds of the quantity (e.g. 0 and 100 for a percentage).
    level : float, default 0.8
        Coverage of the reported interval.
    seed : int, default 0
        Seed of the numpy Generator; equal inputs and seed give equal output.
    thresholds : StatusThresholds, optional
        Status thresholds (defaults: on_track >= 0.8, at_risk >= 0.3).
    direction : {"higher_is_better", "lower_is_better", None}
        ``None`` infers from the target and the last value.
    resolution : float, optional
        Size of one counted unit on the value's scale (``100 / denominator`` for a share of
        tasks); a target at a bound then counts as met within half a unit of it.
    censored : bool, default False
        Read ``lower``/``upper`` as limits where work is complete (tasks, digitization) rather
        than as asymptotes (adoption); see :func:`simulate_for`.
    return_paths : bool, default False
        Attach the simulated paths (``result.paths``).
    n_paths : int, default 1000
        Number of simulated paths.

    Returns
    -------
    ForecastResult

    Raises
    ------
    ValueError
        Empty history, unreadable deadline, invalid bounds or level.

    Notes
    -----
    The interval is calibrated from this series' own backtest. The monthly
    batch calibrates the provinces of an indicator together; to get the same
    for a set of series, use :func:`forecast_pooled`.

    With fewer than 6 monthly (3 annual) observations no forecast is made: the
    status is ``insufficient_history`` (``achieved`` if the target is already
    met), the probability NaN, and only the gap and the pace it needs are given.

    With the last observation at or after the deadline no forecast is made either:
    the figures decide the status (met on time, met late, missed), and neither a
    probability nor a pace needed is given.
    """
    level = check_level(level)
    thresholds = thresholds or StatusThresholds()
    lower, upper = check_bounds(lower, upper)
    series = series_from_pandas(history)
    dl = deadline_ordinal(deadline, series.freq)
    rng = np.random.default_rng(seed)
    tgt = opt_target(target)
    with single_thread_blas():
        sim = simulate_for(series, dl, lower, upper, level, rng, n_paths, censored)
    s = summarize(sim, tgt, direction, thresholds, level, resolution)
    return result_from_summary(s, sim, tgt, level, return_paths)


def result_from_summary(
    s: Summary, sim: Sim, target: float | None, level: float, return_paths: bool
) -> ForecastResult:
    """The public result of one series and target, from its summary."""
    freq = sim.series.freq
    index = pd.PeriodIndex(
        [pd.Period(ordinal=int(o), freq=freq) for o in s.path_ord], freq=freq, name="period"
    )
    path = pd.DataFrame(
        {"mean": s.mean, "median": s.median, "lower": s.lo, "upper": s.hi},
        index=index,
    )
    point, lower, upper = s.at_deadline
    return ForecastResult(
        path=path,
        point=point,
        lower=lower,
        upper=upper,
        prob_target_met=float(s.prob),
        expected_completion=(
            None if s.expected is None else pd.Period(ordinal=s.expected, freq=freq)
        ),
        required_pace=float(s.required_pace),
        current_pace=float(s.current_pace),
        status=s.status,
        model=s.model,
        level=level,
        target=target,
        direction=s.direction,
        deadline=pd.Period(ordinal=sim.deadline, freq=freq),
        last_period=pd.Period(ordinal=s.last_ord, freq=freq),
        last_value=float(s.last_value),
        interval_scale=float(s.interval_scale),
        weights=s.weights,
        paths=sim.paths if return_paths else None,
        model_spec=s.model_spec,
    )


def _json_float(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None
