"""Tests of analysis.forecast: properties, known answers, fallbacks, batch and cache."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import forecast as fc
from analysis.analyses.forecasting import batch as fc_batch
from analysis.analyses.forecasting.calibration import MIN_GROWTH
from analysis.analyses.forecasting.grid import GridData, Transform
from analysis.analyses.forecasting.logistic import logistic_curve
from analysis.analyses.forecasting.models import EtsModel, ar1_const_cls
from analysis.analyses.forecasting.probability import calibrate_probability
from analysis.forecast import (
    BATCH_COLUMNS,
    PooledCalibration,
    StatusThresholds,
    cached_forecast_batch,
    describe_model,
    fit_logistic_curve,
    forecast_batch,
    forecast_to_deadline,
)
from analysis.reference.targets import FORECAST_STATUSES, INSUFFICIENT_HISTORY

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


# --------------------------------------------------------------------------- properties
def test_bounds_respected_by_intervals_and_every_path() -> None:
    # Rising fast toward the upper bound: unbounded models would cross 100.
    hist = s_curve(cap=99.0, mid=20.0, rate=0.25, noise=0.8)
    res = forecast_to_deadline(hist, "2028-12", target=99.5, lower=0, upper=100, return_paths=True)
    assert res.paths is not None and res.paths.shape == (1000, len(res.path))
    assert res.paths.min() >= 0.0 and res.paths.max() <= 100.0
    assert (res.path["lower"] >= 0).all() and (res.path["upper"] <= 100).all()
    assert (res.path["lower"] <= res.path["upper"]).all()
    assert_no_nan(res)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(0, 1, allow_nan=False), min_size=6, max_size=30),
    lower=st.floats(-50, 50),
    width=st.floats(1, 500),
    horizon=st.integers(1, 18),
)
def test_paths_stay_in_bounds_property(values, lower, width, horizon) -> None:
    y = lower + width * np.asarray(values)
    idx = pd.period_range("2024-01", periods=len(y), freq="M")
    deadline = idx[-1] + horizon
    res = forecast_to_deadline(
        pd.Series(y, index=idx),
        deadline,
        target=lower + width / 2,
        lower=lower,
        upper=lower + width,
        return_paths=True,
        n_paths=200,
    )
    assert_no_nan(res)
    assert res.paths is not None
    tol = 1e-9 * max(1.0, abs(lower) + width)
    assert res.paths.min() >= lower - tol and res.paths.max() <= lower + width + tol
    assert 0.0 <= res.prob_target_met <= 1.0


def test_probability_non_increasing_in_target() -> None:
    hist = s_curve(noise=1.5)
    probs = [
        forecast_to_deadline(hist, "2027-06", target=t, lower=0, upper=100, seed=3).prob_target_met
        for t in np.linspace(70, 100, 13)
    ]
    assert all(b <= a + 1e-12 for a, b in zip(probs, probs[1:], strict=False))
    assert probs[0] > probs[-1]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t1=st.floats(0, 100), t2=st.floats(0, 100), seed=st.integers(0, 5))
def test_probability_monotone_property(t1, t2, seed) -> None:
    hist = s_curve(n=30, noise=2.0, seed=seed)
    lo, hi = sorted((t1, t2))
    p_lo = forecast_to_deadline(hist, "2025-12", target=lo, lower=0, upper=100, seed=seed)
    p_hi = forecast_to_deadline(hist, "2025-12", target=hi, lower=0, upper=100, seed=seed)
    assert p_hi.prob_target_met <= p_lo.prob_target_met + 1e-12


def test_achieved_when_already_met() -> None:
    hist = s_curve()
    res = forecast_to_deadline(hist, "2026-12", target=float(hist.iloc[-1]) - 5, lower=0, upper=100)
    assert res.status == "achieved"
    assert res.expected_completion == hist.index[-1]
    assert "already met" in res.model


def test_deterministic_with_seed() -> None:
    hist = s_curve(noise=2.0)
    a = forecast_to_deadline(
        hist, "2027-12", target=85, lower=0, upper=100, seed=7, return_paths=True
    )
    b = forecast_to_deadline(
        hist, "2027-12", target=85, lower=0, upper=100, seed=7, return_paths=True
    )
    pd.testing.assert_frame_equal(a.path, b.path)
    assert a.prob_target_met == b.prob_target_met and a.model == b.model
    np.testing.assert_array_equal(a.paths, b.paths)
    c = forecast_to_deadline(
        hist, "2027-12", target=85, lower=0, upper=100, seed=8, return_paths=True
    )
    assert not np.array_equal(a.paths, c.paths)


def test_status_thresholds_configurable() -> None:
    hist = s_curve(noise=2.0)
    target = float(hist.iloc[-1]) + 1.0
    base = forecast_to_deadline(hist, "2026-12", target=target, lower=0, upper=100)
    p = base.prob_target_met
    assert 0 < p < 1, "choose a target with an uncertain outcome"
    strict = forecast_to_deadline(
        hist,
        "2026-12",
        target=target,
        lower=0,
        upper=100,
        thresholds=StatusThresholds(on_track=1.0, at_risk=1.0),
    )
    lax = forecast_to_deadline(
        hist,
        "2026-12",
        target=target,
        lower=0,
        upper=100,
        thresholds=StatusThresholds(on_track=0.0, at_risk=0.0),
    )
    assert strict.status == "off_track" and lax.status == "on_track"
    with pytest.raises(ValueError):
        StatusThresholds(on_track=0.2, at_risk=0.5)


# --------------------------------------------------------------------------- known answers
def test_straight_line_continues() -> None:
    idx = pd.period_range("2022-01", periods=40, freq="M")
    y = pd.Series(10.0 + 0.5 * np.arange(40), index=idx)
    res = forecast_to_deadline(y, "2025-10", target=32)  # 6 months ahead, no bounds
    expected = 10.0 + 0.5 * 45
    assert res.point == pytest.approx(expected, rel=0.01)
    assert res.current_pace == pytest.approx(0.5)
    assert res.required_pace == pytest.approx((32 - y.iloc[-1]) / 6)
    assert res.expected_completion == pd.Period("2025-09", "M")  # 10 + 0.5 * 44 = 32
    # Every path meets the target; the monthly probability map says how often such shares
    # came true, and the status follows the reported probability.
    top = calibrate_probability(1.0, "M", horizon=6)
    assert res.prob_target_met == pytest.approx(top, abs=0.02)
    assert res.status == StatusThresholds().classify(res.prob_target_met)
    assert_no_nan(res)


def test_straight_line_with_noise_and_bounds() -> None:
    rng = np.random.default_rng(1)
    idx = pd.period_range("2022-01", periods=48, freq="M")
    y = pd.Series(20.0 + 0.4 * np.arange(48) + rng.normal(0, 0.3, 48), index=idx)
    res = forecast_to_deadline(y, "2026-06", lower=0, upper=100)  # 6 months ahead
    assert res.point == pytest.approx(20.0 + 0.4 * 53, abs=1.5)
    assert res.lower < res.point < res.upper


def test_logistic_parameters_recovered() -> None:
    t = np.arange(0, 60, dtype=float)
    y = logistic_curve(t, cap=80.0, rate=0.15, midpoint=30.0, lower=0.0)
    fit = fit_logistic_curve(t, y, lower=0.0, upper=100.0)
    assert fit.cap == pytest.approx(80.0, rel=1e-3)
    assert fit.rate == pytest.approx(0.15, rel=1e-3)
    assert fit.midpoint == pytest.approx(30.0, abs=0.05)
    rng = np.random.default_rng(0)
    noisy = fit_logistic_curve(t, y + rng.normal(0, 0.5, t.size), lower=0.0, upper=100.0)
    assert noisy.cap == pytest.approx(80.0, rel=0.03)
    assert noisy.rate == pytest.approx(0.15, rel=0.1)
    assert noisy.midpoint == pytest.approx(30.0, abs=1.0)


def test_logistic_cap_never_exceeds_upper() -> None:
    t = np.arange(30, dtype=float)
    y = 100 / (1 + np.exp(-0.3 * (t - 10))) * 1.2  # data implying a cap above the bound
    fit = fit_logistic_curve(t, np.clip(y, 0, 100), lower=0.0, upper=100.0)
    assert fit.cap <= 100.0 + 1e-9


def test_series_at_100_stays_at_100() -> None:
    idx = pd.period_range("2023-01", periods=30, freq="M")
    y = np.minimum(100.0, 60 + 3 * np.arange(30))
    res = forecast_to_deadline(
        pd.Series(y, index=idx), "2026-12", target=100, lower=0, upper=100, return_paths=True
    )
    assert res.status == "achieved"
    assert res.point == 100.0 and res.lower == 100.0 and res.upper == 100.0
    assert (res.paths == 100.0).all()
    assert res.prob_target_met == 1.0
    assert "upper bound" in res.model


def test_a_series_moving_about_a_bound_is_forecast_not_held() -> None:
    idx = pd.period_range("2025-09", periods=14, freq="M")
    # A share just starting: 0.02 %, 0.05 % ... its last value within the logit scale's
    # resolution of the lower bound, but not staying there.
    rising = [0.0, 0.01, 0.02, 0.0, 0.03, 0.05, 0.04, 0.02, 0.06, 0.05, 0.08, 0.03, 0.05, 0.09]
    res = forecast_to_deadline(
        pd.Series(rising, index=idx), "2027-06", target=1, lower=0, upper=100, return_paths=True
    )
    spec = json.loads(res.model_spec)
    assert spec["case"] != "at_lower" and spec["scale"] == "original"
    assert "near_bound" in spec["flags"] and "modelled on the original scale" in res.model
    assert "thang gốc" in describe_model(spec, "vi")
    assert res.upper > res.lower >= 0.0  # an interval, not the held value's zero width
    assert (res.paths >= 0.0).all() and (res.paths <= 100.0).all()
    # Staying at the bound (its last 3 values equal) is still held there, zero width.
    stayed = forecast_to_deadline(
        pd.Series(rising[:-3] + [0.0, 0.0, 0.0], index=idx), "2027-06", lower=0, upper=100
    )
    assert json.loads(stayed.model_spec)["case"] == "at_lower"
    assert stayed.lower == stayed.upper == 0.0
    # Just reached the upper bound: forecast within the bounds, never above 100.
    reached = forecast_to_deadline(
        pd.Series(np.minimum(100.0, 35 + 6.0 * np.arange(14)), index=idx),
        "2027-06",
        lower=0,
        upper=100,
        return_paths=True,
    )
    assert json.loads(reached.model_spec)["case"] == "at_upper"  # 100 for its last 3 values
    reached = forecast_to_deadline(
        pd.Series(list(60 + 3.0 * np.arange(13)) + [100.0], index=idx),
        "2027-06",
        lower=0,
        upper=100,
        return_paths=True,
    )
    assert "near_bound" in json.loads(reached.model_spec)["flags"]
    assert (reached.paths <= 100.0).all() and (reached.paths >= 0.0).all()


def test_ets_recursion_matches_statsmodels() -> None:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rng = np.random.default_rng(2)
    z = np.cumsum(rng.normal(0.1, 0.3, 40))
    data = GridData(z, z, np.ones(40, bool), Transform(None, None))
    model = EtsModel.fit(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ExponentialSmoothing(
            z,
            trend="add",
            damped_trend=True,
            initialization_method="heuristic",
            bounds={"damping_trend": (0.8, 0.98)},
        ).fit(use_brute=False)
    np.testing.assert_allclose(model.point(6), ref.forecast(6), rtol=1e-8)
    sims = model.simulate(6, 4000, np.random.default_rng(0))
    np.testing.assert_allclose(sims.mean(axis=0), ref.forecast(6), atol=0.05)


def test_ar1_matches_statsmodels_autoreg() -> None:
    from statsmodels.tsa.ar_model import AutoReg

    x = np.random.default_rng(3).normal(0.2, 1.0, 50)
    ref = AutoReg(x, lags=1, trend="c").fit()
    const, ar, sigma2 = ar1_const_cls(x)
    np.testing.assert_allclose([const, ar, sigma2], [*ref.params, ref.sigma2], rtol=1e-10)


# --------------------------------------------------------------------------- fallbacks
def test_short_history_fallback() -> None:
    idx = pd.period_range("2026-04", periods=7, freq="M")
    res = forecast_to_deadline(
        pd.Series([9, 10, 12, 13, 15, 16, 17.0], index=idx),
        "2026-12",
        target=25,
        lower=0,
        upper=100,
    )
    assert "short history (7 points < 8)" in res.model
    assert res.interval_scale > 1.0
    assert_no_nan(res)


def test_single_observation_gives_no_probability() -> None:
    # One month of a province's own data: 84.9 % against 85 % by December.
    idx = pd.period_range("2026-10", periods=1, freq="M")
    res = forecast_to_deadline(
        pd.Series([84.9], index=idx), "2026-12", target=85, lower=0, upper=100
    )
    assert res.status == INSUFFICIENT_HISTORY
    assert math.isnan(res.prob_target_met) and res.expected_completion is None
    assert math.isnan(res.current_pace)  # no pace from one point
    assert res.required_pace == pytest.approx((85 - 84.9) / 2)  # the gap over 2 months left
    assert math.isnan(res.point) and math.isnan(res.lower) and math.isnan(res.upper)
    assert res.path.empty and res.last_value == 84.9
    assert "too short" in res.model and "1 month observed, at least 6 needed" in res.model
    met = forecast_to_deadline(
        pd.Series([86.0], index=idx), "2026-12", target=85, lower=0, upper=100
    )
    assert met.status == "achieved" and met.expected_completion == idx[0]
    assert math.isnan(met.prob_target_met)


def test_the_method_note_states_the_minimum_history() -> None:
    from analysis.reporting.render import components

    vi, en = str(components.method_note("vi")), str(components.method_note("en"))
    assert "dưới 6 tháng số liệu" in vi and "dưới 3 năm" in vi
    assert "fewer than 6 months" in en and "fewer than 3 years" in en


@pytest.mark.parametrize(
    ("n", "freq", "start", "deadline", "enough"),
    [
        (5, "M", "2026-06", "2027-06", False),
        (6, "M", "2026-05", "2027-06", True),
        (2, "Y", "2024", "2027", False),
        (3, "Y", "2023", "2027", True),
    ],
)
def test_minimum_history_for_a_probability(n, freq, start, deadline, enough) -> None:
    idx = pd.period_range(start, periods=n, freq=freq)
    hist = pd.Series(40.0 + 2.0 * np.arange(n) + np.tile([0.3, -0.3], n)[:n], index=idx)
    res = forecast_to_deadline(hist, deadline, target=90, lower=0, upper=100)
    if enough:
        assert_no_nan(res)
        assert res.status != INSUFFICIENT_HISTORY
    else:
        assert res.status == INSUFFICIENT_HISTORY and math.isnan(res.prob_target_met)
        assert math.isfinite(res.current_pace) and res.required_pace > 0


def test_flat_series() -> None:
    idx = pd.period_range("2022-01", periods=24, freq="M")
    res = forecast_to_deadline(pd.Series(40.0, index=idx), "2024-06", target=40, lower=0, upper=100)
    assert "flat series" in res.model
    assert res.status == "achieved" and res.point == 40.0
    assert_no_nan(res)


def test_missing_months_interpolated() -> None:
    hist = s_curve()
    gappy = hist.drop(hist.index[[5, 6, 7, 20, 33]])
    gappy.iloc[10] = np.nan
    res = forecast_to_deadline(gappy, "2026-12", target=90, lower=0, upper=100)
    assert "6 missing months filled by linear interpolation" in res.model
    assert_no_nan(res)


def test_level_shift_detected_and_refit() -> None:
    rng = np.random.default_rng(4)
    idx = pd.period_range("2022-01", periods=58, freq="M")
    y = 30 + 0.3 * np.arange(58) + rng.normal(0, 0.4, 58)
    y[42:] += 20  # e.g. a boundary change in July 2025
    res = forecast_to_deadline(pd.Series(y, index=idx), "2026-12", target=70, lower=0, upper=100)
    assert "level shift at 2025-07" in res.model
    assert res.point == pytest.approx(y[-1] + 0.3 * 2, abs=2.0)
    assert_no_nan(res)


def test_no_level_shift_on_smooth_s_curve() -> None:
    res = forecast_to_deadline(s_curve(noise=0.5), "2026-12", lower=0, upper=100)
    assert "level shift" not in res.model


def test_a_reached_deadline_gets_no_forecast_no_probability_and_no_pace() -> None:
    hist = s_curve()
    value = float(hist[pd.Period("2025-12", "M")])
    met = forecast_to_deadline(hist, "2025-12", target=value - 1, lower=0, upper=100)
    assert "reached" in met.model and "no probability" in met.model
    assert met.status == "achieved" and math.isnan(met.prob_target_met)
    assert math.isnan(met.required_pace)
    assert met.expected_completion is not None and met.expected_completion <= pd.Period("2025-12")
    # The one row of the path is the value observed at the deadline, not a forecast.
    assert met.point == value and list(met.path.index) == [pd.Period("2025-12", "M")]
    later = float(hist.loc[pd.Period("2026-01", "M") :].max())
    missed = forecast_to_deadline(hist, "2025-12", target=later + 1, lower=0, upper=100)
    assert missed.status == "missed" and math.isnan(missed.prob_target_met)
    assert missed.expected_completion is None
    assert missed.to_dict()["prob_target_met"] is None


def test_a_target_met_only_after_its_deadline_is_met_late() -> None:
    idx = pd.period_range("2025-07", periods=12, freq="M")
    hist = pd.Series([80.0, 82, 84, 86, 88, 89, 90, 91, 93, 95, 97, 99], index=idx)
    late = forecast_to_deadline(hist, "2025-12", target=90, lower=0, upper=100)
    assert late.status == "achieved_late" and math.isnan(late.prob_target_met)
    assert late.expected_completion == pd.Period("2026-01", "M")


def test_all_nan_history_and_empty() -> None:
    idx = pd.period_range("2025-01", periods=12, freq="M")
    res = forecast_to_deadline(
        pd.Series(np.nan, index=idx), "2026-12", target=50, lower=0, upper=100
    )
    assert "no observed values" in res.model
    # Nothing observed claims nothing: not "off track" with 0 %.
    assert res.status == INSUFFICIENT_HISTORY
    assert math.isnan(res.prob_target_met) and math.isnan(res.required_pace)
    assert math.isnan(res.point) and res.expected_completion is None and res.path.empty
    with pytest.raises(ValueError, match="empty"):
        forecast_to_deadline(
            pd.Series([], dtype=float, index=pd.PeriodIndex([], freq="M")), "2026-12"
        )


def test_no_target_status_is_valid() -> None:
    res = forecast_to_deadline(s_curve(), "2026-12", lower=0, upper=100)
    assert res.target is None and res.status in {"on_track", "at_risk", "off_track"}
    assert math.isfinite(res.prob_target_met) and res.required_pace == 0.0
    assert "no target" in res.model


def test_lower_is_better_direction() -> None:
    hist = 100 - s_curve(noise=0.5)  # declining toward 10
    res = forecast_to_deadline(
        hist, "2027-12", target=15, lower=0, upper=100, direction="lower_is_better"
    )
    assert res.direction == "lower_is_better"
    easy = forecast_to_deadline(
        hist, "2027-12", target=40, lower=0, upper=100, direction="lower_is_better"
    )
    assert easy.status == "achieved"
    auto = forecast_to_deadline(hist, "2027-12", target=5, lower=0, upper=100, direction=None)
    assert auto.direction == "lower_is_better"
    assert res.prob_target_met >= auto.prob_target_met


def test_deadline_formats_and_annual_series() -> None:
    hist = s_curve()
    a = forecast_to_deadline(hist, "2026-12-31", target=90, lower=0, upper=100)
    b = forecast_to_deadline(hist, "2026", target=90, lower=0, upper=100)
    c = forecast_to_deadline(hist, pd.Period("2026-12", "M"), target=90, lower=0, upper=100)
    assert a.deadline == b.deadline == c.deadline == pd.Period("2026-12", "M")
    yearly = pd.Series(
        [5.0, 9, 14, 20, 27, 35, 43, 50, 57, 62],
        index=pd.period_range("2015", periods=10, freq="Y"),
    )
    r = forecast_to_deadline(yearly, "2026-12", target=80, lower=0, upper=100)
    assert r.deadline == pd.Period("2026", "Y") and len(r.path) == 2
    assert r.current_pace == pytest.approx(6.0)  # slope over the last 2 years
    assert_no_nan(r)


def test_to_dict_is_json_friendly() -> None:
    res = forecast_to_deadline(s_curve(), "2026-12", target=90, lower=0, upper=100)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["deadline"] == "2026-12" and d["last_period"] == "2026-10"
    assert d["path"][0]["period"] == "2026-11" and d["status"] == res.status


# --------------------------------------------------------------------------- batch
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


def test_forecast_batch_rows() -> None:
    frame, targets = small_frame()
    out = forecast_batch(frame, targets, pd.Period("2025-10", "M"), jobs=1)
    assert list(out.columns) == BATCH_COLUMNS
    assert len(out) == 3 * 3
    assert set(out["status"]) <= STATUSES
    assert out[["point", "lower", "upper", "prob_target_met"]].notna().all().all()
    fiber = out[out["indicator"] == "fiber_households"]
    assert set(fiber["last_period"]) == {"2025-10"}  # 2025-11 row ignored
    online = out[out["indicator"] == "online_services"]
    assert set(online["deadline"]) == {"2026"} and set(online["last_period"]) == {"2025"}
    path = json.loads(out.loc[0, "path_json"])
    assert {"period", "mean", "lower", "upper"} <= set(path[0])
    assert path[-1]["period"] == out.loc[0, "deadline"]


def test_forecast_batch_parallel_equals_serial() -> None:
    frame, targets = small_frame()
    serial = forecast_batch(frame, targets, "2025-10", jobs=1, seed=5)
    parallel = forecast_batch(frame, targets, "2025-10", jobs=2, seed=5)
    pd.testing.assert_frame_equal(serial, parallel)


def test_cached_forecast_batch(tmp_path, monkeypatch) -> None:
    frame, targets = small_frame()
    db = tmp_path / "cache.duckdb"
    first = cached_forecast_batch(db, frame, targets, "2025-10", "v1", jobs=1)

    def boom(*args, **kwargs):
        raise AssertionError("recomputed despite cache")

    monkeypatch.setattr(fc_batch, "forecast_batch", boom)
    second = cached_forecast_batch(db, frame, targets, "2025-10", "v1", jobs=1)
    pd.testing.assert_frame_equal(first, second)
    with pytest.raises(AssertionError, match="recomputed"):
        cached_forecast_batch(db, frame, targets, "2025-10", "v2", jobs=1)

    import duckdb

    con = duckdb.connect(str(db))
    n = con.execute("SELECT count(*) FROM forecast_cache WHERE data_version = 'v1'").fetchone()
    assert n == (len(first),)
    cols = {r[0] for r in con.execute("DESCRIBE forecast_cache").fetchall()}
    assert set(BATCH_COLUMNS) | {"data_version", "period_key"} <= cols
    again = cached_forecast_batch(con, frame, targets, "2025-10", "v1", jobs=1)
    pd.testing.assert_frame_equal(first, again)
    con.close()


def test_forecast_batch_awkward_series() -> None:
    frame, targets = small_frame()
    extra = pd.DataFrame(
        [
            ("lai_chau", "fiber_households", pd.Period("2025-01", "M"), np.nan),
            ("lai_chau", "fiber_households", pd.Period("2025-02", "M"), np.nan),
            ("lai_chau", "online_services", pd.Period("2027", "Y"), 50.0),  # after cut-off
        ],
        columns=frame.columns,
    )
    out = forecast_batch(pd.concat([frame, extra], ignore_index=True), targets, "2025-10", jobs=1)
    lai = out[out["province"] == "lai_chau"]
    assert len(lai) == 3
    assert lai["model"].str.contains("no observed values").all()
    assert (lai["status"] == INSUFFICIENT_HISTORY).all()
    assert lai[["point", "lower", "upper", "prob_target_met"]].isna().all().all()


def test_forecast_batch_and_its_cache_give_no_probability_from_one_month(tmp_path) -> None:
    frame, targets = small_frame()
    one = pd.DataFrame(
        [("nghe_an", "fiber_households", pd.Period("2025-10", "M"), 84.9)], columns=frame.columns
    )
    frame = pd.concat([frame, one], ignore_index=True)
    out = forecast_batch(frame, targets, "2025-10", jobs=1)
    rows = out[out["province"] == "nghe_an"].set_index("target")
    assert rows.loc[80.0, "status"] == "achieved"  # 84.9 already meets 80: an observation
    row = rows.loc[95.0]
    assert row["status"] == INSUFFICIENT_HISTORY
    assert math.isnan(row["prob_target_met"]) and math.isnan(row["point"])
    assert math.isnan(row["current_pace"]) and row["expected_completion"] is None
    assert row["path_json"] is None and "too short" in row["model"]
    assert row["required_pace"] == pytest.approx((95 - 84.9) / 62)  # 62 months to 2030-12
    assert rows["prob_target_met"].isna().all()
    others = out[out["province"] != "nghe_an"]
    assert others["prob_target_met"].notna().all()
    db = tmp_path / "cache.duckdb"
    miss = cached_forecast_batch(db, frame, targets, "2025-10", "v1", jobs=1)
    hit = cached_forecast_batch(db, frame, targets, "2025-10", "v1", jobs=1)
    pd.testing.assert_frame_equal(miss, out)
    pd.testing.assert_frame_equal(hit, miss)


def _linear_campaign(pace: float, last: float = 96.0, n: int = 24) -> pd.Series:
    idx = pd.period_range(end="2026-10", periods=n, freq="M")
    return pd.Series(np.clip(last - pace * np.arange(n)[::-1], 0, 100), index=idx)


def test_completion_series_reach_100_at_their_pace_and_stalled_ones_do_not() -> None:
    # 94 % in October, +1.5 points a month: linear progress finishes in February.
    moving = forecast_to_deadline(
        _linear_campaign(1.5, last=94), "2027-06", target=100, lower=0, upper=100, censored=True
    )
    assert moving.prob_target_met > 0.5 and moving.status in ("on_track", "at_risk")
    assert "completion series" in moving.model
    stalled = forecast_to_deadline(
        _linear_campaign(0.0, last=94), "2027-06", target=100, lower=0, upper=100, censored=True
    )
    assert stalled.prob_target_met < 0.3
    # Asymptotic reading of the same campaign: 100 % is never quite reached.
    asymptotic = forecast_to_deadline(
        _linear_campaign(1.5, last=94), "2027-06", target=100, lower=0, upper=100
    )
    assert asymptotic.prob_target_met < moving.prob_target_met


def test_censored_probability_still_falls_as_target_rises() -> None:
    hist = _linear_campaign(0.8)
    probs = [
        forecast_to_deadline(
            hist, "2026-12", target=t, lower=0, upper=100, seed=2, censored=True
        ).prob_target_met
        for t in np.linspace(95, 100, 11)
    ]
    assert all(b <= a + 1e-12 for a, b in zip(probs, probs[1:], strict=False))
    paths = forecast_to_deadline(
        hist, "2026-12", target=100, lower=0, upper=100, censored=True, return_paths=True
    ).paths
    assert paths.min() >= 0 and paths.max() <= 100


def test_resolution_lets_the_last_task_complete_a_target() -> None:
    hist = pd.Series(
        [100 * k / 25 for k in (19, 20, 21, 22, 23, 24)],
        index=pd.period_range(end="2026-10", periods=6, freq="M"),
    )
    with_unit = forecast_to_deadline(
        hist, "2026-12", target=100, lower=0, upper=100, censored=True, resolution=100 / 25
    )
    # At least half the paths complete it (the map is monotone: a share of 0.5 maps to this).
    assert with_unit.prob_target_met >= calibrate_probability(0.5, "M", horizon=2)


def test_two_sided_calibration_keeps_median_and_order() -> None:
    from analysis.analyses.forecasting.calibration import Calibration

    paths = (
        np.random.default_rng(4).normal(0.0, 1.0, (2001, 3)).cumsum(axis=1)
    )  # odd: median is a path
    cal = Calibration(below=0.5, above=2.0)
    out = cal.apply(paths)
    med = np.median(paths, axis=0)
    np.testing.assert_allclose(np.median(out, axis=0), med, atol=1e-9)
    # Monotone per period: every path keeps its rank.
    for j in range(paths.shape[1]):
        assert (
            np.argsort(out[:, j], kind="stable") == np.argsort(paths[:, j], kind="stable")
        ).all()
    dev, dev_out = paths - med, out - med
    np.testing.assert_allclose(dev_out[dev < 0], 0.5 * dev[dev < 0])
    np.testing.assert_allclose(dev_out[dev >= 0], 2.0 * dev[dev >= 0])


def test_steady_riser_gets_little_probability_of_falling() -> None:
    # A steadily rising rate: the mixture no longer spends paths on a random walk
    # and calibrates each side of the median on its own.
    idx = pd.period_range("2015", periods=12, freq="Y")
    hist = pd.Series(np.linspace(20, 53, 12) + np.tile([0.4, -0.4], 6), index=idx)
    res = forecast_to_deadline(hist, "2027", lower=0, upper=100, seed=1)
    assert "naive" not in res.weights
    assert res.prob_target_met > 0.85  # no target: P(at least the latest level)
    assert "per side of the median" in res.model


def test_short_backtest_tilts_less_toward_the_best_model() -> None:
    from analysis.analyses.forecasting.combine import select_and_combine

    # 10 annual points: n // 4 = 2 periods of backtest and a single usable origin.
    y = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 15.0, 19.0, 22.0, 24.5, 26.5])
    tr = Transform(0.0, 100.0)
    data = GridData(tr.forward(y), y, np.ones(y.size, bool), tr)
    ens = select_and_combine(data, 5, 0.8, np.random.default_rng(0))
    assert len(ens.models) > 1  # not the single best model
    w = np.asarray(ens.weights)
    assert w.max() - w.min() <= 0.5 / 3 + 1e-9  # tilt scaled by 1 origin of 3


def test_no_backtest_origin_gives_an_equal_mix_that_pools() -> None:
    # 9 annual points: no backtest origin leaves 8 points to fit on.
    years = pd.period_range("2001", periods=9, freq="Y")
    y = pd.Series([1.0, 2.0, 4.0, 7.0, 11.0, 15.0, 19.0, 22.0, 24.5], index=years)
    alone = forecast_to_deadline(y, "2014", target=40, lower=0, upper=100)
    assert "no usable backtest origin: equal mix of" in alone.model
    w = np.array(list(alone.weights.values()))
    assert len(w) >= 3 and np.allclose(w, w[0])
    assert_no_nan(alone)
    long_years = pd.period_range("1990", periods=20, freq="Y")
    others = {
        f"c{i}": pd.Series(
            100 / (1 + np.exp(-(0.3 + 0.02 * i) * (np.arange(20) - 12 - i % 5))), index=long_years
        )
        for i in range(12)
    }
    res = fc.forecast_pooled({**others, "short": y}, "2014", target=40, lower=0, upper=100)
    assert "equal mix" in res["short"].model and "pooled" in res["short"].model
    assert "12 series" in res["short"].model  # the short series adds no errors of its own


# --------------------------------------------------------------------------- pooled calibration
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


# --------------------------------------------------------------------------- model descriptions
def test_model_spec_names_the_mixture_and_describe_model_speaks_the_page_language() -> None:
    res = forecast_to_deadline(s_curve(), "2026-12", target=90, lower=0, upper=100)
    spec = json.loads(res.model_spec)
    assert spec["case"] == "mixture" and spec["scale"] == "logit"
    assert spec["models"] == {k: round(w, 2) for k, w in res.weights.items()}
    assert spec["calibration"] == "own"
    vi, en = describe_model(res.model_spec, "vi"), describe_model(res.model_spec, "en")
    assert vi.startswith("Kết hợp ") and "ETS tắt dần" in vi and "thang gốc" in vi
    assert en.startswith("Combination of ") and "damped ETS" in en
    for english in ("Combination", "damped", "drift", "backtest", "intervals"):
        assert english not in vi
    # Weights as whole percentages, largest first, in each language's number format.
    top = max(res.weights, key=res.weights.get)
    assert f"{round(100 * res.weights[top])}%" in vi
    assert len(vi) < len(res.model) / 2  # short enough for a table cell


@pytest.mark.parametrize(
    ("history", "kwargs", "case", "vi_words"),
    [
        ([84.9], {"target": 85}, "too_short", "1/6 tháng"),
        ([60.0 + 3 * i for i in range(12)] + [100.0] * 3, {"target": 100}, "at_upper", "tối đa"),
        ([40.0] * 24, {"target": 50}, "flat", "không đổi"),
        ([float("nan")] * 10, {"target": 50}, "no_data", "Chưa có số liệu"),
    ],
)
def test_special_cases_have_their_own_words(history, kwargs, case, vi_words) -> None:
    idx = pd.period_range(end="2026-10", periods=len(history), freq="M")
    res = forecast_to_deadline(
        pd.Series(history, index=idx), "2026-12", lower=0, upper=100, **kwargs
    )
    assert json.loads(res.model_spec)["case"] == case
    assert vi_words in describe_model(res.model_spec, "vi")


def test_model_spec_flags_and_pooling() -> None:
    gappy = s_curve().drop(s_curve().index[[5, 6, 20]])
    res = forecast_to_deadline(gappy, "2026-12", target=50, lower=0, upper=100)
    spec = json.loads(res.model_spec)
    assert "gaps" in spec["flags"] and "target_met" in spec["flags"]
    assert "nội suy" in describe_model(spec, "vi") and "đã đạt mục tiêu" in describe_model(
        spec, "vi"
    )
    pooled = fc.forecast_pooled({f"s{i}": s_curve(seed=i) for i in range(12)}, "2027-06", target=95)
    assert json.loads(pooled["s0"].model_spec)["calibration"] == "pooled"
    assert "gộp các tỉnh" in describe_model(pooled["s0"].model_spec, "vi")


def test_batch_rows_carry_the_model_spec_and_missing_specs_are_a_dash() -> None:
    frame, targets = small_frame()
    out = forecast_batch(frame, targets, "2025-10", jobs=1)
    assert out["model_spec"].map(lambda s: json.loads(s)["case"]).notna().all()
    assert all(describe_model(s, "vi") for s in out["model_spec"])
    assert describe_model(None) == describe_model(float("nan")) == describe_model("") == "—"
    with pytest.raises(ValueError, match="not a model spec"):
        describe_model("held constant")


def test_a_batch_in_the_deadline_month_forecasts_nothing_and_lets_the_figures_decide() -> None:
    """The report of 2026-12 for targets due 31/12/2026: no probability, no path, no pace; a
    province whose December figure is not in awaits it; the month before is still forecast."""
    months = pd.period_range("2025-01", "2026-12", freq="M")
    rows = []
    for prov, last in (("met", 91.0), ("short", 88.0)):
        values = np.linspace(70, last, len(months))
        rows += [(prov, "x", p, v) for p, v in zip(months, values, strict=True)]
    values = np.linspace(70, 88, len(months) - 1)
    rows += [("waiting", "x", p, v) for p, v in zip(months[:-1], values, strict=True)]
    frame = pd.DataFrame(rows, columns=["province", "indicator", "period", "value"])
    targets = pd.DataFrame(
        {
            "indicator": ["x"],
            "target": [90.0],
            "deadline": ["2026-12"],
            "lower": [0.0],
            "upper": [100.0],
        }
    )
    out = forecast_batch(frame, targets, "2026-12", jobs=1).set_index("province")
    assert out["prob_target_met"].isna().all() and out["required_pace"].isna().all()
    assert out["path_json"].isna().all()
    assert out.loc["met", "status"] == "achieved"
    assert out.loc["short", "status"] == "missed"
    assert out.loc["waiting", "status"] == "awaiting_deadline_figure"
    assert (out["model_spec"].map(lambda s: json.loads(s)["case"]) == "passed").all()
    before = forecast_batch(frame, targets, "2026-11", jobs=1).set_index("province")
    assert before["prob_target_met"].notna().all() and before["path_json"].notna().all()
