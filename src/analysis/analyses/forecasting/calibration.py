"""Interval calibration: how the spread of a series' simulated paths is corrected.

A series' own backtest gives a factor per side of the median (:class:`Calibration`); the series
of one indicator forecast together pool their held-out errors (:class:`PooledCalibration`) and
:func:`calibrate_pools` gives each group the pooled calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

#: Fewest held-out errors for a pooled calibration (:class:`PooledCalibration`);
#: below it each series keeps its own calibration.
MIN_POOLED_ERRORS = 50

#: Fewest errors at one step ahead for that step's own error distribution
#: (roughly what a 10 % tail quantile needs); otherwise the nearest shorter
#: step with enough errors, or all steps together.
MIN_POOLED_PER_STEP = 30

#: Bounds of the exponent ``a`` of the error growth ``spread(h) ~ h**a`` used beyond the steps
#: the backtests observed (:meth:`PooledCalibration.errors_for`). The floor is linear growth, the
#: growth of a trend whose slope is wrong: whatever the few observed steps suggest, errors a
#: further step ahead are never taken to grow slower. A random walk's square root was the floor
#: before; on the accuracy benchmark's development part (variant ``growth_floor1``) the linear
#: floor held monthly 80 % coverage at 0.81-0.82 from 6 to 12 months ahead, where the square
#: root let it fall to 0.73, and lowered the Brier score of both frequencies. The ceiling is a
#: wrong slope plus the noise of estimating it from few steps.
MIN_GROWTH = 1.0
MAX_GROWTH = 1.5


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

    Steps ahead beyond those the backtests observed with enough errors use
    the longest observed step's errors scaled by ``(step / observed) ** growth``
    (:meth:`errors_for`), never those errors unchanged: a 10-point history is
    backtested 2 steps ahead, and its deadline may be 5 steps away.

    Build with :meth:`from_evidence`, which returns None when the pool is too
    small to be worth more than each series' own calibration.
    """

    steps: tuple[np.ndarray, ...]
    errors: np.ndarray
    n_series: int
    min_per_step: int
    growth: float = MIN_GROWTH

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
        growth = error_growth(steps, min_per_step)
        return cls(steps, np.sort(ev[:, 1]), len(rows), min_per_step, growth)

    @property
    def n_errors(self) -> int:
        """Number of pooled held-out errors."""
        return int(self.errors.size)

    def errors_for(self, step: int) -> np.ndarray:
        """Pooled errors for ``step`` periods ahead.

        The errors of that step when there are at least ``min_per_step``;
        otherwise those of the nearest shorter step with enough of them (all
        steps together when none has enough), scaled by
        ``(step / that step) ** growth``: an error observed 2 steps ahead says
        how wrong a forecast 5 steps ahead can be only once it is grown.
        """
        for j in range(min(step, len(self.steps)), 0, -1):
            if self.steps[j - 1].size >= self.min_per_step:
                return self._grown(self.steps[j - 1], step, float(j))
        sizes = np.array([e.size for e in self.steps], dtype=float)
        mean_step = float(np.dot(np.arange(1, sizes.size + 1), sizes) / max(sizes.sum(), 1.0))
        return self._grown(self.errors, step, mean_step)

    def _grown(self, errors: np.ndarray, step: int, observed: float) -> np.ndarray:
        """``errors`` observed ``observed`` steps ahead, extrapolated to ``step`` steps ahead."""
        if step <= observed or self.growth <= 0:
            return errors
        return errors * (step / observed) ** self.growth

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
            f"per step ahead, grown as h^{self.growth:.2f} beyond the steps observed)"
        )


def error_growth(
    steps: Sequence[np.ndarray],
    min_per_step: int = MIN_POOLED_PER_STEP,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Exponent ``a`` of ``spread(h) ~ h**a`` fitted on the steps with enough errors.

    The spread of a step is the width between the 10 % and 90 % quantiles of its errors (the
    80 % band the calibration serves); ``a`` is the slope of log spread on log step, weighted by
    the number of errors, bounded to ``bounds`` (default :data:`MIN_GROWTH`, :data:`MAX_GROWTH`).
    With fewer than two such steps the floor is returned: one observed step cannot show growth,
    and linear growth (a wrong trend) is the least an honest extrapolation assumes.
    """
    lo, hi = bounds if bounds is not None else (MIN_GROWTH, MAX_GROWTH)
    js, widths, counts = [], [], []
    for j, e in enumerate(steps, start=1):
        if e.size >= min_per_step:
            w = float(np.subtract(*np.quantile(e, [0.9, 0.1])))
            if np.isfinite(w) and w > 0:
                js.append(j)
                widths.append(w)
                counts.append(e.size)
    if len(js) < 2:
        return lo
    slope = np.polyfit(np.log(js), np.log(widths), 1, w=np.sqrt(counts))[0]
    return float(np.clip(slope, lo, hi))


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


class Poolable(Protocol):
    """What :func:`calibrate_pools` needs of a simulation (see ``simulation.Sim``)."""

    evidence: np.ndarray | None

    @property
    def poolable(self) -> bool: ...

    def materialize(self, pooled: PooledCalibration | None = None) -> None: ...


def calibrate_pools(keyed: Iterable[tuple[Any, Poolable]]) -> None:
    """Give the series of each key the calibration pooled over their backtests.

    Series without a backtest are left alone; when a key's pool is too small
    (:meth:`PooledCalibration.from_evidence` returns None) its series keep
    their own calibration.
    """
    groups: dict[Any, list[Poolable]] = {}
    for key, sim in keyed:
        if sim.poolable:
            groups.setdefault(key, []).append(sim)
    for group in groups.values():
        pooled = PooledCalibration.from_evidence([sim.evidence for sim in group])
        for sim in group:
            sim.materialize(pooled)
