"""The modelling grid: the scale a series is modelled on and the interface of a fitted model.

Every model works on a *regular* grid of one series in a transformed space ``z`` (scaled logit
when both bounds are known, the original scale otherwise), so that forecasts and every simulated
path stay inside the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

#: Clipping resolution of the scaled logit, as a fraction of ``upper - lower``
#: (0.1 percentage point for a rate in %).  Values closer than this to a bound
#: are treated as being at ``eps`` from it: exact zeros (common in early
#: adoption data) would otherwise map to -inf, and tiny values (0.004 %,
#: 0.03 % ...) would turn into huge logit-scale jumps that trend models then
#: extrapolate as explosive growth.  Also the tolerance within which a value
#: counts as "at the bound".
EPS_DEFAULT = 1e-3


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


class DuplicateModel(Exception):
    """Raised by a candidate that would duplicate another one for this series."""


def naive_unit(data: GridData) -> float:
    """Mean absolute one-period change on the modelling scale (the pooled error unit)."""
    dz = np.abs(np.diff(data.z))
    u = float(np.mean(dz)) if dz.size else 0.0
    return u if np.isfinite(u) and u > 1e-9 else 1e-9
