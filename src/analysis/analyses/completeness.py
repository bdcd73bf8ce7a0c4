"""What a unit's month lacks: the gaps that reports must never drop silently.

:func:`unit_gaps` gives, per unit, a month missing altogether (with its latest month), an
indicator a unit usually reports but not this month, and a merged unit left out because a
former province has not reported (which one). The briefing's notice, the national overview's
completeness section and the index pages read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.data import store
from analysis.reference import geography
from analysis.reference.due import due_indicators


@dataclass(frozen=True)
class Gap:
    """A unit's month (``indicator`` None) or one indicator, missing or partial."""

    province: str
    indicator: str | None
    kind: str
    """``missing``, or ``partial`` (a merged unit with former provinces not reported)."""
    latest: str | None
    """The latest period with a figure (``2026-09``), ``None`` when there is none."""
    missing_former: tuple[str, ...] = ()


def unit_gaps(observations: pd.DataFrame, period: str, dataset: str) -> dict[str, list[Gap]]:
    """Every unit's gaps in ``period``: province codename -> gaps (units without gaps absent).

    ``observations`` are the dataset's monthly figures on the 34-unit basis up to the period
    (``province``, ``indicator``, ``freq``, ``period``, ``value``). Only indicators due in the
    month and reported by the unit before count: an indicator the dataset never carried for a
    unit is not a gap of the month.
    """
    due = {d.indicator.id for d in due_indicators(period) if d.indicator.frequency == "monthly"}
    obs = observations[
        (observations["freq"] == "M")
        & observations["indicator"].isin(due)
        & observations["value"].notna()
    ]
    obs = obs.assign(period=obs["period"].astype(str))
    obs = obs[obs["period"] <= period]
    partial = _partial(period, dataset)
    out: dict[str, list[Gap]] = {}
    for unit in (u for u in geography.units() if u.basis == "34"):
        mine = obs[obs["province"] == unit.codename]
        now = mine[mine["period"] == period]
        latest = mine.groupby("indicator")["period"].max()
        gaps = [
            Gap(unit.codename, ind, "partial", latest.get(ind), former)
            for (code, ind), former in sorted(partial.items())
            if code == unit.code
        ]
        if now.empty and not mine.empty:
            gaps.insert(0, Gap(unit.codename, None, "missing", str(mine["period"].max())))
        elif not now.empty:
            seen = set(now["indicator"]) | {g.indicator for g in gaps}
            gaps += [
                Gap(unit.codename, ind, "missing", str(last))
                for ind, last in latest.items()
                if ind not in seen
            ]
        if gaps:
            out[unit.codename] = gaps
    return out


def _partial(period: str, dataset: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit code, indicator) -> names of the former provinces missing, for merged units left
    out of the period by the ingest (``harmonization_log``)."""
    try:
        con = store.connect()
    except store.StoreMissing:
        return {}
    with con:
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


__all__ = ["Gap", "unit_gaps"]
