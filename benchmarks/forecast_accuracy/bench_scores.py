"""Scores: MASE, interval coverage, Brier against climatology, its decomposition, reliability.

Every table is given per data set and per frequency (annual, monthly); a pooled figure never
stands alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from bench_data import BY_KEY, UPPER
from bench_methods import FRACTIONS, MIN_GAP

#: Reliability bins of the forecast probability (deciles).
DECILES = np.linspace(0.0, 1.0, 11)
#: Brier-score targets: at most this share of climatology's, per frequency.
BRIER_TARGET = {"Y": 0.8, "M": 0.9}
#: Coverage target of the 80 % interval, at every step ahead.
COVERAGE_TARGET = (0.75, 0.85)

#: The product's status cut-offs (``StatusThresholds``: off track < 0.3 <= at risk < 0.8).
STATUS_BINS = (0.0, 0.3, 0.8, 1.0)
STATUS_NAMES = ("off track (< 30 %)", "at risk (30-80 %)", "on track (>= 80 %)")
FREQ_NAMES = {"Y": "annual", "M": "monthly"}


def events(recs: pd.DataFrame) -> pd.DataFrame:
    """Long frame of scored events: one row per record and gap fraction with a probability."""
    parts = []
    for f in FRACTIONS:
        col = f"p{f:g}"
        ok = recs[recs[col].notna()]
        thr = ok["last"] + f * (UPPER - ok["last"])
        parts.append(
            pd.DataFrame(
                {
                    "dataset": ok["dataset"],
                    "series": ok["series"],
                    "freq": ok["freq"],
                    "method": ok["method"],
                    "origin": ok["origin"],
                    "h": ok["h"],
                    "f": f,
                    "p": ok[col].clip(0.0, 1.0),
                    "y": (ok["actual"] >= thr - 1e-9).astype(float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def climatology(series: dict[str, dict[str, pd.Series]]) -> dict[tuple, float]:
    """Base rate of each event known at each origin: ``(dataset, origin, h, f) -> rate``.

    For origin ``T`` the rate pools every series of the same data set and part and every earlier
    start ``t0`` (with the data set's minimum history) whose outcome ``t0 + h`` was observed by
    ``T``: the best no-model forecast available at the time. When no outcome ``h`` steps ahead
    was known yet (early monthly origins), the longest shorter step with known outcomes stands in;
    0.5 when there is none.
    """
    out: dict[tuple, float] = {}
    for key, by_series in series.items():
        ds = BY_KEY[key]
        pairs = _pairs(by_series, ds.min_history, ds.horizon)
        for o in ds.origins:
            o_ord = pd.Period(o, freq=ds.freq).ordinal
            known = pairs[pairs["end"] <= o_ord]
            for f in FRACTIONS:
                rate = 0.5
                for h in range(1, ds.horizon + 1):
                    g = known[(known["h"] == h)][f"y{f:g}"]
                    rate = float(g.mean()) if len(g) else rate
                    out[(key, o, h, f)] = rate
    return out


def _pairs(by_series: dict[str, pd.Series], min_history: int, horizon: int) -> pd.DataFrame:
    rows = []
    for s in by_series.values():
        ords = np.array([p.ordinal for p in s.index])
        vals = s.to_numpy(dtype=float)
        pos = {o: i for i, o in enumerate(ords)}
        for i in range(min_history - 1, len(ords)):
            gap = UPPER - vals[i]
            if gap < MIN_GAP:
                continue
            for h in range(1, horizon + 1):
                j = pos.get(ords[i] + h)
                if j is not None:
                    rows.append((ords[i] + h, h, vals[i], gap, vals[j]))
    df = pd.DataFrame(rows, columns=["end", "h", "last", "gap", "actual"])
    for f in FRACTIONS:
        df[f"y{f:g}"] = (df["actual"] >= df["last"] + f * df["gap"] - 1e-9).astype(float)
    return df


def brier_parts(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Brier score and its Murphy decomposition over probability deciles.

    ``resolution`` is what separates a forecast from a constant base rate (which has none);
    ``sharpness`` is the variance of the forecast probabilities.
    """
    n = len(p)
    if n == 0:
        return {"Brier": np.nan, "reliability": np.nan, "resolution": np.nan, "sharpness": np.nan}
    bins = np.clip(np.digitize(p, DECILES[1:-1]), 0, 9)
    base = float(np.mean(y))
    rel = res = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            rel += m.sum() * (p[m].mean() - y[m].mean()) ** 2
            res += m.sum() * (y[m].mean() - base) ** 2
    return {
        "Brier": float(np.mean((p - y) ** 2)),
        "reliability": rel / n,
        "resolution": res / n,
        "sharpness": float(np.var(p)),
    }


def summary(recs: pd.DataFrame, ev: pd.DataFrame, clim: dict, labels: dict) -> pd.DataFrame:
    """One row per group (data set, then each frequency pooled) and method."""
    rows = []
    groups = [(BY_KEY[k].name, recs["dataset"] == k, ev["dataset"] == k) for k in BY_KEY]
    groups += [(f"all {FREQ_NAMES[f]}", recs["freq"] == f, ev["freq"] == f) for f in FREQ_NAMES]
    for title, rmask, emask in groups:
        for m, g in recs[rmask].groupby("method", sort=False):
            e = ev[emask & (ev["method"] == m)]
            rows.append({"data": title, "method": labels.get(m, m), **_row(g, e, clim)})
    return pd.DataFrame(rows)


def _row(g: pd.DataFrame, e: pd.DataFrame, clim: dict) -> dict:
    ok = g[g["scale"] > 0]
    keys = [ok["dataset"], ok["series"], ok["origin"]]
    mase = ((ok["actual"] - ok["point"]).abs() / ok["scale"]).groupby(keys).mean().mean()
    cover = ((g["actual"] >= g["lo"] - 1e-9) & (g["actual"] <= g["hi"] + 1e-9)).mean()
    cl = np.array([clim[k] for k in zip(e["dataset"], e["origin"], e["h"], e["f"], strict=True)])
    parts = brier_parts(e["p"].to_numpy(), e["y"].to_numpy())
    b_clim = float(np.mean((cl - e["y"].to_numpy()) ** 2)) if len(e) else np.nan
    n_cases = g.groupby(["dataset", "series", "origin"]).ngroups
    return {
        "cases": n_cases,
        "MASE": mase,
        "MAE": (g["actual"] - g["point"]).abs().mean(),
        "cov80": cover,
        "width80": (g["hi"] - g["lo"]).mean(),
        "events": len(e),
        "Brier": parts["Brier"],
        "Brier/clim": parts["Brier"] / b_clim if b_clim else np.nan,
        "resolution": parts["resolution"],
        "sharpness": parts["sharpness"],
        "ms/forecast": 1000 * g["seconds"].sum() / max(n_cases, 1),
    }


def coverage_by_h(recs: pd.DataFrame, method: str) -> pd.DataFrame:
    """80 % coverage of one method by steps ahead, per frequency and per data set."""
    g = recs[recs["method"] == method].copy()
    g["covered"] = (g["actual"] >= g["lo"] - 1e-9) & (g["actual"] <= g["hi"] + 1e-9)
    by_ds = g.groupby(["dataset", "h"])["covered"].mean().unstack("h")
    by_ds.index = [BY_KEY[k].name for k in by_ds.index]
    by_f = g.groupby(["freq", "h"])["covered"].mean().unstack("h")
    by_f.index = [f"all {FREQ_NAMES[f]}" for f in by_f.index]
    return pd.concat([by_ds, by_f])


def reliability(
    ev: pd.DataFrame, edges: tuple[float, ...] | np.ndarray, names=None
) -> pd.DataFrame:
    """Forecast probability in bins against the observed frequency, with counts."""
    p, y = ev["p"].to_numpy(), ev["y"].to_numpy()
    idx = np.clip(np.digitize(p, np.asarray(edges)[1:-1], right=False), 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        m = idx == b
        label = names[b] if names else f"{edges[b]:.1f}-{edges[b + 1]:.1f}"
        rows.append(
            {
                "bin": label,
                "events": int(m.sum()),
                "mean forecast": float(p[m].mean()) if m.any() else np.nan,
                "observed": float(y[m].mean()) if m.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def md_table(df: pd.DataFrame, fmt: dict[str, str] | None = None) -> str:
    """A markdown table (floats with ``fmt[column]``, default 3 decimals)."""
    fmt = fmt or {}
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            v = r[c]
            if isinstance(v, float | np.floating):
                cells.append("—" if np.isnan(v) else format(v, fmt.get(str(c), ".3f")))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(
    summary: pd.DataFrame, recs: pd.DataFrame, ev: pd.DataFrame, labels: dict
) -> pd.DataFrame:
    """The targets, per group: met or not, with the numbers behind each verdict.

    MASE below every comparator; 80 % coverage in :data:`COVERAGE_TARGET` at every step ahead;
    Brier of the mapped probabilities at most :data:`BRIER_TARGET` x climatology (annual 0.8,
    monthly 0.9) and below naive's; every reliability decile with >= 30 events within 0.1 of
    the diagonal.
    """
    eng, cal = labels["engine"], labels["engine_cal"]
    rows = []
    for title, g in summary.groupby("data", sort=False):
        e_row = g[g["method"] == eng]
        if e_row.empty:
            continue
        e_row, c_row = e_row.iloc[0], g[g["method"] == cal].iloc[0]
        comps = g[~g["method"].isin([eng, cal])]
        best = comps.loc[comps["MASE"].idxmin()] if len(comps) else None
        naive = comps[comps["method"] == labels["naive"]]
        mask_r, mask_e = _group_masks(title, recs, ev)
        freq = recs.loc[mask_r, "freq"].iloc[0]
        lo_c, hi_c = COVERAGE_TARGET
        cov = coverage_by_h(recs[mask_r], "engine")
        cov_h = cov.loc[title] if title in cov.index else cov.iloc[-1]
        rel = reliability(ev[mask_e & (ev["method"] == "engine_cal")], DECILES)
        big = rel[rel["events"] >= 30]
        worst = float((big["observed"] - big["mean forecast"]).abs().max()) if len(big) else np.nan
        rows.append(
            {
                "data": title,
                "MASE engine": e_row["MASE"],
                "best comparator": f"{best['MASE']:.2f} ({best['method']})"
                if best is not None
                else "—",
                "MASE met": "yes" if best is None or e_row["MASE"] < comps["MASE"].min() else "no",
                "cov80 by h (min-max)": f"{cov_h.min():.2f}-{cov_h.max():.2f}",
                "cov met": "yes" if cov_h.min() >= lo_c and cov_h.max() <= hi_c else "no",
                "Brier/clim (map)": c_row["Brier/clim"],
                "Brier naive": float(naive["Brier"].iloc[0]) if len(naive) else np.nan,
                "Brier (map)": c_row["Brier"],
                "Brier met": "yes"
                if c_row["Brier/clim"] <= BRIER_TARGET[freq]
                and (naive.empty or c_row["Brier"] < naive["Brier"].iloc[0])
                else "no",
                "worst decile gap (>=30 events)": worst,
                "reliability met": "yes" if worst <= 0.1 else "no",
            }
        )
    return pd.DataFrame(rows)


def _group_masks(title: str, recs: pd.DataFrame, ev: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    for f, name in FREQ_NAMES.items():
        if title == f"all {name}":
            return recs["freq"] == f, ev["freq"] == f
    key = next(k for k, d in BY_KEY.items() if d.name == title)
    return recs["dataset"] == key, ev["dataset"] == key
