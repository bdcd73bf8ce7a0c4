"""Step 5, harmonizing: the 63-province history carried onto the 34 current units.

Numerators and denominators of the former provinces are summed into their current unit; rates
without counts are combined with a mean weighted by the population of the period's year
(:mod:`analysis.reference.population`) and flagged; ranks are never averaged. A unit-period
whose former provinces are not all reported is left out and logged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reference import catalog, geography, population

HARMONIZED_COLUMNS = [
    "dataset",
    "province_code",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "method",
    "n_units",
    "is_weighted",
    "source",
    "is_synthetic",
]


def harmonize_to_current_provinces(obs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Express every observation on the 34 current units.

    Rows on the 34 basis pass through. Rows on the 63 basis are grouped into the unit each
    former province became part of: numerators and denominators are summed when every
    constituent reports them; otherwise the rates are combined with the weight the catalog
    declares (``population_thousands`` by default) and flagged ``is_weighted``. A unit whose
    distinct constituents are not all present for a period is left out (a partial sum would
    understate it, and a repeated row must never stand in for a missing one) and listed in the
    returned log with the former provinces missing. Ranks are never harmonized.

    Returns
    -------
    (harmonized, log)
    """
    if obs.empty:
        return pd.DataFrame(columns=HARMONIZED_COLUMNS), pd.DataFrame(columns=LOG_COLUMNS)
    current = obs[obs["basis"] == "34"].copy()
    current["method"] = "reported"
    current["n_units"] = 1
    current["is_weighted"] = False

    g = _group_former(obs[obs["basis"] == "63"])
    cw = geography.crosswalk().set_index("old_code")
    g["expected"] = g["new_code"].map(cw.groupby("new_code").size()).astype(int)
    log = _partial_log(g[g["n_units"] < g["expected"]], cw)
    merged = _combine(g[g["n_units"] >= g["expected"]].copy())
    # A unit reported on the 34 basis wins over one rebuilt from late 63-basis reports.
    # Empty parts are left out: their all-NA columns would decide the result's dtypes.
    parts = [f for f in (current[HARMONIZED_COLUMNS], merged) if not f.empty]
    both = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=HARMONIZED_COLUMNS)
    )
    both = both.drop_duplicates(["dataset", "province_code", "indicator", "period"], keep="first")
    return both.reset_index(drop=True), log


LOG_COLUMNS = ["dataset", "province_code", "indicator", "period", "reason"]


def _group_former(old: pd.DataFrame) -> pd.DataFrame:
    """63-basis rows grouped by current unit, indicator and period, with sums and members."""
    cw = geography.crosswalk().set_index("old_code")
    # A former province counts once per unit-period, however often it was reported: a copy
    # must never stand in for a constituent that did not report.
    once = ["dataset", "province_code", "indicator", "freq", "period"]
    old = old.drop_duplicates(once, keep="first").copy()
    old["new_code"] = old["province_code"].map(cw["new_code"])
    # The population of the period's year (analysis.reference.population.weight_year).
    old["weight"] = population.weights(
        old["province_code"], old["period"].map(lambda p: p.year), "63"
    )
    old["has_counts"] = old["numerator"].notna() & old["denominator"].notna()
    old["wvalue"] = old["value"] * old["weight"]
    # Monthly and annual Periods cannot be sorted together: group on their text.
    old["period_key"] = old["period"].astype(str)
    keys = ["dataset", "new_code", "indicator", "freq", "period_key"]
    return (
        old.groupby(keys, sort=True, observed=True)
        .agg(
            period=("period", "first"),
            n_units=("province_code", "nunique"),
            all_counts=("has_counts", "all"),
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            wvalue=("wvalue", "sum"),
            weight=("weight", "sum"),
            is_synthetic=("is_synthetic", "any"),
            source=("source", lambda s: "; ".join(sorted(set(s)))),
            members=("province_code", lambda s: set(s)),
        )
        .reset_index()
    )


def _partial_log(partial: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """One log row per unit-period left out, naming the former provinces not reported."""
    log = [
        {
            "dataset": r.dataset,
            "province_code": r.new_code,
            "indicator": r.indicator,
            "period": r.period_key,
            "reason": "former provinces "
            + ", ".join(sorted(set(cw.index[cw["new_code"] == r.new_code]) - r.members))
            + " not reported; no partial sum",
        }
        for r in partial.itertuples()
    ]
    return pd.DataFrame(log, columns=LOG_COLUMNS)


def _combine(g: pd.DataFrame) -> pd.DataFrame:
    """Complete groups as 34-unit rows: summed counts, or a weighted mean of rates (flagged)."""
    weights_col = {
        i.id: (i.weight or "population_thousands") for i in catalog.indicators().values()
    }
    unknown_weights = {i for i in g["indicator"] if weights_col[i] != "population_thousands"}
    if unknown_weights:
        raise ValueError(
            f"weight column(s) for {sorted(unknown_weights)} are not known: the only weight is "
            "population_thousands (analysis.reference.population); fix the indicator's weight "
            "in data/raw/reference/indicators.yml"
        )
    counts = g["all_counts"].astype(bool)
    g["value"] = (100.0 * g["numerator"] / g["denominator"]).where(
        counts, g["wvalue"] / g["weight"]
    )
    g.loc[~counts, ["numerator", "denominator"]] = np.nan
    g["method"] = np.where(counts, "sum_of_counts", "weighted_mean:population_thousands")
    g["is_weighted"] = ~counts
    g["province_code"] = g["new_code"]
    rows = g[HARMONIZED_COLUMNS].to_dict("records")
    return pd.DataFrame(rows, columns=HARMONIZED_COLUMNS)
