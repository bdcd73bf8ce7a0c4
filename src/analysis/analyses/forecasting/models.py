"""Model building blocks for :mod:`analysis.forecast`.

Everything here works on a *regular* grid of one series in a transformed space
``z`` (scaled logit when both bounds are known, the original scale otherwise),
so that the public module only has to deal with periods, targets and fallbacks.

Candidate models (parameters estimated with statsmodels / scipy, paths simulated
with vectorised numpy recursions of the same equations so that 1000 paths cost
well under a millisecond; each also exists as an original-scale variant
``*_y``, see :class:`OriginalScaleModel`):

``ets``
    Damped additive-trend exponential smoothing (statsmodels
    ``ExponentialSmoothing``; damping bounded to [0.8, 0.98] as is customary).
``logistic``
    Saturating logistic growth curve fitted with ``scipy.optimize.curve_fit``,
    capped by the upper bound; paths add parameter draws from the estimated
    covariance and an AR(1) residual process whose innovations are resampled
    from the fit's own residuals (residual bootstrap).
``arima``
    ARIMA(1,1,0) with drift, i.e. an AR(1) with constant on the first
    differences, estimated by conditional least squares (the statsmodels
    ``AutoReg`` estimator, see :func:`ar1_const_cls`).
``naive`` / ``drift``
    Random walk without / with drift: the usual benchmarks (``naive`` only in
    the fallbacks, see :class:`BacktestSettings`).

:func:`select_and_combine` runs a cheap rolling-origin backtest, weights the
models by inverse MASE shrunk toward equal weights (more so when the history
allows fewer backtest origins) and estimates one interval scale factor per
side of the median from the backtest's standardised errors.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit
from scipy.special import expit
from scipy.stats import norm
from scipy.stats import t as student_t

__all__ = [
    "EPS_DEFAULT",
    "LogisticFit",
    "Transform",
    "Ensemble",
    "allocate_paths",
    "fit_logistic_curve",
    "logistic_curve",
    "select_and_combine",
    "short_history_ensemble",
    "student_t_factor",
]

#: Clipping resolution of the scaled logit, as a fraction of ``upper - lower``
#: (0.1 percentage point for a rate in %).  Values closer than this to a bound
#: are treated as being at ``eps`` from it: exact zeros (common in early
#: adoption data) would otherwise map to -inf, and tiny values (0.004 %,
#: 0.03 % ...) would turn into huge logit-scale jumps that trend models then
#: extrapolate as explosive growth.  Also the tolerance within which a value
#: counts as "at the bound".
EPS_DEFAULT = 1e-3

#: Bounds of the ETS damping parameter (Hyndman & Athanasopoulos recommend
#: phi <= 0.98 because phi close to 1 is indistinguishable from an undamped trend).
DAMPING_BOUNDS = (0.8, 0.98)

#: Fewest held-out errors for a pooled calibration (:class:`PooledCalibration`);
#: below it each series keeps its own calibration.
MIN_POOLED_ERRORS = 50

#: Fewest errors at one step ahead for that step's own error distribution
#: (roughly what a 10 % tail quantile needs); otherwise the nearest shorter
#: step with enough errors, or all steps together.
MIN_POOLED_PER_STEP = 30


# --------------------------------------------------------------------------- transform
@dataclass(frozen=True)
class Transform:
    """Map between the original scale ``y`` and the modelling scale ``z``.

    With both bounds known ``z = logit((y - lower) / (upper - lower))`` with the
    fraction clipped to ``[eps, 1 - eps]``; any path simulated in ``z`` maps back
    strictly inside the bounds.  With zero or one bound the identity is used and
    paths are clipped at the known bound when mapped back.
    """

    lower: float | None
    upper: float | None
    eps: float = EPS_DEFAULT

    @property
    def kind(self) -> str:
        """``"logit"`` when both bounds are known, otherwise ``"identity"``."""
        if self.lower is not None and self.upper is not None and self.upper > self.lower:
            return "logit"
        return "identity"

    @property
    def label(self) -> str:
        """Short name used in model descriptions."""
        return "logit" if self.kind == "logit" else "original scale"

    @property
    def span(self) -> float:
        """``upper - lower`` (1.0 when a bound is unknown)."""
        if self.kind == "logit":
            return float(self.upper - self.lower)  # type: ignore[operator]
        return 1.0

    def to_unit(self, y: np.ndarray) -> np.ndarray:
        """Fraction of the way from ``lower`` to ``upper`` (logit transform only)."""
        return (np.asarray(y, dtype=float) - self.lower) / self.span

    def forward(self, y: np.ndarray) -> np.ndarray:
        """Original scale -> modelling scale."""
        y = np.asarray(y, dtype=float)
        if self.kind == "logit":
            p = np.clip(self.to_unit(y), self.eps, 1.0 - self.eps)
            return np.log(p) - np.log1p(-p)
        return y.copy()

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Modelling scale -> original scale, always inside the bounds."""
        z = np.asarray(z, dtype=float)
        if self.kind == "logit":
            y = self.lower + self.span * expit(z)
            return np.clip(y, self.lower, self.upper)
        lo = -np.inf if self.lower is None else self.lower
        hi = np.inf if self.upper is None else self.upper
        return np.clip(z, lo, hi)


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class GridData:
    """One series on a regular grid of periods ``0..n-1``.

    Attributes
    ----------
    z : ndarray
        Values on the modelling scale; interior gaps already interpolated.
    y : ndarray
        Values on the original scale (same interpolation), used to score
        backtests in the units people read.
    observed : ndarray of bool
        True where the value was observed rather than interpolated; backtests
        are scored on observed values only.
    transform : Transform
        The scale mapping.
    """

    z: np.ndarray
    y: np.ndarray
    observed: np.ndarray
    transform: Transform

    @property
    def n(self) -> int:
        """Number of grid points."""
        return int(self.z.size)

    def head(self, o: int) -> GridData:
        """The first ``o`` grid points (history available at origin ``o``)."""
        return GridData(self.z[:o], self.y[:o], self.observed[:o], self.transform)


# --------------------------------------------------------------------------- models
class FittedModel:
    """Interface of a fitted candidate model on the modelling scale."""

    name: str = ""
    label: str = ""

    def point(self, h: int) -> np.ndarray:
        """Central forecast for steps ``1..h`` (length ``h``)."""
        raise NotImplementedError

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` simulated future paths, shape ``(n, h)``."""
        raise NotImplementedError

    def at_origin(self, data: GridData) -> FittedModel:
        """The same model fitted on a prefix of the history (for backtests)."""
        raise NotImplementedError


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


# --------------------------------------------------------------------------- logistic
def logistic_curve(
    t: np.ndarray, cap: float, rate: float, midpoint: float, lower: float = 0.0
) -> np.ndarray:
    """Logistic growth ``lower + (cap - lower) / (1 + exp(-rate (t - midpoint)))``.

    Parameters
    ----------
    t : ndarray
        Time in periods.
    cap : float
        Saturation level (on the original scale).
    rate : float
        Growth rate per period (negative for a declining curve).
    midpoint : float
        Inflection time, in the units of ``t``.
    lower : float, default 0
        Floor of the curve.
    """
    return lower + (cap - lower) * expit(rate * (np.asarray(t, dtype=float) - midpoint))


@dataclass(frozen=True)
class LogisticFit:
    """Result of :func:`fit_logistic_curve` (original scale).

    Attributes
    ----------
    cap, rate, midpoint : float
        Curve parameters, see :func:`logistic_curve`.
    lower : float
        Floor used for the fit.
    cov : ndarray
        3x3 covariance of ``(cap, rate, midpoint)`` from ``curve_fit`` (may
        contain inf when a parameter is not identified, e.g. the cap of a curve
        still in its exponential phase).
    """

    cap: float
    rate: float
    midpoint: float
    lower: float
    cov: np.ndarray = field(repr=False)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return logistic_curve(t, self.cap, self.rate, self.midpoint, self.lower)


def fit_logistic_curve(
    t: np.ndarray, y: np.ndarray, lower: float = 0.0, upper: float = 1.0
) -> LogisticFit:
    """Fit a logistic growth curve whose cap cannot exceed ``upper``.

    The fit is done on the unit scale ``(y - lower) / (upper - lower)`` with
    ``scipy.optimize.curve_fit`` (trust-region reflective, bounded), starting
    from a regression of the logit of the data on time, which is a straight
    line for an exact logistic with the cap at the bound.

    Parameters
    ----------
    t, y : ndarray
        Observation times (periods) and values; NaN values are ignored.
    lower, upper : float
        Bounds of the quantity; the cap is constrained to ``(0, upper]``
        relative to ``lower``.

    Returns
    -------
    LogisticFit

    Raises
    ------
    ValueError
        If fewer than 4 finite points are given.
    RuntimeError
        If the optimiser fails.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    if t.size < 4:
        raise ValueError("need at least 4 points to fit a logistic curve")
    span = float(upper - lower)
    p = np.clip((y - lower) / span, 0.0, 1.0)
    pmax = float(p.max())
    t_lo, t_hi = float(t.min()), float(t.max())
    width = max(t_hi - t_lo, 1.0)

    # Start: cap a little above the data, rate/midpoint from a straight line
    # through logit(p / cap).
    cap0 = min(1.0, max(pmax * 1.2, pmax + 0.05, 1e-3))
    q = np.clip(p / cap0, 1e-4, 1 - 1e-4)
    slope, intercept = np.polyfit(t, np.log(q) - np.log1p(-q), 1)
    rate0 = float(np.clip(slope, -2.5, 2.5))
    if abs(rate0) < 1e-3:
        rate0 = 1e-3 if rate0 >= 0 else -1e-3
    mid0 = float(np.clip(-intercept / rate0, t_lo - 10 * width, t_hi + 10 * width))

    cap_lo = max(0.5 * pmax, 1e-6)
    lo_b = [cap_lo, -3.0, t_lo - 20 * width]
    hi_b = [1.0, 3.0, t_hi + 20 * width]
    p0 = [min(max(cap0, cap_lo * 1.001), 1.0), rate0, mid0]

    def unit_curve(tt: np.ndarray, cap: float, rate: float, mid: float) -> np.ndarray:
        return cap * expit(rate * (tt - mid))

    def unit_jac(tt: np.ndarray, cap: float, rate: float, mid: float) -> np.ndarray:
        # Analytic Jacobian: about 3x fewer function calls than finite differences.
        sig = expit(rate * (tt - mid))
        g = cap * sig * (1.0 - sig)
        return np.column_stack([sig, g * (tt - mid), -g * rate])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        popt, pcov = curve_fit(
            unit_curve,
            t,
            p,
            p0=p0,
            bounds=(lo_b, hi_b),
            method="trf",
            jac=unit_jac,
            max_nfev=200,
        )
    cap_u, rate, mid = (float(v) for v in popt)
    scale = np.array([span, 1.0, 1.0])
    cov = np.asarray(pcov, dtype=float) * np.outer(scale, scale)
    return LogisticFit(lower + cap_u * span, rate, mid, float(lower), cov)


@dataclass
class LogisticModel(FittedModel):
    """Logistic growth curve plus AR(1) residuals on the logit scale."""

    fit_: LogisticFit
    transform: Transform
    t_last: float
    resid_last: float
    rho: float
    innovations: np.ndarray = field(repr=False)
    name: str = "logistic"
    label: str = "logistic curve"

    @classmethod
    def fit(cls, data: GridData) -> LogisticModel:
        tr = data.transform
        if tr.kind != "logit":
            raise ValueError("logistic curve needs both bounds")
        idx = np.flatnonzero(data.observed)
        if idx.size < 8:
            raise ValueError("too few observations for a logistic curve")
        fit = fit_logistic_curve(idx.astype(float), data.y[idx], tr.lower, tr.upper)
        # Residuals on the modelling (logit) scale, where the other models work.
        resid = data.z[idx] - tr.forward(fit(idx.astype(float)))
        if resid.size > 2 and np.std(resid[:-1]) > 0 and np.std(resid[1:]) > 0:
            rho = float(np.clip(np.corrcoef(resid[:-1], resid[1:])[0, 1], 0.0, 0.95))
        else:
            rho = 0.0
        innov = resid[1:] - rho * resid[:-1]
        innov = innov - innov.mean()
        # Residuals understate out-of-sample noise by the parameters used;
        # inflate as for an unbiased variance estimate with 3 parameters.
        innov = innov * math.sqrt(resid.size / max(resid.size - 3, 1))
        return cls(fit, tr, float(data.n - 1), float(resid[-1]), rho, innov)

    def _curve_z(self, t: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
        f = self.fit_
        if draws is None:
            return self.transform.forward(f(t))
        cap, rate, mid = draws[:, :1], draws[:, 1:2], draws[:, 2:3]
        vals = logistic_curve(t[None, :], cap, rate, mid, f.lower)
        return self.transform.forward(vals)

    def point(self, h: int) -> np.ndarray:
        t = self.t_last + np.arange(1, h + 1)
        return self._curve_z(t) + self.resid_last * self.rho ** np.arange(1, h + 1)

    def _param_draws(self, n: int, rng: np.random.Generator) -> np.ndarray | None:
        f = self.fit_
        cov = f.cov
        if not np.all(np.isfinite(cov)):
            return None
        theta = np.array([f.cap, f.rate, f.midpoint])
        try:
            chol = np.linalg.cholesky(cov + np.eye(3) * 1e-12)
        except np.linalg.LinAlgError:
            return None
        draws = theta + rng.standard_normal((n, 3)) @ chol.T
        span = self.transform.span
        lo_cap = f.lower + 1e-6 * span
        draws[:, 0] = np.clip(draws[:, 0], lo_cap, self.transform.upper)
        draws[:, 1] = np.clip(draws[:, 1], -3.0, 3.0)
        return draws

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        t = self.t_last + np.arange(1, h + 1)
        draws = self._param_draws(n, rng)
        base = self._curve_z(t, draws) if draws is not None else self._curve_z(t)[None, :]
        if self.innovations.size:
            shocks = rng.choice(self.innovations, size=(n, h), replace=True)
        else:
            shocks = np.zeros((n, h))
        resid = np.empty((n, h))
        e = np.full(n, self.resid_last)
        for i in range(h):
            e = self.rho * e + shocks[:, i]
            resid[:, i] = e
        return base + resid

    def at_origin(self, data: GridData) -> LogisticModel:
        return LogisticModel.fit(data)


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


class DuplicateModel(Exception):
    """Raised by a candidate that would duplicate another one for this series."""


#: Candidate model fitters.  Names without a suffix work on the modelling
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


# --------------------------------------------------------------------------- ensemble
@dataclass
class Ensemble:
    """Weighted mixture of fitted models plus an interval scale factor.

    Attributes
    ----------
    models : list of FittedModel
        Models with positive weight.
    weights : ndarray
        Mixture weights (sum to one).
    scale : float
        Factor applied to the dispersion of the mixed paths around their
        per-step median, on the modelling scale.
    description : str
        Readable account of the selection, for the ``model`` field.
    notes : list of str
        Extra remarks (dropped models etc.).
    mase : dict
        Backtest MASE per candidate (empty without a backtest).
    """

    models: list[FittedModel]
    weights: np.ndarray
    scale: float
    description: str
    notes: list[str] = field(default_factory=list)
    mase: dict[str, float] = field(default_factory=dict)

    calibration: Calibration | None = None
    evidence: np.ndarray | None = None
    unit: float = 1.0
    calib_text: str = ""

    def simulate(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Mixed and calibrated paths on the modelling scale, shape ``(n, h)``."""
        return self.calibrate(self.simulate_raw(h, n, rng))

    def simulate_raw(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Mixed paths before any interval calibration, shape ``(n, h)``."""
        return mix_paths(self.models, self.weights, 1.0, h, n, rng)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Apply this series' own calibration (per side, or one factor) to raw paths."""
        return apply_calibration(
            raw, self.calibration if self.calibration is not None else self.scale
        )


def allocate_paths(weights: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` paths between models by weight (largest-remainder rounding)."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * n
    counts = np.floor(raw).astype(int)
    short = n - counts.sum()
    if short > 0:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


@dataclass(frozen=True)
class Calibration:
    """Dispersion factors for the deviations below and above the per-step median.

    ``z' = median + below * (z - median)`` for values under the median and
    ``above`` for values over it: a monotone map of each period's values, so
    the paths keep their order (and stay the paths that every reported
    quantity is read from).
    """

    below: float
    above: float

    def apply(self, paths: np.ndarray) -> np.ndarray:
        """Recalibrated copy of ``paths`` (shape ``(n, h)``)."""
        med = np.median(paths, axis=0)
        dev = paths - med
        return med + np.where(dev < 0, self.below, self.above) * dev


@dataclass(frozen=True, eq=False)
class PooledCalibration:
    """Predictive error distribution pooled over the backtests of many series.

    One series' own backtest holds a dozen or so held-out errors, too few to
    estimate the shape of its error distribution; the series of one indicator
    in one period batch (34 provinces) together hold hundreds.  Each error is
    ``z - median`` of the raw model mixture at a backtest origin, on the
    modelling scale, divided by the series' mean absolute one-period change
    (:func:`naive_unit`), and kept per step ahead.

    :meth:`apply` replaces, period by period, the spread of a series' raw
    paths by these pooled errors: the path at rank ``i`` of ``n`` in a period
    moves to ``median + unit x Q((i + 1/2) / n)`` with ``Q`` the empirical
    quantile function of the pooled errors at that step.  This is quantile
    (PIT) recalibration in the units of each series: it corrects the width,
    the asymmetry, the tails and any common bias of the median at once, keeps
    every period's order of the paths (so the probability, the expected month
    and the intervals still come from the same paths), and extends beyond the
    range of the raw paths where the pooled errors do.

    Build with :meth:`from_evidence`, which returns None when the pool is too
    small to be worth more than each series' own calibration.
    """

    steps: tuple[np.ndarray, ...]
    errors: np.ndarray
    n_series: int
    min_per_step: int

    @classmethod
    def from_evidence(
        cls,
        evidence: Sequence[np.ndarray | None],
        *,
        min_total: int = MIN_POOLED_ERRORS,
        min_per_step: int = MIN_POOLED_PER_STEP,
    ) -> PooledCalibration | None:
        """Pool ``(step, error)`` rows of several series (None entries are skipped)."""
        rows = [e for e in evidence if e is not None and len(e)]
        if not rows:
            return None
        ev = np.vstack(rows)
        ev = ev[np.isfinite(ev[:, 1])]
        if ev.shape[0] < min_total:
            return None
        step = ev[:, 0].astype(int)
        steps = tuple(np.sort(ev[step == j, 1]) for j in range(1, int(step.max()) + 1))
        return cls(steps, np.sort(ev[:, 1]), len(rows), min_per_step)

    @property
    def n_errors(self) -> int:
        """Number of pooled held-out errors."""
        return int(self.errors.size)

    def errors_for(self, step: int) -> np.ndarray:
        """Pooled errors for ``step`` periods ahead.

        The errors of that step when there are at least ``min_per_step``;
        beyond the backtest horizon, those of the longest step with enough of
        them; all steps together when no step has enough.
        """
        for j in range(min(step, len(self.steps)), 0, -1):
            if self.steps[j - 1].size >= self.min_per_step:
                return self.steps[j - 1]
        return self.errors

    def apply(self, raw: np.ndarray, unit: float) -> np.ndarray:
        """Recalibrated copy of raw mixture paths ``(n, h)`` on the modelling scale."""
        n, h = raw.shape
        out = np.empty_like(raw, dtype=float)
        levels = (np.arange(n) + 0.5) / n
        med = np.median(raw, axis=0)
        for t in range(h):
            q = np.quantile(self.errors_for(t + 1), levels)
            order = np.argsort(raw[:, t], kind="stable")
            out[order, t] = med[t] + unit * q
        return out

    def describe(self) -> str:
        """Readable account for the ``model`` field."""
        return (
            f"; intervals from the backtest errors of {self.n_series} series of this "
            f"indicator pooled ({self.n_errors} held-out errors, quantile recalibration "
            "per step ahead)"
        )


def mix_paths(
    models: Sequence[FittedModel],
    weights: np.ndarray,
    scale: float | Calibration,
    h: int,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw a weighted mixture of model paths and rescale its dispersion.

    ``scale`` is one factor for every deviation from the per-step median, or a
    :class:`Calibration` (one factor per side of the median).
    """
    counts = allocate_paths(weights, n)
    parts = [m.simulate(h, c, rng) for m, c in zip(models, counts, strict=True) if c > 0]
    return apply_calibration(np.vstack(parts), scale)


def apply_calibration(paths: np.ndarray, scale: float | Calibration) -> np.ndarray:
    """Rescale the dispersion of ``paths`` around their per-period median.

    ``scale`` is one factor for every deviation, or a :class:`Calibration`
    (one factor per side of the median); a factor of 1 returns ``paths``.
    """
    if isinstance(scale, Calibration):
        return scale.apply(paths)
    if scale != 1.0:
        med = np.median(paths, axis=0)
        return med + scale * (paths - med)
    return paths


def student_t_factor(dof: int, level: float) -> float:
    """Ratio of Student-t to normal central quantiles for ``level``.

    Used to widen intervals when the noise level is estimated from only a
    handful of changes and no backtest is possible.
    """
    q = 0.5 + level / 2.0
    return float(student_t.ppf(q, max(dof, 1)) / norm.ppf(q))


def short_history_ensemble(data: GridData, level: float) -> Ensemble:
    """Fallback for fewer than 8 observations: equal mix of naive and drift.

    With so few points a backtest cannot be run; the mean of the two simplest
    forecasts is hard to beat (Hyndman & Athanasopoulos), and the interval is
    widened by the Student-t factor for ``n - 2`` degrees of freedom.
    """
    n_obs = int(data.observed.sum())
    if n_obs <= 1 or data.n <= 1:
        return Ensemble(
            [NaiveModel(float(data.z[-1]), 0.0)],
            np.array([1.0]),
            1.0,
            "single observation: held constant (no change observed, so no "
            "uncertainty can be estimated: zero-width interval)",
        )
    scale = student_t_factor(n_obs - 2, level)
    return Ensemble(
        [NaiveModel.fit(data), DriftModel.fit(data)],
        np.array([0.5, 0.5]),
        scale,
        f"short history ({n_obs} points < 8): equal mix of naive and drift on the "
        f"{data.transform.label} scale, no backtest; intervals widened ×{scale:.2f} "
        f"(Student-t, {max(n_obs - 2, 1)} d.f.)",
    )


@dataclass(frozen=True)
class BacktestSettings:
    """Knobs of the rolling-origin backtest.

    Attributes
    ----------
    max_horizon, min_horizon : int
        The backtest horizon is the number of periods to the deadline, limited
        to ``[min_horizon, max_horizon]`` and to ``n // 4``.
    n_origins : int
        Backtest origins, spaced half a horizon apart, the last one a full
        horizon before the end.
    min_train : int
        Fewest grid points before the first origin.
    pool : tuple of str
        Candidate models (keys of :data:`CANDIDATES`).  The default mixes
        trends on the logit scale (which extrapolate S-curves toward the
        bound), a saturating curve (which can level off below it) and a damped
        trend on the original scale (which guards against the explosive growth
        that logit-scale trends project from the first percent of an adoption
        curve, and holds a stalled series near its level).  The random walk
        (``naive``) is not in the default pool: as a predictive distribution it
        puts half its mass on a decline of a series that rises steadily, and
        the equal-weight shrinkage kept at least 1/12 of the paths on it.
    top_k : int
        Number of best models combined (default: all candidates).
    shrink : float
        Weight of the inverse-MASE weights against equal weights with the
        planned ``n_origins`` backtest origins.
    calib_paths : int
        Paths per origin used to estimate the interval scale.
    prior_scale, prior_weight : float
        The scale estimate is shrunk toward ``prior_scale`` (on the log scale)
        as if ``prior_weight`` extra errors had that value, because a quantile
        of a handful of correlated errors is noisy.
    scale_bounds : tuple of float
        Hard limits of the scale factor.
    two_sided : bool
        Calibrate the dispersion below and above the median separately
        (each side shrunk toward the pooled factor), see :class:`Calibration`.
    evidence_shrink : bool
        With fewer usable origins than ``n_origins`` scale ``shrink`` down in
        proportion (one origin: a sixth of the tilt) instead of keeping only
        the best model.
    """

    max_horizon: int = 12
    min_horizon: int = 3
    n_origins: int = 3
    min_train: int = 8
    pool: tuple[str, ...] = ("ets", "logistic", "arima", "ets_y", "drift")
    top_k: int = 5
    shrink: float = 0.5
    calib_paths: int = 200
    prior_scale: float = 1.0
    prior_weight: float = 6.0
    scale_bounds: tuple[float, float] = (0.25, 4.0)
    two_sided: bool = True
    evidence_shrink: bool = True


def select_and_combine(
    data: GridData,
    horizon: int,
    level: float,
    rng: np.random.Generator,
    settings: BacktestSettings | None = None,
) -> Ensemble:
    """Fit all candidates, backtest them and build the calibrated mixture.

    Steps
    -----
    1. Fit every candidate on the full history (failures are dropped and noted).
    2. Rolling-origin backtest: for a few origins near the end, refit on the
       prefix (ETS keeps its full-sample parameters but restarts from the states
       it had at the origin) and score point forecasts on observed values,
       scaled by the in-sample naive MAE (MASE).
    3. Keep the ``top_k`` models by MASE and weight them by
       ``shrink' * (1/MASE, normalised) + (1 - shrink') * equal`` where
       ``shrink' = shrink * min(1, origins used / n_origins)``: the fewer the
       origins, the noisier the ranking and the closer to equal weights.
    4. Interval calibration: at each origin, draw the weighted mixture of paths,
       and for each held-out value compute the ratio of its distance from the
       mixture median to the half-width of the nominal interval on its side.
       The ``level`` quantile of these ratios is the factor that would have
       made the intervals cover ``level`` of the held-out values; it is shrunk
       toward 1 and bounded (see :class:`BacktestSettings`).  The same is done
       for the held-out values below and above the median separately, each
       shrunk toward the pooled factor, and the two factors are applied to the
       deviations on their side of the median (:class:`Calibration`).

    Parameters
    ----------
    data : GridData
        The prepared series (at least ``settings.min_train + 1`` points).
    horizon : int
        Periods from the last observation to the deadline.
    level : float
        Nominal interval coverage.
    rng : numpy.random.Generator
        Source of randomness (calibration draws).
    settings : BacktestSettings, optional

    Returns
    -------
    Ensemble
    """
    s = settings or BacktestSettings()
    notes: list[str] = []
    full: dict[str, FittedModel] = {}
    for name in s.pool:
        fitter = CANDIDATES[name]
        try:
            full[name] = fitter(data)
        except DuplicateModel:
            continue
        except Exception as exc:  # Any fit failure means "drop model"
            if name == "logistic" and data.transform.kind != "logit":
                notes.append("logistic curve skipped (needs both bounds)")
            else:
                notes.append(f"{_label(name, data)} dropped ({type(exc).__name__})")

    n = data.n
    # At least min_horizon steps even for a deadline 1-2 periods away, so each
    # origin yields a few errors; the scale factor is relative to the models'
    # own dispersion, which already grows with the horizon.
    h_bt = int(max(1, min(max(horizon, s.min_horizon), s.max_horizon, n // 4)))
    step = max(1, h_bt // 2)
    origins = [n - h_bt - j * step for j in range(s.n_origins)]
    origins = sorted(o for o in origins if o >= s.min_train)

    # In-sample naive MAE on the original scale: the MASE denominator.
    y_obs = data.y[data.observed]
    naive_mae = float(np.mean(np.abs(np.diff(y_obs)))) if y_obs.size > 1 else 0.0
    mase_scale = naive_mae if naive_mae > 0 else 1.0

    errors: dict[str, list[float]] = {k: [] for k in full}
    fits_at: dict[int, dict[str, FittedModel]] = {}
    for o in origins:
        prefix = data.head(o)
        h = min(h_bt, n - o)
        obs = data.observed[o : o + h]
        if not obs.any():
            continue
        fits_at[o] = {}
        y_true = data.y[o : o + h][obs]
        for name, model in full.items():
            try:
                m = model.at_origin(prefix)
                y_hat = data.transform.inverse(m.point(h))[obs]
            except Exception:  # A failed refit just scores badly
                errors[name].append(np.inf)
                continue
            fits_at[o][name] = m
            errors[name].extend(np.abs(y_true - y_hat).tolist())

    mase = {k: float(np.mean(v)) / mase_scale for k, v in errors.items() if v}
    usable = {k: v for k, v in mase.items() if np.isfinite(v)}
    if not usable:
        # No backtest possible (e.g. history just long enough): with no evidence
        # to rank the models, their equal-weight mix (the combination that is
        # hard to beat), or the random walk when none fitted.  The
        # series has no errors of its own to calibrate with, but it is the same
        # kind of mixture as its neighbours', so a pooled calibration may apply.
        chosen = list(full)
        if not chosen:
            full["naive"] = NaiveModel.fit(data)
            chosen = ["naive"]
        w = np.full(len(chosen), 1.0 / len(chosen))
        desc = "no usable backtest origin: equal mix of " + " + ".join(
            _label(c, data) for c in chosen
        )
        return Ensemble(
            [full[c] for c in chosen],
            w,
            1.0,
            desc,
            notes,
            mase,
            evidence=np.empty((0, 2)) if chosen[0] != "naive" else None,
            unit=naive_unit(data),
        )

    ranked = sorted(usable, key=lambda k: (usable[k], list(s.pool).index(k)))
    if len(fits_at) < 2 and not s.evidence_shrink:
        chosen = ranked[:1]
    else:
        chosen = ranked[: s.top_k]
    inv = np.array([1.0 / max(usable[c], 1e-9) for c in chosen])
    inv = inv / inv.sum()
    # Backtest weights shrunk toward equal weights: a few backtest origins
    # rank models noisily and equal weights are famously hard to beat (the
    # "forecast combination puzzle"), so the backtest only tilts the mix.
    # The tilt grows with the evidence: with fewer backtest origins than
    # planned (short histories) the ranking is noisier, so the weights stay
    # closer to equal (rather than trusting the single best model).
    shrink = s.shrink * min(1.0, len(fits_at) / s.n_origins) if s.evidence_shrink else s.shrink
    w = shrink * inv + (1.0 - shrink) / len(chosen)

    scale, n_ratio, raw, sided, evidence = _calibrate(data, fits_at, chosen, w, h_bt, level, rng, s)
    parts = " + ".join(f"{_label(c, data)} {wi:.2f}" for c, wi in zip(chosen, w, strict=True))
    if len(chosen) == 1:
        how = (
            f"{_label(chosen[0], data)}, best of {len(usable)} models "
            f"(MASE {usable[chosen[0]]:.2f}) in a rolling-origin backtest "
            f"({len(fits_at)} origin{'s' if len(fits_at) != 1 else ''}, horizon {h_bt})"
        )
    else:
        how = (
            f"combination of {parts}; weights {shrink:.2g}×(∝ 1/MASE) + {1 - shrink:.2g}×equal "
            f"over the top {len(chosen)} of {len(usable)} models in a rolling-origin "
            f"backtest ({len(fits_at)} origins, horizon {h_bt})"
        )
    calib = ""
    if n_ratio:
        calib = (
            f"; intervals calibrated ×{scale:.2f} from {n_ratio} held-out errors "
            f"(raw {raw:.2f}, shrunk toward {s.prior_scale:g})"
        )
        if sided is not None:
            calib += f"; per side of the median ×{sided.below:.2f} below, ×{sided.above:.2f} above"
    return Ensemble(
        [full[c] for c in chosen],
        w,
        scale,
        how + calib,
        notes,
        mase,
        sided,
        evidence=evidence,
        unit=naive_unit(data),
        calib_text=calib,
    )


def naive_unit(data: GridData) -> float:
    """Mean absolute one-period change on the modelling scale (the pooled error unit)."""
    dz = np.abs(np.diff(data.z))
    u = float(np.mean(dz)) if dz.size else 0.0
    return u if np.isfinite(u) and u > 1e-9 else 1e-9


def _calibrate(
    data: GridData,
    fits_at: dict[int, dict[str, FittedModel]],
    chosen: list[str],
    weights: np.ndarray,
    h_bt: int,
    level: float,
    rng: np.random.Generator,
    s: BacktestSettings,
) -> tuple[float, int, float, Calibration | None, np.ndarray | None]:
    """Interval scale factors from backtest errors (see :func:`select_and_combine`).

    Returns the pooled factor, the number of ratios, the raw (unshrunk) pooled
    factor, when ``s.two_sided`` the :class:`Calibration` per side of the
    median (else None), and the backtest evidence for pooling across series
    (:class:`PooledCalibration`): one row per held-out value, ``(step, error)``
    with the error ``z - median`` of the raw mixture in units of
    :func:`naive_unit` (None without a usable origin).
    """
    q_lo, q_hi = 0.5 - level / 2.0, 0.5 + level / 2.0
    ratios: list[np.ndarray] = []
    sides: list[np.ndarray] = []
    unit = naive_unit(data)
    evidence: list[np.ndarray] = []
    for o, fits in fits_at.items():
        if not all(c in fits for c in chosen):
            continue
        h = min(h_bt, data.n - o)
        obs = data.observed[o : o + h]
        paths = mix_paths([fits[c] for c in chosen], weights, 1.0, h, s.calib_paths, rng)
        lo, med, hi = np.quantile(paths, [q_lo, 0.5, q_hi], axis=0)
        z_true = data.z[o : o + h]
        above = z_true >= med
        half = np.where(above, hi - med, med - lo)
        dist = np.abs(z_true - med)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(half > 0, dist / half, np.where(dist > 0, np.inf, 0.0))
        ratios.append(r[obs])
        sides.append(above[obs])
        steps = np.arange(1, h + 1, dtype=float)
        evidence.append(np.column_stack([steps, (z_true - med) / unit])[obs])
    if not ratios:
        return 1.0, 0, 1.0, None, None
    ev = np.vstack(evidence)
    ev = ev[np.isfinite(ev[:, 1])]
    r_all = np.concatenate(ratios)
    up = np.concatenate(sides)
    m = r_all.size
    if m == 0:
        return 1.0, 0, 1.0, None, None
    lo_b, hi_b = s.scale_bounds

    def shrunk_quantile(r: np.ndarray, prior: float) -> tuple[float, float]:
        raw = float(np.quantile(r, level))
        raw_c = float(np.clip(raw, lo_b, hi_b)) if np.isfinite(raw) else hi_b
        k = r.size
        log_s = (k * math.log(raw_c) + s.prior_weight * math.log(prior)) / (k + s.prior_weight)
        return float(np.clip(math.exp(log_s), lo_b, hi_b)), raw_c

    pooled, raw_c = shrunk_quantile(r_all, s.prior_scale)
    if not s.two_sided:
        return pooled, m, raw_c, None, ev
    # Each side of the median on its own (the ratios above the median against
    # the upper half-width, those below against the lower one), shrunk toward
    # the pooled factor: a rising adoption series rarely falls, so its errors
    # below the median are often smaller than those above it, and a symmetric
    # factor would put too much probability on a decline (and the reverse near
    # saturation).  The side of each held-out value also carries the median's
    # bias: more values above the median widen the upper side.
    below = shrunk_quantile(r_all[~up], pooled)[0] if (~up).any() else pooled
    above = shrunk_quantile(r_all[up], pooled)[0] if up.any() else pooled
    return pooled, m, raw_c, Calibration(below, above), ev


_LABELS = {
    "ets": "damped ETS",
    "logistic": "logistic curve",
    "arima": "ARIMA(1,1,0)+drift",
    "naive": "naive",
    "drift": "drift",
}


def _label(name: str, data: GridData) -> str:
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
