"""Series and checks shared by the forecasting tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import forecast as fc
from analysis.reference.targets import FORECAST_STATUSES

STATUSES = set(FORECAST_STATUSES)


def s_curve(
    n: int = 58,
    start: str = "2022-01",
    cap: float = 90.0,
    mid: float = 30.0,
    rate: float = 0.12,
    noise: float = 1.0,
    seed: int = 0,
) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    y = cap / (1 + np.exp(-rate * (t - mid))) + rng.normal(0, noise, n)
    idx = pd.period_range(start, periods=n, freq="M")
    return pd.Series(np.clip(y, 0, 100), index=idx)


def assert_no_nan(res: fc.ForecastResult) -> None:
    for name in (
        "point",
        "lower",
        "upper",
        "prob_target_met",
        "required_pace",
        "current_pace",
        "interval_scale",
    ):
        assert math.isfinite(getattr(res, name)), name
    assert np.isfinite(res.path.to_numpy()).all()
    assert res.status in STATUSES
    assert isinstance(res.model, str) and res.model


def small_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for p, prov in enumerate(["ha_noi", "hue", "can_tho"]):
        m = s_curve(n=46, seed=p)  # 2022-01 .. 2025-10
        rows += [(prov, "fiber_households", per, v) for per, v in m.items()]
        years = pd.period_range("2015", "2025", freq="Y")
        for i, per in enumerate(years):
            rows.append((prov, "online_services", per, min(100.0, 20 + 6 * i + p)))
    frame = pd.DataFrame(rows, columns=["province", "indicator", "period", "value"])
    # A later month that must be ignored for period 2025-10.
    frame = pd.concat(
        [
            frame,
            pd.DataFrame(
                [("hue", "fiber_households", pd.Period("2025-11", "M"), 1.0)], columns=frame.columns
            ),
        ],
        ignore_index=True,
    )
    targets = pd.DataFrame(
        {
            "indicator": ["fiber_households", "fiber_households", "online_services"],
            "target": [80.0, 95.0, 90.0],
            "deadline": ["2025-12", "2030-12", "2026"],
            "direction": ["higher_is_better", None, "higher_is_better"],
            "lower": [0.0, 0.0, 0.0],
            "upper": [100.0, 100.0, 100.0],
        }
    )
    return frame, targets
