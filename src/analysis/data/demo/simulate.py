"""The latent series: every indicator simulated for the 63 former provinces, month by month.

Denominators follow population (or a fixed quota), shares follow the curves of
:mod:`~analysis.data.demo.curves`, seed facts are pinned exactly; the result is cached per
``until`` and seed because both the files and the tests read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.core.periods import to_month
from analysis.data.demo.context import Ctx, context_for, month_index, rng_for, until_month
from analysis.data.demo.curves import shares, sigmoid, stock_counts
from analysis.data.demo.facts import seed_fact_expectations
from analysis.data.demo.specs import (
    COLUMNS,
    DEFAULT_SEED,
    DIGITAL_ECONOMY_2022_INDUSTRIAL,
    DIGITAL_ECONOMY_2022_PUBLISHED,
    MIN_HORIZON,
    SOURCE,
    SPECS,
    START,
    Spec,
)
from analysis.reference import catalog


def _denominator(model: tuple, rng: np.random.Generator, ctx: Ctx) -> np.ndarray:
    """Integer denominators (63, T) for a denominator model."""
    n, T = ctx.n, ctx.T
    t = np.arange(T, dtype=float)
    pop = ctx.pop * 1000.0
    kind = model[0]
    if kind == "const":
        lo, hi = model[1], model[2]
        return np.tile(rng.integers(lo, hi + 1, n)[:, None], (1, T)).astype(np.int64)
    if kind == "pop":  # a stock proportional to population, growing slowly
        per, lo, hi, growth = model[1:]
        level = pop * per * rng.uniform(lo, hi, n)
        rate = growth * rng.uniform(0.7, 1.3, n)
        # population_thousands is a 2023 average: index 18 is mid-2023
        return np.rint(level[:, None] * (1 + rate[:, None]) ** ((t - 18) / 12)).astype(np.int64)
    if kind == "villages":  # villages and hamlets; occasionally merged (the count falls)
        per_region = {"NMM": 1.8, "CH": 1.3, "NCC": 1.0, "RRD": 0.75, "SE": 0.5, "MD": 0.7}
        mult = np.array([per_region.get(r, 1.0) for r in ctx.region])
        base = pop / 900.0 * mult * rng.uniform(0.85, 1.15, n)
        den = np.tile(base[:, None], (1, T))
        merges = rng.random(n) < 0.3
        when = rng.integers(6, 60, n)
        cut = rng.uniform(0.01, 0.04, n)
        den *= np.where(merges[:, None] & (t[None, :] >= when[:, None]), 1 - cut[:, None], 1.0)
        return np.rint(den).astype(np.int64)
    if kind == "procedures":  # eligible procedures: a list revised now and then
        base = rng.uniform(1500, 2000, n)
        den = np.tile(base[:, None], (1, T))
        for first in ("2023-01", "2024-07", "2025-07"):
            step = rng.uniform(-0.08, 0.06, n)
            den[:, month_index(first) :] *= 1 + step[:, None]
        return np.rint(den).astype(np.int64)
    if kind == "eid":  # e-ID applications collected: fast in 2022-23, slower afterwards
        level = pop * 0.70 * rng.uniform(0.93, 1.05, n)
        mid = rng.uniform(8, 16, n)
        ramp = 0.2 + 0.8 * sigmoid((t[None, :] - mid[:, None]) / 4.0)
        ramp = ramp + 0.012 * np.clip(t[None, :] - 24, 0, None) / 12
        return np.rint(level[:, None] * ramp).astype(np.int64)
    if kind in ("flow", "visits"):  # monthly counts: trend x season x noise
        lo, hi, growth = model[1:]
        level = pop * rng.uniform(lo, hi, n)
        trend = (1 + growth) ** (t / 12)
        noise = np.exp(rng.normal(0.0, 0.06, (n, T)))
        den = level[:, None] * trend[None, :] * ctx.season[None, :] * noise
        return np.maximum(np.rint(den), 1).astype(np.int64)
    raise ValueError(f"unknown denominator model {kind!r}")


@dataclass
class Pins:
    """Seed facts that concern one indicator, on the 63 basis."""

    den: dict[tuple[int, int], int]
    num: dict[tuple[int, int], int]
    share: dict[tuple[int, int], float]  # stock: exact share at a month
    year_share: dict[tuple[int, int], float]  # flow: share over a calendar year (i, year)
    rank: dict[tuple[int, int], int]  # (i, month) -> rank among the 63


def _pins_for(indicator: str, ctx: Ctx, facts: pd.DataFrame) -> Pins:
    pins = Pins({}, {}, {}, {}, {})
    for e in facts[facts["indicator"] == indicator].to_dict("records"):
        if e["basis"] != "63":
            raise NotImplementedError(
                f"seed fact {e['fact_id']}: only 63-basis facts are imposed on the latent series"
            )
        i = ctx.index(e["province"])
        if e["aggregate"] == "year_flow":
            if pd.notna(e["value"]):
                pins.year_share[(i, int(e["period"]))] = e["value"] / 100.0
            continue
        m = month_index(e["period"])
        if pd.notna(e["denominator"]):
            pins.den[(i, m)] = int(e["denominator"])
        if pd.notna(e["numerator"]):
            pins.num[(i, m)] = int(e["numerator"])
        if pd.notna(e["value"]):
            pins.share[(i, m)] = e["value"] / 100.0
        if pd.notna(e["rank"]):
            pins.rank[(i, m)] = int(e["rank"])
    return pins


def _apply_den_pins(den: np.ndarray, pins: Pins) -> np.ndarray:
    den = den.copy()
    for (i, m), value in pins.den.items():
        if (den[i] == den[i, 0]).all():  # a fixed quota: the same all along
            den[i] = value
        else:  # a drifting stock: rescale the province's history through the fact
            den[i] = np.rint(den[i] * (value / den[i, m])).astype(np.int64)
            den[i, m] = value
    return den


def _simulate_stock(
    ind: str, spec: Spec, ctx: Ctx, seed: int, pins: Pins
) -> tuple[np.ndarray, np.ndarray]:
    rng = rng_for(seed, ind)
    family = catalog.indicators()[ind].family
    den = _apply_den_pins(_denominator(spec.den, rng, ctx), pins)
    anchors: dict[int, tuple[float, float]] = {}
    num_pins = dict(pins.num)
    for (i, m), value in pins.num.items():
        anchors[i] = (value / den[i, m], m)
    for (i, m), pinned in pins.share.items():
        anchors[i] = (pinned, m)
        num_pins.setdefault((i, m), int(round(pinned * den[i, m])))
    tau = ctx.tau(family)
    share = shares(spec, rng, ctx, tau, anchors)
    num = stock_counts(share, den, num_pins)
    for (i, m), rank in pins.rank.items():
        # Place province i so that exactly rank - 1 others are above it in month m.
        others = np.delete(num[:, m] / den[:, m], i)
        ranked = np.sort(others)[::-1]
        upper = ranked[rank - 2] if rank >= 2 else 1.0
        lower = ranked[rank - 1] if rank - 1 < len(ranked) else 0.0
        x = 0.5 * (upper + lower)
        share_i = shares(spec, rng_for(seed, f"{ind}/rank"), ctx, tau, {i: (x, m)})
        row_pins = {(0, m): int(round(x * den[i, m]))}
        num[i] = stock_counts(share_i[i : i + 1], den[i : i + 1], row_pins)[0]
        value = num[i, m] / den[i, m]
        if not lower < value < upper:
            raise RuntimeError(f"{ind}: could not place province {ctx.codes[i]} at rank {rank}")
    return num, den


def _simulate_flow(
    ind: str, spec: Spec, ctx: Ctx, seed: int, pins: Pins
) -> tuple[np.ndarray, np.ndarray]:
    rng = rng_for(seed, ind)
    family = catalog.indicators()[ind].family
    den = _denominator(spec.den, rng, ctx)
    anchors = {
        i: (share, month_index(f"{year}-06") + 0.5) for (i, year), share in pins.year_share.items()
    }
    trend = shares(spec, rng, ctx, ctx.tau(family), anchors)
    noise = np.zeros_like(trend)
    shocks = rng.normal(0.0, spec.noise, trend.shape)
    for t in range(1, ctx.T):
        noise[:, t] = 0.6 * noise[:, t - 1] + shocks[:, t]
    share = np.clip(trend + noise * np.minimum(1.0, 4 * trend * (1 - trend)), 0.002, 0.998)
    num = rng.binomial(den, share).astype(np.int64)
    for (i, year), goal in pins.year_share.items():
        cols = slice(month_index(f"{year}-01"), month_index(f"{year}-12") + 1)
        d: np.ndarray = den[i, cols]
        k: np.ndarray = num[i, cols].astype(float)
        total = int(round(goal * d.sum()))
        scaled = np.minimum(np.floor(k * total / k.sum()), d).astype(np.int64)
        rest = total - int(scaled.sum())
        for j in np.argsort(-(d - scaled), kind="stable"):  # add the rest where there is room
            add = min(rest, int(d[j] - scaled[j]))
            scaled[j] += add
            rest -= add
            if rest == 0:
                break
        num[i, cols] = scaled
    return num, den


def _simulate_overdue(done: np.ndarray, den: np.ndarray, ctx: Ctx, seed: int) -> np.ndarray:
    """Overdue plan tasks: a few, fluctuating, none at the end for the best units."""
    rng = rng_for(seed, "dx_plan_tasks_overdue_pct")
    n, T = done.shape
    t = np.arange(T, dtype=float)
    base = rng.uniform(0.03, 0.12, (n,))
    spans = rng.uniform(20, 50, (n,))
    decline = 0.4 + 0.6 * np.exp(-t[None, :] / spans[:, None])
    rate = base[:, None] * decline * np.exp(rng.normal(0.0, 0.35, (n, T)))
    score = ctx.maturity + rng.normal(0.0, 0.8, len(ctx.unit_codes))
    clean_units = np.argsort(-score, kind="stable")[:12]  # no overdue task since t0
    clean = np.isin(ctx.unit_of, clean_units)
    t0 = rng.integers(36, 54, (n,))
    rate = np.where(clean[:, None] & (t[None, :] >= t0[:, None]), 0.0, rate)
    overdue = rng.poisson(rate * den)
    return np.minimum(overdue, den - done).astype(np.int64)


def _digital_economy(ctx: Ctx, seed: int, facts: pd.DataFrame, years: list[int]) -> np.ndarray:
    """Annual digital-economy share of GRDP (63, years) in %, two decimals."""
    rng = rng_for(seed, "digital_economy_share_grdp_pct")
    n = ctx.n
    v = np.full(n, np.nan)
    for code, value in DIGITAL_ECONOMY_2022_PUBLISHED.items():
        v[ctx.index(code)] = value
    fixed = facts[
        (facts["indicator"] == "digital_economy_share_grdp_pct") & (facts["period"] == "2022")
    ]
    if len(fixed) != 1:
        raise ValueError("expected one 2022 digital-economy seed fact with a value and a rank")
    fact = fixed.iloc[0]
    anchor_i, anchor_v, anchor_rank = ctx.index(fact["province"]), fact["value"], fact["rank"]
    v[anchor_i] = anchor_v
    industrial = [ctx.index(c) for c in DIGITAL_ECONOMY_2022_INDUSTRIAL]
    free = [i for i in range(n) if np.isnan(v[i]) and i not in industrial]
    n_above = int(anchor_rank) - 1 - int((v > anchor_v).sum()) - len(industrial)
    if not 0 <= n_above <= len(free):
        raise ValueError("the 2022 digital-economy rank fact cannot be met")
    score = ctx.maturity[ctx.unit_of[free]] + rng.normal(0.0, 1.0, len(free))
    order = [free[j] for j in np.argsort(-score, kind="stable")]

    def spread(lo: float, hi: float, k: int) -> np.ndarray:
        while True:
            vals = np.round(rng.uniform(lo, hi, k), 2)
            if len(np.unique(vals)) == k:
                return vals

    v[industrial] = spread(10.2, 16.9, len(industrial))
    v[order[:n_above]] = spread(anchor_v + 0.08, 9.9, n_above)
    v[order[n_above:]] = spread(5.84, anchor_v - 0.08, len(order) - n_above)
    out = np.empty((n, len(years)))
    growth = rng.uniform(0.03, 0.12, n)
    for k, year in enumerate(years):
        if year == 2022:
            out[:, k] = v
        else:
            prev = out[:, k - 1]
            # relative growth, slower for the provinces whose share is already high
            step = (growth + rng.normal(0.0, 0.03, n)) * (1.0 - prev / 100.0) ** 2
            out[:, k] = np.round(np.clip(prev * (1 + np.maximum(step, -0.05)), 0.5, 80.0), 2)
    return out


# --- the latent series -----------------------------------------------------------------------


@dataclass
class Latent:
    ctx: Ctx
    until: pd.Period
    counts: dict[str, tuple[np.ndarray, np.ndarray]]  # monthly: (num, den), (63, T)
    annual_years: list[int]
    digital_economy: np.ndarray  # (63, years)


def annual_years(until: pd.Period) -> list[int]:
    last = until.year if until.month == 12 else until.year - 1
    return list(range(START.year, last + 1))


@lru_cache(maxsize=4)
def simulate_latent(until: pd.Period, seed: int) -> Latent:
    horizon = max(until, MIN_HORIZON)
    ctx = context_for(seed, str(horizon))
    facts = seed_fact_expectations()
    counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for ind, spec in SPECS.items():
        pins = _pins_for(ind, ctx, facts)
        sim = _simulate_stock if spec.temporal == "stock" else _simulate_flow
        counts[ind] = sim(ind, spec, ctx, seed, pins)
    done, den = counts["dx_plan_tasks_done_pct"]
    counts["dx_plan_tasks_overdue_pct"] = (_simulate_overdue(done, den, ctx, seed), den)
    years = list(range(START.year, horizon.year + 1))
    de = _digital_economy(ctx, seed, facts, years)
    ordered = {i: counts[i] for i in catalog.indicators() if i in counts}
    return Latent(ctx, until, ordered, years, de)


def valid_months(ind: catalog.Indicator, latent: Latent) -> int:
    """Number of months (from START) an indicator has data for, up to ``until``."""
    last = latent.until
    if ind.valid_to:
        last = min(last, to_month(ind.valid_to))
    return month_index(last) + 1


def generate_latent(until: str | pd.Period | None = None, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The latent 63-province series behind the demo files (for tests and diagnostics).

    Parameters
    ----------
    until
        Last month (``YYYY-MM``); default :func:`latest_complete_month`.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Long frame, columns ``COLUMNS`` minus ``source`` and ``note``: every former province
        (``basis`` 63), every monthly indicator and month from 2022-01 to ``until`` (to 2025-06
        for the district-level indicator), and the annual digital-economy share for every
        complete year, all on the 63 basis, even after the merger.
    """
    latent = simulate_latent(until_month(until), seed)
    ctx = latent.ctx
    frames = []
    for ind_id, (num, den) in latent.counts.items():
        k = valid_months(catalog.indicators()[ind_id], latent)
        frames.append(
            long_frame(ctx.codes, "63", ind_id, ctx.months[:k].astype(str), num[:, :k], den[:, :k])
        )
    years = annual_years(latent.until)
    frames.append(
        long_frame(
            ctx.codes,
            "63",
            "digital_economy_share_grdp_pct",
            pd.Index([str(y) for y in years]),
            None,
            None,
            latent.digital_economy[:, : len(years)],
        )
    )
    out = pd.concat(frames, ignore_index=True)
    return out.drop(columns=["source", "note"])


def long_frame(
    codes: Iterable[str],
    basis: str,
    indicator: str,
    periods: pd.Index,
    num: np.ndarray | None,
    den: np.ndarray | None,
    value: np.ndarray | None = None,
) -> pd.DataFrame:
    """A long frame from (units, periods) arrays, ordered by period then unit."""
    codes = list(codes)
    size = len(periods) * len(codes)
    missing = pd.array([pd.NA] * size, dtype="Int64")
    frame = pd.DataFrame(
        {
            "province": np.tile(codes, len(periods)),
            "basis": basis,
            "indicator": indicator,
            "period": np.repeat(np.asarray(periods, dtype=object), len(codes)),
            "value": np.nan if value is None else value.T.reshape(-1),
            "numerator": missing if num is None else pd.array(num.T.reshape(-1), dtype="Int64"),
            "denominator": missing if den is None else pd.array(den.T.reshape(-1), dtype="Int64"),
            "source": SOURCE,
            "note": "",
        }
    )
    return frame[COLUMNS]
