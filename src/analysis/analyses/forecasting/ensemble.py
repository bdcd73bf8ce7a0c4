"""A weighted mixture of fitted models, and the mixture used for very short histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

from analysis.analyses.forecasting.calibration import Calibration, apply_calibration
from analysis.analyses.forecasting.grid import FittedModel, GridData
from analysis.analyses.forecasting.models import DriftModel, NaiveModel


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
    kind: str = "mixture"
    """``mixture`` (backtested), ``equal_mix`` (no backtest origin), ``short_mix`` (fewer than
    8 observations) or ``fallback`` (numerical fallback), for the model spec."""

    @property
    def calibration_kind(self) -> str:
        """``own`` (from the backtest), ``widened`` (Student-t) or ``none``, for the model spec."""
        if self.kind == "short_mix":
            return "widened"
        return "own" if self.calib_text else "none"

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
    if n_obs < 2:
        # The engine gives no forecast below its minimum history (simulation.min_history).
        raise ValueError(f"a forecast needs at least 2 observations, got {n_obs}")
    scale = student_t_factor(n_obs - 2, level)
    return Ensemble(
        [NaiveModel.fit(data), DriftModel.fit(data)],
        np.array([0.5, 0.5]),
        scale,
        f"short history ({n_obs} points < 8): equal mix of naive and drift on the "
        f"{data.transform.label} scale, no backtest; intervals widened ×{scale:.2f} "
        f"(Student-t, {max(n_obs - 2, 1)} d.f.)",
        kind="short_mix",
    )
