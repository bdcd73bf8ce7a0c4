"""Rolling-origin accuracy benchmark of the forecast engine against common baselines.

Compares, on the same series, origins and horizons: naive, drift, plain
statsmodels damped ETS, Nixtla statsforecast AutoETS, Prophet (logistic growth,
cap 100) and :func:`analysis.forecast.forecast_to_deadline`.  See README.md in
this folder for the protocol.

Usage::

    python benchmarks/forecast_accuracy/run.py [--data-dir DIR] [--quick]
        [--methods engine,naive,...] [--jobs 2] [--out RESULTS.md]

The benchmark-only extras (statsforecast, prophet) come from
``pip install -e '.[bench]'``; methods whose package is missing are skipped
with a note.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "benchmark-data"
HORIZON = 5
MIN_HISTORY = 8
LEVEL = 0.8
N_PATHS = 1000
LOWER, UPPER = 0.0, 100.0


@dataclass(frozen=True)
class Dataset:
    """One benchmark data set."""

    name: str
    file: str
    origins: tuple[int, ...]
    ks: tuple[float, ...]  # target increments for the Brier events
    unit: str


DATASETS = (
    Dataset(
        "internet users % (WDI)",
        "wdi_internet_users_pct_1990_2023.csv",
        (2006, 2009, 2012, 2015, 2018),
        (2.0, 5.0, 10.0),
        "% of population",
    ),
    Dataset(
        "fixed broadband /100 (OWID/WB 2015)",
        "owid_fixed_broadband_per100_wb2015.csv",
        (2007, 2009),
        (1.0, 2.5, 5.0),
        "per 100 people",
    ),
)


# --------------------------------------------------------------------------- forecasters
# Each forecaster maps (years, values, H) to a dict with arrays of length H:
# "mean", "lo", "hi" and either "samples" (n, H) or "sd" (normal predictive).


def _clip(a: np.ndarray) -> np.ndarray:
    return np.clip(a, LOWER, UPPER)


def fc_naive(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    d = np.diff(y)
    sigma = math.sqrt(np.mean(d**2)) if d.size else 0.0
    steps = np.arange(1, h + 1)
    mean = np.full(h, y[-1])
    sd = sigma * np.sqrt(steps)
    z = norm.ppf(0.5 + LEVEL / 2)
    return {"mean": mean, "lo": _clip(mean - z * sd), "hi": _clip(mean + z * sd), "sd": sd}


def fc_drift(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    d = np.diff(y)
    n = y.size
    c = (y[-1] - y[0]) / (n - 1)
    sigma = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
    steps = np.arange(1, h + 1)
    mean = _clip(y[-1] + c * steps)
    sd = sigma * np.sqrt(steps * (1 + steps / (n - 1)))  # Hyndman & Athanasopoulos 5.5
    z = norm.ppf(0.5 + LEVEL / 2)
    return {"mean": mean, "lo": _clip(mean - z * sd), "hi": _clip(mean + z * sd), "sd": sd}


def fc_ets_plain(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ExponentialSmoothing(
            y, trend="add", damped_trend=True, initialization_method="estimated"
        ).fit()
        sims = res.simulate(h, repetitions=N_PATHS, error="add", random_state=0)
    samples = _clip(np.asarray(sims).T)
    mean = _clip(np.asarray(res.forecast(h)))
    lo, hi = np.quantile(samples, [0.5 - LEVEL / 2, 0.5 + LEVEL / 2], axis=0)
    return {"mean": mean, "lo": lo, "hi": hi, "samples": samples}


def fc_autoets(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    from statsforecast.models import AutoETS

    pct = int(round(LEVEL * 100))
    out = AutoETS(season_length=1).forecast(y=y.astype(float), h=h, level=[pct])
    mean = np.asarray(out["mean"])
    lo, hi = np.asarray(out[f"lo-{pct}"]), np.asarray(out[f"hi-{pct}"])
    sd = (hi - lo) / (2 * norm.ppf(0.5 + LEVEL / 2))
    return {"mean": _clip(mean), "lo": _clip(lo), "hi": _clip(hi), "sd": sd, "raw_mean": mean}


def fc_prophet(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    from prophet import Prophet

    ds = pd.to_datetime([f"{int(t)}-07-01" for t in years])
    df = pd.DataFrame({"ds": ds, "y": y, "cap": UPPER, "floor": LOWER})
    m = Prophet(
        growth="logistic",
        yearly_seasonality=False,
        weekly_seasonality=False,
        daily_seasonality=False,
        interval_width=LEVEL,
        uncertainty_samples=N_PATHS,
    )
    m.fit(df)
    fut_years = years[-1] + np.arange(1, h + 1)
    fut = pd.DataFrame(
        {"ds": pd.to_datetime([f"{int(t)}-07-01" for t in fut_years]), "cap": UPPER, "floor": LOWER}
    )
    fc = m.predict(fut)
    samples = np.asarray(m.predictive_samples(fut)["yhat"]).T  # (n, h)
    return {
        "mean": _clip(fc["yhat"].to_numpy()),
        "lo": _clip(fc["yhat_lower"].to_numpy()),
        "hi": _clip(fc["yhat_upper"].to_numpy()),
        "samples": _clip(samples),
    }


def fc_engine(years: np.ndarray, y: np.ndarray, h: int) -> dict:
    from analysis.forecast import forecast_to_deadline

    idx = pd.PeriodIndex([pd.Period(int(t), "Y") for t in years], freq="Y")
    res = forecast_to_deadline(
        pd.Series(y, index=idx),
        str(int(years[-1]) + h),
        lower=LOWER,
        upper=UPPER,
        level=LEVEL,
        return_paths=True,
        n_paths=N_PATHS,
    )
    return _engine_out(res)


METHODS: dict[str, tuple[str, Callable[..., dict] | None]] = {
    "naive": ("naive", fc_naive),
    "drift": ("drift", fc_drift),
    "ets": ("statsmodels damped ETS (plain)", fc_ets_plain),
    "autoets": ("statsforecast AutoETS", fc_autoets),
    "prophet": ("Prophet logistic, cap 100", fc_prophet),
    "engine": ("engine, one series alone (forecast_to_deadline)", fc_engine),
    # Evaluated per data set and origin (all series of one "period batch"), see evaluate_group.
    "engine_pooled": ("engine (forecast_pooled, calibration pooled per origin)", None),
}


LABELS = {k: v[0] for k, v in METHODS.items()}
LABELS["engine_mean"] = "engine alone, path mean as point (same run)"
LABELS["engine_pooled_mean"] = "engine, path mean as point (same run)"


def _available(method: str) -> bool:
    mod = {"autoets": "statsforecast", "prophet": "prophet"}.get(method)
    if mod is None:
        return True
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- evaluation
@dataclass
class Case:
    """One (series, origin) forecasting problem."""

    dataset: str
    entity: str
    origin: int
    years: np.ndarray
    values: np.ndarray
    future: dict[int, float]  # h -> actual
    ks: tuple[float, ...]


def load_cases(data_dir: Path, quick: bool, seed: int = 0) -> list[Case]:
    """Build all (series, origin) cases; ``quick`` keeps a small random subsample."""
    cases = []
    rng = np.random.default_rng(seed)
    for ds in DATASETS:
        df = pd.read_csv(data_dir / ds.file)
        df = df[~df["is_aggregate"].astype(bool)].dropna(subset=["value"])
        entities = sorted(df["entity"].unique())
        origins = ds.origins
        if quick:
            n_keep = 30 if len(entities) > 60 else 8
            entities = sorted(rng.choice(entities, size=n_keep, replace=False))
            origins = origins[-2:]
        for ent, g in df[df["entity"].isin(entities)].groupby("entity"):
            s = g.groupby("period")["value"].last().sort_index()
            for o in origins:
                hist = s[s.index <= o]
                if len(hist) < MIN_HISTORY or hist.index.max() != o:
                    continue
                fut = {int(t - o): float(v) for t, v in s[s.index > o].items() if t - o <= HORIZON}
                if not fut:
                    continue
                cases.append(
                    Case(
                        ds.name,
                        str(ent),
                        int(o),
                        hist.index.to_numpy(dtype=int),
                        hist.to_numpy(dtype=float),
                        fut,
                        ds.ks,
                    )
                )
    return cases


def _prob_at_least(out: dict, h: int, thr: float) -> float:
    if out.get("samples") is not None:
        return float(np.mean(out["samples"][:, h - 1] >= thr - 1e-9))
    mean = out.get("raw_mean", out["mean"])[h - 1]
    sd = out["sd"][h - 1]
    if sd <= 0:
        return float(mean >= thr)
    return float(1.0 - norm.cdf((thr - mean) / sd))


def evaluate_case(case: Case, methods: list[str]) -> list[dict]:
    """Run every method on one case; one record per method x horizon x k."""
    recs = []
    scale = float(np.mean(np.abs(np.diff(case.values))))
    for m in methods:
        fn = METHODS[m][1]
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(case.years, case.values, HORIZON)
            err = None
        except Exception as exc:  # a comparator failing on a series is recorded, not fatal
            out, err = None, f"{type(exc).__name__}: {exc}"
        secs = time.perf_counter() - t0
        if out is None:
            # Fall back to naive so metrics stay comparable; the failure is counted.
            out = fc_naive(case.years, case.values, HORIZON)
        recs.extend(_records(case, m, out, secs, err, scale))
    return recs


def _engine_out(res) -> dict:
    """A :class:`~analysis.forecast.ForecastResult` as a method output."""
    # The engine's point forecast is the path median (``res.point`` at the
    # deadline); the path mean is scored separately ("path mean as point").
    return {
        "mean": res.path["median"].to_numpy(),
        "path_mean": res.path["mean"].to_numpy(),
        "lo": res.path["lower"].to_numpy(),
        "hi": res.path["upper"].to_numpy(),
        "samples": res.paths,
        "model": res.model,
        "scale": res.interval_scale,
    }


def evaluate_group(cases: list[Case]) -> list[dict]:
    """The pooled engine on all series of one data set and origin (one period batch)."""
    from analysis.forecast import forecast_pooled

    histories = {}
    for c in cases:
        idx = pd.PeriodIndex([pd.Period(int(t), "Y") for t in c.years], freq="Y")
        histories[c.entity] = pd.Series(c.values, index=idx)
    origin = cases[0].origin
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = forecast_pooled(
            histories,
            str(origin + HORIZON),
            lower=LOWER,
            upper=UPPER,
            level=LEVEL,
            return_paths=True,
            n_paths=N_PATHS,
        )
    secs = (time.perf_counter() - t0) / len(cases)  # the batch's time shared evenly
    recs = []
    for c in cases:
        scale = float(np.mean(np.abs(np.diff(c.values))))
        recs.extend(_records(c, "engine_pooled", _engine_out(res[c.entity]), secs, None, scale))
    return recs


def _records(case: Case, m: str, out: dict, secs: float, err: str | None, scale: float) -> list:
    """One record per horizon of one method's output on one case."""
    recs = []
    for h, actual in case.future.items():
        rec = {
            "dataset": case.dataset,
            "entity": case.entity,
            "origin": case.origin,
            "method": m,
            "h": h,
            "actual": actual,
            "mean": float(out["mean"][h - 1]),
            "lo": float(out["lo"][h - 1]),
            "hi": float(out["hi"][h - 1]),
            "scale": scale,
            "last": float(case.values[-1]),
            "seconds": secs if h == min(case.future) else 0.0,
            "error": err if h == min(case.future) else None,
        }
        for k in case.ks:
            rec[f"p_k{k:g}"] = _prob_at_least(out, h, case.values[-1] + k)
        recs.append(rec)
        if "path_mean" in out:
            # Same engine run, scored with the path mean as point forecast.
            alt = {**rec, "method": m + "_mean", "seconds": 0.0}
            alt["mean"] = float(out["path_mean"][h - 1])
            recs.append(alt)
    return recs


def _run_groups(cases: list[Case]) -> list[dict]:
    warnings.filterwarnings("ignore")
    groups: dict[tuple[str, int], list[Case]] = {}
    for c in cases:
        groups.setdefault((c.dataset, c.origin), []).append(c)
    out = []
    for g in groups.values():
        out.extend(evaluate_group(g))
    return out


def climatology(cases_all: pd.DataFrame, ds: Dataset) -> dict[tuple[int, int, float], float]:
    """Base rate of "value at T+h >= value at T + k" from data known at each origin.

    For evaluation origin ``T`` the base rate pools every series and every
    earlier origin ``T'`` (with at least MIN_HISTORY points) such that
    ``T' + h <= T``, i.e. outcomes already observed at ``T``.
    """
    out = {}
    for o in ds.origins:
        for h in range(1, HORIZON + 1):
            for k in ds.ks:
                hits = []
                for _ent, s in cases_all.items():
                    years = s.index.to_numpy()
                    for i, t0 in enumerate(years):
                        if i + 1 < MIN_HISTORY or t0 + h > o:
                            continue
                        if t0 + h in s.index:
                            hits.append(s[t0 + h] >= s[t0] + k)
                out[(o, h, k)] = float(np.mean(hits)) if hits else 0.5
    return out


def summarize(recs: pd.DataFrame, clim: dict, title: str) -> pd.DataFrame:
    rows = []
    for m, g in recs.groupby("method", sort=False):
        ok = g[g["scale"] > 0]
        ae = (ok["actual"] - ok["mean"]).abs()
        keys = [ok["dataset"], ok["entity"], ok["origin"]]
        mase = (ae / ok["scale"]).groupby(keys).mean().mean()
        cover = ((g["actual"] >= g["lo"] - 1e-9) & (g["actual"] <= g["hi"] + 1e-9)).mean()
        briers, clims = [], []
        for _, r in g.iterrows():
            for col in [c for c in g.columns if c.startswith("p_k")]:
                if pd.isna(r[col]):
                    continue
                k = float(col[3:])
                outcome = float(r["actual"] >= r["last"] + k)
                briers.append((r[col] - outcome) ** 2)
                clims.append((clim[(r["dataset"], r["origin"], r["h"], k)] - outcome) ** 2)
        n_cases = g.groupby(["dataset", "entity", "origin"]).ngroups
        rows.append(
            {
                "data": title,
                "method": LABELS[m],
                "MASE": mase,
                "MAE": (g["actual"] - g["mean"]).abs().mean(),
                "cov80": cover,
                "width80": (g["hi"] - g["lo"]).mean(),
                "Brier": np.mean(briers),
                "Brier_clim": np.mean(clims),
                "Brier/clim": np.mean(briers) / np.mean(clims),
                "seconds": g["seconds"].sum(),
                "ms/forecast": 1000 * g["seconds"].sum() / max(n_cases, 1),
                "failures": int(g["error"].notna().sum()),
                "cases": n_cases,
                "points": len(g),
            }
        )
    return pd.DataFrame(rows)


def by_horizon(recs: pd.DataFrame) -> pd.DataFrame:
    ok = recs[recs["scale"] > 0].copy()
    ok["se"] = (ok["actual"] - ok["mean"]).abs() / ok["scale"]
    ok["covered"] = (ok["actual"] >= ok["lo"] - 1e-9) & (ok["actual"] <= ok["hi"] + 1e-9)
    tab = ok.groupby(["method", "h"]).agg(MASE=("se", "mean"), cov80=("covered", "mean"))
    tab = tab.unstack("h")
    tab.index = [LABELS[m] for m in tab.index]
    return tab


def _md_table(df: pd.DataFrame, floatfmt: dict[str, str]) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float | np.floating):
                cells.append(format(v, floatfmt.get(c, ".3f")))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _run_chunk(cases: list[Case], methods: list[str]) -> list[dict]:
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    out = []
    for c in cases:
        out.extend(evaluate_case(c, methods))
    return out


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Rolling-origin forecast accuracy benchmark")
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--quick", action="store_true", help="small random subsample")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (per-call timing)")
    ap.add_argument("--out", type=Path, default=None, help="write a markdown results file")
    ap.add_argument("--records", type=Path, default=None, help="save per-point records (csv)")
    ap.add_argument(
        "--from-records", type=Path, default=None, help="re-summarise a saved --records csv"
    )
    return ap.parse_args()


def _evaluate_all(cases: list[Case], methods: list[str], jobs: int) -> list[dict]:
    """Every method on every case, in parallel (the pooled engine per data set and origin)."""
    from joblib import Parallel, delayed

    per_case = [m for m in methods if m != "engine_pooled"]
    chunks = [cases[i :: jobs * 4] for i in range(jobs * 4)] if per_case else []
    tasks = [delayed(_run_chunk)(c, per_case) for c in chunks]
    if "engine_pooled" in methods:
        # One job per data set and origin: the pooled engine needs all of its series.
        keys = sorted({(c.dataset, c.origin) for c in cases})
        tasks += [
            delayed(_run_groups)([c for c in cases if (c.dataset, c.origin) == k]) for k in keys
        ]
    parts = Parallel(n_jobs=jobs, backend="loky")(tasks)
    return [r for p in parts for r in p]


def _climatology_all(data_dir: Path) -> dict:
    """Climatology per data set from the full observed histories."""
    clim: dict = {}
    for ds in DATASETS:
        raw = pd.read_csv(data_dir / ds.file)
        raw = raw[~raw["is_aggregate"].astype(bool)].dropna(subset=["value"])
        series = {
            e: g.groupby("period")["value"].last().sort_index() for e, g in raw.groupby("entity")
        }
        for (o, h, k), v in climatology(series, ds).items():
            clim[(ds.name, o, h, k)] = v
    return clim


RESULT_FORMATS = {
    "MASE": ".3f",
    "MAE": ".2f",
    "cov80": ".3f",
    "width80": ".2f",
    "Brier": ".4f",
    "Brier_clim": ".4f",
    "Brier/clim": ".3f",
    "seconds": ".1f",
    "ms/forecast": ".1f",
}


def _tables(df: pd.DataFrame, clim: dict) -> tuple[str, str]:
    """The results table (per data set and pooled) and the by-horizon table, as markdown."""
    tables = [summarize(df[df["dataset"] == ds.name], clim, ds.name) for ds in DATASETS]
    tables.append(summarize(df, clim, "pooled"))
    text = _md_table(pd.concat(tables, ignore_index=True), RESULT_FORMATS)
    hz = by_horizon(df)
    hz.columns = [f"{a} h={b}" for a, b in hz.columns]
    hz = hz.reset_index().rename(columns={"index": "method"})
    return text, _md_table(hz, {c: ".3f" for c in hz.columns})


def main() -> None:
    args = _parse_args()
    methods = [m for m in args.methods.split(",") if m]
    skipped = [m for m in methods if not _available(m)]
    methods = [m for m in methods if m not in skipped]
    cases = [] if args.from_records else load_cases(args.data_dir, args.quick)
    t0 = time.perf_counter()
    if args.from_records:
        recs = pd.read_csv(args.from_records).to_dict("records")
        methods = list(dict.fromkeys(r["method"] for r in recs if r["method"] in METHODS))
        cases = list({(r["dataset"], r["entity"], r["origin"]) for r in recs})
    else:
        recs = _evaluate_all(cases, methods, args.jobs)
    wall = time.perf_counter() - t0
    df = pd.DataFrame(recs)
    if args.records and not args.from_records:
        df.to_csv(args.records, index=False)

    text, text_h = _tables(df, _climatology_all(args.data_dir))
    eng = df[df["method"].isin(["engine", "engine_pooled"])]
    meta = {
        "cases": len(cases),
        "points": int((df["method"] == methods[0]).sum()) if methods else 0,
        "methods": methods,
        "skipped (package missing)": skipped,
        "quick": args.quick,
        "records": str(args.from_records or args.records or ""),
        "wall_seconds": "n/a (from records)" if args.from_records else round(wall, 1),
        "jobs": args.jobs,
        "engine_points": len(eng),
    }
    print(json.dumps(meta, indent=2))
    print(text)
    print()
    print(text_h)
    if args.out:
        args.out.write_text(
            f"<!-- generated by benchmarks/forecast_accuracy/run.py -->\n\n"
            f"```json\n{json.dumps(meta, indent=2)}\n```\n\n{text}\n\n"
            f"By horizon (all data):\n\n{text_h}\n"
        )


if __name__ == "__main__":
    main()
