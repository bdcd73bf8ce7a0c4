"""Communes compared within their province: rank, distribution, tiers, leaders, change, target.

The commune reports (notebooks ``15_commune_comparison`` and ``16_commune_scorecard``) read one
province's rows of ``commune_observations`` for the month and the month before
(:func:`load_province`), then ask the pure functions here for their pieces:

- :func:`standings`: one row per commune and indicator with value, change since last month
  (percentage points), rank within the province (1 = best in the indicator's direction, ties
  share the best rank), quartile tier and the target status (:func:`~analysis.reference.targets.
  meets_target`, the one rule);
- :func:`summary`: per indicator, the province's value from its communes (summed numerators
  over summed denominators), its change, the distribution of the communes (quartiles), how many
  meet the target;
- :func:`leaders_laggards`, :func:`movers`, :func:`overall_tiers`.

Nothing here fits a model: 3,321 scorecards a month must stay cheap.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.data import store
from analysis.reference import catalog
from analysis.reference.targets import meets_target

TIERS = (1, 2, 3, 4)
"""Quartile tiers within the province: 1 = the best quarter of its communes."""
MET, NOT_MET, NO_TARGET, NO_DATA = "met", "not_met", "no_target", "no_data"
"""A commune's status against the target its month tracks (no forecast at commune level)."""


@dataclass(frozen=True)
class ProvinceRows:
    """One province's commune figures for a month and the month before."""

    province: str
    period: str
    dataset: str
    data_version: str
    rows: pd.DataFrame
    """commune_observations rows (both months)."""

    @property
    def is_synthetic(self) -> bool:
        return bool(self.rows["is_synthetic"].any()) if len(self.rows) else False

    @property
    def current(self) -> pd.DataFrame:
        return self.rows[self.rows["period"] == self.period]


def previous_month(period: str) -> str:
    return str(pd.Period(period, freq="M") - 1)


def commune_periods(dataset: str | None = None, con: Any = None) -> tuple[str, str, str] | None:
    """(dataset, first, last) month with commune figures, or None when there are none."""

    with store.connect() if con is None else contextlib.nullcontext(con) as db:
        ds = dataset or store.default_dataset(db, "commune_observations")
        row = db.execute(
            "SELECT min(period), max(period) FROM commune_observations WHERE dataset = ?", [ds]
        ).fetchone()
    return (ds, row[0], row[1]) if row and row[0] else None


def load_province(
    province: str, period: str, dataset: str | None = None, con: Any = None
) -> ProvinceRows:
    """The province's commune rows for ``period`` and the month before (nothing else is read).

    ``province`` is a codename (``nghe_an``); ``con`` an open store connection to reuse (else
    one is opened). Raises ``ValueError`` naming the province, month and dataset when the
    province has no commune figures that month.
    """

    with store.connect() if con is None else contextlib.nullcontext(con) as db:
        ds = dataset or store.default_dataset(db, "commune_observations")
        version = db.execute("SELECT data_version FROM meta").fetchone()
        rows = db.execute(
            "SELECT * FROM commune_observations WHERE dataset = ? AND province = ? "
            "AND period IN (?, ?)",
            [ds, province, period, previous_month(period)],
        ).df()
    if not (rows["period"] == period).any():
        raise ValueError(
            f"no commune figures for {province} in {period} (dataset {ds}): check that the "
            "province's commune file for this month was ingested (`python -m analysis ingest`)"
        )
    return ProvinceRows(province, period, ds, str(version[0]) if version else "", rows)


def standings(data: ProvinceRows) -> pd.DataFrame:
    """One row per commune and indicator of the month.

    Columns: commune_code, commune_name, indicator, value, numerator, denominator, previous,
    change (points), rank (1 = best; equal values share the best rank), tied, n_ranked, tier
    (1-4), target, status (:data:`MET`, :data:`NOT_MET`, :data:`NO_TARGET`), better (the change
    is in the good direction; None when there is no change to judge). Vectorised: a scorecard
    computes it for its province every time.
    """
    keys = ["commune_code", "indicator"]
    cur = data.current[[*keys, "commune_name", "value", "numerator", "denominator"]]
    prev = data.rows.loc[data.rows["period"] == previous_month(data.period), [*keys, "value"]]
    out = cur.merge(prev.rename(columns={"value": "previous"}), on=keys, how="left")
    out["change"] = out["value"] - out["previous"]
    inds = catalog.indicators(None)
    higher = out["indicator"].map(lambda i: inds[i].higher_is_better).astype(bool)
    sign = np.where(higher, 1.0, -1.0)
    # Rank the signed value descending: 1 = best in each indicator's direction.
    signed = out["value"] * sign
    out["rank"] = signed.groupby(out["indicator"]).rank(ascending=False, method="min")
    out["n_ranked"] = out["value"].notna().groupby(out["indicator"]).transform("sum").astype(int)
    out["tied"] = out.duplicated(["indicator", "rank"], keep=False) & out["rank"].notna()
    # Quartile tier from the rank: the best quarter is tier 1 (ties share the better tier).
    out["tier"] = np.ceil(4 * out["rank"] / out["n_ranked"].clip(lower=1)).clip(1, 4)
    targets = {}
    for ind in out["indicator"].unique():
        target = inds[ind].target_for(data.period)
        targets[ind] = target.value if target is not None else np.nan
    out["target"] = out["indicator"].map(targets).astype(float)
    met = meets_target(out["value"], out["target"], True) if len(out) else out["value"]
    met_lower = meets_target(out["value"], out["target"], False) if len(out) else out["value"]
    out["status"] = np.where(
        out["target"].isna(), NO_TARGET, np.where(np.where(higher, met, met_lower), MET, NOT_MET)
    )
    gain = out["change"] * sign
    out["better"] = [None if pd.isna(g) or g == 0 else bool(g > 0) for g in gain]
    return out.sort_values(["indicator", "rank", "commune_name"], kind="stable").reset_index(
        drop=True
    )


def indicator_order(table: pd.DataFrame) -> list[str]:
    """The indicators present, in catalog order."""
    present = set(table["indicator"])
    return [i for i in catalog.indicators("commune") if i in present]


def _ratio(rows: pd.DataFrame) -> float:
    den = rows["denominator"].sum()
    return float(100.0 * rows["numerator"].sum() / den) if den > 0 else np.nan


def summary(data: ProvinceRows, table: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: the province from its communes, its change, the communes' spread.

    Columns: indicator, province_value, province_change (points since last month, from the
    communes reporting both months), n (communes with a figure), q1, median, q3, min, max,
    n_met, target.
    """
    prev = data.rows[data.rows["period"] == previous_month(data.period)]
    rows = []
    for ind in indicator_order(table):
        g = table[table["indicator"] == ind]
        values = g["value"].dropna()
        both = g[g["previous"].notna()]["commune_code"]
        cur_both = data.current[
            (data.current["indicator"] == ind) & data.current["commune_code"].isin(both)
        ]
        prev_both = prev[(prev["indicator"] == ind) & prev["commune_code"].isin(both)]
        change = _ratio(cur_both) - _ratio(prev_both) if len(both) else np.nan
        rows.append(
            {
                "indicator": ind,
                "province_value": _ratio(data.current[data.current["indicator"] == ind]),
                "province_change": change,
                "n": len(values),
                "q1": values.quantile(0.25),
                "median": values.median(),
                "q3": values.quantile(0.75),
                "min": values.min(),
                "max": values.max(),
                "n_met": int((g["status"] == MET).sum()),
                "target": g["target"].iloc[0] if len(g) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def leaders_laggards(table: pd.DataFrame, indicator: str, n: int = 3) -> tuple[pd.DataFrame, ...]:
    """The ``n`` best and ``n`` worst communes on one indicator (worst last)."""
    g = table[(table["indicator"] == indicator) & table["rank"].notna()].sort_values(
        ["rank", "commune_name"], kind="stable"
    )
    n = min(n, len(g) // 2)
    return g.head(n), g.tail(n).iloc[::-1]


def movers(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Per indicator, the ``n`` largest improvements and the ``n`` largest falls (in the
    indicator's direction) since last month."""
    parts = []
    for ind in indicator_order(table):
        g = table[(table["indicator"] == ind) & table["change"].notna()].copy()
        sign = 1 if catalog.get(ind).higher_is_better else -1
        g["gain"] = sign * g["change"]
        up = g[g["gain"] > 0].nlargest(n, "gain")
        down = g[g["gain"] < 0].nsmallest(n, "gain")
        parts += [up, down]
    return pd.concat(parts, ignore_index=True) if parts else table.head(0)


def overall_tiers(table: pd.DataFrame) -> pd.DataFrame:
    """Each commune's overall tier: its quartile among the communes, ordered by the mean of its
    rank percentiles across indicators (a mean bunches in the middle; its rank does not).

    Columns: commune_code, commune_name, percentile (0 = best), indicators (how many ranked),
    tier (1-4). Only communes ranked on at least half of the indicators get a tier.
    """
    ranked = table[table["rank"].notna()].copy()
    ranked["pct"] = (ranked["rank"] - 1) / (ranked["n_ranked"] - 1).clip(lower=1)
    per = ranked.groupby(["commune_code", "commune_name"], as_index=False).agg(
        percentile=("pct", "mean"), indicators=("pct", "size")
    )
    enough = per["indicators"] >= max(1, len(indicator_order(table)) / 2)
    per = per[enough].copy()
    order = per["percentile"].rank(method="min")
    per["tier"] = np.ceil(4 * order / max(len(per), 1)).clip(1, 4).astype(int)
    return per.sort_values(["percentile", "commune_name"], kind="stable").reset_index(drop=True)


def scorecard(table: pd.DataFrame, commune_code: str) -> pd.DataFrame:
    """One commune's rows of :func:`standings`, indicators in catalog order."""
    rows = table[table["commune_code"] == commune_code]
    order = {ind: i for i, ind in enumerate(catalog.indicators("commune"))}
    return rows.sort_values("indicator", key=lambda s: s.map(order)).reset_index(drop=True)
