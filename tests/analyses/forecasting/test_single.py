"""One forecast to a deadline: properties, known answers and fallbacks."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.analyses.forecasting.probability import calibrate_probability
from analysis.forecast import (
    StatusThresholds,
    describe_model,
    forecast_to_deadline,
)
from analysis.reference.targets import INSUFFICIENT_HISTORY
from tests.analyses.forecasting.curves import assert_no_nan, s_curve


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
