"""Commune-level demo data: the 3,321 communes' share of their province's demo figures.

Communes exist since 2025-07-01, so the commune demo covers the last :data:`COMMUNE_MONTHS`
months up to ``until`` (never before 2025-07). For the indicators reported at both levels
(``levels: [province, commune]`` in the catalog: online dossiers, online payments, e-ID
activation) the communes' numerators and denominators add up exactly to their province's demo
figures of the same month; the two commune-only indicators (dossiers digitized, resolved on
time) are drawn around a province level. Everything is deterministic: a month's figures depend
only on the seed and the month, not on ``until``.

How a province's counts are split
---------------------------------
Each commune has a size (log-normal, wards twice as large, special zones half) and a lasting
"performance" effect per indicator. The province's denominator is apportioned by size (largest
remainders, so the parts sum to the whole); the numerator is split so that each commune's rate
is the logistic of a common level plus its effect, the level found by bisection so the parts sum
to the province's numerator, then rounded by largest remainders without exceeding any
commune's denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.demo.context import until_month
from analysis.data.demo.specs import DEFAULT_SEED, SOURCE
from analysis.reference import catalog, communes, geography

COMMUNE_MONTHS = 6
"""Months of commune demo data up to ``until`` (enough for change since last month and a
short trend; 3,321 communes x 5 indicators x 6 months is about 100,000 rows)."""
FILE = "demo_communes.csv.gz"
COLUMNS = [
    "province",
    "commune",
    "indicator",
    "period",
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
]
ONLY_COMMUNE = {
    # indicator: (mean province rate in 2025-07, monthly gain, spread of province levels)
    "dossiers_digitized_pct": (0.62, 0.018, 0.5),
    "dossiers_on_time_pct": (0.90, 0.004, 0.6),
}
"""Commune-only indicators: drawn around a province level (logit scale spreads)."""
EFFECT_SPREAD = 0.45
"""Standard deviation, on the logit scale, of a commune's lasting effect on an indicator."""
MONTH_SPREAD = {"flow": 0.12, "stock": 0.01}
"""Standard deviation, on the logit scale, of a commune's month-to-month wobble: flows (this
month's dossiers) move more than stocks (accounts activated so far)."""


def commune_months(until: str | pd.Period | None) -> list[pd.Period]:
    """The months of the commune demo for ``until`` (empty before 2025-07)."""
    last = until_month(until)
    first = max(geography.MERGER_PERIOD, last - (COMMUNE_MONTHS - 1))
    return list(pd.period_range(first, last, freq="M")) if last >= first else []


def apportion(total: int, weights: np.ndarray, cap: np.ndarray | None = None) -> np.ndarray:
    """Integers proportional to ``weights`` that sum to ``total`` (largest remainders).

    With ``cap``, no part exceeds its cap (``sum(cap) >= total`` is required); the excess is
    given to the parts with room, again by largest remainders.
    """
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum() if w.sum() > 0 else np.zeros_like(w)
    if cap is not None:
        exact = np.minimum(exact, cap)
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    room = np.full(len(w), rest) if cap is None else (cap - base)
    order = np.argsort(-(exact - base), kind="stable")
    while rest > 0:  # one unit to each part with room, largest remainder first
        open_ = order[room[order] > 0][:rest]
        base[open_] += 1
        room[open_] -= 1
        rest -= len(open_)
    return base


def split_numerator(total: int, dens: np.ndarray, effects: np.ndarray) -> np.ndarray:
    """Numerators summing to ``total``, at most ``dens`` each, rates ~ logistic(b + effect)."""
    if total <= 0:
        return np.zeros(len(dens), dtype=np.int64)
    if total >= dens.sum():
        return dens.astype(np.int64).copy()
    lo, hi = -30.0, 30.0
    for _ in range(60):  # bisection on the common level b
        mid = (lo + hi) / 2
        if (dens / (1 + np.exp(-(mid + effects)))).sum() < total:
            lo = mid
        else:
            hi = mid
    exact = dens / (1 + np.exp(-((lo + hi) / 2 + effects)))
    return apportion(total, exact, cap=dens.astype(np.int64))


def _sizes(table: pd.DataFrame, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 3321])
    factor = table["kind"].map({"xa": 1.0, "phuong": 2.0, "dac_khu": 0.5}).to_numpy()
    return rng.lognormal(0.0, 0.5, len(table)) * factor


def _effects(n: int, seed: int, indicators: list[str]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 3322])
    return {ind: rng.normal(0.0, EFFECT_SPREAD, n) for ind in indicators}


def _province_counts(
    frames: dict[str, pd.DataFrame], shared: list[str]
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(indicator, month, province code) -> (numerator, denominator) of the province demo."""
    rows = pd.concat(frames.values(), ignore_index=True)
    rows = rows[(rows["basis"] == "34") & rows["indicator"].isin(shared)]
    keys = zip(rows["indicator"], rows["period"], rows["province"], strict=True)
    pairs = zip(rows["numerator"], rows["denominator"], strict=True)
    return {k: (int(n), int(d)) for k, (n, d) in zip(keys, pairs, strict=True)}


def generate_commune_demo(
    frames: dict[str, pd.DataFrame],
    until: str | pd.Period | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The commune demo as one long frame (columns :data:`COLUMNS`).

    ``frames`` are the province demo files of :func:`~analysis.data.demo.generate_demo` for the
    same ``until`` and ``seed``; ``province`` is the 34-unit code and ``commune`` the 5-digit
    commune code.
    """
    table = communes.communes()
    inds = list(catalog.indicators("commune"))
    shared = [i for i in inds if i in catalog.indicators("province")]
    temporal = {i: catalog.get(i).temporal for i in inds}
    sizes, effects = _sizes(table, seed), _effects(len(table), seed, inds)
    counts = _province_counts(frames, shared)
    groups = {code: idx.to_numpy() for code, idx in table.groupby("province_code").groups.items()}
    cols: dict[str, list] = {"idx": [], "indicator": [], "period": [], "num": [], "den": []}
    for month in commune_months(until):
        k = (month - geography.MERGER_PERIOD).n
        rng = np.random.default_rng([seed, 3323, k])
        for code, idx in groups.items():
            noise = rng.lognormal(0.0, 0.12, len(idx))
            # Dossiers resolved: most of the dossiers received (online or not) this month.
            received = apportion(int(round(sizes[idx].sum() * 190)), sizes[idx] * noise)
            resolved = rng.binomial(received, 0.96).astype(np.int64)
            for ind in inds:
                if ind in shared:
                    if (ind, str(month), code) not in counts:
                        continue
                    num, den = counts[(ind, str(month), code)]
                    weights = sizes[idx] * (noise if temporal[ind] == "flow" else 1.0)
                    d = apportion(den, weights)
                    wobble = rng.normal(0.0, MONTH_SPREAD[temporal[ind]], len(idx))
                    n = split_numerator(num, d, effects[ind][idx] + wobble)
                else:
                    d = resolved
                    n = _commune_only(ind, k, code, d, effects[ind][idx], rng, seed)
                for key, part in (("idx", idx), ("num", n), ("den", d)):
                    cols[key].append(part)
                cols["indicator"].append(np.full(len(idx), ind))
                cols["period"].append(np.full(len(idx), str(month)))
    return _frame(table, cols)


def _commune_only(
    ind: str,
    k: int,
    province_code: str,
    dens: np.ndarray,
    effects: np.ndarray,
    rng: np.random.Generator,
    seed: int,
) -> np.ndarray:
    """The numerator of a commune-only indicator for one province-month (binomial draws)."""
    mean, gain, spread = ONLY_COMMUNE[ind]
    which = list(ONLY_COMMUNE).index(ind)
    level_rng = np.random.default_rng([seed, 3324, int(province_code), which])
    level = np.log(mean / (1 - mean)) + level_rng.normal(0.0, spread)
    rate = 1 / (1 + np.exp(-(level + effects + gain * k * 4)))
    return rng.binomial(dens, np.clip(rate, 0, 1)).astype(np.int64)


def _frame(table: pd.DataFrame, cols: dict[str, list]) -> pd.DataFrame:
    """The collected arrays as the file's rows (communes without a denominator left out)."""
    if not cols["idx"]:
        return pd.DataFrame(columns=COLUMNS)
    idx = np.concatenate(cols["idx"])
    out = pd.DataFrame(
        {
            "province": table["province_code"].to_numpy()[idx],
            "commune": table["commune_code"].to_numpy()[idx],
            "indicator": np.concatenate(cols["indicator"]),
            "period": np.concatenate(cols["period"]),
            "value": np.nan,
            "numerator": np.concatenate(cols["num"]),
            "denominator": np.concatenate(cols["den"]),
            "source": SOURCE,
            "note": "",
        }
    )
    return out[out["denominator"] > 0].reset_index(drop=True)
