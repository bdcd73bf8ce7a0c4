"""Time :func:`analysis.forecast.forecast_batch` on a period batch.

Two batches (``--source``): the product's own (every catalog indicator with a
target x 34 units, from the processed store) and a synthetic stress batch.
The synthetic frame mimics one monthly run of the product: 34 provinces x 20 indicators,
monthly values 2022-01..2026-10 following noisy S-curves bounded to 0..100,
each indicator with a year-end target (deadline 2026-12).  A few series get the
awkward features seen in real data (missing months, a level shift, a series
stuck at 100, a short history) so that fallbacks are timed too.

Usage::

    python benchmarks/forecast_speed/run.py [--jobs 2] [--repeat 1] [--source both]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import pandas as pd

from analysis.forecast import forecast_batch

N_PROVINCES = 34
N_INDICATORS = 20


def synthetic_frame(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic tidy frame and targets (see module docstring)."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2022-01", "2026-10", freq="M")
    t = np.arange(len(periods), dtype=float)
    rows = []
    for p in range(N_PROVINCES):
        for i in range(N_INDICATORS):
            cap = rng.uniform(60, 100)
            mid = rng.uniform(-10, 70)
            rate = rng.uniform(0.05, 0.25)
            noise = rng.uniform(0.3, 2.5)
            y = cap / (1 + np.exp(-rate * (t - mid))) + rng.normal(0, noise, t.size)
            y = np.clip(y, 0, 100)
            keep = np.ones(t.size, dtype=bool)
            kind = (p * N_INDICATORS + i) % 25
            if kind == 1:  # missing months
                keep[rng.choice(t.size - 1, 8, replace=False)] = False
            elif kind == 2:  # level shift at the 2025 province merger
                y[42:] = np.clip(y[42:] + 15, 0, 100)
            elif kind == 3:  # already complete
                y[-12:] = 100.0
            elif kind == 4:  # new indicator: short history
                keep[:-5] = False
            for per, val, k in zip(periods, y, keep, strict=True):
                if k:
                    rows.append((f"prov_{p:02d}", f"ind_{i:02d}", per, float(val)))
    frame = pd.DataFrame(rows, columns=["province", "indicator", "period", "value"])
    targets = pd.DataFrame(
        {
            "indicator": [f"ind_{i:02d}" for i in range(N_INDICATORS)],
            "target": rng.uniform(50, 100, N_INDICATORS).round(0),
            "deadline": ["2026-12"] * N_INDICATORS,
            "direction": ["higher_is_better"] * N_INDICATORS,
            "lower": 0.0,
            "upper": 100.0,
        }
    )
    return frame, targets


def catalog_frame() -> tuple[pd.DataFrame, pd.DataFrame, pd.Period]:
    """The product's own period batch: every catalog indicator with a target, 34 units.

    Read from the processed store (``make report`` or ``python -m analysis demo && python
    -m analysis ingest`` builds it from the bundled data), at its latest month, through the
    same :func:`analysis.analyses.monthly.forecast_inputs` the monthly run uses (catalog bounds,
    completion flags, counted-unit resolution, every target and deadline).
    """
    from analysis.analyses import monthly
    from analysis.data import store

    with store.connect() as con:
        ds = store.default_dataset(con)
        period = con.execute(
            "SELECT max(period) FROM observations_34 WHERE freq = 'M' AND dataset = ?", [ds]
        ).fetchone()[0]
    p = pd.Period(period, freq="M")
    obs = store.load_series_frame(ds, until=p)
    frame, targets = monthly.forecast_inputs(obs, p)
    return frame, targets, p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="timed runs (first includes startup)")
    ap.add_argument(
        "--source",
        choices=["synthetic", "catalog", "both"],
        default="both",
        help="synthetic 34 x 20 S-curves, the catalog batch from the processed store, or both",
    )
    args = ap.parse_args()

    sources = ["synthetic", "catalog"] if args.source == "both" else [args.source]
    for source in sources:
        if source == "synthetic":
            frame, targets = synthetic_frame()
            period = pd.Period("2026-10", "M")
        else:
            try:
                frame, targets, period = catalog_frame()
            except Exception as exc:  # Explain and go on with the other source
                print(
                    f"catalog batch skipped: no processed store ({type(exc).__name__}: {exc}); "
                    "run `make report` or `python -m analysis demo && python -m analysis ingest`"
                )
                continue
        times = []
        out = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = forecast_batch(frame, targets, period, jobs=args.jobs)
            times.append(time.perf_counter() - t0)
        assert out is not None
        report = {
            "source": source,
            "period": str(period),
            "series": int(frame.groupby(["province", "indicator"]).ngroups),
            "indicators": int(frame["indicator"].nunique()),
            "rows": len(out),
            "points": len(frame),
            "jobs": args.jobs,
            "seconds": [round(x, 2) for x in times],
            "status_counts": out["status"].value_counts().to_dict(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
