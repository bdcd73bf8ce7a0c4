"""Comparison analytics for one period: ranks, national and regional values, gaps, tiers, movers.

Everything works on the 34-unit basis (``observations_34``), so a rank "x/34" in October 2026
can be compared with the same month of 2025 and of 2024 (history carried across the merger).

National and regional values are weighted properly: summed numerators over summed
denominators where counts exist, the catalog's weight otherwise - never a plain mean of rates.
Ranks: 1 is best by the indicator's direction; ties share the best rank (competition ranking,
"1, 2, 2, 4"); provinces without data are not ranked and ``n_ranked`` says how many were.

Coverage: every national and regional value carries how many units it is built from
(:func:`with_coverage`). Below :data:`COVERAGE_THRESHOLD` of the units it is not a national (or
regional) value at all: pages then show only the number of units reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.core import i18n
from analysis.core.periods import to_month
from analysis.reference import catalog, geography, population


@dataclass(frozen=True)
class Aggregate:
    value: float
    numerator: float
    denominator: float
    n_units: int
    method: str


def value_for_period(obs: pd.DataFrame, indicator: str, period: pd.Period | str) -> pd.DataFrame:
    """One row per province: the indicator's figure for ``period``.

    Monthly indicators use that month. Annual indicators use the latest year that has ended by
    ``period`` and has data (a report for 2026-10 shows 2025's digital-economy share); the
    column ``period_used`` says which.
    """
    ind = catalog.get(indicator)
    p = to_month(period)
    rows = obs[obs["indicator"] == ind.id]
    if ind.frequency == "annual":
        years = sorted({pp for pp in rows["period"] if pp.year <= p.year - (p.month < 12)})
        if not years:
            return rows.iloc[0:0].assign(period_used=pd.Series(dtype=object))
        chosen = years[-1]
    else:
        chosen = p
    out = rows[rows["period"] == chosen].copy()
    out["period_used"] = chosen
    return out


def rank_values(values: pd.Series, direction: str) -> pd.Series:
    """Competition ranks, 1 = best; NaN stays unranked."""
    ascending = direction == "lower_is_better"
    return values.rank(method="min", ascending=ascending).astype("Int64")


def aggregate(rows: pd.DataFrame, indicator: str) -> Aggregate:
    """A weighted value over provinces: ratio of sums, else a population-weighted mean."""
    ind = catalog.get(indicator)
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return Aggregate(np.nan, np.nan, np.nan, 0, "none")
    if (
        rows["numerator"].notna().all()
        and rows["denominator"].notna().all()
        and ind.aggregation == "ratio_of_sums"
    ):
        num, den = float(rows["numerator"].sum()), float(rows["denominator"].sum())
        return Aggregate(100.0 * num / den, num, den, len(rows), "ratio_of_sums")
    weights = _weights(rows)
    value = float(np.average(rows["value"], weights=weights))
    return Aggregate(value, np.nan, np.nan, len(rows), "weighted_mean:population")


def _weights(rows: pd.DataFrame) -> np.ndarray:
    """Each unit's population of the figure's year (:mod:`analysis.reference.population`)."""
    period = rows["period_used"] if "period_used" in rows else rows["period"]
    weights = population.weights(rows["province_code"], period.map(lambda p: p.year), "34")
    return weights.fillna(weights.mean()).to_numpy(dtype=float)


def compare_indicator(obs: pd.DataFrame, indicator: str, period: pd.Period | str) -> pd.DataFrame:
    """Every province on one indicator in one period, with ranks, changes, gaps and tiers.

    Columns: province, province_code, province_name, region, indicator, period_used, value,
    numerator, denominator, rank, n_ranked, rank_prev_month, rank_prev_year, change_month,
    change_year, national_value, regional_value, gap_national (value minus national, in points,
    signed so that positive is better), target, deadline, gap_target (positive = ahead of the
    target, in points), meets_target, tier (1 = top quartile .. 4), is_weighted.
    """
    ind = catalog.get(indicator)
    p = to_month(period)
    provinces = _units()
    now = value_for_period(obs, ind.id, p)
    base = provinces.merge(
        now[
            ["province_code", "value", "numerator", "denominator", "period_used"]
            + (["is_weighted"] if "is_weighted" in now else [])
        ],
        on="province_code",
        how="left",
    )
    base["indicator"] = ind.id
    base["rank"] = rank_values(base["value"], ind.direction)
    base["n_ranked"] = int(base["value"].notna().sum())

    lag_month = 1 if ind.frequency == "monthly" else 12
    for label, months in (("prev_month", lag_month), ("prev_year", 12)):
        before = value_for_period(obs, ind.id, p - months)
        if ind.frequency == "annual" and label == "prev_month":
            before = before.iloc[0:0]
        prev = provinces[["province_code"]].merge(
            before[["province_code", "value"]], on="province_code", how="left"
        )
        prev_rank = rank_values(prev["value"], ind.direction)
        base[f"rank_{label}"] = prev_rank.to_numpy()
        base[f"change_{label.split('_')[1]}"] = base["value"].to_numpy() - prev["value"].to_numpy()

    nat = aggregate(base, ind.id)
    base["national_value"] = nat.value
    regional = {r: aggregate(g, ind.id).value for r, g in base.groupby("region")}
    base["regional_value"] = base["region"].map(regional)
    sign = 1.0 if ind.higher_is_better else -1.0
    base["gap_national"] = sign * (base["value"] - nat.value)

    target = ind.target_for(p)
    base["target"] = target.value if target else np.nan
    base["deadline"] = target.deadline if target else None
    base["gap_target"] = sign * (base["value"] - base["target"]) if target else np.nan
    base["meets_target"] = (base["gap_target"] >= -1e-9) if target else pd.NA
    base["tier"] = quartile_tiers(base["rank"], base["n_ranked"].iloc[0])
    return with_coverage(base)


COVERAGE_THRESHOLD = 2 / 3
"""Least share of the units that must report for an aggregate to stand for them all: with fewer
than two thirds of the 34 provinces (23), an average says more about who reported than about the
country, so it is not called national (the method note says so)."""


MIN_RANKED = 5
"""Fewest units with a figure for a rank to be shown. "Hạng 1/1" or "hạng 2/3" ranks a unit
against no one or nearly no one (a month where few provinces reported): below this, pages show
how many units reported and no rank, rank change or ranking group. The ranks are still
computed and stored, for analysts."""


def shows_rank(n_ranked: Any) -> bool:
    """Whether a rank among ``n_ranked`` units is worth showing (:data:`MIN_RANKED`)."""
    return n_ranked is not None and not pd.isna(n_ranked) and int(n_ranked) >= MIN_RANKED


def covers(n_reporting: Any, n_units: Any) -> bool:
    """Whether ``n_reporting`` of ``n_units`` is enough for a national or regional value."""
    if n_units is None or pd.isna(n_units) or int(n_units) == 0 or pd.isna(n_reporting):
        return False
    return int(n_reporting) >= COVERAGE_THRESHOLD * int(n_units) - 1e-9


def with_coverage(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison with its coverage and ties; columns already present are recomputed.

    Adds ``n_reporting`` / ``n_units`` (units with a value / units, per indicator),
    ``n_reporting_region`` / ``n_units_region`` (the same within the region),
    ``national_covered`` / ``regional_covered`` (:func:`covers`) and ``n_tied`` (how many
    units share the unit's rank: 2 or more is a tie).
    """
    if comparison.empty:
        return comparison
    out = comparison.copy()
    has_value = out["value"].notna()
    by_ind = has_value.groupby(out["indicator"])
    out["n_reporting"] = by_ind.transform("sum").astype(int)
    out["n_units"] = by_ind.transform("size").astype(int)
    by_region = has_value.groupby([out["indicator"], out["region"]])
    out["n_reporting_region"] = by_region.transform("sum").astype(int)
    out["n_units_region"] = by_region.transform("size").astype(int)
    out["national_covered"] = [
        covers(n, u) for n, u in zip(out["n_reporting"], out["n_units"], strict=True)
    ]
    out["regional_covered"] = [
        covers(n, u) for n, u in zip(out["n_reporting_region"], out["n_units_region"], strict=True)
    ]
    ranks = out["rank"].astype("Float64")
    same = ranks.groupby([out["indicator"], ranks]).transform("size")
    out["n_tied"] = same.where(ranks.notna()).astype("Int64")
    return out


def _units() -> pd.DataFrame:
    """The 34 units: code, codename, the name pages show ("TP. Hồ Chí Minh") and region."""
    units = geography.provinces("34")[["code", "codename", "region"]].rename(
        columns={"code": "province_code", "codename": "province"}
    )
    names = {u.codename: u.display_name for u in geography.units() if u.basis == "34"}
    units.insert(2, "province_name", units["province"].map(names))
    return units


def quartile_tiers(ranks: pd.Series, n: int) -> pd.Series:
    """1 = top quartile of the ranked provinces, 4 = bottom; unranked stay empty."""
    if n == 0:
        return pd.Series(pd.NA, index=ranks.index, dtype="Int64")
    tiers = np.ceil(ranks.astype(float) * 4.0 / n).clip(1, 4)
    return pd.Series(tiers, index=ranks.index).astype("Int64")


def compare_period(
    obs: pd.DataFrame, period: pd.Period | str, indicators: list[str] | None = None
) -> pd.DataFrame:
    """:func:`compare_indicator` for several indicators (default: every catalog indicator with
    data in the period), stacked."""
    ids = indicators or [i for i in catalog.indicators() if (obs["indicator"] == i).any()]
    frames = [compare_indicator(obs, i, period) for i in ids]
    frames = [f for f in frames if f["value"].notna().any()]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def national_series(obs: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The national value for every period (weighted as in :func:`aggregate`)."""
    rows = obs[obs["indicator"] == indicator]
    out = [
        {
            "period": p,
            "value": (a := aggregate(g, indicator)).value,
            "n_units": a.n_units,
            "method": a.method,
        }
        for p, g in rows.groupby("period", sort=True)
    ]
    return pd.DataFrame(out)


def top_movers(
    comparison: pd.DataFrame, indicator: str, n: int = 3, by: str = "change_month"
) -> pd.DataFrame:
    """The ``n`` provinces that improved most (direction-aware) on one indicator."""
    ind = catalog.get(indicator)
    rows = comparison[(comparison["indicator"] == ind.id) & comparison[by].notna()].copy()
    rows["improvement"] = rows[by] * (1.0 if ind.higher_is_better else -1.0)
    return rows.sort_values("improvement", ascending=False).head(n)


def peers(comparison: pd.DataFrame, province: str) -> pd.DataFrame:
    """Rows of the provinces in the same region as ``province`` (codename)."""
    region = comparison.loc[comparison["province"] == province, "region"]
    if region.empty:
        return comparison.iloc[0:0]
    return comparison[comparison["region"] == region.iloc[0]]


def rank_text(rank: Any, n: int, lang: str = "vi", tied: bool = False) -> str:
    """``hạng 5/34`` or ``rank 5 of 34`` (``đồng hạng 1/34``, ``tied 1st of 34``); a dash when
    unranked."""

    if rank is None or pd.isna(rank):
        return "—"
    return i18n.rank_text(int(rank), int(n), lang, tied=tied)
