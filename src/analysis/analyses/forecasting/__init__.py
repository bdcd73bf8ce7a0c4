"""Forecast each indicator to its deadline and judge whether the target will be met.

Entry points
------------
:func:`forecast_to_deadline`
    One series -> :class:`ForecastResult` (path to the deadline with an
    interval, point forecast, probability the target is met, expected month of
    completion, required and current pace, status and a readable ``model``).
:func:`forecast_pooled`
    Several series of one indicator to one deadline, with the interval
    calibration pooled over their backtests.
:func:`forecast_batch`
    Every province x indicator x target of a tidy frame, in parallel (joblib),
    calibrated per indicator as :func:`forecast_pooled` does.
:func:`cached_forecast_batch`
    The same, cached in a DuckDB table ``forecast_cache``.

Method
------
*Scale.* With both bounds known (0-100 for a rate, 0-quota for a count) every
model works on the scaled logit ``z = logit((y - lower) / (upper - lower))``,
the fraction clipped to ``[eps, 1 - eps]`` with ``eps = 0.001``; simulated paths
are mapped back with the inverse logit, so forecasts, intervals and *every*
path stay inside the bounds.  With one or no bound the original scale is used
and paths are clipped at the known bound.

*Models* (see :mod:`analysis.analyses.forecasting.models`): damped-trend ETS on the
logit scale and on the original scale (statsmodels ``ExponentialSmoothing``),
a logistic growth curve capped by the upper bound (scipy ``curve_fit``,
residual bootstrap), ARIMA(1,1,0) with drift (conditional least squares, the
statsmodels ``AutoReg`` estimator, on differences) and drift.  Without both
bounds there is no logit scale: the same models run on the original scale and
the logistic curve is skipped.  The random walk (naive) is no longer a
candidate: as a predictive distribution it puts half its paths on a decline of
a steadily rising series, and the equal-weight shrinkage kept it in every mix;
the damped trend on the original scale covers the "stalls at its level" case.

*Selection.* A rolling-origin backtest on the series' own history: horizon
``periods to deadline`` limited to ``[3, 12]`` and to ``n // 4``; 3 origins
spaced half a horizon apart.  Logistic, ARIMA and drift are refitted
at each origin; ETS keeps its full-sample smoothing parameters and restarts
from the states its filter had at the origin (cheap; the parameters are the
only look-ahead).  Models are weighted by ``s x (1/MASE, normalised) +
(1 - s) x equal`` with ``s = 0.5 x (origins used / 3)``: a few origins rank
models noisily and equal weights are hard to beat, so the backtest tilts
rather than picks, and tilts less when a short history allows fewer origins
(one origin: ``s = 1/6``).

*Uncertainty.* 1000 paths are drawn from the weighted mixture of the models.
The interval, the point forecast, the probability that the target is met and
the expected completion period all come from these same paths.  The point
forecast is the path *median*: on a bounded scale the distribution is skewed
and its mean is pulled by the long tail toward the far bound; the path
DataFrame reports both ``mean`` and ``median``.

*Calibration.* Each series' raw model mixture is too wide for most of its
held-out errors and too narrow for the rare large ones (adoption series move
smoothly for years, then jump).  When several series of one indicator are
forecast together -- the provinces of a period batch (:func:`forecast_batch`)
or any set given to :func:`forecast_pooled` -- the held-out errors of all their
backtests are pooled: each error is ``z - median`` of the raw mixture at a
backtest origin, on the modelling scale, in units of the series' mean absolute
one-period change, kept per step ahead.  Each series' paths are then mapped,
period by period and rank by rank, onto ``median + unit x`` the pooled error
quantiles of that step (:class:`~analysis.analyses.forecasting.models.PooledCalibration`:
quantile recalibration, which fixes width, asymmetry, tails and a common bias
of the median together, keeps the paths' order within each period, and lets
the probability, expected month and intervals still come from the same
paths).  Steps beyond the backtest horizon use the longest step with at least
30 errors; with fewer than 50 errors in all (a handful of series) pooling is
skipped.  On the accuracy benchmark this lowered the Brier score from 0.767 to
about 0.73 of climatology and brought 80 % coverage from 0.771 to about 0.80.

A series forecast alone, or one whose pool is too small, is calibrated from
its own backtest: at each origin the mixture is simulated (200 paths) and, for
each held-out observation, the ratio of its distance from the mixture median
to the half-width of the nominal ``level`` interval on its side is computed
(on the modelling scale).  The ``level`` quantile of these ratios is the
factor that would have made the interval cover ``level`` of held-out values.
It is shrunk toward 1 on the log scale as if 6 extra ratios equalled 1 (a
quantile of a handful of correlated errors is noisy), bounded to ``[0.25, 4]``.
The same estimate is made separately for the held-out values below and above
the median (each side's ratios against that side's half-width), shrunk toward
the pooled factor in the same way, and applied to the deviations of the final
paths on that side of their per-period median: ``z' = median + s_below (z -
median)`` under the median, ``s_above`` over it (a monotone map, so the paths
stay paths).  Adoption series rarely fall, so a symmetric factor would put too
much probability on a decline; the side of the held-out values also carries
any bias of the median.  ``interval_scale`` reports the pooled ``s`` (with a
pooled calibration: the ratio of the calibrated to the raw 80 % width at the
deadline); the factors or the pool are named in ``model``.

A history too short for any backtest origin (8 to about 10 points) gets the
equal-weight mix of every model that fitted (no evidence to rank them) with
uncalibrated intervals, or the pooled calibration of its indicator when there
is one.  The fallbacks below keep their own intervals.

*Fallbacks* (each named in ``model``; none raises except an empty history):

* fewer than 8 observations -- equal mix of naive and drift, no backtest,
  intervals widened by the Student-t factor for ``n - 2`` degrees of freedom;
  a single observation is held constant with a zero-width interval;
* flat series (all values equal) -- held constant, zero-width interval;
* last value at a bound (e.g. 100 %) -- held at the bound;
* missing periods -- interior gaps linearly interpolated on the modelling
  scale; backtests are scored on observed values only;
* level shift -- a step in the last third of the series (on the original
  scale) larger than 6 robust standard deviations of the changes and three
  times any other change, that does not revert: the models are refitted on
  the data since the shift when at least 8 points follow it, otherwise the
  earlier history is shifted by the step (on the modelling scale) so that its
  trend information is kept;
* deadline already passed -- the observed value at the deadline (or the latest
  observation before it) decides: probability 1 and ``achieved`` if met,
  otherwise 0 and ``off_track``;
* all values missing -- no forecast: the interval is the whole bounded range
  (or the target when no bounds are known), probability 0 and ``off_track``
  until data are reported; ``last_value`` is NaN, the only NaN returned.

Status (defaults in :class:`StatusThresholds`)
----------------------------------------------
``achieved``   the latest observed value already meets the target;
``on_track``   otherwise, if P(target met at the deadline) >= 0.8;
``at_risk``    if that probability >= 0.3;
``off_track``  otherwise.

Without a target the implicit goal is to *hold the latest level*:
``prob_target_met`` is the probability that the value at the deadline is at
least the latest value (at most, when lower is better) and the status follows
the same thresholds, never ``achieved``; ``required_pace`` is 0 and
``expected_completion`` None.  For a passed deadline without a target the
status is ``on_track`` (probability 1) when the value at the deadline is not
worse than the value one pace window before it, else ``off_track``.

Direction: ``direction="higher_is_better"`` (default) or ``"lower_is_better"``;
``None``/``"auto"`` infers higher-is-better when ``target >= last value``.
A target within ``eps`` of a bound in the good direction (e.g. 100 %) counts as
met by values within that resolution of the bound, because the model cannot
distinguish them.

Pace
----
``current_pace`` is the least-squares slope per period through the observed
points of the last 6 months for monthly data (last 2 periods for quarterly
and annual data), i.e. the mean monthly change for a straight line, robust to
missing months; if fewer than two observations fall in the window, the slope
between the last two observations is used (0 with a single observation).
``required_pace = (target - last value) / periods left`` with periods left
floored at 1, so a passed deadline asks for the whole gap at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.forecasting.models import (
    EPS_DEFAULT,
    BacktestSettings,
    Calibration,
    Ensemble,
    GridData,
    NaiveModel,
    PooledCalibration,
    Transform,
    apply_calibration,
    fit_logistic_curve,
    select_and_combine,
    short_history_ensemble,
)

__all__ = [
    "BATCH_COLUMNS",
    "PooledCalibration",
    "ForecastResult",
    "StatusThresholds",
    "cached_forecast_batch",
    "fit_logistic_curve",
    "forecast_batch",
    "forecast_pooled",
    "forecast_to_deadline",
]

STATUSES = ("achieved", "on_track", "at_risk", "off_track")
HIGHER = "higher_is_better"
LOWER = "lower_is_better"
#: Observations needed before models are fitted and backtested.
MIN_POINTS = 8
#: Default number of simulated paths.
N_PATHS = 1000

#: Bumped whenever the engine's results change for the same inputs, so that
#: cached batches computed by an earlier engine are not reused.
ENGINE_VERSION = "2-pooled-calibration"

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
    "path_json",
)
_FLOAT_COLS = tuple(c for c in BATCH_COLUMNS if c not in _STR_COLS)


# --------------------------------------------------------------------------- public types
@dataclass(frozen=True)
class StatusThresholds:
    """Probability thresholds for the status of a target not yet achieved.

    Attributes
    ----------
    on_track : float, default 0.8
        ``on_track`` when P(target met at deadline) >= this.
    at_risk : float, default 0.3
        ``at_risk`` when the probability is >= this (and below ``on_track``);
        ``off_track`` below it.
    """

    on_track: float = 0.8
    at_risk: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.at_risk <= self.on_track <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= at_risk <= on_track <= 1")

    def classify(self, prob: float) -> str:
        """Status for a probability (the ``achieved`` case is decided elsewhere)."""
        if prob >= self.on_track:
            return "on_track"
        if prob >= self.at_risk:
            return "at_risk"
        return "off_track"


@dataclass(frozen=True, eq=False)
class ForecastResult:
    """Forecast of one series to a deadline.

    Attributes
    ----------
    path : pandas.DataFrame
        Indexed by period from the first forecast period to the deadline,
        columns ``mean``, ``median``, ``lower``, ``upper`` (the central
        ``level`` interval) of the simulated paths.  For a passed deadline: one
        row at the deadline with the observed value.
    point : float
        Point forecast at the deadline: the median of the simulated paths (see
        the module docstring for why not the mean).
    lower, upper : float
        Interval at the deadline.
    prob_target_met : float
        Probability that the value at the deadline meets the target (see the
        module docstring for the no-target rule).  Never NaN.
    expected_completion : pandas.Period or None
        First period at which the per-period median of the simulated paths
        meets the target; the last observed period if already met; None if not
        by the deadline or without a target.
    required_pace, current_pace : float
        Change per period needed / observed recently (units of the series).
    status : str
        One of ``achieved``, ``on_track``, ``at_risk``, ``off_track``.
    model : str
        Readable description of what was done, including fallbacks.
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


_BLAS_CONTROLLER: Any = None


def _single_thread_blas() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while fitting.

    The models work on vectors of a few dozen points, where a multi-threaded
    BLAS only adds synchronisation: L-BFGS-B inside the ETS fit was measured
    4x slower with 2 OpenBLAS threads than with 1.  Uses threadpoolctl when it
    is installed (a no-op otherwise); the controller is created once because
    scanning the loaded libraries costs ~0.1 ms.
    """
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS_CONTROLLER = False
        else:
            _BLAS_CONTROLLER = ThreadpoolController()
    if _BLAS_CONTROLLER is False:
        return contextlib.nullcontext()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


# --------------------------------------------------------------------------- preparation
@dataclass
class _Series:
    """A cleaned series: sorted observed ordinals/values of one frequency."""

    freq: str
    ordinals: np.ndarray
    values: np.ndarray
    index_last: int | None
    n_index: int


@dataclass
class _Sim:
    """Target-independent part of a forecast (shared by several targets)."""

    kind: str  # "forecast" | "passed" | "no_data"
    series: _Series
    deadline: int
    lower: float | None
    upper: float | None
    paths: np.ndarray | None = None  # (n, H) on the original scale
    description: str = ""
    notes: list[str] = field(default_factory=list)
    interval_scale: float = 1.0
    weights: dict[str, float] = field(default_factory=dict)
    # For pooled calibration (:meth:`recalibrate`): the raw mixture paths on the
    # modelling scale, this series' own calibration, the error unit, the
    # backtest evidence and the description without the calibration clause.
    z_raw: np.ndarray | None = field(default=None, repr=False)
    own_calibration: Calibration | float = 1.0
    transform: Transform | None = None
    unit: float = 1.0
    evidence: np.ndarray | None = field(default=None, repr=False)
    base_description: str = ""
    clip: tuple[float, float] | None = None

    @property
    def poolable(self) -> bool:
        """Whether a pooled calibration can replace this series' own one."""
        return self.kind == "forecast" and self.z_raw is not None and self.evidence is not None

    def materialize(self, pooled: PooledCalibration | None = None) -> None:
        """(Re)compute ``paths`` from the raw paths, with ``pooled`` if given.

        Without ``pooled`` the series' own calibration is applied (the paths
        :func:`_simulate` made); with it the pooled error distribution replaces
        it (:class:`~analysis.analyses.forecasting.models.PooledCalibration`).
        """
        if not self.poolable:
            return
        assert self.z_raw is not None and self.transform is not None
        if pooled is None:
            z = apply_calibration(self.z_raw, self.own_calibration)
        else:
            z = pooled.apply(self.z_raw, self.unit)
        paths = self.transform.inverse(z)
        if self.clip is not None:
            paths = np.clip(paths, *self.clip)
        if not np.all(np.isfinite(paths)):
            if pooled is not None:
                self.materialize(None)  # the series' own calibration rather than leak NaN
            return
        if pooled is not None:
            q = np.quantile(self.z_raw[:, -1], [0.1, 0.9])
            q2 = np.quantile(z[:, -1], [0.1, 0.9])
            raw_w = float(q[1] - q[0])
            self.interval_scale = float(q2[1] - q2[0]) / raw_w if raw_w > 0 else 1.0
            self.description = self.base_description + pooled.describe()
        self.paths = paths

    @property
    def last_ord(self) -> int:
        if self.series.ordinals.size:
            return int(self.series.ordinals[-1])
        return int(self.series.index_last)  # type: ignore[arg-type]

    @property
    def last_value(self) -> float:
        if self.series.values.size:
            return float(self.series.values[-1])
        return float("nan")


def _series_from_pandas(history: pd.Series) -> _Series:
    if not isinstance(history, pd.Series):
        raise TypeError("history must be a pandas Series with a PeriodIndex")
    if len(history) == 0:
        raise ValueError("history is empty: nothing to forecast from")
    idx = history.index
    if isinstance(idx, pd.DatetimeIndex):
        freq = idx.freqstr or pd.infer_freq(idx)
        if freq is None:
            raise ValueError("cannot infer the frequency of a DatetimeIndex; use a PeriodIndex")
        idx = idx.to_period(_period_freq(freq))
    if not isinstance(idx, pd.PeriodIndex):
        raise TypeError("history must have a PeriodIndex (monthly or annual)")
    freq = idx.freqstr
    ords = np.asarray(idx.asi8, dtype=np.int64)
    vals = pd.to_numeric(pd.Series(history.to_numpy()), errors="coerce").to_numpy(dtype=float)
    return _clean(freq, ords, vals)


def _period_freq(freq: str) -> str:
    """Period frequency for a DatetimeIndex frequency alias ("MS", "ME", "YS"...)."""
    f = freq.upper()
    if f.startswith("M"):
        return "M"
    if f.startswith(("Y", "A")):
        return "Y"
    if f.startswith("Q"):
        return "Q"
    return freq


def _clean(freq: str, ords: np.ndarray, vals: np.ndarray, index_last: int | None = None) -> _Series:
    """Sort, drop non-finite values, keep the last value of duplicated periods.

    ``index_last`` is the period the series is known up to when it has no rows
    at all (batch cut-off); by default the last period of ``ords``.
    """
    n_index = int(ords.size)
    if n_index:
        index_last = int(ords.max())
    ok = np.isfinite(vals)
    ords, vals = ords[ok], vals[ok]
    order = np.argsort(ords, kind="stable")
    ords, vals = ords[order], vals[order]
    if ords.size > 1:
        keep = np.append(ords[1:] != ords[:-1], True)  # last of each duplicate run
        ords, vals = ords[keep], vals[keep]
    return _Series(freq, ords, vals, index_last, n_index)


def _to_period(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value
    if isinstance(value, (pd.Timestamp, datetime, date, np.datetime64)):
        return pd.Period(pd.Timestamp(value), freq="D")
    return pd.Period(str(value).strip())


def _deadline_ordinal(deadline: Any, freq: str) -> int:
    """Deadline converted to the series frequency (a year maps to its last period)."""
    try:
        p = _to_period(deadline)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot read deadline {deadline!r} as a period") from exc
    return int(p.asfreq(freq, how="end").ordinal)


def _pstr(ordinal: int, freq: str) -> str:
    return str(pd.Period(ordinal=int(ordinal), freq=freq))


def _periods_per_year(freq: str) -> int:
    f = freq.upper()
    if f.startswith("M"):
        return 12
    if f.startswith("Q"):
        return 4
    if f.startswith("W"):
        return 52
    if f.startswith(("D", "B")):
        return 365
    return 1


def _unit_word(freq: str, n: int = 2) -> str:
    words = {12: "month", 4: "quarter", 1: "year", 52: "week", 365: "day"}
    w = words.get(_periods_per_year(freq), "period")
    return w if n == 1 else w + "s"


def _pace_window(freq: str) -> int:
    """Periods in the current-pace window: 6 months, else 2 periods."""
    return 6 if _periods_per_year(freq) == 12 else 2


def _current_pace(ords: np.ndarray, vals: np.ndarray, freq: str) -> float:
    if ords.size < 2:
        return 0.0
    w = _pace_window(freq)
    sel = ords >= ords[-1] - w
    if sel.sum() >= 2:
        t, y = ords[sel].astype(float), vals[sel]
        t = t - t.mean()
        return float(np.sum(t * (y - y.mean())) / np.sum(t * t))
    return float((vals[-1] - vals[-2]) / (ords[-1] - ords[-2]))


def _check_bounds(lower: Any, upper: Any) -> tuple[float | None, float | None]:
    lo = None if lower is None or not np.isfinite(float(lower)) else float(lower)
    hi = None if upper is None or not np.isfinite(float(upper)) else float(upper)
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError(f"upper bound ({hi}) must exceed lower bound ({lo})")
    return lo, hi


# --------------------------------------------------------------------------- core
def _simulate(
    series: _Series,
    deadline: int,
    lower: float | None,
    upper: float | None,
    level: float,
    rng: np.random.Generator,
    n_paths: int = N_PATHS,
    settings: BacktestSettings | None = None,
) -> _Sim:
    """Fit, select and simulate paths to the deadline (target-independent)."""
    freq = series.freq
    if series.ordinals.size == 0:
        return _Sim(
            "no_data",
            series,
            deadline,
            lower,
            upper,
            description=(
                f"no observed values (all {series.n_index} missing): no forecast possible; "
                "the interval is the whole feasible range and the target is treated as "
                "not met (probability 0, off_track) until data are reported"
            ),
        )
    notes: list[str] = []
    ords, vals = series.ordinals, series.values
    lo_b = -np.inf if lower is None else lower
    hi_b = np.inf if upper is None else upper
    outside = (vals < lo_b) | (vals > hi_b)
    if outside.any():
        vals = np.clip(vals, lo_b, hi_b)
        series = _Series(freq, ords, vals, series.index_last, series.n_index)
        notes.append(f"{int(outside.sum())} value(s) outside the bounds clipped to them")
    last_ord, last_val = int(ords[-1]), float(vals[-1])
    horizon = deadline - last_ord
    if horizon <= 0:
        return _Sim(
            "passed",
            series,
            deadline,
            lower,
            upper,
            description=(
                f"deadline {_pstr(deadline, freq)} already passed (last observation "
                f"{_pstr(last_ord, freq)}): observed value at the deadline used, no forecast"
            ),
            notes=notes,
        )

    tr = Transform(lower, upper, EPS_DEFAULT)
    tol = EPS_DEFAULT * tr.span if tr.kind == "logit" else 1e-9 * max(1.0, abs(last_val))
    n_obs = int(ords.size)

    def constant(desc: str) -> _Sim:
        paths = np.full((n_paths, horizon), last_val)
        return _Sim("forecast", series, deadline, lower, upper, paths, desc, notes, 1.0, {})

    if upper is not None and last_val >= upper - tol:
        return constant(
            f"last value at the upper bound ({_fmt(upper)}): held at the bound, "
            "a bounded quantity cannot rise further and the logit scale is undefined there"
        )
    if lower is not None and last_val <= lower + tol:
        return constant(
            f"last value at the lower bound ({_fmt(lower)}): held at the bound, "
            "a bounded quantity cannot fall further and the logit scale is undefined there"
        )
    if n_obs >= 2 and np.ptp(vals) <= 1e-12 * max(1.0, abs(last_val)):
        return constant(
            f"flat series (all {n_obs} values equal {_fmt(last_val)}): held constant; "
            "no variation to estimate uncertainty from (zero-width interval)"
        )

    # Regular grid from the first to the last observation; gaps interpolated on
    # the modelling scale, which keeps interpolated values inside the bounds.
    first = int(ords[0])
    n_grid = last_ord - first + 1
    pos = ords - first
    z_obs = tr.forward(vals)
    z = np.interp(np.arange(n_grid), pos, z_obs)
    y = tr.inverse(z)
    y[pos] = vals
    observed = np.zeros(n_grid, dtype=bool)
    observed[pos] = True
    n_missing = n_grid - n_obs
    if n_missing:
        notes.append(
            f"{n_missing} missing {_unit_word(freq, n_missing)} filled by linear "
            f"interpolation on the {tr.label} scale (backtests score observed values only)"
        )
    data = GridData(z, y, observed, tr)

    # Detected on the original scale: in the early phase of an adoption curve
    # the logit scale turns ordinary growth into large steps.
    shift = _detect_level_shift(y, observed)
    if shift is not None:
        k, _ = shift
        dz = np.diff(z)
        step = float(dz[k - 1] - np.median(dz))
        when = _pstr(first + k, freq)
        n_after = int(observed[k:].sum())
        if n_after >= MIN_POINTS:
            data = GridData(z[k:], y[k:], observed[k:], tr)
            notes.append(
                f"level shift at {when} (step {step:+.2f} on the {tr.label} scale): "
                f"refitted on the {n_after} observations since the shift"
            )
        else:
            z_adj = z.copy()
            z_adj[:k] += step
            y_adj = y.copy()
            y_adj[:k] = tr.inverse(z_adj[:k])
            data = GridData(z_adj, y_adj, observed, tr)
            notes.append(
                f"level shift at {when} (step {step:+.2f} on the {tr.label} scale, only "
                f"{n_after} observations since): earlier history shifted by the step so the "
                "models refit on a continuous series"
            )

    if int(data.observed.sum()) < MIN_POINTS:
        ens = short_history_ensemble(data, level)
    else:
        ens = select_and_combine(data, horizon, level, rng, settings)
    z_raw: np.ndarray | None = ens.simulate_raw(horizon, n_paths, rng)
    paths = tr.inverse(ens.calibrate(z_raw))
    if not np.all(np.isfinite(paths)):
        # Defensive: a numerically broken model must not leak NaN to users.
        ens = Ensemble([NaiveModel.fit(data)], np.array([1.0]), 1.0, "naive (numerical fallback)")
        paths = tr.inverse(ens.simulate(horizon, n_paths, rng))
        z_raw = None
    weights = {m.name: float(w) for m, w in zip(ens.models, ens.weights, strict=True)}
    desc = ens.description
    base = desc[: len(desc) - len(ens.calib_text)] if ens.calib_text else desc
    return _Sim(
        "forecast",
        series,
        deadline,
        lower,
        upper,
        paths,
        desc,
        notes + ens.notes,
        float(ens.scale),
        weights,
        z_raw=z_raw if ens.evidence is not None else None,
        own_calibration=ens.calibration if ens.calibration is not None else float(ens.scale),
        transform=tr,
        unit=float(ens.unit),
        evidence=ens.evidence,
        base_description=base,
    )


def _detect_level_shift(
    z: np.ndarray, observed: np.ndarray, threshold: float = 6.0
) -> tuple[int, float] | None:
    """Find a persistent step in the last third of the series.

    Returns ``(k, step)`` where the shift happens between grid points ``k - 1``
    and ``k`` and ``step`` is the change beyond the typical change, or None.
    A candidate must (i) exceed ``threshold`` robust standard deviations of the
    changes, (ii) be more than three times any other change of the series (so
    that the acceleration of an adoption curve does not trigger), (iii) be between two
    observed points with at least one more observation after it, and (iv) not
    revert: later points stay at least half a step away from the continuation
    of the pre-shift trend.
    """
    n = z.size
    if n < 12:
        return None
    d = np.diff(z)
    med = float(np.median(d))
    dev = np.abs(d - med)
    mad = 1.4826 * float(np.median(dev))
    scale = max(mad, 0.25 * float(np.std(d)), 1e-12)
    start = max(2, n - max(6, n // 3))  # first grid index a shift may land on
    ks = np.arange(start, n - 1)
    ks = ks[observed[ks] & observed[ks - 1]]
    if ks.size == 0:
        return None
    k = int(ks[np.argmax(dev[ks - 1])])
    size = float(dev[k - 1])
    if size / scale < threshold:
        return None
    others = np.delete(dev, k - 1)
    if others.size and size <= 3.0 * float(others.max()):
        return None
    step = float(d[k - 1] - med)
    after = z[k + 1 :] - (z[k - 1] + med * np.arange(2, n - k + 1))
    after = after[observed[k + 1 :]]
    if after.size == 0 or np.median(after) * math.copysign(1.0, step) < 0.5 * abs(step):
        return None
    return k, step


def _meets(values: np.ndarray | float, target: float, direction: str) -> np.ndarray:
    tol = 1e-9 * max(1.0, abs(target))
    v = np.asarray(values, dtype=float)
    return v >= target - tol if direction == HIGHER else v <= target + tol


CENSOR_LIFT = 0.10
"""For censored series, the share of the range by which the transform's bounds are moved."""


def _simulate_for(
    series: _Series,
    dl: int,
    lo: float | None,
    hi: float | None,
    level: float,
    rng: np.random.Generator,
    n_paths: int,
    censored: bool,
) -> _Sim:
    """:func:`_simulate`, with the bounds read as asymptotes or as censoring limits.

    Adoption (e-ID activation, fibre, online dossiers) approaches its bound asymptotically: the
    logit scale fits it. Completion work (tasks done, records digitized, villages covered) moves
    at its pace until it is finished: on the logit scale "100 % by December" could never be met
    however fast a campaign moves. For such ``censored`` series the transform's bounds are moved
    outwards by :data:`CENSOR_LIFT` of the range and the paths are then clipped at the real
    bounds, so a series that keeps its pace reaches completion and one that stalls does not.
    The choice belongs to the indicator (catalog ``completion``), never to a target, so the
    probability still falls as the target rises.
    """
    if not censored or lo is None or hi is None:
        return _simulate(series, dl, lo, hi, level, rng, n_paths)
    lift = CENSOR_LIFT * (hi - lo)
    sim = _simulate(series, dl, lo - lift, hi + lift, level, rng, n_paths)
    sim.lower, sim.upper = lo, hi
    if sim.paths is not None:
        sim.paths = np.clip(sim.paths, lo, hi)
        sim.clip = (lo, hi)
        sim.notes.append(
            f"completion series: transform bounds moved out by {_fmt(lift)}, "
            f"paths censored at [{_fmt(lo)}, {_fmt(hi)}]"
        )
    return sim


def _effective_target(
    target: float, direction: str, sim: _Sim, resolution: float | None = None
) -> float:
    """Target for path comparisons: within ``eps`` of a bound counts as the bound.

    With a ``resolution`` (the size of one counted unit on the value's scale: 100/89 points
    when 89 tasks make 100 %), a target at the bound is met once a path is within half a unit
    of it - the last task done - since bounded paths approach the bound only asymptotically.
    """
    if sim.lower is None or sim.upper is None:
        return target
    tol = EPS_DEFAULT * (sim.upper - sim.lower)
    if resolution is not None and np.isfinite(resolution) and resolution > 0:
        tol = max(tol, 0.5 * float(resolution))
    if direction == HIGHER and target >= sim.upper - tol:
        return min(target, sim.upper - tol)
    if direction == LOWER and target <= sim.lower + tol:
        return max(target, sim.lower + tol)
    return target


def _resolve_direction(direction: str | None, target: float | None, last_value: float) -> str:
    if direction is None or (isinstance(direction, float) and math.isnan(direction)):
        direction = "auto"
    d = str(direction).strip().lower()
    if d in (HIGHER, "higher", "increase", "up"):
        return HIGHER
    if d in (LOWER, "lower", "decrease", "down"):
        return LOWER
    if d == "auto":
        if target is None or not np.isfinite(last_value):
            return HIGHER
        return HIGHER if target >= last_value else LOWER
    raise ValueError(f"direction must be {HIGHER!r}, {LOWER!r} or None, got {direction!r}")


def _summarize(
    sim: _Sim,
    target: float | None,
    direction: str | None,
    thresholds: StatusThresholds,
    level: float,
    resolution: float | None = None,
) -> dict[str, Any]:
    """Turn a simulation into the reported quantities for one target."""
    freq = sim.series.freq
    ords, vals = sim.series.ordinals, sim.series.values
    last_ord, last_val = sim.last_ord, sim.last_value
    d = _resolve_direction(direction, target, last_val)
    pace = _current_pace(ords, vals, freq)
    notes = list(sim.notes)
    out: dict[str, Any] = {
        "direction": d,
        "last_ord": last_ord,
        "last_value": last_val,
        "current_pace": pace,
        "interval_scale": sim.interval_scale,
        "weights": dict(sim.weights),
    }
    q_lo, q_hi = 0.5 - level / 2.0, 0.5 + level / 2.0

    if sim.kind == "no_data":
        if sim.lower is not None and sim.upper is not None:
            lo, hi = sim.lower, sim.upper
        else:
            lo = hi = float(target) if target is not None else 0.0
        horizon = max(sim.deadline - last_ord, 0)
        steps = np.arange(1, horizon + 1) if horizon > 0 else np.array([0])
        n = steps.size
        out.update(
            path_ord=last_ord + steps,
            mean=np.full(n, (lo + hi) / 2.0),
            median=np.full(n, (lo + hi) / 2.0),
            lo=np.full(n, lo),
            hi=np.full(n, hi),
            prob=0.0,
            status="off_track",
            expected=None,
            required_pace=0.0,
        )
        out["model"] = _join(sim.description, notes)
        return out

    if sim.kind == "passed":
        at = ords <= sim.deadline
        if np.any(ords == sim.deadline):
            value = float(vals[ords == sim.deadline][0])
            which = "observed at the deadline"
        elif at.any():
            value = float(vals[at][-1])
            which = f"latest observation before the deadline ({_pstr(int(ords[at][-1]), freq)})"
        else:
            value = last_val
            which = "no observation before the deadline: last value"
        expected = None
        if target is None:
            w = _pace_window(freq)
            prior = vals[ords <= sim.deadline - w]
            ref = float(prior[-1]) if prior.size else float(vals[0])
            met = bool(_meets(value, ref, d))
            status = "on_track" if met else "off_track"
            required = 0.0
        else:
            met = bool(_meets(value, float(target), d))
            status = "achieved" if met else "off_track"
            hit = ords[(ords <= sim.deadline) & _meets(vals, float(target), d)]
            expected = int(hit[0]) if hit.size else None
            required = float(target) - value
        out.update(
            path_ord=np.array([sim.deadline]),
            mean=np.array([value]),
            median=np.array([value]),
            lo=np.array([value]),
            hi=np.array([value]),
            prob=1.0 if met else 0.0,
            status=status,
            expected=expected,
            required_pace=required,
            model=_join(f"{sim.description} ({which})", notes),
        )
        return out

    paths = sim.paths
    assert paths is not None
    horizon = paths.shape[1]
    mean = paths.mean(axis=0)
    lo, med, hi = np.quantile(paths, [q_lo, 0.5, q_hi], axis=0)
    final = paths[:, -1]
    if target is None:
        prob = float(np.mean(_meets(final, last_val, d)))
        status = thresholds.classify(prob)
        expected = None
        required = 0.0
        notes.append("no target: probability that the latest level is held or improved")
    else:
        tgt = float(target)
        eff = _effective_target(tgt, d, sim, resolution)
        prob = float(np.mean(_meets(final, eff, d)))
        required = (tgt - last_val) / max(horizon, 1)
        if bool(_meets(last_val, tgt, d)):
            status = "achieved"
            expected = last_ord
            notes.append(f"target already met at the last observation ({_pstr(last_ord, freq)})")
        else:
            status = thresholds.classify(prob)
            hit = np.flatnonzero(_meets(med, eff, d))
            expected = last_ord + 1 + int(hit[0]) if hit.size else None
    out.update(
        path_ord=last_ord + np.arange(1, horizon + 1),
        mean=mean,
        median=med,
        lo=lo,
        hi=hi,
        prob=prob,
        status=status,
        expected=expected,
        required_pace=float(required),
        model=_join(sim.description, notes),
    )
    return out


def _join(desc: str, notes: Iterable[str]) -> str:
    return "; ".join([desc, *[n for n in notes if n]])


def _fmt(v: float) -> str:
    return f"{v:g}"


def _json_float(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    return level


def _opt_target(target: Any) -> float | None:
    if target is None:
        return None
    t = float(target)
    return t if math.isfinite(t) else None


# --------------------------------------------------------------------------- public API
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
        than as asymptotes (adoption); see :func:`_simulate_for`.
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
    """
    level = _check_level(level)
    thresholds = thresholds or StatusThresholds()
    lower, upper = _check_bounds(lower, upper)
    series = _series_from_pandas(history)
    dl = _deadline_ordinal(deadline, series.freq)
    rng = np.random.default_rng(seed)
    tgt = _opt_target(target)
    with _single_thread_blas():
        sim = _simulate_for(series, dl, lower, upper, level, rng, n_paths, censored)
    s = _summarize(sim, tgt, direction, thresholds, level, resolution)
    return _result_from_summary(s, sim, tgt, level, return_paths)


def _calibrate_pools(keyed: Iterable[tuple[Any, _Sim]]) -> None:
    """Give the series of each key the calibration pooled over their backtests.

    Series without a backtest are left alone; when a key's pool is too small
    (:meth:`PooledCalibration.from_evidence` returns None) its series keep
    their own calibration.
    """
    groups: dict[Any, list[_Sim]] = {}
    for key, sim in keyed:
        if sim.poolable:
            groups.setdefault(key, []).append(sim)
    for group in groups.values():
        pooled = PooledCalibration.from_evidence([sim.evidence for sim in group])
        for sim in group:
            sim.materialize(pooled)


def _pooled_sims(histories: dict[str, pd.Series], args: tuple) -> dict[str, _Sim]:
    deadline, lower, upper, level, seed, n_paths, censored = args
    out = {}
    with _single_thread_blas():
        for key, history in histories.items():
            try:
                series = _series_from_pandas(history)
                dl = _deadline_ordinal(deadline, series.freq)
            except ValueError as exc:
                raise ValueError(f"series {key!r}: {exc}") from exc
            rng = _task_seed(seed, str(key), "", dl)
            out[key] = _simulate_for(series, dl, lower, upper, level, rng, n_paths, censored)
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
    (:class:`~analysis.analyses.forecasting.models.PooledCalibration`) and replace each
    series' own interval calibration, unless fewer than
    :data:`~analysis.analyses.forecasting.models.MIN_POOLED_ERRORS` errors are available.
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
    level = _check_level(level)
    thresholds = thresholds or StatusThresholds()
    lower, upper = _check_bounds(lower, upper)
    tgt = _opt_target(target)
    args = (deadline, lower, upper, level, seed, n_paths, censored)
    keys = list(histories)
    n_jobs = max(1, min(int(jobs or 1), len(keys)))
    if n_jobs == 1:
        sims = _pooled_sims(dict(histories), args)
    else:
        from joblib import Parallel, delayed

        chunks = [keys[i::n_jobs] for i in range(n_jobs)]
        parts = Parallel(n_jobs=n_jobs, backend="loky")(
            delayed(_pooled_sims)({k: histories[k] for k in c}, args) for c in chunks
        )
        sims = {k: v for part in parts for k, v in part.items()}
    if pool:
        # Steps ahead only compare within one frequency: monthly and annual series pool apart.
        _calibrate_pools((sim.series.freq, sim) for sim in sims.values())
    out = {}
    for key in keys:
        sim = sims[key]
        s = _summarize(sim, tgt, direction, thresholds, level, resolution)
        out[key] = _result_from_summary(s, sim, tgt, level, return_paths)
    return out


def _result_from_summary(
    s: dict[str, Any], sim: _Sim, target: float | None, level: float, return_paths: bool
) -> ForecastResult:
    freq = sim.series.freq
    index = pd.PeriodIndex(
        [pd.Period(ordinal=int(o), freq=freq) for o in s["path_ord"]], freq=freq, name="period"
    )
    path = pd.DataFrame(
        {"mean": s["mean"], "median": s["median"], "lower": s["lo"], "upper": s["hi"]},
        index=index,
    )
    return ForecastResult(
        path=path,
        point=float(s["median"][-1]),
        lower=float(s["lo"][-1]),
        upper=float(s["hi"][-1]),
        prob_target_met=float(s["prob"]),
        expected_completion=(
            None if s["expected"] is None else pd.Period(ordinal=s["expected"], freq=freq)
        ),
        required_pace=float(s["required_pace"]),
        current_pace=float(s["current_pace"]),
        status=s["status"],
        model=s["model"],
        level=level,
        target=target,
        direction=s["direction"],
        deadline=pd.Period(ordinal=sim.deadline, freq=freq),
        last_period=pd.Period(ordinal=s["last_ord"], freq=freq),
        last_value=float(s["last_value"]),
        interval_scale=float(s["interval_scale"]),
        weights=s["weights"],
        paths=sim.paths if return_paths else None,
    )


# --------------------------------------------------------------------------- batch
def _row_from_summary(
    province: str, indicator: str, target: float | None, sim: _Sim, s: dict[str, Any]
) -> dict[str, Any]:
    freq = sim.series.freq
    records = [
        {
            "period": _pstr(o, freq),
            "mean": round(float(m), 6),
            "median": round(float(md), 6),
            "lower": round(float(lo), 6),
            "upper": round(float(hi), 6),
        }
        for o, m, md, lo, hi in zip(
            s["path_ord"], s["mean"], s["median"], s["lo"], s["hi"], strict=True
        )
    ]
    return {
        "province": province,
        "indicator": indicator,
        "target": np.nan if target is None else float(target),
        "deadline": _pstr(sim.deadline, freq),
        "last_period": _pstr(s["last_ord"], freq),
        "last_value": float(s["last_value"]),
        "point": float(s["median"][-1]),
        "lower": float(s["lo"][-1]),
        "upper": float(s["hi"][-1]),
        "prob_target_met": float(s["prob"]),
        "expected_completion": None if s["expected"] is None else _pstr(s["expected"], freq),
        "required_pace": float(s["required_pace"]),
        "current_pace": float(s["current_pace"]),
        "status": s["status"],
        "model": s["model"],
        "path_json": json.dumps(records, separators=(",", ":")),
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
    series = _clean(task["freq"], task["ordinals"], task["values"], task["cut"])
    out = []
    for (dl, lo, hi), specs in task["groups"].items():
        rng = _task_seed(task["seed"], task["province"], task["indicator"], dl)
        notes = []
        try:
            lo, hi = _check_bounds(lo, hi)
        except ValueError as exc:
            notes.append(f"bounds ignored ({exc})")
            lo = hi = None
        sim = _simulate_for(series, dl, lo, hi, level, rng, n_paths, bool(task.get("censored")))
        sim.notes.extend(notes)
        if sim.poolable:
            sim.paths = None  # rebuilt from z_raw after pooling; halves what workers send back
        # Errors are in each series' own units, so provinces with different bounds (a
        # quota per province) pool together; the transform kind must agree.
        kind = (lo is None, hi is None, bool(task.get("censored")))
        pool_key = (task["indicator"], task["freq"], dl, kind)
        out.append((pool_key, sim, specs))
    return out


def _run_chunk(tasks: list[dict[str, Any]], level: float, n_paths: int) -> list[tuple]:
    out: list[tuple] = []
    with _single_thread_blas():
        for task in tasks:
            out.extend((task, *item) for item in _sim_task(task, level, n_paths))
    return out


def _finish(
    sims: list[tuple], level: float, thr: StatusThresholds, pool: bool
) -> list[dict[str, Any]]:
    """Stage 2 of the batch: pool calibration per indicator and deadline, then summarize."""
    if pool:
        _calibrate_pools((key, sim) for _task, key, sim, _specs in sims)
    else:
        for _task, _key, sim, _specs in sims:
            sim.materialize(None)  # the workers sent raw paths: the series' own calibration
    rows = []
    for task, _key, sim, specs in sims:
        for target, direction, order in specs:
            s = _summarize(sim, target, direction, thr, level, task.get("resolution"))
            row = _row_from_summary(task["province"], task["indicator"], target, sim, s)
            row["_order"] = order
            rows.append(row)
    return rows


def _ordinals_of(periods: pd.Series) -> tuple[str, np.ndarray]:
    """Frequency and ordinals of a column of Periods (or period strings)."""
    if isinstance(periods.dtype, pd.PeriodDtype):
        idx = pd.PeriodIndex(periods)
        return idx.freqstr, np.asarray(idx.asi8, dtype=np.int64)
    ps = [_to_period(p) for p in periods]
    freqs = {p.freqstr for p in ps}
    if len(freqs) != 1:
        raise ValueError(f"mixed period frequencies in one series: {sorted(freqs)}")
    return freqs.pop(), np.array([p.ordinal for p in ps], dtype=np.int64)


def _opt_float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _build_tasks(
    frame: pd.DataFrame, targets: pd.DataFrame, period: Any, seed: int
) -> tuple[list[dict[str, Any]], int]:
    need = {"province", "indicator", "period", "value"}
    missing = need - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks columns {sorted(missing)}")
    if not {"indicator", "target", "deadline"} <= set(targets.columns):
        raise ValueError("targets needs columns indicator, target, deadline")
    cutoff = _to_period(period).asfreq("M", how="end")

    tspecs: dict[str, list[dict[str, Any]]] = {}
    for i, rec in enumerate(targets.to_dict("records")):
        tspecs.setdefault(str(rec["indicator"]), []).append({**rec, "_i": i})

    tasks: list[dict[str, Any]] = []
    n_rows = 0
    for (prov, ind), g in frame.groupby(["province", "indicator"], sort=True):
        specs = tspecs.get(str(ind))
        if not specs:
            continue
        freq, ords = _ordinals_of(g["period"])
        cut = cutoff.asfreq(freq, how="end").ordinal
        vals = pd.to_numeric(g["value"], errors="coerce").to_numpy(dtype=float)
        keep = ords <= cut
        f_lo = _last_valid(g, "lower", keep)
        f_hi = _last_valid(g, "upper", keep)
        resolution = _last_valid(g, "resolution", keep) if "resolution" in g else None
        censored = bool(g["censored"].iloc[-1]) if "censored" in g else False
        groups: dict[tuple[int, float | None, float | None], list] = {}
        for spec in specs:
            dl = int(_to_period(spec["deadline"]).asfreq(freq, how="end").ordinal)
            lo = f_lo if f_lo is not None else _opt_float(spec.get("lower"))
            hi = f_hi if f_hi is not None else _opt_float(spec.get("upper"))
            direction = spec.get("direction")
            if direction is None or (isinstance(direction, float) and math.isnan(direction)):
                direction = HIGHER
            order = (str(prov), str(ind), spec["_i"])
            groups.setdefault((dl, lo, hi), []).append(
                (_opt_target(spec.get("target")), direction, order)
            )
            n_rows += 1
        tasks.append(
            {
                "province": str(prov),
                "indicator": str(ind),
                "freq": freq,
                "ordinals": ords[keep],
                "values": vals[keep],
                "cut": int(cut),
                "groups": groups,
                "seed": seed,
                "resolution": resolution,
                "censored": censored,
            }
        )
    return tasks, n_rows


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
    level = _check_level(level)
    thr = thresholds or StatusThresholds()
    tasks, n_rows = _build_tasks(frame, targets, period, seed)
    if not tasks:
        return _normalize(pd.DataFrame(columns=BATCH_COLUMNS))
    n_jobs = int(jobs) if jobs else (os.cpu_count() or 1)
    n_jobs = max(1, min(n_jobs, len(tasks)))
    if n_jobs == 1:
        sims = _run_chunk(tasks, level, n_paths)
    else:
        from joblib import Parallel, delayed

        # A few chunks per worker: big enough to amortise inter-process
        # traffic, small enough to balance uneven series.
        n_chunks = min(len(tasks), n_jobs * 4)
        chunks = [tasks[i::n_chunks] for i in range(n_chunks)]
        parts = Parallel(n_jobs=n_jobs, backend="loky")(
            delayed(_run_chunk)(c, level, n_paths) for c in chunks
        )
        sims = [r for part in parts for r in part]
    rows = _finish(sims, level, thr, pool)
    rows.sort(key=lambda r: r["_order"])
    out = pd.DataFrame(rows)
    out = out.drop(columns="_order")[BATCH_COLUMNS]
    return _normalize(out)


def _normalize(df: pd.DataFrame) -> pd.DataFrame:
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


# --------------------------------------------------------------------------- cache
_CACHE_DDL = """
CREATE TABLE IF NOT EXISTS forecast_cache (
    province VARCHAR, indicator VARCHAR, target DOUBLE, deadline VARCHAR,
    last_period VARCHAR, last_value DOUBLE, point DOUBLE, lower DOUBLE, upper DOUBLE,
    prob_target_met DOUBLE, expected_completion VARCHAR, required_pace DOUBLE,
    current_pace DOUBLE, status VARCHAR, model VARCHAR, path_json VARCHAR,
    data_version VARCHAR, period_key VARCHAR, params_key VARCHAR, row_order INTEGER
)
"""


def _params_key(targets: pd.DataFrame, kw: dict[str, Any]) -> str:
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
    con_or_path: Any,
    frame: pd.DataFrame,
    targets: pd.DataFrame,
    period: pd.Period | str,
    data_version: str,
    **kw: Any,
) -> pd.DataFrame:
    """:func:`forecast_batch` with results cached in DuckDB table ``forecast_cache``.

    Rows are keyed by ``(data_version, period_key)`` plus a ``params_key`` hash
    of the targets and of the keyword arguments that change results (seed,
    level, thresholds, n_paths), so editing targets never serves stale rows.
    A new result replaces any rows of the same key inside one transaction, so
    readers never see a half-written cache.

    Parameters
    ----------
    con_or_path : duckdb.DuckDBPyConnection or str or pathlib.Path
        Open connection (left open) or database path (opened and closed here).
    frame, targets, period
        As for :func:`forecast_batch`.
    data_version : str
        Identifier of the data snapshot (bump it whenever the data change).
    **kw
        Passed to :func:`forecast_batch` (``jobs``, ``seed``, ``level``...).

    Returns
    -------
    pandas.DataFrame
        Same columns and row order as :func:`forecast_batch`.
    """
    import duckdb

    own = isinstance(con_or_path, (str, os.PathLike, Path))
    con = duckdb.connect(str(con_or_path)) if own else con_or_path
    try:
        con.execute(_CACHE_DDL)
        period_key = str(_to_period(period).asfreq("M", how="end"))
        pkey = _params_key(targets, kw)
        key = [str(data_version), period_key, pkey]
        cols = ", ".join(BATCH_COLUMNS)
        cached = con.execute(
            f"SELECT {cols} FROM forecast_cache WHERE data_version = ? AND period_key = ? "  # noqa: S608
            "AND params_key = ? ORDER BY row_order",
            key,
        ).df()
        if len(cached):
            return _normalize(cached)
        result = forecast_batch(frame, targets, period, **kw)
        staged = result.copy()
        staged["data_version"], staged["period_key"], staged["params_key"] = key
        staged["row_order"] = np.arange(len(staged), dtype=np.int32)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "DELETE FROM forecast_cache WHERE data_version = ? AND period_key = ? "
                "AND params_key = ?",
                key,
            )
            con.register("_forecast_cache_staged", staged)
            con.execute("INSERT INTO forecast_cache BY NAME SELECT * FROM _forecast_cache_staged")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            try:
                con.unregister("_forecast_cache_staged")
            except Exception:  # noqa: S110 - view may not exist if register failed
                pass
        return result
    finally:
        if own:
            con.close()
