"""Model selection: fit every candidate, backtest them and build the calibrated mixture."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.analyses.forecasting.calibration import Calibration
from analysis.analyses.forecasting.ensemble import Ensemble, mix_paths
from analysis.analyses.forecasting.grid import DuplicateModel, FittedModel, GridData, naive_unit
from analysis.analyses.forecasting.models import CANDIDATES, NaiveModel, model_label


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
    full, notes = _fit_candidates(data, s.pool)
    bt = _backtest(data, full, horizon, s)
    usable = {k: v for k, v in bt.mase.items() if np.isfinite(v)}
    if not usable:
        return _equal_mix(data, full, notes, bt.mase)
    chosen, w, shrink = _weights(usable, len(bt.fits_at), s)
    cal = _calibrate(data, bt.fits_at, chosen, w, bt.horizon, level, rng, s)
    how = _describe_selection(data, chosen, w, shrink, usable, bt)
    calib = cal.describe(s.prior_scale)
    return Ensemble(
        [full[c] for c in chosen],
        w,
        cal.scale,
        how + calib,
        notes,
        bt.mase,
        cal.sided,
        evidence=cal.evidence,
        unit=naive_unit(data),
        calib_text=calib,
    )


def _fit_candidates(
    data: GridData, pool: tuple[str, ...]
) -> tuple[dict[str, FittedModel], list[str]]:
    """Step 1: every candidate fitted on the full history; failures dropped and noted."""
    notes: list[str] = []
    full: dict[str, FittedModel] = {}
    for name in pool:
        fitter = CANDIDATES[name]
        try:
            full[name] = fitter(data)
        except DuplicateModel:
            continue
        except Exception as exc:  # Any fit failure means "drop model"
            if name == "logistic" and data.transform.kind != "logit":
                notes.append("logistic curve skipped (needs both bounds)")
            else:
                notes.append(f"{model_label(name, data)} dropped ({type(exc).__name__})")
    return full, notes


@dataclass
class Backtest:
    """What the rolling-origin backtest found.

    Attributes
    ----------
    horizon : int
        Steps ahead scored at each origin.
    fits_at : dict
        Origin -> model name -> the model refitted on the history before that origin
        (origins without an observed held-out value are left out).
    mase : dict
        Model name -> mean absolute scaled error (inf when a refit failed).
    """

    horizon: int
    fits_at: dict[int, dict[str, FittedModel]]
    mase: dict[str, float]


def _backtest(
    data: GridData, full: dict[str, FittedModel], horizon: int, s: BacktestSettings
) -> Backtest:
    """Step 2: refit each model at a few origins near the end and score its point forecasts."""
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
    return Backtest(h_bt, fits_at, mase)


def _equal_mix(
    data: GridData, full: dict[str, FittedModel], notes: list[str], mase: dict[str, float]
) -> Ensemble:
    """No usable backtest origin (a history just long enough): every fitted model, equal weights.

    With no evidence to rank the models, their equal-weight mix is the combination that is hard
    to beat (the random walk when none fitted). The series has no errors of its own to calibrate
    with, but it is the same kind of mixture as its neighbours', so a pooled calibration may apply.
    """
    chosen = list(full)
    if not chosen:
        full["naive"] = NaiveModel.fit(data)
        chosen = ["naive"]
    w = np.full(len(chosen), 1.0 / len(chosen))
    desc = "no usable backtest origin: equal mix of " + " + ".join(
        model_label(c, data) for c in chosen
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
        kind="equal_mix",
    )


def _weights(
    usable: dict[str, float], n_origins_used: int, s: BacktestSettings
) -> tuple[list[str], np.ndarray, float]:
    """Step 3: the ``top_k`` models and their weights; returns ``(chosen, weights, shrink)``.

    Backtest weights are shrunk toward equal weights: a few backtest origins rank models noisily
    and equal weights are famously hard to beat (the "forecast combination puzzle"), so the
    backtest only tilts the mix. The tilt grows with the evidence: with fewer backtest origins
    than planned (short histories) the weights stay closer to equal rather than trusting the
    single best model.
    """
    ranked = sorted(usable, key=lambda k: (usable[k], list(s.pool).index(k)))
    if n_origins_used < 2 and not s.evidence_shrink:
        chosen = ranked[:1]
    else:
        chosen = ranked[: s.top_k]
    inv = np.array([1.0 / max(usable[c], 1e-9) for c in chosen])
    inv = inv / inv.sum()
    if s.evidence_shrink:
        shrink = s.shrink * min(1.0, n_origins_used / s.n_origins)
    else:
        shrink = s.shrink
    return chosen, shrink * inv + (1.0 - shrink) / len(chosen), shrink


def _describe_selection(
    data: GridData,
    chosen: list[str],
    w: np.ndarray,
    shrink: float,
    usable: dict[str, float],
    bt: Backtest,
) -> str:
    """Readable account of the chosen models and weights, for the ``model`` field."""
    n_origins = len(bt.fits_at)
    if len(chosen) == 1:
        return (
            f"{model_label(chosen[0], data)}, best of {len(usable)} models "
            f"(MASE {usable[chosen[0]]:.2f}) in a rolling-origin backtest "
            f"({n_origins} origin{'s' if n_origins != 1 else ''}, horizon {bt.horizon})"
        )
    parts = " + ".join(f"{model_label(c, data)} {wi:.2f}" for c, wi in zip(chosen, w, strict=True))
    return (
        f"combination of {parts}; weights {shrink:.2g}×(∝ 1/MASE) + {1 - shrink:.2g}×equal "
        f"over the top {len(chosen)} of {len(usable)} models in a rolling-origin "
        f"backtest ({n_origins} origins, horizon {bt.horizon})"
    )


@dataclass
class BacktestCalibration:
    """Interval calibration from one series' backtest (see :func:`_calibrate`).

    Attributes
    ----------
    scale : float
        The pooled factor, shrunk and bounded (1.0 without held-out errors).
    n_ratios : int
        Number of held-out values behind it.
    raw : float
        The factor before shrinkage.
    sided : Calibration or None
        One factor per side of the median, when calibrated two-sided.
    evidence : ndarray or None
        ``(step, error)`` rows for pooling across series (:class:`PooledCalibration`), the
        error ``z - median`` of the raw mixture in units of :func:`naive_unit`.
    """

    scale: float = 1.0
    n_ratios: int = 0
    raw: float = 1.0
    sided: Calibration | None = None
    evidence: np.ndarray | None = None

    def describe(self, prior: float) -> str:
        """The calibration clause of the ``model`` text ("" without held-out errors)."""
        if not self.n_ratios:
            return ""
        text = (
            f"; intervals calibrated ×{self.scale:.2f} from {self.n_ratios} held-out errors "
            f"(raw {self.raw:.2f}, shrunk toward {prior:g})"
        )
        if self.sided is not None:
            text += (
                f"; per side of the median ×{self.sided.below:.2f} below, "
                f"×{self.sided.above:.2f} above"
            )
        return text


def _calibrate(
    data: GridData,
    fits_at: dict[int, dict[str, FittedModel]],
    chosen: list[str],
    weights: np.ndarray,
    h_bt: int,
    level: float,
    rng: np.random.Generator,
    s: BacktestSettings,
) -> BacktestCalibration:
    """Step 4: interval scale factors from the backtest's held-out values.

    At each origin the weighted mixture is simulated and, for each held-out value, the ratio of
    its distance from the mixture median to the half-width of the nominal interval on its side
    is computed; the ``level`` quantile of the ratios is the factor that would have made the
    intervals cover ``level`` of them (shrunk and bounded, :func:`_shrunk_quantile`).
    """
    ratios, sides, evidence = _held_out_ratios(data, fits_at, chosen, weights, h_bt, level, rng, s)
    if not ratios:
        return BacktestCalibration()
    ev = np.vstack(evidence)
    ev = ev[np.isfinite(ev[:, 1])]
    r_all = np.concatenate(ratios)
    up = np.concatenate(sides)
    if r_all.size == 0:
        return BacktestCalibration()
    pooled, raw_c = _shrunk_quantile(r_all, s.prior_scale, level, s)
    if not s.two_sided:
        return BacktestCalibration(pooled, r_all.size, raw_c, None, ev)
    # Each side of the median on its own (the ratios above the median against
    # the upper half-width, those below against the lower one), shrunk toward
    # the pooled factor: a rising adoption series rarely falls, so its errors
    # below the median are often smaller than those above it, and a symmetric
    # factor would put too much probability on a decline (and the reverse near
    # saturation).  The side of each held-out value also carries the median's
    # bias: more values above the median widen the upper side.
    below = _shrunk_quantile(r_all[~up], pooled, level, s)[0] if (~up).any() else pooled
    above = _shrunk_quantile(r_all[up], pooled, level, s)[0] if up.any() else pooled
    return BacktestCalibration(pooled, r_all.size, raw_c, Calibration(below, above), ev)


def _held_out_ratios(
    data: GridData,
    fits_at: dict[int, dict[str, FittedModel]],
    chosen: list[str],
    weights: np.ndarray,
    h_bt: int,
    level: float,
    rng: np.random.Generator,
    s: BacktestSettings,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per origin: distance ratios, side of the median and pooling evidence of held-out values."""
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
    return ratios, sides, evidence


def _shrunk_quantile(
    r: np.ndarray, prior: float, level: float, s: BacktestSettings
) -> tuple[float, float]:
    """The ``level`` quantile of ratios ``r`` shrunk toward ``prior`` on the log scale.

    Shrunk as if ``s.prior_weight`` extra ratios equalled ``prior`` (a quantile of a handful of
    correlated errors is noisy) and bounded to ``s.scale_bounds``; returns
    ``(shrunk, raw clipped)``.
    """
    lo_b, hi_b = s.scale_bounds
    raw = float(np.quantile(r, level))
    raw_c = float(np.clip(raw, lo_b, hi_b)) if np.isfinite(raw) else hi_b
    k = r.size
    log_s = (k * math.log(raw_c) + s.prior_weight * math.log(prior)) / (k + s.prior_weight)
    return float(np.clip(math.exp(log_s), lo_b, hi_b)), raw_c
