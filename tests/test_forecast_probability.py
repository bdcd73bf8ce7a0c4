"""The calibration map of the probability that a target is met (``forecasting.probability``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import forecast as fc
from analysis.analyses.forecasting import probability as prob


def test_isotonic_map_learns_that_confident_shares_are_met_less_often() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    # Over-confident shares: the true frequency is halfway between the share and 1/2.
    y = (rng.uniform(0, 1, p.size) < 0.5 + 0.5 * (p - 0.5)).astype(float)
    knots = prob.fit_isotonic(p, y)
    assert knots["x"][0] == 0.0 and knots["x"][-1] == 1.0
    assert np.all(np.diff(knots["x"]) > 0) and np.all(np.diff(knots["y"]) >= 0)
    mapped = prob.calibrate_probability(np.array([0.05, 0.5, 0.95]), knots=knots)
    np.testing.assert_allclose(mapped, [0.275, 0.5, 0.725], atol=0.05)
    assert np.isnan(prob.calibrate_probability(float("nan"), knots=knots))


def test_shipped_map_is_monotone_per_frequency_and_says_where_it_was_fitted() -> None:
    m = prob.load_map()
    for name in prob.SECTIONS:
        x, y = np.asarray(m[name]["x"]), np.asarray(m[name]["y"])
        assert x[0] == 0.0 and x[-1] == 1.0 and np.all(np.diff(y) >= 0)
    assert "development part only" in m["provenance"]["fitted_on"]
    assert prob.section("M") == "monthly" and prob.section("Y") == "annual"


def test_a_broken_map_file_is_refused_with_the_file_and_section_named(tmp_path, monkeypatch):
    bad = {"annual": {"x": [0, 1], "y": [1, 0]}, "monthly": {"x": [0, 1], "y": [0, 1]}}
    (tmp_path / prob.MAP_FILE).write_text(json.dumps(bad))
    monkeypatch.setattr(prob.resources, "files", lambda _pkg: tmp_path)
    prob.load_map.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"probability_map.json, section 'annual'"):
            prob.load_map()
    finally:
        prob.load_map.cache_clear()


def test_engine_reports_the_calibrated_probability_not_the_raw_share() -> None:
    idx = pd.period_range("2023-01", periods=30, freq="M")
    rng = np.random.default_rng(4)
    y = pd.Series(20 + 1.5 * np.arange(30) + rng.normal(0, 1.0, 30), index=idx)
    for target in (62.0, 66.0, 75.0):
        res = fc.forecast_to_deadline(
            y, "2026-12", target=target, lower=0, upper=100, return_paths=True
        )
        share = float(np.mean(res.paths[:, -1] >= target))
        assert res.prob_target_met == pytest.approx(prob.calibrate_probability(share, "M"))
    # The shipped annual map is not the identity: a share of 0.99 is not reported as 0.99.
    assert prob.calibrate_probability(0.99, "Y") < 0.97


def test_a_section_marked_not_applied_leaves_the_share_unchanged():
    knots = {"x": [0.0, 1.0], "y": [0.2, 0.7], "applied": False}
    assert prob.calibrate_probability(0.95, "M", knots=knots) == 0.95
    applied = {**knots, "applied": True}
    assert prob.calibrate_probability(0.95, "M", knots=applied) == pytest.approx(0.675)
    # The shipped monthly section is recorded, not applied; the annual one is applied.
    assert prob.load_map()["monthly"]["applied"] is False
    assert prob.calibrate_probability(1.0, "M") == 1.0
    assert prob.calibrate_probability(1.0, "Y") == prob.load_map()["annual"]["y"][-1]
