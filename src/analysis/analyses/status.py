"""Statuses of a target and the one rule for "target met".

Every page that says whether a target is met (the briefing's table, the forecast notebook, the
national overview's list of provinces at risk) and the forecast engine itself use
:func:`meets_target`, so they cannot disagree at the edge.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

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
