"""Targets: the statuses a report can show and the one rule that decides them.

Every page that says whether a target is met or where it stands (the briefing's target table,
the forecast notebook, the national overview, the index pages) and the forecast engine itself
read this module, so they cannot disagree at the edge:

- "met" is :func:`meets_target` (a value within floating-point noise of the target meets it);
- deadline ahead (the report's month ends before the deadline): ``achieved`` when the value
  already meets the target and cannot move back across it (a cumulative count: catalog
  ``can_fall`` false), or when it can and the forecast holds it there at the deadline with at
  least :data:`ON_TRACK_PROBABILITY`; a value that meets the target but may not hold it is
  :data:`MET_AT_RISK`; a value short of the target gets the forecast's status (``on_track``,
  ``at_risk``, ``off_track``, or :data:`INSUFFICIENT_HISTORY` when the series is too short);
- deadline reached (the report's month holds the deadline, or comes after it): no forecast and
  no probability; the figures decide (:func:`status_at_deadline`): met at the deadline
  ``achieved`` (on time); met after it :data:`MET_LATE`; not met :data:`MISSED`; or
  :data:`AWAITING` while the deadline period's own figure is not in (and the figures before it
  do not meet the target).

:func:`target_status` applies the rule to a frame of forecasts; the forecast engine calls
:func:`status_at_deadline` itself, so a reached deadline never gets a probability.
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
"""Deadline reached, target not met (by the deadline's figure, or by any later one)."""

AWAITING = "awaiting_deadline_figure"
"""Deadline reached, the deadline period's figure not in yet, and the figures before it do not
meet the target: nothing can be said until that figure comes (no forecast is made any more)."""

MET_AT_RISK = "achieved_at_risk"
"""Deadline ahead, the value meets the target, but it can fall back (catalog ``can_fall``) and
the forecast does not hold it at or above the target at the deadline with
:data:`ON_TRACK_PROBABILITY` (or there is no forecast to say so): "met, at risk of falling
below"."""

ON_TRACK_PROBABILITY = 0.8
"""A target not yet met is on track when the probability of meeting it at the deadline is at
least this; a target met by a value that can fall is held (``achieved``) on the same terms.
The forecast engine's default threshold (``StatusThresholds.on_track``)."""

AT_RISK_PROBABILITY = 0.3
"""Below :data:`ON_TRACK_PROBABILITY` and at least this: at risk; below it: off track."""

AT_DEADLINE_STATUSES: tuple[str, ...] = ("achieved", MET_LATE, MISSED, AWAITING)
"""What :func:`status_at_deadline` can return."""

REPORT_STATUSES: tuple[str, ...] = (
    *FORECAST_STATUSES,
    MET_AT_RISK,
    MET_LATE,
    MISSED,
    AWAITING,
    INSUFFICIENT_HISTORY,
    "no_target",
    "no_data",
)
"""What a report can show for a target: the forecast statuses; met but at risk of falling
below; from the deadline on, met on time (``achieved``), met late, missed or awaiting the
deadline's figure; too short a history; no target; no data."""

MET_FIRST: tuple[str, ...] = (
    "achieved",
    MET_LATE,
    MET_AT_RISK,
    "on_track",
    "at_risk",
    "off_track",
    MISSED,
    AWAITING,
    INSUFFICIENT_HISTORY,
    "no_data",
)
"""The order pages count and list statuses in (verdicts, bars, the status matrix's legend):
met first, then by what is left to do, no data last."""

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
    AWAITING,
    MET_AT_RISK,
    INSUFFICIENT_HISTORY,
    "on_track",
    MET_LATE,
    "achieved",
    "no_target",
    "no_data",
)
"""Report statuses, the ones that need action first (the order of every target table)."""

AT_RISK: frozenset[str] = frozenset({"at_risk", "off_track", MISSED, MET_AT_RISK})
"""Statuses the national overview lists as needing attention."""

MET_STATUSES: frozenset[str] = frozenset({"achieved", MET_LATE})
"""Statuses of a target met (and, before its deadline, held)."""


def deadline_date(indicator: str, deadline: Any) -> dt.date:
    """The last day of a target's deadline period (targets are due by its end)."""
    return to_period(deadline, catalog.get(indicator).freq).end_time.date()


def deadline_reached(indicator: str, deadline: Any, period: Any) -> bool:
    """Whether the report's month holds the deadline or comes after it: from then on a target
    gets no forecast, no probability and no pace needed, only what its figures say."""
    return deadline_date(indicator, deadline) <= to_month(period).end_time.date()


def status_at_deadline(
    periods: Any, values: Any, deadline: Any, target: float, higher_is_better: bool = True
) -> tuple[str, Any]:
    """The status of a target whose deadline is reached, from its figures alone.

    Parameters
    ----------
    periods, values
        The series up to the report's period: periods (``pd.Period`` or integer ordinals of one
        frequency, ascending) and their values (NaN is no figure).
    deadline
        The deadline period, comparable with ``periods``.
    target, higher_is_better
        The target and the indicator's direction.

    Returns
    -------
    (status, completed)
        ``status`` is one of :data:`AT_DEADLINE_STATUSES`:

        - ``achieved`` (met on time): the figure at the deadline meets the target, or, that
          figure not in, the latest figure before it does;
        - :data:`MET_LATE`: the figure at (or latest before) the deadline does not meet it, and
          the latest figure after the deadline does;
        - :data:`MISSED`: not met by the latest figure, which is the deadline's own or a later
          one;
        - :data:`AWAITING`: no figure at or after the deadline, and none before it meets the
          target.

        Figures that begin only after the deadline say the target is met (``achieved``, with
        ``completed`` ``None``: whether on time is not known) or :data:`MISSED`. ``completed``
        is the first period at which the target was met, ``None`` when not met or not known.
    """
    per = list(periods)
    vals = np.asarray(values, dtype=float)
    keep = [i for i, v in enumerate(vals) if np.isfinite(v)]
    per, vals = [per[i] for i in keep], vals[keep]
    met = [bool(meets_target(v, target, higher_is_better)) for v in vals]
    before = [i for i, p in enumerate(per) if p <= deadline]
    after = [i for i, p in enumerate(per) if p > deadline]
    if before:
        last = before[-1]
        if met[last]:
            run = last
            while run > 0 and met[run - 1]:
                run -= 1
            return "achieved", per[run]
        if after:
            if met[after[-1]]:
                run = after[-1]
                while run > after[0] and met[run - 1]:
                    run -= 1
                return MET_LATE, per[run]
            return MISSED, None
        return (MISSED if per[last] == deadline else AWAITING), None
    if after:
        return ("achieved", None) if met[after[-1]] else (MISSED, None)
    return AWAITING, None


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


def holds_target(indicator: str, probability: Any) -> bool:
    """Whether a value that meets its target now counts as met before the deadline: always for
    a value that cannot fall back (catalog ``can_fall`` false); for one that can, only when the
    probability that it still meets the target at the deadline is at least
    :data:`ON_TRACK_PROBABILITY` (no forecast, no such assurance)."""
    if not catalog.get(indicator).can_fall:
        return True
    if probability is None or pd.isna(probability):
        return False
    return bool(float(probability) >= ON_TRACK_PROBABILITY - 1e-12)


def _rule(
    forecast_status: str, reached: bool, met_now: bool, deadline_in: bool, holds: bool = True
) -> str:
    """The report's status from the engine's. The engine decides a reached deadline from the
    figures itself (:func:`status_at_deadline`); rows that carry a forecast status past the
    deadline (made elsewhere, or by an older engine) are decided here from the latest figure.
    Before the deadline a value that meets the target is ``achieved`` only if it ``holds``
    (:func:`holds_target`), else :data:`MET_AT_RISK`."""
    if not reached:
        if met_now:
            return "achieved" if holds else MET_AT_RISK
        return forecast_status
    if forecast_status in AT_DEADLINE_STATUSES:
        return forecast_status
    if met_now:
        return "achieved" if not deadline_in else MET_LATE
    return MISSED if deadline_in else AWAITING


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
        ``deadline_reached`` (the report's month holds the deadline or follows it),
        ``deadline_passed`` (the deadline is before the report's month), ``met_now``,
        ``late`` (met after the deadline), ``overdue`` (missed), ``awaiting`` (the deadline's
        figure not in), ``on_time`` (met by the deadline: ``False`` when met but the figures
        begin after the deadline), ``stale`` (the last figure is older than the report's
        period), ``order`` (:data:`SEVERITY`) and ``family``; sorted by order, probability and
        indicator.
    """
    rows = forecasts.copy()
    if rows.empty:
        return rows.assign(
            forecast_status=pd.Series(dtype=object),
            deadline_reached=pd.Series(dtype=bool),
            deadline_passed=pd.Series(dtype=bool),
            met_now=pd.Series(dtype=bool),
            late=pd.Series(dtype=bool),
            overdue=pd.Series(dtype=bool),
            awaiting=pd.Series(dtype=bool),
            on_time=pd.Series(dtype=bool),
            stale=pd.Series(dtype=bool),
            order=pd.Series(dtype=int),
            family=pd.Series(dtype=object),
        )
    end = to_month(period).end_time.date()
    rows["forecast_status"] = rows["status"]
    dates = [deadline_date(i, d) for i, d in zip(rows["indicator"], rows["deadline"], strict=True)]
    rows["deadline_reached"] = [d <= end for d in dates]
    rows["deadline_passed"] = [d < end for d in dates]
    rows["met_now"] = [
        bool(meets_target(v, t, catalog.get(i).higher_is_better))
        for i, v, t in zip(rows["indicator"], rows["last_value"], rows["target"], strict=True)
    ]
    last = rows["last_period"] if "last_period" in rows else pd.Series(None, index=rows.index)
    deadline_in = [
        _figure_at_or_after(i, lp, d)
        for i, lp, d in zip(rows["indicator"], last, rows["deadline"], strict=True)
    ]
    probability = (
        rows["prob_target_met"]
        if "prob_target_met" in rows
        else pd.Series(np.nan, index=rows.index)
    )
    holds = [holds_target(i, p) for i, p in zip(rows["indicator"], probability, strict=True)]
    rows["status"] = [
        _rule(s, r, m, i, h)
        for s, r, m, i, h in zip(
            rows["forecast_status"],
            rows["deadline_reached"],
            rows["met_now"],
            deadline_in,
            holds,
            strict=True,
        )
    ]
    rows["late"] = rows["status"] == MET_LATE
    rows["overdue"] = rows["status"] == MISSED
    rows["awaiting"] = rows["status"] == AWAITING
    completed = (
        rows["expected_completion"]
        if "expected_completion" in rows
        else pd.Series(None, index=rows.index)
    )
    rows["on_time"] = [
        s == "achieved" and (not r or _known(c))
        for s, r, c in zip(rows["status"], rows["deadline_reached"], completed, strict=True)
    ]
    rows["stale"] = [is_stale(i, lp, period) for i, lp in zip(rows["indicator"], last, strict=True)]
    rows["order"] = rows["status"].map({s: n for n, s in enumerate(SEVERITY)})
    rows["family"] = rows["indicator"].map(lambda i: catalog.get(i).family)
    return rows.sort_values(["order", "prob_target_met", "indicator"]).reset_index(drop=True)


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value != ""


def _figure_at_or_after(indicator: str, last_period: Any, deadline: Any) -> bool:
    """Whether the latest figure is the deadline period's own or a later one."""
    if not _known(last_period):
        return False
    freq = catalog.get(indicator).freq
    return bool(to_period(last_period, freq) >= to_period(deadline, freq))


def status_label(status: str, deadline_passed: bool, lang: str = "vi", on_time: bool = True) -> str:
    """The words for a status; a target met by a deadline now reached is "met on time" (just
    "achieved" when ``on_time`` is false: the figures begin after the deadline)."""
    if status == "achieved" and deadline_passed and on_time:
        return i18n.t("status.achieved_on_time", lang)
    return i18n.t(f"status.{status}", lang)


def has_probability(status: str, probability: Any) -> bool:
    """Whether a probability means something for this row (an open target with a forecast, or
    one met by a value that may fall back: the probability it holds at the deadline)."""
    if status not in ("on_track", "at_risk", "off_track", MET_AT_RISK):
        return False
    return probability is not None and not pd.isna(probability)


def months_left(indicator: str, deadline: Any, period: Any) -> float:
    """Periods from the report's period to the deadline (months, or years for annual); NaN
    once the deadline is reached (no period is left to gain anything in)."""
    ind = catalog.get(indicator)
    due = to_period(deadline, ind.freq)
    now = to_period(period, ind.freq)
    return float((due - now).n) if due > now else np.nan


def required_pace(row: Any, period: Any) -> float:
    """The engine's required pace, or the gap over the periods left when it gave none; NaN
    once the deadline is reached (no period is left)."""
    if deadline_reached(row.indicator, row.deadline, period):
        return np.nan
    pace = getattr(row, "required_pace", np.nan)
    if pace is not None and not pd.isna(pace):
        return float(pace)
    left = months_left(row.indicator, row.deadline, period)
    if pd.isna(left) or pd.isna(row.last_value) or pd.isna(row.target):
        return np.nan
    return float(row.target - row.last_value) / left


__all__ = [
    "AT_DEADLINE_STATUSES",
    "AT_RISK",
    "AT_RISK_PROBABILITY",
    "AWAITING",
    "MET_AT_RISK",
    "MET_STATUSES",
    "ON_TRACK_PROBABILITY",
    "SEVERITY",
    "deadline_date",
    "deadline_reached",
    "expected_period",
    "has_probability",
    "holds_target",
    "is_stale",
    "months_left",
    "required_pace",
    "status_at_deadline",
    "status_label",
    "target_status",
]
