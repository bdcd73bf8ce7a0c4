"""What a month's collection asks for: the indicators due, their periods, the due date.

Monthly indicators are due every month for that month. An annual indicator is due once a year,
in the month of the following year its catalog entry names (``collection_month``, March unless
the catalog says otherwise), for the year that ended. Indicators the catalog retired
(``valid_to`` before the month) are no longer asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.core.periods import to_month, to_period
from analysis.reference import catalog

DEFAULT_DUE_DAY = 5
"""Figures for a month are due by this day of the following month."""


@dataclass(frozen=True)
class Due:
    """One indicator asked for in a month's collection, and the period its figure is for."""

    indicator: catalog.Indicator
    period: pd.Period

    @property
    def period_key(self) -> str:
        """The period as the store writes it (``2026-10``, or ``2025`` for a year)."""
        return str(self.period)


def due_indicators(month: pd.Period | str) -> list[Due]:
    """The indicators a collection for ``month`` asks for, in catalog order."""
    p = to_month(month)
    out = []
    for ind in catalog.indicators().values():
        if ind.valid_to and to_month(ind.valid_to) < p:
            continue
        if ind.frequency == "monthly":
            out.append(Due(ind, p))
        elif p.month == ind.collection_month:
            out.append(Due(ind, to_period(str(p.year - 1))))
    return out


def latest_due_period(indicator: catalog.Indicator, month: pd.Period | str) -> pd.Period:
    """The latest period of ``indicator`` whose figure the collections up to ``month`` asked
    for: the month itself for a monthly indicator; for an annual one, the year collected in the
    latest collection month up to ``month`` (2025 in December 2026 and in March 2026, 2024 in
    February 2026)."""
    p = to_month(month)
    if indicator.frequency == "monthly":
        return p
    year = p.year - 1 if p.month >= indicator.collection_month else p.year - 2
    return to_period(str(year))


def due_date(month: pd.Period | str, due_day: int = DEFAULT_DUE_DAY) -> dt.date:
    """The last day on which figures for ``month`` count as on time.

    ``due_day`` of the following month; a day the month does not have (31 in November) is its
    last day.
    """
    if due_day < 1:
        raise ValueError(f"the due day must be 1 or later, not {due_day}")
    following = to_month(month) + 1
    return dt.date(following.year, following.month, min(due_day, following.days_in_month))
