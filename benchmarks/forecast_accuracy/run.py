"""Rolling-origin accuracy and calibration benchmark of the forecast engine, locked test part.

Eleven public data sets (five annual, six monthly), each series assigned once to a development
part or a locked test part (``split.json``). Every design choice is compared on the development
part; ``--locked`` scores the locked part (only for a variant that was accepted on the
development part). Every run appends its scores to ``variants.csv``; a full run writes its
section of ``RESULTS.md`` (development or locked part) and the variant log there. See README.md.

Usage::

    python benchmarks/forecast_accuracy/run.py [--quick] [--jobs 2] [--variant NAME]
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
#: The benchmark's one results file: a section per run kind (see :func:`write_section`).
RESULTS = HERE / "RESULTS.md"
#: Its sections, in order: name -> title.
SECTIONS = {
    "dev": "Development part",
    "maps": "Probability-map designs (development part)",
    "locked": "Locked test part",
    "variants": "Variant log",
}
MAP_PATH = REPO / "src" / "analysis" / "analyses" / "forecasting" / "probability_map.json"
#: What the reports' method note quotes: the locked part's calibration, written by ``--locked``.
CHECK_PATH = MAP_PATH.with_name("probability_check.json")
#: The probability bands of the check file (lower bound inclusive, upper exclusive), on the
#: reported probabilities; ``raw_on_track`` on the simulated shares before any map
#: (``analysis.analyses.forecasting.probability.CHECK_BANDS`` names them for the product).
CHECK_BANDS = {
    "off_track": (0.0, 0.3),
    "band_70_90": (0.7, 0.9),
    "on_track": (0.8, 1.01),
    "given_60_up": (0.6, 1.01),
    "raw_on_track": (0.8, 1.01),
}

#: Engine 8's knob that engine 10 changed: every variant names it, so that it runs the engine it
#: describes whatever the package's default is now.
_HOLD8 = {"HOLD_WINDOW": 1}

#: Engine variants: the knobs each sets (module constants of the engine, read at call time).
VARIANTS: dict[str, dict] = {
    "baseline": {
        "calibration": {"MIN_GROWTH": 0.0, "MAX_GROWTH": 0.0},
        "simulation": _HOLD8,
        "what": "pooled errors of the longest observed step reused unchanged beyond it",
    },
    "growth": {
        "calibration": {"MIN_GROWTH": 0.5, "MAX_GROWTH": 1.5},
        "simulation": _HOLD8,
        "what": "errors beyond the observed steps grown as h^a, a fitted in [0.5, 1.5]",
    },
    "growth_floor1": {
        "calibration": {"MIN_GROWTH": 1.0, "MAX_GROWTH": 1.5},
        "simulation": _HOLD8,
        "what": "as growth, floor a >= 1 (linear error growth); engine 8",
    },
    "near_bound": {
        "calibration": {"MIN_GROWTH": 1.0, "MAX_GROWTH": 1.5},
        "simulation": {"HOLD_WINDOW": 3},
        "what": "as growth_floor1; a series at a bound is held there only when its last 3 "
        "values are equal, otherwise modelled on the original scale within the bounds",
    },
}

DEFAULT_VARIANT = "near_bound"
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
    ap.add_argument(
        "--map-design",
        default=parse_design(DEFAULT_MAP_DESIGN),
        type=parse_design,
        help=f"one of {', '.join(MAP_DESIGNS)} for both frequencies, or Y=NAME,M=NAME "
        f"(default {DEFAULT_MAP_DESIGN})",
    )
    ap.add_argument(
        "--dev-map",
        default="lodo",
        choices=("lodo", "crossfit"),
        help="how the development part's mapped rows are fitted: without the data set scored "
        "(lodo) or without the fifth of the series scored (crossfit)",
    )
    ap.add_argument("--decision", default="pending", help="accepted / rejected / pending (logged)")
    ap.add_argument("--note", default="", help="free text for the variant log")
    ap.add_argument(
        "--out", type=Path, default=None, help="a separate markdown file (RESULTS.md untouched)"
    )
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
MAP_DESIGNS = ("beta", "beta_h", "beta_upper", "isotonic")
#: The shipped designs, chosen on the development part (``map_designs.py``): annual, beta
#: calibration (the best reliability in both out-of-sample schemes); monthly, ``beta_upper``
#: (the only design that helped every monthly data set left out).
DEFAULT_MAP_DESIGN = "Y=beta,M=beta_upper"


_DESIGN_TEXT = {
    "beta": "beta calibration, logit q = c + a ln p - b ln(1-p), maximum likelihood with a, b "
    ">= 0 (SLSQP); horizon-free (h_range [1, 1])",
    "beta_h": "beta calibration, logit q = c + a ln p - b ln(1-p), a, b, c linear in ln h, "
    "maximum likelihood with a, b >= 0 over the fitted horizons (SLSQP)",
    "beta_upper": "beta calibration with a = 1 and c = 0, logit q = ln p - b ln(1-p), maximum "
    "likelihood with b >= 0 (SLSQP): moves the upper end only, a share near 0 stays near 0",
    "isotonic": "isotonic regression (pool adjacent violators) on a 0.01 grid, "
    "piecewise-linear between block means",
}


def design_name(design: str | dict[str, str]) -> str:
    """A design as written in the logs: ``beta`` or ``annual beta, monthly beta_upper``."""
    if isinstance(design, str) or design["Y"] == design["M"]:
        return design if isinstance(design, str) else design["Y"]
    return f"annual {design['Y']}, monthly {design['M']}"


def parse_design(text: str) -> dict[str, str]:
    """``beta`` (both frequencies) or ``Y=beta,M=beta_upper`` -> ``{"Y": ..., "M": ...}``."""
    if "=" not in text:
        out = {"Y": text, "M": text}
    else:
        out = dict(part.split("=", 1) for part in text.split(","))
    if set(out) != {"Y", "M"} or not set(out.values()) <= set(MAP_DESIGNS):
        raise argparse.ArgumentTypeError(f"{text!r}: a design of {MAP_DESIGNS}, or Y=...,M=...")
    return out


#: When a frequency's map section is applied, judged with each development data set left out
#: in turn (:func:`carry_over`): ``every``, when it lowers the Brier score of every data set
#: left out (the monthly rule: a monthly map fitted on one data set once failed to carry over);
#: ``pooled``, when it lowers the Brier score of all the left-out data sets' events together
#: (the annual rule since engine 6: no annual map helps every annual data set, and the map
#: helps the annual data sets where the raw shares are most overconfident).
APPLY_RULE = {"M": "every", "Y": "pooled"}
#: ``beta_upper``: beta calibration with ``a = 1`` and ``c = 0`` (and no horizon terms), so that
#: only ``b`` is fitted: the upper end is moved and a share near 0 stays near 0.
BETA_UPPER_FIXED = {0: 0.0, 1: 1.0, 3: 0.0, 4: 0.0, 5: 0.0}


def fit_section(ev: pd.DataFrame, design: str | dict[str, str]) -> dict:
    """One frequency's map section fitted to the events ``ev`` (columns p, y, h, freq)."""
    from analysis.analyses.forecasting.probability import fit_beta_h, fit_isotonic

    if isinstance(design, dict):
        design = design[ev["freq"].iloc[0]]

    p, y = ev["p"].to_numpy(), ev["y"].to_numpy()
    if design in ("beta", "beta_h", "beta_upper"):
        # ``beta`` is the horizon-free member of the family: every event at h = 1.
        h = ev["h"].to_numpy() if design == "beta_h" else np.ones(len(p))
        fixed = BETA_UPPER_FIXED if design == "beta_upper" else None
        return fit_beta_h(p, y, h, fixed=fixed)
    return {"kind": "isotonic", **fit_isotonic(p, y)}


def _with_map(recs: pd.DataFrame, mode: str, design: str | dict[str, str]) -> pd.DataFrame:
    """The engine's records again as ``engine_cal``, probabilities through the map.

    ``lodo`` (development part): each data set's probabilities through a map fitted on the raw
    shares of the other development data sets of its frequency (what a new indicator gets; a
    frequency with one data set is left raw); ``crossfit``: each fifth of the series (by hash)
    through a map fitted on the other four fifths (the same data sets and periods:
    optimistic); ``shipped`` (locked part): the package's map, as the product applies it (a
    section not applied leaves the shares raw).
    """
    from analysis.analyses.forecasting.probability import calibrate_probability

    raw = recs[recs["method"] == "engine"]
    eng = raw.copy()
    eng["method"] = ENGINE_CAL
    cols = [f"p{f:g}" for f in methods.FRACTIONS]
    if mode == "lodo":
        keys = eng["dataset"]
    elif mode == "crossfit":
        keys = eng["series"].map(_fold)
    else:
        keys = pd.Series(-1, index=eng.index)
    for freq in eng["freq"].unique():
        fm = eng["freq"] == freq
        groups = keys[fm].unique()
        if mode == "lodo" and len(groups) < 2:
            continue
        for k in groups:
            mask = fm & (keys == k)
            sec = None
            if mode != "shipped":
                # Fitted on the raw shares of the other groups (``eng`` is mapped group by group).
                train = raw[(raw["freq"] == freq) & (keys.loc[raw.index] != k)]
                sec = fit_section(scores.events(train), design)
            h = eng.loc[mask, "h"].to_numpy()
            for c in cols:
                eng.loc[mask, c] = calibrate_probability(
                    eng.loc[mask, c].to_numpy(), freq, sec, horizon=h
                )
    return pd.concat([recs, eng], ignore_index=True)


def carry_over(ev: pd.DataFrame, design: str | dict[str, str]) -> pd.DataFrame:
    """Does a map carry over to a data set it never saw? Leave-one-data-set-out, per frequency.

    Each development data set's events are scored by a map of ``design`` fitted on the other
    data sets of the same frequency; ``helps`` when its Brier score is below the raw shares'.
    One row per frequency and data set (none for a frequency with a single data set).
    """
    from analysis.analyses.forecasting.probability import calibrate_probability

    rows = []
    for freq in sorted(ev["freq"].unique()):
        e = ev[ev["freq"] == freq]
        keys = sorted(e["dataset"].unique())
        if len(keys) < 2:
            continue
        for k in keys:
            test = e[e["dataset"] == k]
            sec = fit_section(e[e["dataset"] != k], design)
            q = calibrate_probability(test["p"].to_numpy(), freq, sec, horizon=test["h"].to_numpy())
            y = test["y"].to_numpy()
            b_raw = float(np.mean((test["p"].to_numpy() - y) ** 2))
            b_map = float(np.mean((q - y) ** 2))
            rows.append(
                {
                    "freq": freq,
                    "held out": k,
                    "events": len(test),
                    "Brier raw": b_raw,
                    "Brier map": b_map,
                    "helps": b_map < b_raw,
                }
            )
    return pd.DataFrame(rows)


def _fit_map(recs: pd.DataFrame, args: argparse.Namespace, n_cases: int) -> None:
    """Write the shipped probability map from the development part's engine backtests.

    Each frequency's section is fitted on all its development events and applied only when a
    map of the same design, fitted with one development data set left out in turn
    (:func:`carry_over`), passed the frequency's :data:`APPLY_RULE`; otherwise it is kept for
    the record with ``"applied": false`` and the reason.
    """
    from analysis.analyses.forecasting.probability import section

    eng = recs[recs["method"] == "engine"]
    split = data.read_split()
    out: dict = {}
    counts = {}
    ev_all = scores.events(eng)
    check = carry_over(ev_all, args.map_design)
    for freq in sorted(eng["freq"].unique()):
        ev = ev_all[ev_all["freq"] == freq]
        name = section(freq)
        out[name] = fit_section(ev, args.map_design)
        out[name]["design"] = args.map_design[freq]
        c = check[check["freq"] == freq] if len(check) else check
        rule = APPLY_RULE.get(freq, "every")
        pooled_raw = float(np.average(c["Brier raw"], weights=c["events"])) if len(c) else 0.0
        pooled_map = float(np.average(c["Brier map"], weights=c["events"])) if len(c) else 0.0
        if c.empty:
            out[name]["applied"] = False
            out[name]["not_applied_because"] = (
                "one development data set only: whether the map carries over to another "
                "cannot be checked"
            )
        elif rule == "every" and not c["helps"].all():
            worse = ", ".join(
                f"{r['held out']} (Brier {r['Brier raw']:.4f} raw, {r['Brier map']:.4f} mapped)"
                for _, r in c[~c["helps"]].iterrows()
            )
            out[name]["applied"] = False
            out[name]["not_applied_because"] = (
                "fitted with one development data set left out, the map did not lower the "
                f"Brier score of every data set left out: {worse}"
            )
        elif rule == "pooled" and not pooled_map < pooled_raw:
            out[name]["applied"] = False
            out[name]["not_applied_because"] = (
                "fitted with one development data set left out, the map did not lower the "
                f"Brier score of the left-out events together ({pooled_raw:.4f} raw, "
                f"{pooled_map:.4f} mapped)"
            )
        out[name]["applied_rule"] = rule
        counts[name] = {
            "datasets": sorted(ev["dataset"].unique().tolist()),
            "events": len(ev),
            "left_out_brier_pooled": [round(pooled_raw, 5), round(pooled_map, 5)],
            "left_out_check": [
                {
                    "held_out": r["held out"],
                    "brier_raw": round(r["Brier raw"], 5),
                    "brier_map": round(r["Brier map"], 5),
                }
                for _, r in c.iterrows()
            ],
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
            name: _DESIGN_TEXT[args.map_design[freq]]
            for freq, name in (("Y", "annual"), ("M", "monthly"))
        },
        "applied_when": "fitted with one development data set left out in turn (per "
        "frequency), the map lowers the Brier score of every data set left out (rule "
        "'every', monthly) or of their events together (rule 'pooled', annual)",
        "chosen_by": "benchmarks/forecast_accuracy/map_designs.py (RESULTS.md), "
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
        raw = ev[(ev["freq"] == freq) & (ev["method"] == "engine")]
        bands = {}
        for key, (lo, hi) in CHECK_BANDS.items():
            src = raw if key.startswith("raw_") else e
            g = src[(src["p"] >= lo) & (src["p"] < hi)]
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


def _log(
    summary: pd.DataFrame, args: argparse.Namespace, part: str, wall: float, map_how: str
) -> None:
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
                    "; ".join(x for x in (f"map {map_how}", args.note) if x),
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


def _report(
    recs: pd.DataFrame, summary: pd.DataFrame, ev: pd.DataFrame, meta: dict, png: str | None
) -> str:
    """A results section: summary, targets, coverage by horizon, reliability and status tables."""
    out = [
        f"```json\n{json.dumps(meta, indent=2)}\n```",
        "",
        scores.md_table(summary, FMT),
        "",
    ]
    if (summary["method"] == LABELS[ENGINE_CAL]).any():
        v = scores.verdict(summary, recs, ev, {**LABELS, "engine_cal": LABELS[ENGINE_CAL]})
        out += [
            "Targets (MASE below every comparator; 80 % coverage within 0.75-0.85 at every step "
            "ahead; Brier of the probabilities as mapped at most 0.8 x climatology annual, "
            "0.9 x monthly, and below naive's; every decile with at least 30 events within 0.1 "
            "of the diagonal):",
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
    if png:
        out += [f"![reliability diagrams]({png})", ""]
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


_BEGIN, _END = "<!-- begin {} -->", "<!-- end {} -->"


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace section ``name`` of the results file (created with every section if missing).

    Each run writes only its own section, so the development part, the map designs, the
    locked part and the variant log live in one file that ``make bench`` regenerates.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else _empty_results()
    begin, end = _BEGIN.format(name), _END.format(name)
    if begin not in text or end not in text:
        raise SystemExit(f"{path.name}: section {name!r} markers missing; restore them")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    block = f"{begin}\n## {SECTIONS[name]}\n\n{body.strip()}\n{end}"
    path.write_text(head + block + tail, encoding="utf-8")


def _empty_results() -> str:
    lines = [
        "# Forecast accuracy and calibration: results",
        "",
        "Generated: each section by the command that measures it (`run.py` for the development "
        "part, the locked part and the variant log, `map_designs.py` for the map designs); "
        "`make bench` regenerates them. The protocol and the reading of these tables are in "
        "[README.md](README.md).",
        "",
    ]
    for name in SECTIONS:
        lines += [_BEGIN.format(name), _END.format(name), ""]
    return "\n".join(lines)


def variant_log_md() -> str:
    """``variants.csv`` as one row per run: the pooled annual and monthly engine scores."""
    if not LOG.exists():
        return "No run logged yet."
    log = pd.read_csv(LOG, dtype=str, keep_default_na=False)
    log = log[log["group"].isin(["all annual", "all monthly"])]
    rows = []
    for (when, commit, variant, part, quick, decision), g in log.groupby(
        ["when", "commit", "variant", "part", "quick", "decision"], sort=False
    ):
        row = {
            "when": when,
            "commit": commit,
            "variant": variant,
            "part": part + (" (quick)" if quick == "True" else ""),
            "decision": decision,
        }
        for grp, short in (("all annual", "annual"), ("all monthly", "monthly")):
            e = g[(g["group"] == grp) & (g["method"] == LABELS["engine"])]
            c = g[(g["group"] == grp) & (g["method"] == LABELS[ENGINE_CAL])]
            if e.empty:
                row[f"{short}: cases, MASE, cov80, Brier/clim raw -> map"] = "—"
                continue
            e = e.iloc[0]
            mapped = f" -> {c.iloc[0]['Brier/clim']}" if len(c) else ""
            row[f"{short}: cases, MASE, cov80, Brier/clim raw -> map"] = (
                f"{e['cases']}, {e['MASE']}, {e['cov80']}, {e['Brier/clim']}{mapped}"
            )
        row["note"] = g["note"].iloc[0]
        rows.append(row)
    intro = (
        "Every run with the engine, from `variants.csv` (which also holds the per-data-set "
        "scores); the map column is cross-fitted on the development part (series folds before "
        "the monthly data sets of other domains, left-out data sets since: see the note) and "
        "the shipped map on the locked part."
    )
    return intro + "\n\n" + scores.md_table(pd.DataFrame(rows))


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
    map_mode = "shipped" if args.locked else args.dev_map
    if "engine" in names:
        df = _with_map(df, map_mode, args.map_design)
    ev = scores.events(df)
    clim = scores.climatology(_all_series(args.data_dir, part))
    summary = scores.summary(df, ev, clim, LABELS)
    map_how = {
        "lodo": f"{design_name(args.map_design)}, fitted without the data set scored "
        "(left-out data set)",
        "crossfit": f"{design_name(args.map_design)}, cross-fitted, {N_FOLDS} folds of series",
        "shipped": "shipped (as the product applies it: a section not applied leaves raw shares)",
    }[map_mode]
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
        "probability map": map_how,
        "engine_wall_seconds": round(wall_engine, 1),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "commit": _commit(),
    }
    png = f"reliability_{part}.png"
    text = _report(df, summary, ev, meta, None if args.quick else png)
    print(text)
    title = "locked test" if args.locked else "development"
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
        _plot(ev, args.out.with_suffix(".png"), title, shipped=args.locked)
    elif not args.quick:
        write_section(part, text)
        _plot(ev, HERE / png, title, shipped=args.locked)
    if "engine" in names and not args.no_log:
        _log(summary, args, part, time.perf_counter() - t0, map_how)
        if args.locked and not args.quick:
            _write_check(ev, args, len(cases))
    if args.out is None and (not args.quick or not args.no_log):
        write_section("variants", variant_log_md())


if __name__ == "__main__":
    main()
