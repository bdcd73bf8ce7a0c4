"""Candidate models on the modelling grid and how each is fitted.

Parameters are estimated with statsmodels / scipy; paths are simulated with vectorised numpy
recursions of the same equations, so that 1000 paths cost well under a millisecond. Each model
also exists as an original-scale variant ``*_y`` (:class:`OriginalScaleModel`):

``ets``
    Damped additive-trend exponential smoothing (damping bounded to [0.8, 0.98]).
``logistic``
    Saturating logistic growth curve (:mod:`~analysis.analyses.forecasting.logistic`).
``arima``
    ARIMA(1,1,0) with drift by conditional least squares (:func:`ar1_const_cls`).
``naive`` / ``drift``
    Random walk without / with drift: the usual benchmarks (``naive`` only in fallbacks).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analysis.analyses.forecasting.grid import DuplicateModel, FittedModel, GridData, Transform
from analysis.analyses.forecasting.logistic import LogisticModel

#: Bounds of the ETS damping parameter (Hyndman & Athanasopoulos recommend
#: phi <= 0.98 because phi close to 1 is indistinguishable from an undamped trend).
DAMPING_BOUNDS = (0.8, 0.98)


@dataclass
class NaiveModel(FittedModel):
    """Random walk: the last value persists, changes are white noise."""

    z_last: float
    sigma: float
    name: str = "naive"
    label: str = "naive (random walk)"

    @classmethod
    def fit(cls, data: GridData) -> NaiveModel:
        dz = np.diff(data.z)
        # Root mean square change (no mean removed: the naive model has no drift).
        sigma = float(np.sqrt(np.mean(dz**2))) if dz.size else 0.0
        return cls(float(data.z[-1]), sigma)

    def point(self, h: int) -> np.ndarray:
        return np.full(h, self.z_last)

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        steps = rng.standard_normal((n, h)) * self.sigma
        return self.z_last + np.cumsum(steps, axis=1)

    def at_origin(self, data: GridData) -> NaiveModel:
        return NaiveModel.fit(data)


@dataclass
class DriftModel(FittedModel):
    """Random walk with drift; drift estimation error is included in paths."""

    z_last: float
    mu: float
    sigma: float
    se_mu: float
    name: str = "drift"
    label: str = "drift"

    @classmethod
    def fit(cls, data: GridData) -> DriftModel:
        dz = np.diff(data.z)
        if dz.size == 0:
            return cls(float(data.z[-1]), 0.0, 0.0, 0.0)
        mu = float(np.mean(dz))
        sigma = float(np.std(dz, ddof=1)) if dz.size > 1 else abs(mu)
        return cls(float(data.z[-1]), mu, sigma, sigma / math.sqrt(dz.size))

    def point(self, h: int) -> np.ndarray:
        return self.z_last + self.mu * np.arange(1, h + 1)

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        steps = np.arange(1, h + 1)
        mu = self.mu + self.se_mu * rng.standard_normal((n, 1))
        noise = np.cumsum(rng.standard_normal((n, h)) * self.sigma, axis=1)
        return self.z_last + mu * steps + noise

    def at_origin(self, data: GridData) -> DriftModel:
        return DriftModel.fit(data)


@dataclass
class EtsModel(FittedModel):
    """Damped additive trend ETS(A,Ad,N) in error-correction form.

    ``y_t = l_{t-1} + phi b_{t-1} + e_t``, ``l_t = l_{t-1} + phi b_{t-1} + alpha e_t``,
    ``b_t = phi b_{t-1} + alpha beta e_t`` -- exactly the recursion statsmodels
    ``ExponentialSmoothing(trend="add", damped_trend=True)`` uses, so the states
    it reports can be continued here.
    """

    alpha: float
    beta: float
    phi: float
    level: float
    trend: float
    sigma: float
    # Filtered states and residuals for the whole history, so that a backtest
    # origin re-uses the states the filter had at that time (fixed parameters).
    levels: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    trends: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    resid: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    name: str = "ets"
    label: str = "damped ETS"

    @classmethod
    def fit(cls, data: GridData) -> EtsModel:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        z = data.z
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Heuristic initial states (from the first 10 points) leave three
            # parameters to optimise instead of five: about half the time.
            model = ExponentialSmoothing(
                z,
                trend="add",
                damped_trend=True,
                initialization_method="heuristic" if z.size >= 10 else "estimated",
                bounds={"damping_trend": DAMPING_BOUNDS},
            )
            # use_brute=False: the brute-force start grid doubles the cost and
            # rarely changes the optimum for a non-seasonal model.
            res = model.fit(use_brute=False)
        params = res.params
        alpha = float(params["smoothing_level"])
        beta = float(params["smoothing_trend"])
        phi = float(params["damping_trend"])
        levels = np.asarray(res.level, dtype=float)
        trends = np.asarray(res.trend, dtype=float)
        resid = z - np.asarray(res.fittedvalues, dtype=float)
        if not (np.all(np.isfinite(levels)) and np.all(np.isfinite(trends))):
            raise FloatingPointError("ETS states are not finite")
        sigma = _resid_sigma(resid, n_params=5)
        return cls(alpha, beta, phi, levels[-1], trends[-1], sigma, levels, trends, resid)

    def point(self, h: int) -> np.ndarray:
        damp = np.cumsum(self.phi ** np.arange(1, h + 1))
        return self.level + damp * self.trend

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((n, h))
        lev = np.full(n, self.level)
        tr = np.full(n, self.trend)
        eps = rng.standard_normal((n, h)) * self.sigma
        for i in range(h):
            yhat = lev + self.phi * tr
            out[:, i] = yhat + eps[:, i]
            lev = yhat + self.alpha * eps[:, i]
            tr = self.phi * tr + self.alpha * self.beta * eps[:, i]
        return out

    def at_origin(self, data: GridData) -> EtsModel:
        # Parameters stay at their full-sample estimates (cheap backtest, as
        # documented); the states are the ones the filter had at the origin, so
        # no observation after the origin enters the state.
        o = data.n
        sigma = _resid_sigma(self.resid[:o], n_params=5)
        return EtsModel(
            self.alpha, self.beta, self.phi, self.levels[o - 1], self.trends[o - 1], sigma
        )


@dataclass
class ArimaDriftModel(FittedModel):
    """ARIMA(1,1,0) with drift: ``dz_t = c + a dz_{t-1} + u_t``."""

    z_last: float
    dz_last: float
    const: float
    ar: float
    sigma: float
    name: str = "arima"
    label: str = "ARIMA(1,1,0) with drift"

    @classmethod
    def fit(cls, data: GridData) -> ArimaDriftModel:
        dz = np.diff(data.z)
        if dz.size < 5:
            raise ValueError("too few changes for ARIMA(1,1,0)")
        const, ar, sigma2 = ar1_const_cls(dz)
        if abs(ar) > 0.95:
            # Keep the process stationary in differences; re-centre the constant
            # so the long-run drift (c / (1 - a)) is unchanged.
            ar_c = math.copysign(0.95, ar)
            const = const * (1.0 - ar_c) / (1.0 - ar) if ar < 1.0 else float(np.mean(dz))
            ar = ar_c
        return cls(float(data.z[-1]), float(dz[-1]), const, ar, math.sqrt(sigma2))

    def _run(self, h: int, shocks: np.ndarray) -> np.ndarray:
        d = np.full(shocks.shape[0], self.dz_last)
        out = np.empty(shocks.shape)
        level = np.full(shocks.shape[0], self.z_last)
        for i in range(h):
            d = self.const + self.ar * d + shocks[:, i]
            level = level + d
            out[:, i] = level
        return out

    def point(self, h: int) -> np.ndarray:
        return self._run(h, np.zeros((1, h)))[0]

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._run(h, rng.standard_normal((n, h)) * self.sigma)

    def at_origin(self, data: GridData) -> ArimaDriftModel:
        return ArimaDriftModel.fit(data)


def ar1_const_cls(x: np.ndarray) -> tuple[float, float, float]:
    """AR(1) with constant by conditional least squares: ``(const, ar, sigma2)``.

    This is exactly the estimator of statsmodels
    ``AutoReg(x, lags=1, trend="c").fit()`` (OLS of ``x_t`` on ``1, x_{t-1}``,
    ``sigma2`` = mean squared residual), written out because building an
    ``AutoReg`` costs ~1 ms of pandas/deterministic-term setup per call and the
    backtest refits it at every origin.  The test suite checks the equality.
    """
    x = np.asarray(x, dtype=float)
    xl, xt = x[:-1], x[1:]
    var = float(np.var(xl))
    if var <= 1e-300:
        # Constant lagged values: the slope is not identified, use a pure mean.
        return float(np.mean(xt)), 0.0, float(np.var(xt))
    ar = float(np.mean((xl - xl.mean()) * (xt - xt.mean())) / var)
    const = float(xt.mean() - ar * xl.mean())
    resid = xt - const - ar * xl
    return const, ar, float(np.mean(resid**2))


def _resid_sigma(resid: np.ndarray, n_params: int) -> float:
    """Residual standard deviation with a degrees-of-freedom correction."""
    r = np.asarray(resid, dtype=float)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return 0.0
    dof = max(r.size - n_params, 1)
    return float(np.sqrt(np.sum(r**2) / dof))


@dataclass
class OriginalScaleModel(FittedModel):
    """A model fitted on the original scale, seen through the logit transform.

    Early in an adoption curve the logit scale turns steady absolute growth
    into explosive exponential growth; a damped trend or drift on the original
    scale (paths clipped at the bounds) is then often the better forecast, and
    the backtest decides.  Paths are returned on the modelling (logit) scale so
    that they mix and calibrate like every other candidate.
    """

    inner: FittedModel
    transform: Transform
    name: str = ""
    label: str = ""

    @staticmethod
    def _raw(data: GridData) -> GridData:
        raw = Transform(None, None)
        return GridData(data.y, data.y, data.observed, raw)

    @classmethod
    def wrap(
        cls, fitter: Callable[[GridData], FittedModel], suffix: str, duplicate: bool = False
    ) -> Callable[[GridData], FittedModel]:
        """Fitter of the original-scale variant of ``fitter``.

        Without a logit scale the variant is the plain model (``duplicate=True``
        marks variants that then coincide with another candidate and are skipped).
        """

        def fit(data: GridData) -> FittedModel:
            if data.transform.kind != "logit":
                if duplicate:
                    raise DuplicateModel
                inner = fitter(data)
                inner.name = inner.name + suffix
                return inner
            inner = fitter(cls._raw(data))
            return cls(inner, data.transform, inner.name + suffix, inner.label)

        return fit

    def _to_z(self, y: np.ndarray) -> np.ndarray:
        tr = self.transform
        return tr.forward(np.clip(y, tr.lower, tr.upper))

    def point(self, h: int) -> np.ndarray:
        return self._to_z(self.inner.point(h))

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._to_z(self.inner.simulate(h, n, rng))

    def at_origin(self, data: GridData) -> OriginalScaleModel:
        inner = self.inner.at_origin(self._raw(data))
        return OriginalScaleModel(inner, self.transform, self.name, self.label)


#: (logit) scale, ``*_y`` variants on the original scale (paths clipped at the
#: bounds).  :class:`BacktestSettings.pool` picks which ones are used; ties in
#: the backtest go to the earlier one in the pool.
CANDIDATES: dict[str, Callable[[GridData], FittedModel]] = {
    "ets": EtsModel.fit,
    "logistic": LogisticModel.fit,
    "arima": ArimaDriftModel.fit,
    "ets_y": OriginalScaleModel.wrap(EtsModel.fit, "_y", duplicate=True),
    "naive": NaiveModel.fit,
    "drift": DriftModel.fit,
    "arima_y": OriginalScaleModel.wrap(ArimaDriftModel.fit, "_y"),
    "drift_y": OriginalScaleModel.wrap(DriftModel.fit, "_y"),
}


_LABELS = {
    "ets": "damped ETS",
    "logistic": "logistic curve",
    "arima": "ARIMA(1,1,0)+drift",
    "naive": "naive",
    "drift": "drift",
}


def model_label(name: str, data: GridData) -> str:
    """Readable model name with the scale it works on."""
    if name == "logistic":
        return _LABELS[name]
    if name.endswith("_y"):
        base = _LABELS[name[:-2]]
        return f"{base} (original scale)" if data.transform.kind == "logit" else base
    if name == "naive":
        return _LABELS[name]  # identical on every monotone scale
    if data.transform.kind == "logit":
        return f"{_LABELS[name]} (logit)"
    return _LABELS[name]
