"""The saturating logistic growth curve: fitting it, and a candidate model built on it.

Adoption rates often follow an S-curve that levels off at or below the upper bound; the curve is
fitted with ``scipy.optimize.curve_fit`` and its paths add parameter uncertainty and a residual
bootstrap, so it can level off below the bound where logit-scale trends would not.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit
from scipy.special import expit

from analysis.analyses.forecasting.grid import FittedModel, GridData, Transform


def logistic_curve(
    t: np.ndarray,
    cap: float | np.ndarray,
    rate: float | np.ndarray,
    midpoint: float | np.ndarray,
    lower: float = 0.0,
) -> np.ndarray:
    """Logistic growth ``lower + (cap - lower) / (1 + exp(-rate (t - midpoint)))``.

    Parameters
    ----------
    t : ndarray
        Time in periods.
    cap : float or ndarray
        Saturation level (on the original scale); arrays broadcast against ``t`` (one
        curve per row of parameter draws).
    rate : float or ndarray
        Growth rate per period (negative for a declining curve).
    midpoint : float or ndarray
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
        assert tr.lower is not None and tr.upper is not None  # a logit scale has both bounds
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
