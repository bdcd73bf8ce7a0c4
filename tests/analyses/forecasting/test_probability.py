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


def test_beta_map_recovers_a_known_miscalibration_that_grows_with_the_horizon() -> None:
    rng = np.random.default_rng(1)
    n = 60000
    p = rng.uniform(0, 1, n)
    h = rng.integers(1, 13, n)
    # The share is over-confident, the more so the further ahead: shrunk towards 1/2 by 5 % a step.
    truth = 0.5 + (p - 0.5) * (1 - 0.05 * h)
    y = (rng.uniform(0, 1, n) < truth).astype(float)
    sec = prob.fit_beta_h(p, y, h)
    assert sec["kind"] == "beta_h" and sec["h_range"] == [1.0, 12.0]
    grid = np.array([0.05, 0.3, 0.5, 0.7, 0.95])
    for hh in (1, 6, 12):
        got = prob.calibrate_probability(grid, "M", sec, horizon=hh)
        np.testing.assert_allclose(got, 0.5 + (grid - 0.5) * (1 - 0.05 * hh), atol=0.04)
        assert np.all(np.diff(got) > 0)  # monotone in the share at every horizon
    # Beyond the fitted horizons the map holds its last horizon's shape, it does not extrapolate.
    assert prob.calibrate_probability(0.95, "M", sec, horizon=40) == pytest.approx(
        prob.calibrate_probability(0.95, "M", sec, horizon=12)
    )
    # Horizons of an annual-section map are in years: 8 quarters are read at h = 2.
    assert prob.calibrate_probability(0.95, "Q", sec, horizon=8) == pytest.approx(
        prob.calibrate_probability(0.95, "Y", sec, horizon=2)
    )


def test_beta_fit_stays_monotone_when_the_outcome_falls_with_the_share() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 1, 5000)
    y = (rng.uniform(0, 1, p.size) < 1 - p).astype(float)  # perverse: higher share, fewer met
    sec = prob.fit_beta_h(p, y, np.ones(p.size))
    got = prob.calibrate_probability(np.linspace(0.01, 0.99, 50), "Y", sec)
    assert np.all(np.diff(got) >= -1e-12)  # the constraint holds: never a decreasing map


def test_beta_map_with_fixed_coefficients_moves_only_the_upper_end() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 40000)
    # Small shares are right, large ones over-confident: nothing above 0.6 happens more often.
    y = (rng.uniform(0, 1, p.size) < np.minimum(p, 0.6)).astype(float)
    fixed = {0: 0.0, 1: 1.0, 3: 0.0, 4: 0.0, 5: 0.0}
    sec = prob.fit_beta_h(p, y, np.ones(p.size), fixed=fixed)
    c = np.asarray(sec["coef"])
    assert c[0] == 0.0 and c[1] == 1.0 and np.all(c[3:] == 0.0) and 0.0 < c[2] < 1.0
    low, high = prob.calibrate_probability(np.array([0.01, 0.999]), "M", sec)
    assert low == pytest.approx(0.01, rel=0.05)  # a share near 0 stays near 0
    assert high < 0.9  # the top is pulled down towards what happened
    # The free fit of the same data moves the bottom too; the fixed one is the one asked for.
    free = prob.fit_beta_h(p, y, np.ones(p.size))
    assert free["coef"][1] != pytest.approx(1.0, abs=0.01)


def test_shipped_map_is_monotone_per_frequency_and_says_where_it_was_fitted() -> None:
    m = prob.load_map()
    grid = np.linspace(0.0, 1.0, 101)
    for name in prob.SECTIONS:
        freq = "M" if name == "monthly" else "Y"
        for h in (1, 3, 12):
            q = prob.calibrate_probability(grid, freq, {**m[name], "applied": True}, horizon=h)
            assert np.all(np.diff(q) >= 0) and np.all((q > 0) & (q < 1))
    assert "development part only" in m["provenance"]["fitted_on"]
    assert m["provenance"]["subsample"] == "all"
    assert prob.section("M") == "monthly" and prob.section("Y") == "annual"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"x": [0, 1], "y": [1, 0]}, r"probability_map.json, section 'annual': x \(increasing\)"),
        (
            {"kind": "beta_h", "coef": [0, -1, 1, 0, 0, 0], "h_range": [1, 5]},
            r"section 'annual': the map is not monotone",
        ),
        ({"kind": "beta_h", "coef": [0, 1, 1], "h_range": [1, 5]}, r"needs 6 finite coef"),
    ],
)
def test_a_broken_map_file_is_refused_with_the_file_and_section_named(
    tmp_path, monkeypatch, section, message
):
    bad = {"annual": section, "monthly": {"x": [0, 1], "y": [0, 1]}}
    (tmp_path / prob.MAP_FILE).write_text(json.dumps(bad))
    monkeypatch.setattr(prob.resources, "files", lambda _pkg: tmp_path)
    prob.load_map.cache_clear()
    try:
        with pytest.raises(ValueError, match=message):
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
        steps = res.paths.shape[1]
        assert res.prob_target_met == pytest.approx(
            prob.calibrate_probability(share, "M", horizon=steps)
        )
    # The shipped annual map is not the identity: a share of 0.99 is not reported as 0.99.
    assert prob.calibrate_probability(0.99, "Y") < 0.97
    # An annual series: the reported probability is the share through the annual map, at the
    # deadline's horizon in years.
    years = pd.period_range("2012", periods=14, freq="Y")
    ya = pd.Series(15 + 4.0 * np.arange(14) + rng.normal(0, 1.5, 14), index=years)
    seen = []
    for target in (70.0, 75.0, 80.0):
        res = fc.forecast_to_deadline(
            ya, "2028", target=target, lower=0, upper=100, return_paths=True
        )
        share = float(np.mean(res.paths[:, -1] >= target))
        mapped = prob.calibrate_probability(share, "Y", horizon=res.paths.shape[1])
        assert res.prob_target_met == pytest.approx(mapped)
        seen.append(abs(mapped - share))
    assert max(seen) > 0.05  # the map did change what is reported


def test_a_section_marked_not_applied_leaves_the_share_unchanged():
    knots = {"x": [0.0, 1.0], "y": [0.2, 0.7], "applied": False}
    assert prob.calibrate_probability(0.95, "M", knots=knots) == 0.95
    applied = {**knots, "applied": True}
    assert prob.calibrate_probability(0.95, "M", knots=applied) == pytest.approx(0.675)
    # Each shipped section is applied or recorded only, as its file says, with the reason.
    for name, freq in (("annual", "Y"), ("monthly", "M")):
        sec = prob.load_map()[name]
        top = prob.calibrate_probability(1.0, freq)
        if sec.get("applied", True) is False:
            assert top == 1.0 and sec["not_applied_because"]
        else:
            z = prob.beta_features(1.0, 1) @ np.asarray(sec["coef"])
            assert top == pytest.approx(1 / (1 + np.exp(-z)))


def _check_file(tmp_path, monkeypatch, content: dict) -> None:
    (tmp_path / prob.CHECK_FILE).write_text(json.dumps(content))
    monkeypatch.setattr(prob.resources, "files", lambda _pkg: tmp_path)
    prob.load_check.cache_clear()


def _band(observed: float | None, events: int = 100) -> dict:
    return {"events": events, "mean_forecast": 0.5, "observed": observed}


def test_the_method_note_quotes_the_calibration_measured_on_the_locked_part(
    tmp_path, monkeypatch
) -> None:
    from analysis.reporting.render import components

    check = prob.load_check()
    assert "locked test part" in check["provenance"]["measured_on"]
    # The note quotes the shipped file's figures, whatever they are ...
    y_band = round(100 * check["annual"]["band_70_90"]["observed"])
    vi, en = str(components.method_note("vi")), str(components.method_note("en"))
    assert f"70-90% đã đạt {y_band}% số lần" in vi
    assert f"70-90% were met {y_band}% of the time" in en
    if check["monthly"]["map_applied"]:
        high = round(100 * check["monthly"]["given_60_up"]["observed"])
        assert f"từ 60% trở lên đã đạt {high}%" in vi
    else:
        m_on = round(100 * check["monthly"]["on_track"]["observed"])
        assert f"chỉ đạt {m_on}% số lần" in vi
    # ... and follows the file when it changes (no figure is written into the text itself).
    changed = json.loads(json.dumps(check))
    changed["annual"]["band_70_90"]["observed"] = 0.55
    try:
        _check_file(tmp_path, monkeypatch, changed)
        assert "70-90% đã đạt 55% số lần" in str(components.method_note("vi"))
        # Monthly probabilities not mapped: the note says they are not calibrated and how the
        # on-track band fared; a band where nothing was met is a figure to quote ("0%").
        changed["monthly"]["map_applied"] = False
        changed["monthly"]["on_track"] = _band(0.0, 40)
        _check_file(tmp_path, monkeypatch, changed)
        vi = str(components.method_note("vi"))
        assert "theo tháng, xác suất chưa được hiệu chỉnh" in vi and "chỉ đạt 0% số lần" in vi
        # Mapped: the raw shares' top band, the mapped bands and the highest probability.
        changed["monthly"].update(
            map_applied=True,
            on_track=_band(None, 0),
            raw_on_track=_band(0.61),
            given_60_up=_band(0.64),
            off_track=_band(0.07),
        )
        _check_file(tmp_path, monkeypatch, changed)
        en = str(components.method_note("en"))
        assert "met only 61% of the time" in en and "60% or more were met 64%" in en
        assert "under 30% 7%" in en
        top = prob.calibrate_probability(1.0, "M")
        if top < 0.8:
            assert "stays below 80%" in en and "On track" in en
        else:
            assert f"at most about {10 * round(10 * top)}%" in en
        # A quoted band without events, or a band without its figure, is refused by name.
        changed["monthly"]["given_60_up"] = _band(None, 0)
        _check_file(tmp_path, monkeypatch, changed)
        with pytest.raises(ValueError, match=r"probability_check.json, monthly.given_60_up"):
            components.method_note("vi")
        for bad in ({"events": 3}, {"events": -1, "observed": None}):
            changed["monthly"]["off_track"] = bad
            _check_file(tmp_path, monkeypatch, changed)
            with pytest.raises(ValueError, match=r"probability_check.json, monthly.off_track"):
                prob.load_check()
    finally:
        prob.load_check.cache_clear()
