"""The models the engine mixes: logistic curves, ETS and AR(1) against statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from analysis.analyses.forecasting.grid import GridData, Transform
from analysis.analyses.forecasting.logistic import logistic_curve
from analysis.analyses.forecasting.models import EtsModel, ar1_const_cls
from analysis.forecast import (
    fit_logistic_curve,
)


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
