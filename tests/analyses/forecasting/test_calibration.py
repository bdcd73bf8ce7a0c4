"""Pooled interval calibration: errors of many series' backtests, by steps ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import forecast as fc
from analysis.analyses.forecasting import batch as fc_batch
from analysis.analyses.forecasting.calibration import MIN_GROWTH
from analysis.forecast import (
    PooledCalibration,
    forecast_batch,
)
from tests.analyses.forecasting.curves import assert_no_nan, s_curve, small_frame


def _evidence(errors: np.ndarray, steps: np.ndarray) -> np.ndarray:
    return np.column_stack([steps.astype(float), errors])


def test_pooled_calibration_needs_enough_errors() -> None:
    small = _evidence(np.zeros(10), np.ones(10))
    assert PooledCalibration.from_evidence([small, None, small]) is None
    big = PooledCalibration.from_evidence([small] * 6)
    assert big is not None and big.n_series == 6 and big.n_errors == 60


def test_pooled_calibration_steps_fall_back_to_shorter_or_all() -> None:
    steps = np.repeat([1, 2, 3], [40, 40, 10])
    cal = PooledCalibration.from_evidence([_evidence(steps * 1.0, steps)])
    assert cal is not None
    assert set(cal.errors_for(1)) == {1.0}
    assert set(cal.errors_for(2)) == {2.0}
    # 10 errors at step 3: the longest step with 30+, grown (slower steps: the linear floor)
    assert cal.growth == MIN_GROWTH == 1.0
    np.testing.assert_allclose(cal.errors_for(3), 2.0 * (3 / 2))
    np.testing.assert_allclose(cal.errors_for(9), 2.0 * (9 / 2))
    few = PooledCalibration.from_evidence([_evidence(np.arange(60.0), np.arange(60) % 3 + 1)])
    assert few is not None and few.errors_for(1).size == 60  # no step has 30: all together
    np.testing.assert_allclose(few.errors_for(1), np.sort(np.arange(60.0)))


def test_pooled_errors_beyond_the_backtest_horizon_grow_never_reused_unchanged() -> None:
    rng = np.random.default_rng(3)
    # Backtests reached 2 steps ahead only (10-point histories); spreads grow as h^1.3.
    steps = np.repeat([1, 2], 200)
    cal = PooledCalibration.from_evidence([_evidence(rng.normal(0, 1, 400) * steps**1.3, steps)])
    assert cal is not None and cal.growth == pytest.approx(1.3, abs=0.15)

    def band(e: np.ndarray) -> float:
        return float(np.subtract(*np.quantile(e, [0.9, 0.1])))

    at2, at5 = band(cal.errors_for(2)), band(cal.errors_for(5))
    assert at5 / at2 == pytest.approx((5 / 2) ** cal.growth)
    assert at5 / at2 >= 5 / 2  # at least a wrong trend's linear growth
    # Spreads that do not grow over the observed steps still grow beyond them (the floor).
    flat = PooledCalibration.from_evidence([_evidence(rng.normal(0, 1, 400), steps)])
    assert flat is not None and flat.growth == MIN_GROWTH
    assert band(flat.errors_for(5)) / band(flat.errors_for(2)) == pytest.approx(2.5)


def test_short_histories_get_a_wider_band_at_a_deadline_beyond_their_backtests() -> None:
    years = pd.period_range("2001", periods=10, freq="Y")
    rng = np.random.default_rng(5)
    hist = {
        f"s{i}": pd.Series(20 + 2.0 * np.arange(10) + rng.normal(0, 1.0, 10), index=years)
        for i in range(40)
    }
    res = fc.forecast_pooled(hist, "2015", return_paths=True, n_paths=400)
    widths = [r.paths[:, 4].std() / r.paths[:, 1].std() for r in res.values()]
    assert all("pooled" in r.model for r in res.values())
    # Backtests of 10 points reach 2 steps ahead; 5 steps ahead the band is wider by (5/2)^a.
    assert np.median(widths) >= 0.95 * (5 / 2) ** MIN_GROWTH


def test_pooled_calibration_is_a_monotone_map_with_the_pooled_errors() -> None:
    rng = np.random.default_rng(0)
    errors = rng.normal(2.0, 3.0, 400)  # median error +2 units: the raw median is too low
    cal = PooledCalibration.from_evidence([_evidence(errors, np.ones(400))])
    raw = rng.normal(0.0, 1.0, (1000, 3)) + np.array([0.0, 1.0, 2.0])
    out = cal.apply(raw, unit=0.5)
    for t in range(3):
        # Same order of the paths in every period (paths stay paths) ...
        assert (np.argsort(out[:, t], kind="stable") == np.argsort(raw[:, t], kind="stable")).all()
        # ... and the spread and bias of the pooled errors, in the series' unit (steps 2 and 3,
        # beyond the one step observed, grown as h^a with a at its floor).
        grow = (t + 1) ** cal.growth
        shift = 0.5 * 2.0 * grow
        assert np.median(out[:, t]) == pytest.approx(np.median(raw[:, t]) + shift, abs=0.15 * grow)
        width = np.subtract(*np.quantile(out[:, t], [0.9, 0.1]))
        spread = np.subtract(*np.quantile(errors, [0.9, 0.1]))
        assert width == pytest.approx(0.5 * grow * spread, rel=0.05)


def _noisy_lines(n_series: int = 40, n: int = 48, ahead: int = 6):
    rng = np.random.default_rng(1)
    hist, future = {}, {}
    idx = pd.period_range("2022-01", periods=n, freq="M")
    for i in range(n_series):
        t = np.arange(n + ahead)
        y = rng.uniform(5, 40) + rng.uniform(0.2, 1.0) * t
        y = y + rng.standard_t(4, n + ahead) * rng.uniform(0.5, 2.0)  # heavy-tailed noise
        hist[f"p{i:02d}"] = pd.Series(y[:n], index=idx)
        future[f"p{i:02d}"] = y[n:]
    return hist, future


def test_forecast_pooled_covers_held_out_values_at_the_nominal_rate() -> None:
    hist, future = _noisy_lines()
    res = fc.forecast_pooled(hist, "2026-06", level=0.8)
    assert list(res) == list(hist)
    inside = [
        (r.path["lower"].to_numpy() <= future[k]) & (future[k] <= r.path["upper"].to_numpy())
        for k, r in res.items()
    ]
    assert 0.7 <= float(np.mean(inside)) <= 0.9  # 240 held-out values
    assert all("pooled" in r.model and "40 series" in r.model for r in res.values())
    for r in res.values():
        assert_no_nan(r)
    alone = fc.forecast_pooled(hist, "2026-06", pool=False)
    assert not any("pooled" in r.model for r in alone.values())


def test_forecast_pooled_keeps_bounds_and_is_deterministic() -> None:
    hist = {f"s{i}": s_curve(seed=i, cap=95.0, noise=2.0) for i in range(12)}
    hist["flat"] = pd.Series(50.0, index=hist["s0"].index)
    a = fc.forecast_pooled(hist, "2027-06", target=90, lower=0, upper=100, return_paths=True)
    b = fc.forecast_pooled(hist, "2027-06", target=90, lower=0, upper=100, jobs=2)
    for k in hist:
        assert (a[k].paths >= 0).all() and (a[k].paths <= 100).all()
        pd.testing.assert_frame_equal(a[k].path, b[k].path)
        assert a[k].prob_target_met == b[k].prob_target_met
    assert "flat series" in a["flat"].model and "pooled" not in a["flat"].model
    assert "pooled" in a["s0"].model
    probs = [
        fc.forecast_pooled(hist, "2027-06", target=t, lower=0, upper=100)["s3"].prob_target_met
        for t in (60, 80, 95)
    ]
    assert probs[0] >= probs[1] >= probs[2]


def test_forecast_batch_pools_calibration_per_indicator() -> None:
    frame, targets = small_frame()
    pooled = forecast_batch(frame, targets, "2025-10", jobs=1)
    alone = forecast_batch(frame, targets, "2025-10", jobs=1, pool=False)
    fiber = pooled["indicator"] == "fiber_households"
    assert pooled.loc[fiber, "model"].str.contains("pooled").any()
    assert not alone["model"].str.contains("pooled").any()
    assert pooled[["point", "lower", "upper", "prob_target_met"]].notna().all().all()


def test_forecast_batch_pools_provinces_with_their_own_quotas() -> None:
    rows = []
    for p in range(12):
        quota = 1000.0 * (p + 1)  # households to connect: a different bound per province
        for per, v in s_curve(n=40, seed=p, cap=90.0).items():
            rows.append((f"prov_{p:02d}", "households", per, v / 100 * quota, 0.0, quota))
    frame = pd.DataFrame(
        rows, columns=["province", "indicator", "period", "value", "lower", "upper"]
    )
    targets = pd.DataFrame(
        {"indicator": ["households"], "target": [np.nan], "deadline": ["2025-12"]}
    )
    out = forecast_batch(frame, targets, "2025-04", jobs=1)
    assert out["model"].str.contains("12 series of this indicator pooled").all()
    assert (out["upper"] <= frame.groupby("province")["upper"].max().to_numpy() + 1e-9).all()


def test_forecast_pooled_names_the_bad_series_and_pools_by_frequency() -> None:
    hist, _ = _noisy_lines(n_series=10)
    with pytest.raises(ValueError, match="'empty'"):
        fc.forecast_pooled({**hist, "empty": pd.Series([], dtype=float)}, "2026-06")
    yearly = {
        f"y{i}": pd.Series(s.to_numpy()[::4], index=pd.period_range("2000", periods=12, freq="Y"))
        for i, s in enumerate(hist.values())
    }
    res = fc.forecast_pooled({**hist, **yearly}, "2026-12")
    assert all("pooled" in res[k].model for k in hist)
    assert all(
        "10 series of this indicator pooled" in r.model for r in res.values() if "pooled" in r.model
    )


def test_pooled_calibration_that_breaks_a_series_falls_back_to_its_own() -> None:
    hist = {f"s{i}": s_curve(seed=i, cap=95.0, noise=2.0) for i in range(6)}
    sims = fc_batch._pooled_sims(hist, ("2027-06", 0.0, 100.0, 0.8, 0, 200, False))
    sim = sims["s0"]
    own = sim.paths.copy()
    sim.paths = None  # as the batch workers send it back
    bad = PooledCalibration((np.array([np.nan] * 40),), np.array([np.nan] * 40), 1, 30)
    sim.materialize(bad)
    np.testing.assert_array_equal(sim.paths, own)
    assert "pooled" not in sim.description
