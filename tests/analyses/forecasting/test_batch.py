"""The monthly batch: every province x indicator x target at once, its cache, its calendar."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis import forecast as fc
from analysis.analyses.forecasting import batch as fc_batch
from analysis.analyses.forecasting.grid import GridData, Transform
from analysis.analyses.forecasting.probability import calibrate_probability
from analysis.forecast import (
    BATCH_COLUMNS,
    cached_forecast_batch,
    forecast_batch,
    forecast_to_deadline,
)
from analysis.reference.targets import INSUFFICIENT_HISTORY
from tests.analyses.forecasting.curves import STATUSES, assert_no_nan, small_frame


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
