"""What changed since last month, beyond the figures themselves: targets that changed status,
probabilities that moved a lot, and earlier figures that a later file revised.

Statuses and probabilities of the month before are those of its own forecasts
(:func:`analysis.analyses.monthly.previous_results`), by the one rule of
:func:`analysis.reference.targets.target_status`, compared target by target: a target whose
value or deadline changed between the two months (a new year's target) is not compared.

A revision is new this month when the file that made it arrived after the month before's
figures were due (:func:`analysis.reference.due.due_date`), since the report of the month
before was made from what had arrived by then; when the store does not know when the file
arrived (generated data), a revision of the month before's figure counts as this month's.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis.analyses import monthly
from analysis.analyses.monthly import PeriodResults, previous_results
from analysis.data import store
from analysis.reference import geography, targets
from analysis.reference.due import due_date

PROBABILITY_SHIFT = 0.20
"""A probability that moved by at least this much (20 points) since last month is told."""

CHANGE_COLUMNS = [
    "province",
    "indicator",
    "target",
    "deadline",
    "status_before",
    "status",
    "prob_before",
    "prob",
    "last_value",
    "status_changed",
    "prob_shift",
]


def target_changes(results: PeriodResults, province: str | None = None) -> pd.DataFrame:
    """Every target of the period (of one province, or all) beside the month before's.

    Columns :data:`CHANGE_COLUMNS`: the status and the probability now and a month before;
    ``status_changed`` says whether the status moved; ``prob_shift`` the change of the
    probability in points of 1 (NaN when either month has no probability,
    :func:`~analysis.reference.targets.has_probability`). Targets the month before did not
    track (a new target, a unit without a forecast then) are left out. Empty when there is no
    month before. Computed once for every unit (:func:`.monthly.derived`: once per process
    for results read from the store).
    """
    cached = monthly.derived(results, "target_changes", lambda: _compare(results))
    if province is None:
        return cached.copy()
    return cached[cached["province"] == province].reset_index(drop=True)


def _compare(results: PeriodResults) -> pd.DataFrame:
    previous = previous_results(results)
    if previous is None or results.forecasts.empty or previous.forecasts.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    keys = ["province", "indicator", "target", "deadline"]
    merged = _statuses(results).merge(_statuses(previous), on=keys, suffixes=("", "_before"))
    if merged.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    merged["status_changed"] = merged["status"] != merged["status_before"]
    both = [
        targets.has_probability(s, p) and targets.has_probability(sb, pb)
        for s, p, sb, pb in zip(
            merged["status"],
            merged["prob"],
            merged["status_before"],
            merged["prob_before"],
            strict=True,
        )
    ]
    shift = merged["prob"] - merged["prob_before"]
    merged["prob_shift"] = np.where(np.array(both, dtype=bool), shift, np.nan)
    return merged[CHANGE_COLUMNS].reset_index(drop=True)


def _statuses(results: PeriodResults) -> pd.DataFrame:
    rows = targets.target_status(results.forecasts, results.period)
    out = rows[["province", "indicator", "target", "deadline", "status", "prob_target_met"]]
    out = out.rename(columns={"prob_target_met": "prob"})
    return out.assign(deadline=out["deadline"].astype(str), last_value=rows["last_value"])


def status_changes(results: PeriodResults, province: str | None = None) -> pd.DataFrame:
    """The targets whose status changed since last month (:func:`target_changes`)."""
    rows = target_changes(results, province)
    return rows[rows["status_changed"].astype(bool)].reset_index(drop=True)


def probability_shifts(
    results: PeriodResults, province: str | None = None, threshold: float = PROBABILITY_SHIFT
) -> pd.DataFrame:
    """The targets whose probability moved by at least ``threshold`` since last month."""
    rows = target_changes(results, province)
    big = rows["prob_shift"].abs() >= threshold - 1e-12
    return rows[big.fillna(False).astype(bool)].reset_index(drop=True)


REVISION_COLUMNS = [
    "province",
    "indicator",
    "period",
    "reported_code",
    "basis",
    "old_value",
    "new_value",
    "file",
    "received",
]


def recent_revisions(results: PeriodResults, province: str | None = None) -> pd.DataFrame:
    """Earlier figures revised since the month before's report (see the module docstring).

    Columns :data:`REVISION_COLUMNS`: ``province`` the unit's codename on the 34-unit basis,
    ``reported_code``/``basis`` how the figure was reported (a former province before the
    2025 merger), ``old_value`` and ``new_value``, ``file`` the revising file (its name),
    ``received`` its arrival date or ``None``. Ordered by unit, indicator and period.
    """
    table = monthly.derived(
        results,
        "revisions",
        lambda: _revisions(results.dataset) if monthly.from_store(results) else pd.DataFrame(),
    )
    if table.empty:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    codenames = {u.code: u.codename for u in geography.units() if u.basis == "34"}
    table = table.assign(province=table["province_code"].map(codenames))
    if province is not None:
        table = table[table["province"] == province]
    month = results.period
    since = due_date(month - 1)
    keep = []
    rows = zip(table["period"], table["freq"], table["received"], strict=True)
    for period, freq, received in rows:
        earlier = pd.Period(period, freq=str(freq)).end_time.date() < month.start_time.date()
        if not earlier:
            keep.append(False)
        elif received is None or pd.isna(received):
            keep.append(freq == "M" and pd.Period(period, "M") == month - 1)
        else:
            keep.append(dt.date.fromisoformat(str(received)) > since)
    table = table[np.array(keep, dtype=bool)]
    table = table.assign(file=table["new_file"].map(lambda f: str(f).rsplit("/", 1)[-1]))
    table = table.sort_values(["province", "indicator", "period"], kind="stable")
    return table[REVISION_COLUMNS].reset_index(drop=True)


def _revisions(dataset: str) -> pd.DataFrame:
    """The store's ``revisions`` rows of ``dataset`` (empty for a store built without one)."""
    with store.connect() as con:
        known = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'revisions'"
        ).fetchone()
        if not known or not known[0]:
            return pd.DataFrame()
        return con.execute("SELECT * FROM revisions WHERE dataset = ?", [dataset]).df()


__all__ = [
    "CHANGE_COLUMNS",
    "PROBABILITY_SHIFT",
    "REVISION_COLUMNS",
    "probability_shifts",
    "recent_revisions",
    "status_changes",
    "target_changes",
]
