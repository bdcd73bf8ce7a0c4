"""Rolling-origin accuracy and calibration benchmark of the forecast engine, locked test part.

Seven public data sets (five annual, two monthly), each series assigned once to a development
part or a locked test part (``split.json``). Every design choice is compared on the development
part; ``--locked`` scores the locked part (only for a variant that was accepted on the
development part). Every run appends its scores to ``variants.csv``. See README.md.

Usage::

    python benchmarks/forecast_accuracy/run.py [--quick] [--jobs 2] [--variant growth]
        [--methods naive,drift,ets,autoets,prophet,engine] [--locked] [--fit-map]
        [--decision accepted|rejected] [--note TEXT]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_data as data  # noqa: E402
import bench_methods as methods  # noqa: E402
import bench_scores as scores  # noqa: E402

REPO = HERE.parents[1]
OUTPUT = HERE / "output"  # cached comparator records (git-ignored)
LOG = HERE / "variants.csv"
MAP_PATH = REPO / "src" / "analysis" / "analyses" / "forecasting" / "probability_map.json"
#: What the reports' method note quotes: the locked part's calibration, written by ``--locked``.
CHECK_PATH = MAP_PATH.with_name("probability_check.json")
#: The probability bands the method note quotes (lower bound inclusive, upper exclusive).
CHECK_BANDS = {"band_70_90": (0.7, 0.9), "on_track": (0.8, 1.01), "off_track": (0.0, 0.3)}

#: Engine variants: the knobs each sets (module constants of the engine, read at call time).
VARIANTS: dict[str, dict] = {
    "baseline": {
        "calibration": {"MIN_GROWTH": 0.0, "MAX_GROWTH": 0.0},
        "what": "pooled errors of the longest observed step reused unchanged beyond it",
    },
    "growth": {
        "calibration": {"MIN_GROWTH": 0.5, "MAX_GROWTH": 1.5},
        "what": "errors beyond the observed steps grown as h^a, a fitted in [0.5, 1.5]",
    },
    "growth_floor1": {
        "calibration": {"MIN_GROWTH": 1.0, "MAX_GROWTH": 1.5},
        "what": "as growth, floor a >= 1 (linear error growth); the engine since 8",
    },
}
DEFAULT_VARIANT = "growth_floor1"
ENGINE_CAL = "engine_cal"
LABELS = {**methods.LABELS, ENGINE_CAL: "engine + probability map"}


def _parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Forecast accuracy and calibration benchmark")
    ap.add_argument("--data-dir", type=Path, default=data.default_data_dir())
    ap.add_argument("--quick", action="store_true", help="seeded subsample of the dev part")
    ap.add_argument("--locked", action="store_true", help="score the LOCKED test part")
    ap.add_argument("--methods", default="naive,drift,ets,autoets,prophet,engine")
    ap.add_argument("--variant", default=DEFAULT_VARIANT, choices=sorted(VARIANTS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="recompute cached comparator records")
    ap.add_argument("--reuse-engine", action="store_true", help="rescore saved engine records")
    ap.add_argument(
        "--fit-map", action="store_true", help="refit the shipped probability map (dev)"
    )
    ap.add_argument("--map-design", default=DEFAULT_MAP_DESIGN, choices=MAP_DESIGNS)
    ap.add_argument(
        "--apply-all", action="store_true", help="--fit-map: apply every section it fits"
    )
    ap.add_argument("--decision", default="pending", help="accepted / rejected / pending (logged)")
    ap.add_argument("--note", default="", help="free text for the variant log")
    ap.add_argument("--out", type=Path, default=None, help="markdown results file")
    ap.add_argument(
        "--no-log", action="store_true", help="a reproduction: leave variants.csv alone"
    )
    return ap.parse_args()


def _comparator_records(cases, names: list[str], tag: str, jobs: int, refresh: bool) -> list[dict]:
    """Comparator records, cached per part and method (they do not change with the engine)."""
    from joblib import Parallel, delayed

    out: list[dict] = []
    todo = []
    for m in names:
        path = OUTPUT / f"{tag}-{m}.csv.gz"
        if path.exists() and not refresh:
            out.extend(pd.read_csv(path, dtype={"origin": str}).to_dict("records"))
        else:
            todo.append(m)
    for m in todo:
        chunks = [cases[i :: jobs * 4] for i in range(jobs * 4)]
        parts = Parallel(n_jobs=jobs, backend="loky")(
            delayed(methods.run_comparators)(c, [m]) for c in chunks
        )
        recs = [r for p in parts for r in p]
        OUTPUT.mkdir(exist_ok=True)
        pd.DataFrame(recs).to_csv(OUTPUT / f"{tag}-{m}.csv.gz", index=False)
        out.extend(recs)
    return out


def _engine_records(cases, variant: str, jobs: int) -> list[dict]:
    from joblib import Parallel, delayed

    groups: dict[tuple[str, str], list] = {}
    for c in cases:
        groups.setdefault((c.dataset, c.origin), []).append(c)
    conf = VARIANTS[variant]
    parts = Parallel(n_jobs=jobs, backend="loky")(
        delayed(methods.run_engine_group)(g, conf) for g in groups.values()
    )
    return [r for p in parts for r in p]


N_FOLDS = 5


def _fold(series: str) -> int:
    """Cross-fitting fold of a series (seeded hash, independent of the locked split)."""
    return int(data._unit_hash(7, "fold", series) * N_FOLDS)


#: Designs of the probability map (``map_designs.py`` compares them on the development part).
MAP_DESIGNS = ("beta", "beta_h", "isotonic")
DEFAULT_MAP_DESIGN = "beta"


def fit_section(ev: pd.DataFrame, design: str) -> dict:
    """One frequency's map section fitted to the events ``ev`` (columns p, y, h)."""
    from analysis.analyses.forecasting.probability import fit_beta_h, fit_isotonic

    p, y = ev["p"].to_numpy(), ev["y"].to_numpy()
    if design in ("beta", "beta_h"):
        # ``beta`` is the horizon-free member of the family: every event at h = 1.
        return fit_beta_h(p, y, ev["h"].to_numpy() if design == "beta_h" else np.ones(len(p)))
    return {"kind": "isotonic", **fit_isotonic(p, y)}


def _with_map(recs: pd.DataFrame, mode: str, design: str = DEFAULT_MAP_DESIGN) -> pd.DataFrame:
    """The engine's records again as ``engine_cal``, probabilities through the map.

    ``crossfit`` (development part): per frequency, each fifth of the series (by hash) gets a
    map fitted on the other four fifths, so no probability is scored by a map that saw its
    outcome (optimistic still: same data sets and periods); ``shipped``: the package's map
    (locked part).
    """
    from analysis.analyses.forecasting.probability import calibrate_probability

    raw = recs[recs["method"] == "engine"]
    eng = raw.copy()
    eng["method"] = ENGINE_CAL
    cols = [f"p{f:g}" for f in methods.FRACTIONS]
    folds = eng["series"].map(_fold)
    for freq in eng["freq"].unique():
        for k in range(N_FOLDS) if mode == "crossfit" else [-1]:
            mask = (eng["freq"] == freq) & ((folds == k) if k >= 0 else True)
            sec = None
            if k >= 0:
                # Fitted on the raw shares of the other folds (``eng`` is mapped fold by fold).
                train = raw[(raw["freq"] == freq) & (folds != k)]
                sec = fit_section(scores.events(train), design)
            h = eng.loc[mask, "h"].to_numpy()
            for c in cols:
                eng.loc[mask, c] = calibrate_probability(
                    eng.loc[mask, c].to_numpy(), freq, sec, horizon=h
                )
    return pd.concat([recs, eng], ignore_index=True)


def _fit_map(recs: pd.DataFrame, args: argparse.Namespace, n_cases: int) -> None:
    """Write the shipped probability map from the development part's engine backtests."""
    from analysis.analyses.forecasting.probability import section

    eng = recs[recs["method"] == "engine"]
    split = data.read_split()
    old = json.loads(MAP_PATH.read_text(encoding="utf-8")) if MAP_PATH.exists() else {}
    out: dict = {}
    counts = {}
    for freq in sorted(eng["freq"].unique()):
        ev = scores.events(eng[eng["freq"] == freq])
        name = section(freq)
        out[name] = fit_section(ev, args.map_design)
        # A section the product does not apply stays so, with its reason, until decided again.
        if (old.get(name) or {}).get("applied") is False and not args.apply_all:
            out[name]["applied"] = False
            out[name]["not_applied_because"] = old[name].get("not_applied_because", "")
        counts[name] = {
            "datasets": sorted(ev["dataset"].unique().tolist()),
            "events": len(ev),
        }
    out["provenance"] = {
        "fitted_by": "benchmarks/forecast_accuracy/run.py --fit-map",
        "fitted_on": "development part only (split.json seed "
        f"{split['seed']}, locked fraction {split['locked_fraction']}, locked data sets "
        f"{', '.join(split['locked_datasets'])})",
        "sections": counts,
        "engine_variant": args.variant,
        "cases": n_cases,
        "subsample": "--quick (seeded sixth of the series, last two origins)"
        if args.quick
        else "all",
        "event": "value h steps ahead closes at least 10 / 25 / 50 % of the gap to the bound, "
        "h = 1..5 years or 1..12 months",
        "method": {
            "beta": "beta calibration, logit q = c + a ln p - b ln(1-p), maximum likelihood "
            "with a, b >= 0 (SLSQP); horizon-free (h_range [1, 1])",
            "beta_h": "beta calibration, logit q = c + a ln p - b ln(1-p), a, b, c linear in "
            "ln h, maximum likelihood with a, b >= 0 over the fitted horizons (SLSQP)",
            "isotonic": "isotonic regression (pool adjacent violators) on a 0.01 grid, "
            "piecewise-linear between block means",
        }[args.map_design],
        "chosen_by": "benchmarks/forecast_accuracy/map_designs.py (MAP_DESIGNS.md), "
        "development part only",
        "commit": _commit(),
        "date": dt.date.today().isoformat(),
    }
    MAP_PATH.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MAP_PATH}")


def _write_check(ev: pd.DataFrame, args: argparse.Namespace, n_cases: int) -> None:
    """Write what the method note quotes: how often locked-part events in each band happened.

    Per frequency, the probabilities the product reports: mapped where its map section is
    applied, the raw shares where it is not.
    """
    from analysis.analyses.forecasting.probability import load_map, section

    shipped = load_map()
    out: dict = {}
    for freq in ("Y", "M"):
        name = section(freq)
        applied = shipped[name].get("applied", True) is not False
        e = ev[(ev["freq"] == freq) & (ev["method"] == (ENGINE_CAL if applied else "engine"))]
        bands = {}
        for key, (lo, hi) in CHECK_BANDS.items():
            g = e[(e["p"] >= lo) & (e["p"] < hi)]
            bands[key] = {
                "events": len(g),
                "mean_forecast": round(float(g["p"].mean()), 3) if len(g) else None,
                "observed": round(float(g["y"].mean()), 3) if len(g) else None,
            }
        out[name] = {
            "map_applied": applied,
            "datasets": sorted(e["dataset"].unique().tolist()),
            "events": len(e),
            **bands,
        }
    out["provenance"] = {
        "written_by": "benchmarks/forecast_accuracy/run.py --locked",
        "measured_on": "locked test part (split.json), scored once for this engine",
        "engine_variant": args.variant,
        "cases": n_cases,
        "commit": _commit(),
        "date": dt.date.today().isoformat(),
    }
    CHECK_PATH.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {CHECK_PATH}")


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        ).stdout.strip()
    except OSError:
        return ""


def _all_series(data_dir: Path, part: str) -> dict[str, dict[str, pd.Series]]:
    split = data.read_split()
    out = {}
    for ds in data.DATASETS:
        s = data.load_series(data_dir, ds)
        out[ds.key] = {
            k: v for k, v in s.items() if data.is_locked(split, ds.key, k) == (part == "locked")
        }
    return out


def _log(summary: pd.DataFrame, args: argparse.Namespace, part: str, wall: float) -> None:
    """Append the run's per-frequency and per-data-set engine scores to ``variants.csv``."""
    rows = summary[summary["method"].isin([LABELS["engine"], LABELS[ENGINE_CAL]])]
    new = not LOG.exists()
    with LOG.open("a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(
                [
                    "when",
                    "commit",
                    "variant",
                    "part",
                    "quick",
                    "decision",
                    "group",
                    "method",
                    "cases",
                    "MASE",
                    "cov80",
                    "Brier/clim",
                    "resolution",
                    "wall_s",
                    "note",
                ]
            )
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
        for _, r in rows.iterrows():
            w.writerow(
                [
                    when,
                    _commit(),
                    args.variant,
                    part,
                    args.quick,
                    args.decision,
                    r["data"],
                    r["method"],
                    r["cases"],
                    f"{r['MASE']:.3f}",
                    f"{r['cov80']:.3f}",
                    f"{r['Brier/clim']:.3f}",
                    f"{r['resolution']:.4f}",
                    round(wall),
                    "; ".join(x for x in (f"map {args.map_design}", args.note) if x),
                ]
            )


FMT = {
    "MASE": ".2f",
    "MAE": ".2f",
    "cov80": ".3f",
    "width80": ".1f",
    "Brier": ".4f",
    "Brier/clim": ".3f",
    "resolution": ".4f",
    "sharpness": ".4f",
    "ms/forecast": ".1f",
}


def _report(recs: pd.DataFrame, summary: pd.DataFrame, ev: pd.DataFrame, meta: dict) -> str:
    """The results file: summary, coverage by horizon, reliability and status tables."""
    out = [
        "<!-- generated by benchmarks/forecast_accuracy/run.py -->",
        "",
        f"```json\n{json.dumps(meta, indent=2)}\n```",
        "",
        scores.md_table(summary, FMT),
        "",
    ]
    if (summary["method"] == LABELS[ENGINE_CAL]).any():
        v = scores.verdict(summary, recs, ev, {**LABELS, "engine_cal": LABELS[ENGINE_CAL]})
        out += [
            "Targets:",
            "",
            scores.md_table(
                v,
                {
                    "MASE engine": ".2f",
                    "Brier naive": ".4f",
                    "Brier (map)": ".4f",
                    "worst decile gap (>=30 events)": ".3f",
                },
            ),
            "",
        ]
    cov = scores.coverage_by_h(recs, "engine").reset_index().rename(columns={"index": "data"})
    cov.columns = [str(c) if c == "data" else f"h={c}" for c in cov.columns]
    out += ["Engine 80 % coverage by steps ahead:", "", scores.md_table(cov, {}), ""]
    for freq, name in scores.FREQ_NAMES.items():
        for m in ("engine", ENGINE_CAL):
            e = ev[(ev["freq"] == freq) & (ev["method"] == m)]
            if e.empty:
                continue
            out += [
                f"Reliability, {name}, {LABELS[m]} (all events):",
                "",
                scores.md_table(scores.reliability(e, scores.DECILES)),
                "",
                f"Status cut-offs, {name}, {LABELS[m]}:",
                "",
                scores.md_table(scores.reliability(e, scores.STATUS_BINS, scores.STATUS_NAMES)),
                "",
            ]
    return "\n".join(out)


def _plot(ev: pd.DataFrame, path: Path, title: str, shipped: bool = False) -> None:
    """Reliability diagram per frequency (raw and mapped engine probabilities, with counts).

    ``shipped`` (locked part): a frequency whose shipped map section is not applied is drawn
    as what the product reports, the raw shares, and labelled so.
    """
    import matplotlib

    from analysis.analyses.forecasting.probability import load_map, section

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    for ax, (freq, name) in zip(axes, scores.FREQ_NAMES.items(), strict=True):
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
        unmapped = shipped and load_map()[section(freq)].get("applied", True) is False
        for m, colour in (("engine", "#999999"), (ENGINE_CAL, "#1f5fa8")):
            e = ev[(ev["freq"] == freq) & (ev["method"] == m)]
            if e.empty or (unmapped and m == "engine"):
                continue
            t = scores.reliability(e, scores.DECILES)
            t = t[t["events"] > 0]
            label = LABELS[m]
            if unmapped and m == ENGINE_CAL:
                label = "engine as reported (map not applied)"
            ax.plot(t["mean forecast"], t["observed"], marker="o", color=colour, label=label)
            if m == ENGINE_CAL:
                for _, r in t.iterrows():
                    ax.annotate(
                        str(r["events"]),
                        (r["mean forecast"], r["observed"]),
                        fontsize=7,
                        xytext=(3, -9),
                        textcoords="offset points",
                    )
        ax.set(
            title=f"{title}: {name}",
            xlabel="forecast probability",
            ylabel="observed frequency",
            xlim=(0, 1),
            ylim=(0, 1),
        )
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    args = _parse_args()
    part = "locked" if args.locked else "dev"
    if args.fit_map and args.locked:
        raise SystemExit("--fit-map fits on the development part only (no --locked)")
    names = [m for m in args.methods.split(",") if m]
    skipped = [m for m in names if m != "engine" and not methods.available(m)]
    comparators = [m for m in names if m != "engine" and m not in skipped]
    cases = data.build_cases(args.data_dir, part, quick=args.quick)
    tag = f"{part}{'-quick' if args.quick else ''}"
    t0 = time.perf_counter()
    recs = _comparator_records(cases, comparators, tag, args.jobs, args.refresh)
    t_eng = time.perf_counter()
    if "engine" in names:
        path = OUTPUT / f"{tag}-engine-{args.variant}.csv.gz"
        if args.reuse_engine and path.exists():
            recs += pd.read_csv(path, dtype={"origin": str}).to_dict("records")
        else:
            eng = _engine_records(cases, args.variant, args.jobs)
            OUTPUT.mkdir(exist_ok=True)
            pd.DataFrame(eng).to_csv(path, index=False)
            recs += eng
    wall_engine = time.perf_counter() - t_eng
    df = pd.DataFrame(recs)
    df["origin"] = df["origin"].astype(str)
    if args.fit_map:
        _fit_map(df, args, len(cases))
    if "engine" in names:
        df = _with_map(df, "shipped" if args.locked else "crossfit", args.map_design)
    ev = scores.events(df)
    clim = scores.climatology(_all_series(args.data_dir, part))
    summary = scores.summary(df, ev, clim, LABELS)
    meta = {
        "part": part,
        "quick": args.quick,
        "variant": args.variant,
        "variant_what": VARIANTS[args.variant]["what"],
        "cases": len(cases),
        "records": int((df["method"] == df["method"].iloc[0]).sum()),
        "methods": names,
        "skipped (package missing)": skipped,
        "jobs": args.jobs,
        "probability map": "shipped"
        if args.locked
        else f"{args.map_design}, cross-fitted, {N_FOLDS} folds of series",
        "engine_wall_seconds": round(wall_engine, 1),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "commit": _commit(),
    }
    text = _report(df, summary, ev, meta)
    print(text)
    out = args.out or (
        None if args.quick else HERE / ("RESULTS_LOCKED.md" if args.locked else "RESULTS.md")
    )
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
        _plot(
            ev,
            out.with_suffix(".png"),
            "locked test" if args.locked else "development",
            shipped=args.locked,
        )
    if "engine" in names and not args.no_log:
        _log(summary, args, part, time.perf_counter() - t0)
        if args.locked and not args.quick:
            _write_check(ev, args, len(cases))


if __name__ == "__main__":
    main()
