"""Targets: the statuses a report can show and the one rule that decides them.

Every page that says whether a target is met or where it stands (the briefing's target table,
the forecast notebook, the national overview, the index pages) and the forecast engine itself
read this module, so they cannot disagree at the edge:

- "met" is :func:`meets_target` (a value within floating-point noise of the target meets it);
- deadline passed: met at the deadline ``achieved`` (on time); met after it :data:`MET_LATE`;
  still not met :data:`MISSED`;
- deadline ahead: ``achieved`` when the value already meets the target, else the forecast's
  status (``on_track``, ``at_risk``, ``off_track``, or :data:`INSUFFICIENT_HISTORY` when the
  series is too short); :func:`target_status` applies it to a frame of forecasts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.core import i18n
from analysis.core.periods import to_month, to_period
from analysis.reference import catalog

ForecastStatus = Literal["achieved", "on_track", "at_risk", "off_track"]
FORECAST_STATUSES: tuple[ForecastStatus, ...] = ("achieved", "on_track", "at_risk", "off_track")
"""What :func:`analysis.forecast.forecast_to_deadline` returns, best first."""

INSUFFICIENT_HISTORY = "insufficient_history"
"""A target whose series is too short for a forecast: its value, gap and the pace needed are
shown, and no probability (the engine says so rather than give 0 % or 100 % from one point)."""

MET_LATE = "achieved_late"
"""Deadline passed, target met after it (met on time is ``achieved``)."""

MISSED = "missed"
"""Deadline passed, target not met."""

REPORT_STATUSES: tuple[str, ...] = (
    *FORECAST_STATUSES,
    MET_LATE,
    MISSED,
    INSUFFICIENT_HISTORY,
    "no_target",
    "no_data",
)
"""What a report can show for a target: the forecast statuses; after the deadline met on time
(``achieved``), met late or missed; too short a history; no target; no data."""

RELATIVE_TOLERANCE = 1e-9
"""A value within this fraction of the target (at least of 1 unit) counts as meeting it: the
tolerance absorbs floating-point noise only (``0.1 + 0.2`` meets ``0.3``); a value shown rounded
to the target, such as 84,996 % against 85 %, does not meet it."""


def meets_target(value: Any, target: Any, higher_is_better: bool = True) -> Any:
    """Whether ``value`` meets ``target``; element-wise for arrays and Series.

    Parameters
    ----------
    value, target
        Numbers or array-likes of the same shape. NaN never meets a target.
    higher_is_better
        Direction of the indicator: ``value >= target`` when true, ``value <= target`` otherwise.
    """
    v = np.asarray(value, dtype=float)
    t = np.asarray(target, dtype=float)
    tol = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(t))
    met = v >= t - tol if higher_is_better else v <= t + tol
    if np.ndim(met) == 0:
        return bool(met)
    if hasattr(value, "index"):
        return type(value)(met, index=value.index)
    return met


SEVERITY: tuple[str, ...] = (
    MISSED,
    "off_track",
    "at_risk",
    INSUFFICIENT_HISTORY,
    "on_track",
    MET_LATE,
    "achieved",
    "no_target",
    "no_data",
)
"""Report statuses, the ones that need action first (the order of every target table)."""

AT_RISK: frozenset[str] = frozenset({"at_risk", "off_track", MISSED})
"""Statuses the national overview lists as needing attention."""


def deadline_date(indicator: str, deadline: Any) -> dt.date:
    """The last day of a target's deadline period (targets are due by its end)."""
    return to_period(deadline, catalog.get(indicator).freq).end_time.date()


def expected_period(indicator: str, period: Any) -> pd.Period:
    """The period a report for ``period`` should show: that month for monthly indicators, the
    last year ended by it for annual ones (a report for 2026-10 shows 2025)."""
    month = to_month(period)
    if catalog.get(indicator).frequency == "monthly":
        return month
    return pd.Period(month.year - (month.month < 12), freq="Y")


def is_stale(indicator: str, last_period: Any, period: Any) -> bool:
    """Whether a figure of ``last_period`` is older than what the report's period should show."""
    if last_period is None or (not isinstance(last_period, pd.Period) and pd.isna(last_period)):
        return False
    expected = expected_period(indicator, period)
    return to_period(last_period, expected.freqstr) < expected


def _rule(forecast_status: str, passed: bool, met_now: bool) -> str:
    if passed:
        if forecast_status == "achieved":
            return "achieved"  # the value at the deadline met it: on time
        return MET_LATE if met_now or forecast_status == MET_LATE else MISSED
    return "achieved" if met_now else forecast_status


def target_status(forecasts: pd.DataFrame, period: Any) -> pd.DataFrame:
    """The forecasts frame with the report's status of every target, worst first.

    Parameters
    ----------
    forecasts
        :func:`analysis.forecast.forecast_batch` rows (province, indicator, target, deadline,
        last_period, last_value, status, prob_target_met ...).
    period
        The report's month.

    Returns
    -------
    DataFrame
        The rows, with ``status`` by the rule above and ``forecast_status`` (the engine's),
        ``deadline_passed``, ``met_now``, ``late`` (met after the deadline), ``overdue``
        (missed), ``stale`` (the last figure is older than the report's period), ``order``
        (:data:`SEVERITY`) and ``family``; sorted by order, probability and indicator.
    """
    rows = forecasts.copy()
    if rows.empty:
        return rows.assign(
            forecast_status=pd.Series(dtype=object),
            deadline_passed=pd.Series(dtype=bool),
            met_now=pd.Series(dtype=bool),
            late=pd.Series(dtype=bool),
            overdue=pd.Series(dtype=bool),
            stale=pd.Series(dtype=bool),
            order=pd.Series(dtype=int),
            family=pd.Series(dtype=object),
        )
    end = to_month(period).end_time.date()
    rows["forecast_status"] = rows["status"]
    rows["deadline_passed"] = [
        deadline_date(i, d) < end for i, d in zip(rows["indicator"], rows["deadline"], strict=True)
    ]
    rows["met_now"] = [
        bool(meets_target(v, t, catalog.get(i).higher_is_better))
        for i, v, t in zip(rows["indicator"], rows["last_value"], rows["target"], strict=True)
    ]
    rows["status"] = [
        _rule(s, p, m)
        for s, p, m in zip(
            rows["forecast_status"], rows["deadline_passed"], rows["met_now"], strict=True
        )
    ]
    rows["late"] = rows["status"] == MET_LATE
    rows["overdue"] = rows["status"] == MISSED
    last = rows["last_period"] if "last_period" in rows else pd.Series(None, index=rows.index)
    rows["stale"] = [is_stale(i, lp, period) for i, lp in zip(rows["indicator"], last, strict=True)]
    rows["order"] = rows["status"].map({s: n for n, s in enumerate(SEVERITY)})
    rows["family"] = rows["indicator"].map(lambda i: catalog.get(i).family)
    return rows.sort_values(["order", "prob_target_met", "indicator"]).reset_index(drop=True)


def status_label(status: str, deadline_passed: bool, lang: str = "vi") -> str:
    """The words for a status; a target met by a passed deadline is "met on time"."""
    if status == "achieved" and deadline_passed:
        return i18n.t("status.achieved_on_time", lang)
    return i18n.t(f"status.{status}", lang)


def has_probability(status: str, probability: Any) -> bool:
    """Whether a probability means something for this row (an open target with a forecast)."""
    if status not in ("on_track", "at_risk", "off_track"):
        return False
    return probability is not None and not pd.isna(probability)


def months_left(indicator: str, deadline: Any, period: Any) -> float:
    """Periods from the report's period to the deadline (months, or years for annual)."""
    ind = catalog.get(indicator)
    due = to_period(deadline, ind.freq)
    now = to_period(period, ind.freq)
    return float((due - now).n) if due > now else np.nan


def required_pace(row: Any, period: Any) -> float:
    """The engine's required pace, or the gap over the periods left when it gave none."""
    pace = getattr(row, "required_pace", np.nan)
    if pace is not None and not pd.isna(pace):
        return float(pace)
    left = months_left(row.indicator, row.deadline, period)
    if pd.isna(left) or pd.isna(row.last_value) or pd.isna(row.target):
        return np.nan
    return float(row.target - row.last_value) / left


__all__ = [
    "AT_RISK",
    "SEVERITY",
    "deadline_date",
    "expected_period",
    "has_probability",
    "is_stale",
    "months_left",
    "required_pace",
    "status_label",
    "target_status",
]
