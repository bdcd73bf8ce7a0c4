"""Which probability map? Designs compared on the development part's engine records only.

Reads the engine's saved development records (``output/dev-engine-<variant>.csv.gz``, written
by ``run.py``) and scores each design of the map from share of paths to probability out of
sample, two ways:

* **series folds**: per frequency, each fifth of the series (by hash) is scored by a map fitted on
  the other four fifths (the same data sets and periods: optimistic);
* **held-out data set**: per frequency, each development data set scored by a map fitted on the
  other data sets of that frequency (the question a province's new indicator asks).

Designs: ``raw`` (no map), ``isotonic`` (the share alone), ``isotonic_h`` (one isotonic map per
horizon band), ``beta`` (beta calibration of the share alone), ``beta_h`` (beta calibration
whose coefficients move with ln h; ``analysis.analyses.forecasting.probability.fit_beta_h``) and
``beta_upper`` (beta calibration with ``a = 1`` and ``c = 0``: only the upper end moves).
Then, per design, whether it carries over: fitted with one data set left out, did it lower
that data set's Brier score, for every data set left out (``run.carry_over``, the rule that
decides whether the shipped map's section is applied). Writes the ``maps`` section of
``RESULTS.md``; no design is chosen from the locked part.

Usage::

    python benchmarks/forecast_accuracy/map_designs.py [--variant NAME] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_data as data  # noqa: E402
import bench_scores as scores  # noqa: E402
from run import (  # noqa: E402
    APPLY_RULE,
    DEFAULT_VARIANT,
    MAP_DESIGNS,
    OUTPUT,
    _all_series,
    _fold,
    carry_over,
    fit_section,
    write_section,
)

from analysis.analyses.forecasting import probability as prob  # noqa: E402

#: Horizon bands of ``isotonic_h`` (annual: each year; monthly: quarters of the year ahead).
BANDS = {"Y": [(1, 1), (2, 2), (3, 3), (4, 5)], "M": [(1, 3), (4, 6), (7, 9), (10, 12)]}

Fit = Callable[[pd.DataFrame], Callable[[pd.DataFrame], np.ndarray]]


def _raw(_train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda test: test["p"].to_numpy()


def _section(design: str) -> Fit:
    """A design the product can ship: ``run.fit_section`` applied through the product's code."""

    def fit(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
        sec = fit_section(train, design)
        # The records' h is already in the section's unit (years or months).
        return lambda test: prob.calibrate_probability(
            test["p"].to_numpy(), test["freq"].iloc[0], sec, horizon=test["h"].to_numpy()
        )

    return fit


def _isotonic_h(train: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    freq = train["freq"].iloc[0]
    maps = []
    for lo, hi in BANDS[freq]:
        t = train[train["h"].between(lo, hi)]
        t = t if len(t) >= 200 else train  # too few events in a band: the pooled map
        maps.append((lo, hi, prob.fit_isotonic(t["p"].to_numpy(), t["y"].to_numpy())))

    def apply(test: pd.DataFrame) -> np.ndarray:
        out = np.full(len(test), np.nan)
        for lo, hi, k in maps:
            m = test["h"].between(lo, hi).to_numpy()
            out[m] = np.interp(test["p"].to_numpy()[m], k["x"], k["y"])
        far = test["h"].to_numpy() > maps[-1][1]
        out[far] = np.interp(test["p"].to_numpy()[far], maps[-1][2]["x"], maps[-1][2]["y"])
        return out

    return apply


DESIGNS: dict[str, Fit] = {
    "raw": _raw,
    "isotonic": _section("isotonic"),
    "isotonic_h": _isotonic_h,
    "beta": _section("beta"),
    "beta_h": _section("beta_h"),
    "beta_upper": _section("beta_upper"),
}


def out_of_sample(ev: pd.DataFrame, fit: Fit, scheme: str) -> np.ndarray:
    """Each event's probability from a map that did not see it (``folds`` or ``groups``)."""
    q = np.full(len(ev), np.nan)
    for freq in ev["freq"].unique():
        fm = (ev["freq"] == freq).to_numpy()
        if scheme == "folds":
            keys = ev["series"].map(_fold).to_numpy()
        else:
            keys = ev["dataset"].to_numpy()
        for k in np.unique(keys[fm]):
            test = fm & (keys == k)
            q[test] = fit(ev[fm & (keys != k)])(ev[test])
    return q


def _scores(ev: pd.DataFrame, q: np.ndarray, clim: dict) -> dict:
    y = ev["y"].to_numpy()
    cl = np.array(
        [clim[k] for k in zip(ev["dataset"], ev["origin"], ev["h"], ev["f"], strict=True)]
    )
    parts = scores.brier_parts(q, y)
    rel = scores.reliability(pd.DataFrame({"p": q, "y": y}), scores.DECILES)
    big = rel[rel["events"] >= 30]
    gaps = (big["observed"] - big["mean forecast"]).abs()
    st = scores.reliability(pd.DataFrame({"p": q, "y": y}), scores.STATUS_BINS)
    on = st.iloc[-1]
    return {
        "events": len(ev),
        "Brier/clim": parts["Brier"] / float(np.mean((cl - y) ** 2)),
        "resolution": parts["resolution"],
        "sharpness": parts["sharpness"],
        "worst gap": float(gaps.max()) if len(gaps) else np.nan,
        "bins off": f"{int((gaps > 0.1).sum())}/{len(gaps)}",
        "on track: met / given": (
            f"{on['observed']:.2f} / {on['mean forecast']:.2f} ({on['events']})"
            if on["events"]
            else "—"
        ),
    }


def compare(ev: pd.DataFrame, clim: dict) -> pd.DataFrame:
    rows = []
    for scheme in ("folds", "groups"):
        for name, fit in DESIGNS.items():
            q = out_of_sample(ev, fit, scheme)
            groups = [(f"all {scores.FREQ_NAMES[f]}", ev["freq"] == f) for f in ("Y", "M")]
            groups += [(k, ev["dataset"] == k) for k in ev["dataset"].unique()]
            for title, m in groups:
                m = m.to_numpy()
                if m.any():
                    rows.append(
                        {"scheme": scheme, "design": name, "data": title}
                        | _scores(ev[m], q[m], clim)
                    )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default=DEFAULT_VARIANT)
    ap.add_argument("--data-dir", type=Path, default=data.default_data_dir())
    ap.add_argument("--out", type=Path, default=None, help="a separate file (RESULTS.md untouched)")
    args = ap.parse_args()
    recs = pd.read_csv(OUTPUT / f"dev-engine-{args.variant}.csv.gz", dtype={"origin": str})
    ev = scores.events(recs).reset_index(drop=True)
    clim = scores.climatology(_all_series(args.data_dir, "dev"))
    table = compare(ev, clim)
    lines = [
        f"Engine variant `{args.variant}`, development part only: {len(recs)} records, "
        f"{len(ev)} events. `folds`: map fitted on four fifths of the series, scored on the "
        "fifth left out; `data sets`: each data set scored by a map fitted on the other data "
        "sets of its frequency. `worst gap`: largest |observed - forecast| over deciles with at "
        "least 30 events; `bins off`: deciles beyond 0.1 of the diagonal; `on track`: events "
        "given >= 80 %, how often met.",
        "",
    ]
    for scheme, g in table.groupby("scheme", sort=False):
        title = {"folds": "folds of series", "groups": "data sets left out"}[scheme]
        lines += [f"### {title}", "", scores.md_table(g.drop(columns="scheme")), ""]
    carry = []
    for design in MAP_DESIGNS:
        c = carry_over(ev, design)
        for freq, g in c.groupby("freq", sort=False):
            carry.append(
                {
                    "design": design,
                    "frequency": scores.FREQ_NAMES[freq],
                    "Brier raw -> map, per data set left out": ", ".join(
                        f"{r['held out']} {r['Brier raw']:.4f} -> {r['Brier map']:.4f}"
                        for _, r in g.iterrows()
                    ),
                    "left-out events together": (
                        f"{np.average(g['Brier raw'], weights=g['events']):.4f} -> "
                        f"{np.average(g['Brier map'], weights=g['events']):.4f}"
                    ),
                    "helps on every one": "yes" if g["helps"].all() else "no",
                    "rule": APPLY_RULE[freq],
                }
            )
    lines += [
        "### Does the map carry over?",
        "",
        "Per design, a map fitted with one development data set left out, scoring that data "
        "set: the Brier score of the raw shares and of the mapped ones. `run.py --fit-map` "
        "applies the monthly section only if its design helps on every data set left out "
        "(rule `every`), the annual one if it helps their events together (rule `pooled`).",
        "",
        scores.md_table(pd.DataFrame(carry)),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        write_section("maps", text)


if __name__ == "__main__":
    main()
