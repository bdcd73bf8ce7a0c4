"""Time :func:`analysis.forecast.forecast_batch` on a synthetic period batch.

The frame mimics one monthly run of the product: 34 provinces x 20 indicators,
monthly values 2022-01..2026-10 following noisy S-curves bounded to 0..100,
each indicator with a year-end target (deadline 2026-12).  A few series get the
awkward features seen in real data (missing months, a level shift, a series
stuck at 100, a short history) so that fallbacks are timed too.

Usage::

    python benchmarks/forecast_speed/run.py [--jobs 2] [--repeat 1]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="timed runs (first includes startup)")
    args = ap.parse_args()

    frame, targets = synthetic_frame()
    times = []
    out = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = forecast_batch(frame, targets, pd.Period("2026-10", "M"), jobs=args.jobs)
        times.append(time.perf_counter() - t0)
    assert out is not None
    report = {
        "series": int(frame.groupby(["province", "indicator"]).ngroups),
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
