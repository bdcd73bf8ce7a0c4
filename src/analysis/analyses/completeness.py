"""Whether a unit's month is complete: the one rule every page and command uses.

A unit-month is **complete** when every indicator due that month
(:func:`analysis.reference.due.due_indicators`: monthly indicators every month, an annual one
in its collection month, for the year that ended) has a figure for that unit; **partial** when
some of them have one (n of m received); **missing** when none has. What the unit reported in
earlier months plays no part: a unit's first month of figures is complete only if it holds
every figure due, and a unit that never reported is missing, not left out.

:func:`month_completeness` applies the rule to a dataset's figures; :func:`unit_state` is the
rule itself, which the collection status (:mod:`analysis.analyses.receipts`) applies to the
store's receipts. The briefing's notice and the national overview's completeness section
(:mod:`analysis.reporting.gaps`), the index pages and ``status`` all read one of the two.
A merged unit whose former province has not reported is left out of the 34-unit figures by the
ingest: its indicator is a gap that names the former provinces missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.data import store
from analysis.reference import geography
from analysis.reference.due import Due, due_indicators

COMPLETE = "complete"
PARTIAL = "partial"
MISSING = "missing"
STATES = (COMPLETE, PARTIAL, MISSING)
"""A unit-month's states, best first."""


def unit_state(n_due: int, n_received: int) -> str:
    """The rule: :data:`COMPLETE` when every figure due is in (also when nothing is due),
    :data:`MISSING` when none is, :data:`PARTIAL` in between."""
    if n_received >= n_due:
        return COMPLETE
    return MISSING if n_received == 0 else PARTIAL


@dataclass(frozen=True)
class Gap:
    """An indicator due from a unit without a figure for its period."""

    province: str
    indicator: str
    period: str
    """The period the figure is for, as the store writes it (``2026-12``, ``2025``)."""
    latest: str | None
    """The latest period of the indicator with a figure (``None``: none yet)."""
    missing_former: tuple[str, ...] = ()
    """A merged unit left out by the ingest: the former provinces that have not reported."""


@dataclass(frozen=True)
class UnitMonth:
    """One unit's month: how many figures were due, which came in, which are missing."""

    province: str
    code: str
    name: str
    n_due: int
    received: tuple[str, ...]
    gaps: tuple[Gap, ...]
    latest: str | None
    """The latest month (up to the period) with any figure of the unit; ``None``: none yet."""

    @property
    def n_received(self) -> int:
        return len(self.received)

    @property
    def state(self) -> str:
        return unit_state(self.n_due, self.n_received)


@dataclass(frozen=True)
class MonthCompleteness:
    """Every unit's month (the 34 current units, in their usual order)."""

    period: str
    dataset: str
    n_due: int
    units: tuple[UnitMonth, ...]

    def unit(self, province: str) -> UnitMonth:
        for u in self.units:
            if u.province == province:
                return u
        raise KeyError(province)

    def with_state(self, state: str) -> list[UnitMonth]:
        return [u for u in self.units if u.state == state]

    @property
    def complete(self) -> bool:
        """Every unit has every figure due."""
        return all(u.state == COMPLETE for u in self.units)

    @property
    def n_reported(self) -> int:
        """Units with at least one figure due (complete or partial)."""
        return sum(u.state != MISSING for u in self.units)


def month_completeness(
    observations: pd.DataFrame, period: str | pd.Period, dataset: str
) -> MonthCompleteness:
    """The rule applied to a dataset's figures for the month ``period``.

    ``observations`` are the dataset's figures on the 34-unit basis up to the period
    (``province``, ``indicator``, ``period``, ``value``; the frame of
    :func:`analysis.data.store.load_series_frame`). A merged unit left out of an indicator by
    the ingest (``harmonization_log``) names its former provinces that have not reported.
    """
    month = str(pd.Period(str(period), freq="M"))
    due = due_indicators(month)
    obs = observations[observations["value"].notna()]
    obs = obs.assign(key=obs["period"].astype(str))
    monthly = obs[obs["key"].str.len() == 7]
    obs = obs[(obs["key"] <= month) | (obs["key"].str.len() == 4)]
    have = set(zip(obs["province"], obs["indicator"], obs["key"], strict=True))
    latest = obs.groupby(["province", "indicator"])["key"].max().to_dict()
    latest_month = monthly[monthly["key"] <= month].groupby("province")["key"].max().to_dict()
    left_out = _left_out(month, dataset)
    units = []
    for unit in (u for u in geography.units() if u.basis == "34"):
        received, gaps = [], []
        for item in due:
            if (unit.codename, item.indicator.id, item.period_key) in have:
                received.append(item.indicator.id)
            else:
                gaps.append(_gap(unit, item, latest, left_out))
        units.append(
            UnitMonth(
                unit.codename,
                unit.code,
                unit.display_name,
                len(due),
                tuple(received),
                tuple(gaps),
                latest_month.get(unit.codename),
            )
        )
    return MonthCompleteness(month, dataset, len(due), tuple(units))


def _gap(
    unit: geography.Unit,
    item: Due,
    latest: dict[tuple[str, str], str],
    left_out: dict[tuple[str, str], tuple[str, ...]],
) -> Gap:
    ind = item.indicator.id
    before = latest.get((unit.codename, ind))
    if before is not None and before > item.period_key and len(before) == len(item.period_key):
        before = None  # a later figure is no "latest" for this period (annual beyond the year)
    return Gap(
        unit.codename,
        ind,
        item.period_key,
        before,
        left_out.get((unit.code, ind), ()),
    )


def _left_out(period: str, dataset: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit code, indicator) -> names of the former provinces missing, for merged units left
    out of the period by the ingest (``harmonization_log``)."""
    try:
        con = store.connect()
    except store.StoreMissing:
        return {}
    with con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "harmonization_log" not in tables:
            return {}
        left_out = con.execute(
            "SELECT province_code, indicator FROM harmonization_log "
            "WHERE dataset = ? AND period = ?",
            [dataset, period],
        ).fetchall()
        sent = con.execute(
            "SELECT province_code, indicator FROM observations "
            "WHERE dataset = ? AND period = ? AND basis = '63'",
            [dataset, period],
        ).fetchall()
    have = {(str(code), str(ind)) for code, ind in sent}
    cw = geography.crosswalk()
    out = {}
    for code, ind in left_out:
        members = cw[cw["new_code"] == str(code)]["old_code"].astype(str)
        out[(str(code), str(ind))] = tuple(
            geography.unit("63", m).name for m in members if (m, str(ind)) not in have
        )
    return out


__all__ = [
    "COMPLETE",
    "MISSING",
    "PARTIAL",
    "STATES",
    "Gap",
    "MonthCompleteness",
    "UnitMonth",
    "month_completeness",
    "unit_state",
]
