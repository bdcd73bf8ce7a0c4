"""Seed facts as checkable expectations, and the check of any long table against them.

``reference/seed_facts.csv`` holds figures published for named provinces; the demo imposes them
exactly, and :func:`check_seed_facts` proves it (for the demo frames or the processed store).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.core.periods import to_month, to_period
from analysis.data.demo.specs import FACT_OVERRIDES
from analysis.reference import catalog, geography

# --- seed facts ------------------------------------------------------------------------------


def _fact_int(text: str) -> int | None:
    text = str(text).strip()
    return int(float(text)) if text else None


def _resolve_fact_indicator(name: str) -> tuple[str, bool]:
    """(catalog id, whether the fact is a rank) for a fact's indicator name."""
    found = catalog.resolve_indicator(name)
    if found is not None:
        return found, False
    for ind in catalog.indicators().values():
        if name in ind.rank_aliases:
            return ind.id, True
    raise KeyError(f"seed fact indicator {name!r} is neither an indicator nor a rank alias")


EXPECTATION_COLUMNS = [
    "fact_id",
    "province",
    "basis",
    "indicator",
    "period",
    "aggregate",
    "numerator",
    "denominator",
    "value",
    "value_decimals",
    "tolerance",
    "rank",
    "rank_of",
    "statement",
]


def _fact_period(fact_id: str, as_of: str, ind: catalog.Indicator) -> tuple[str, str]:
    """(period, aggregate) a fact's ``as_of`` means for its indicator (see below)."""
    if re.fullmatch(r"\d{4}", as_of):
        if ind.frequency == "annual":
            return as_of, "year"
        if ind.temporal == "flow":
            return as_of, "year_flow"
        return f"{as_of}-12", "year_end"
    if ind.frequency == "annual":
        raise ValueError(f"fact {fact_id}: a month for an annual indicator")
    return str(to_month(as_of[:7])), "month"


def seed_fact_expectations(path: Path | None = None) -> pd.DataFrame:
    """The province-level seed facts as checkable expectations, one row per fact.

    Mapping rules: the fact's indicator is a catalog id or alias (a ``rank_aliases`` entry makes
    it a rank fact); a dated ``as_of`` means that month; a bare year means the December value of
    a monthly stock (``aggregate == "year_end"``, ``period`` ``YYYY-12``), the year's sum of
    numerators over sum of denominators of a monthly flow (``"year_flow"``, ``period`` ``YYYY``)
    or the annual figure of an annual indicator (``"year"``). Ranks are 1 for the highest value
    among all units of the basis in that period. Facts that give only a target are left out.

    Parameters
    ----------
    path
        The facts file; default ``reference/seed_facts.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``EXPECTATION_COLUMNS``: ``province`` is the unit code on ``basis``;
        ``numerator``, ``denominator``, ``rank`` and ``rank_of`` are nullable integers;
        ``value`` is in % and matches when within ``tolerance`` (half a unit of its last
        published decimal).
    """
    facts = pd.read_csv(
        path or paths.reference_dir() / "seed_facts.csv",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8",
    )
    facts = facts[facts["level"].str.strip() == "province"]
    rows = []
    for f in facts.itertuples(index=False):
        ind_id, is_rank = _resolve_fact_indicator(f.indicator.strip())
        ind = catalog.indicators()[ind_id]
        period, aggregate = _fact_period(f.fact_id, f.as_of.strip(), ind)
        basis = geography.basis_for_period(to_period(period))
        unit = geography.match_province(f.geography.strip(), basis)
        num, den = _fact_int(f.numerator), _fact_int(f.denominator)
        value, decimals = np.nan, None
        text = f.value.strip()
        if text and f.unit.strip() == "%":
            value = float(text)
            decimals = len(text.split(".")[1]) if "." in text else 0
        elif text and not is_rank and num is None:
            num = _fact_int(text)  # a count published in the value column
        over = FACT_OVERRIDES.get(f.fact_id, {})
        num, den = over.get("numerator", num), over.get("denominator", den)
        rank, rank_of = _fact_int(f.rank), _fact_int(f.rank_of)
        if num is None and den is None and np.isnan(value) and rank is None:
            continue  # a target only: nothing to check
        rows.append(
            {
                "fact_id": f.fact_id,
                "province": unit.code,
                "basis": basis,
                "indicator": ind_id,
                "period": period,
                "aggregate": aggregate,
                "numerator": num,
                "denominator": den,
                "value": value,
                "value_decimals": decimals,
                "tolerance": np.nan if decimals is None else 0.5 * 10.0**-decimals + 1e-9,
                "rank": rank,
                "rank_of": rank_of,
                "statement": f.statement,
            }
        )
    out = pd.DataFrame(rows, columns=EXPECTATION_COLUMNS)
    for col in ("numerator", "denominator", "value_decimals", "rank", "rank_of"):
        out[col] = out[col].astype("Int64")
    out["value"] = out["value"].astype(float)
    return out


def _observed(
    frame: pd.DataFrame, indicator: str, basis: str, period: str, aggregate: str
) -> pd.DataFrame:
    """Per-unit numerator, denominator and value of one indicator as a fact aggregates it."""
    sub = frame[(frame["indicator"] == indicator) & (frame["basis"] == basis)]
    if aggregate == "year_flow":
        sub = sub[sub["period"].str.startswith(period + "-")]
        g = sub.groupby("province")
        out = pd.DataFrame(
            {
                "numerator": g["numerator"].sum(min_count=1),
                "denominator": g["denominator"].sum(min_count=1),
                "months": g.size(),
            }
        )
        out.loc[out["months"] < 12, ["numerator", "denominator"]] = np.nan
        out["value"] = 100.0 * out["numerator"] / out["denominator"]
        return out[["numerator", "denominator", "value"]]
    sub = sub[sub["period"] == period].set_index("province")
    out = sub[["numerator", "denominator", "value"]].astype(float)
    counted = out["numerator"].notna() & out["denominator"].notna()
    out.loc[counted, "value"] = 100.0 * out["numerator"] / out["denominator"]
    return out


def check_seed_facts(frame: pd.DataFrame, expectations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare a long frame with the seed-fact expectations.

    Parameters
    ----------
    frame
        Long observations with columns ``province`` (code), ``basis`` (``"63"``/``"34"``),
        ``indicator`` (catalog id), ``period`` (``YYYY-MM`` or ``YYYY``), ``numerator``,
        ``denominator`` and ``value``; e.g. the concatenated frames of :func:`generate_demo`.
    expectations
        Default :func:`seed_fact_expectations`.

    Returns
    -------
    pandas.DataFrame
        The expectations with ``observed_numerator``, ``observed_denominator``,
        ``observed_value``, ``observed_rank``, ``observed_rank_of`` and ``ok``.
    """
    exp = seed_fact_expectations() if expectations is None else expectations
    f = frame.copy()
    for col in ("province", "basis", "indicator", "period"):
        f[col] = f[col].astype(str)
    for col in ("numerator", "denominator", "value"):
        f[col] = pd.to_numeric(f[col], errors="coerce").astype(float)
    out = []
    for e in exp.to_dict("records"):
        obs = _observed(f, e["indicator"], e["basis"], e["period"], e["aggregate"])
        rec = dict(e)
        row = obs.loc[e["province"]] if e["province"] in obs.index else None
        rec["observed_numerator"] = np.nan if row is None else row["numerator"]
        rec["observed_denominator"] = np.nan if row is None else row["denominator"]
        rec["observed_value"] = np.nan if row is None else row["value"]
        values = obs["value"].dropna()
        own = rec["observed_value"]
        rec["observed_rank"] = (int((values > own).sum()) + 1) if pd.notna(own) else np.nan
        rec["observed_rank_of"] = len(values)
        ok = row is not None
        if ok and pd.notna(e["numerator"]):
            ok &= rec["observed_numerator"] == e["numerator"]
        if ok and pd.notna(e["denominator"]):
            ok &= rec["observed_denominator"] == e["denominator"]
        if ok and pd.notna(e["value"]):
            ok &= abs(rec["observed_value"] - e["value"]) <= e["tolerance"]
        if ok and pd.notna(e["rank"]):
            ok &= rec["observed_rank"] == e["rank"]
            if pd.notna(e["rank_of"]):
                ok &= rec["observed_rank_of"] == e["rank_of"]
        rec["ok"] = bool(ok)
        out.append(rec)
    return pd.DataFrame(out)
