"""Forecast each indicator to its deadline and judge whether its target will be met.

Reached by users as :mod:`analysis.forecast`. :func:`forecast_to_deadline` forecasts one series
(a :class:`ForecastResult`: path with interval, point, probability the target is met, expected
month, required and current pace, status, model); :func:`forecast_pooled` several series of one
indicator with their interval calibration pooled; :func:`forecast_batch` every province x
indicator x target of a tidy frame, and :func:`cached_forecast_batch` the same kept in the
analytics cache. The method, its evidence and its history are in ``docs/method.md``.

Modules, in the order a forecast runs: ``series`` (reading the input), ``grid``, ``models`` and
``logistic`` (candidate models), ``combine`` and ``ensemble`` (backtest and mixture),
``calibration`` (interval calibration, own and pooled), ``simulation`` (paths to the
deadline), ``summary`` (probability, status, pace), ``single`` and ``batch`` (the entry points),
``cache``, and ``describe`` (the model in the reader's language, :func:`describe_model`).
"""

from analysis.analyses.forecasting.batch import BATCH_COLUMNS, forecast_batch, forecast_pooled
from analysis.analyses.forecasting.batch_cache import ENGINE_VERSION, cached_forecast_batch
from analysis.analyses.forecasting.calibration import PooledCalibration
from analysis.analyses.forecasting.describe import describe_model
from analysis.analyses.forecasting.logistic import fit_logistic_curve
from analysis.analyses.forecasting.series import HIGHER, LOWER
from analysis.analyses.forecasting.simulation import (
    MIN_HISTORY_MONTHLY,
    MIN_HISTORY_OTHER,
    N_PATHS,
    min_history,
)
from analysis.analyses.forecasting.single import ForecastResult, forecast_to_deadline
from analysis.analyses.forecasting.summary import StatusThresholds

__all__ = [
    "BATCH_COLUMNS",
    "ENGINE_VERSION",
    "HIGHER",
    "LOWER",
    "MIN_HISTORY_MONTHLY",
    "MIN_HISTORY_OTHER",
    "N_PATHS",
    "ForecastResult",
    "PooledCalibration",
    "StatusThresholds",
    "cached_forecast_batch",
    "describe_model",
    "fit_logistic_curve",
    "forecast_batch",
    "forecast_pooled",
    "forecast_to_deadline",
    "min_history",
]
