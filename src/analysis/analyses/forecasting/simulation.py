"""Simulated paths of one series to its deadline: the target-independent part of a forecast.

:func:`simulate` prepares the series (bounds, gaps, a level shift), handles the cases that need
no model (no data, deadline passed, at a bound, flat) and otherwise draws paths from the model
mixture of :mod:`~analysis.analyses.forecasting.combine`. The paths are shared by every target
of the series; :mod:`~analysis.analyses.forecasting.summary` reads them against each target.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.analyses.forecasting.calibration import (
    Calibration,
    PooledCalibration,
    apply_calibration,
)
from analysis.analyses.forecasting.combine import BacktestSettings, select_and_combine
from analysis.analyses.forecasting.ensemble import Ensemble, short_history_ensemble
from analysis.analyses.forecasting.grid import EPS_DEFAULT, GridData, Transform
from analysis.analyses.forecasting.models import NaiveModel
from analysis.analyses.forecasting.series import Series, fmt, periods_per_year, pstr, unit_word

#: Observations needed before models are fitted and backtested.
MIN_POINTS = 8
#: Default number of simulated paths.
N_PATHS = 1000
#: For censored series, the share of the range by which the transform's bounds are moved.
CENSOR_LIFT = 0.10
#: Fewest monthly observations for a forecast with a probability: the 6-month window the
#: current pace is measured over (see ``docs/method.md``).
MIN_HISTORY_MONTHLY = 6
#: Fewest annual (or quarterly) observations for a forecast: two changes, the fewest from which
#: any spread can be estimated (with one, the drift's spread would be its own mean).
MIN_HISTORY_OTHER = 3
#: A series whose last value is at a bound is held there only when its last ``HOLD_WINDOW``
#: values are equal: it has stayed at the bound. One that has just reached it, or moves about
#: it (a share of 0.02 %, then 0.05 %), is modelled on the original scale, where the bound is
#: no asymptote, with its paths kept within the bounds: holding it gave a zero-width interval
#: that the values to come missed (on the accuracy benchmark's development part, a quarter of
#: the monthly search-share forecasts, covered 58 % of the time).
HOLD_WINDOW = 3


def min_history(freq: str) -> int:
    """Fewest observations of a series of frequency ``freq`` for a forecast with a probability."""
    return MIN_HISTORY_MONTHLY if periods_per_year(freq) == 12 else MIN_HISTORY_OTHER


@dataclass
class Sim:
    """Target-independent part of a forecast (shared by several targets).

    ``kind`` is ``"forecast"`` (paths drawn), ``"passed"`` (deadline reached: at or before the
    last observation, or, in a monthly batch, within or before the report's month; no forecast,
    the figures decide), ``"too_short"`` (fewer observations than :func:`min_history`: no paths, no
    probability) or ``"no_data"`` (nothing observed).
    """

    kind: str
    series: Series
    deadline: int
    lower: float | None
    upper: float | None
    paths: np.ndarray | None = None  # (n, H) on the original scale
    description: str = ""
    notes: list[str] = field(default_factory=list)
    interval_scale: float = 1.0
    weights: dict[str, float] = field(default_factory=dict)
    # For pooled calibration (:meth:`materialize`): the raw mixture paths on the
    # modelling scale, this series' own calibration, the error unit, the
    # backtest evidence and the description without the calibration clause.
    z_raw: np.ndarray | None = field(default=None, repr=False)
    own_calibration: Calibration | float = 1.0
    transform: Transform | None = None
    unit: float = 1.0
    evidence: np.ndarray | None = field(default=None, repr=False)
    base_description: str = ""
    clip: tuple[float, float] | None = None
    # The structured account of ``description`` and ``notes`` (see ``describe``): the case, the
    # models and their weights, the calibration; ``flags`` name the notes that matter to readers.
    spec: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    @property
    def poolable(self) -> bool:
        """Whether a pooled calibration can replace this series' own one."""
        return self.kind == "forecast" and self.z_raw is not None and self.evidence is not None

    def materialize(self, pooled: PooledCalibration | None = None) -> None:
        """(Re)compute ``paths`` from the raw paths, with ``pooled`` if given.

        Without ``pooled`` the series' own calibration is applied (the paths
        :func:`simulate` made); with it the pooled error distribution replaces
        it (:class:`~analysis.analyses.forecasting.calibration.PooledCalibration`).
        """
        if not self.poolable:
            return
        assert self.z_raw is not None and self.transform is not None
        if pooled is None:
            z = apply_calibration(self.z_raw, self.own_calibration)
        else:
            z = pooled.apply(self.z_raw, self.unit)
        paths = self.transform.inverse(z)
        if self.clip is not None:
            paths = np.clip(paths, *self.clip)
        if not np.all(np.isfinite(paths)):
            if pooled is not None:
                self.materialize(None)  # the series' own calibration rather than leak NaN
            return
        if pooled is not None:
            q = np.quantile(self.z_raw[:, -1], [0.1, 0.9])
            q2 = np.quantile(z[:, -1], [0.1, 0.9])
            raw_w = float(q[1] - q[0])
            self.interval_scale = float(q2[1] - q2[0]) / raw_w if raw_w > 0 else 1.0
            self.description = self.base_description + pooled.describe()
            self.spec["calibration"] = "pooled"
        self.paths = paths

    @property
    def last_ord(self) -> int:
        if self.series.ordinals.size:
            return int(self.series.ordinals[-1])
        return int(self.series.index_last)  # type: ignore[arg-type]

    @property
    def last_value(self) -> float:
        if self.series.values.size:
            return float(self.series.values[-1])
        return float("nan")


_BLAS_CONTROLLER: Any = None


def single_thread_blas() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while fitting.

    The models work on vectors of a few dozen points, where a multi-threaded
    BLAS only adds synchronisation: L-BFGS-B inside the ETS fit was measured
    4x slower with 2 OpenBLAS threads than with 1.  Uses threadpoolctl when it
    is installed (a no-op otherwise); the controller is created once because
    scanning the loaded libraries costs ~0.1 ms.
    """
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS_CONTROLLER = False
        else:
            _BLAS_CONTROLLER = ThreadpoolController()
    if _BLAS_CONTROLLER is False:
        return contextlib.nullcontext()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


def simulate(
    series: Series,
    deadline: int,
    lower: float | None,
    upper: float | None,
    level: float,
    rng: np.random.Generator,
    n_paths: int = N_PATHS,
    settings: BacktestSettings | None = None,
    reached: bool = False,
) -> Sim:
    """Fit, select and simulate paths to the deadline (target-independent).

    ``reached`` says the deadline is reached although the last observation is before it (a
    report for the deadline month whose figure is not in): no forecast is made, as when the
    last observation is at or after the deadline.
    """
    if series.ordinals.size == 0:
        return Sim(
            "no_data",
            series,
            deadline,
            lower,
            upper,
            description=(
                f"no observed values (all {series.n_index} missing): no forecast, no "
                "probability and no pace until data are reported (insufficient_history)"
            ),
            spec={"case": "no_data"},
        )
    notes: list[str] = []
    flags: list[str] = []
    series = _clip_to_bounds(series, lower, upper, notes, flags)
    last_ord = int(series.ordinals[-1])
    horizon = deadline - last_ord
    if horizon <= 0 or reached:
        return Sim(
            "passed",
            series,
            deadline,
            lower,
            upper,
            description=(
                f"deadline {pstr(deadline, series.freq)} reached (last observation "
                f"{pstr(last_ord, series.freq)}): the observed figures decide, no forecast and "
                "no probability"
            ),
            notes=notes,
            spec={"case": "passed"},
            flags=flags,
        )
    n_obs, need = int(series.ordinals.size), min_history(series.freq)
    if n_obs < need:
        return Sim(
            "too_short",
            series,
            deadline,
            lower,
            upper,
            description=(
                f"history too short for a forecast ({n_obs} {unit_word(series.freq, n_obs)} "
                f"observed, at least {need} needed): no probability is given, only the gap "
                "to the target and the pace it needs"
            ),
            notes=notes,
            spec={"case": "too_short", "n": n_obs, "min": need, "unit": unit_word(series.freq, 1)},
            flags=flags,
        )
    tr = Transform(lower, upper, EPS_DEFAULT)
    side = _bound_reached(series, tr)
    held = _held_constant(series, tr, deadline, horizon, n_paths, notes, side)
    if held is not None:
        held.flags = flags
        return held
    if side is not None:
        # Moving at a bound: the original scale, bounded below (or above) where it is.
        tr = Transform(lower if side == "lower" else None, upper if side == "upper" else None)
        bound = lower if side == "lower" else upper
        assert bound is not None  # _bound_reached names a side only when it has a bound
        notes.append(
            f"last value at the {side} bound ({fmt(bound)}) but not held there (it moved in "
            f"its last {HOLD_WINDOW} values): modelled on the original scale, paths kept "
            "within the bounds"
        )
        flags.append("near_bound")
    data = _on_grid(series, tr, notes, flags)
    data = _adjust_for_level_shift(data, series, notes, flags)
    sim = _draw(series, data, deadline, horizon, level, rng, n_paths, settings, notes)
    if side is not None:
        sim.lower, sim.upper = lower, upper
        sim.clip = (
            -np.inf if lower is None else float(lower),
            np.inf if upper is None else float(upper),
        )
        if sim.paths is not None:
            sim.paths = np.clip(sim.paths, *sim.clip)
    sim.flags = flags
    return sim


def _clip_to_bounds(
    series: Series, lower: float | None, upper: float | None, notes: list[str], flags: list[str]
) -> Series:
    """The series with values outside the bounds clipped to them (noted)."""
    vals = series.values
    lo_b = -np.inf if lower is None else lower
    hi_b = np.inf if upper is None else upper
    outside = (vals < lo_b) | (vals > hi_b)
    if not outside.any():
        return series
    notes.append(f"{int(outside.sum())} value(s) outside the bounds clipped to them")
    flags.append("clipped")
    vals = np.clip(vals, lo_b, hi_b)
    return Series(series.freq, series.ordinals, vals, series.index_last, series.n_index)


def _bound_reached(series: Series, tr: Transform) -> str | None:
    """``"upper"`` or ``"lower"`` when the last value is at that bound, else None."""
    last_val = float(series.values[-1])
    tol = EPS_DEFAULT * tr.span if tr.kind == "logit" else 1e-9 * max(1.0, abs(last_val))
    if tr.upper is not None and last_val >= tr.upper - tol:
        return "upper"
    if tr.lower is not None and last_val <= tr.lower + tol:
        return "lower"
    return None


def _held_constant(
    series: Series,
    tr: Transform,
    deadline: int,
    horizon: int,
    n_paths: int,
    notes: list[str],
    side: str | None,
) -> Sim | None:
    """The last value held to the deadline when there is nothing to model.

    A series that has stayed at a bound (its last :data:`HOLD_WINDOW` values equal), or a flat
    one; ``side`` is the bound the last value is at (:func:`_bound_reached`).
    """
    vals = series.values
    last_val = float(vals[-1])
    lower, upper = tr.lower, tr.upper
    recent = vals[-HOLD_WINDOW:]
    stayed = np.ptp(recent) <= 1e-12 * max(1.0, abs(last_val))
    spec: dict[str, Any]
    if side == "upper" and stayed and upper is not None:
        spec = {"case": "at_upper", "bound": upper}
        desc = (
            f"last {HOLD_WINDOW} values at the upper bound ({fmt(upper)}): held at the bound, "
            "a bounded quantity cannot rise further and the logit scale is undefined there"
        )
    elif side == "lower" and stayed and lower is not None:
        spec = {"case": "at_lower", "bound": lower}
        desc = (
            f"last {HOLD_WINDOW} values at the lower bound ({fmt(lower)}): held at the bound, "
            "a bounded quantity cannot fall further and the logit scale is undefined there"
        )
    elif vals.size >= 2 and np.ptp(vals) <= 1e-12 * max(1.0, abs(last_val)):
        spec = {"case": "flat"}
        desc = (
            f"flat series (all {vals.size} values equal {fmt(last_val)}): held constant; "
            "no variation to estimate uncertainty from (zero-width interval)"
        )
    else:
        return None
    paths = np.full((n_paths, horizon), last_val)
    return Sim("forecast", series, deadline, lower, upper, paths, desc, notes, 1.0, {}, spec=spec)


def _on_grid(series: Series, tr: Transform, notes: list[str], flags: list[str]) -> GridData:
    """Regular grid from the first to the last observation, gaps interpolated.

    Gaps are interpolated on the modelling scale, which keeps interpolated values inside the
    bounds; backtests score observed values only.
    """
    ords, vals = series.ordinals, series.values
    first = int(ords[0])
    n_grid = int(ords[-1]) - first + 1
    pos = ords - first
    z = np.interp(np.arange(n_grid), pos, tr.forward(vals))
    y = tr.inverse(z)
    y[pos] = vals
    observed = np.zeros(n_grid, dtype=bool)
    observed[pos] = True
    n_missing = n_grid - int(ords.size)
    if n_missing:
        notes.append(
            f"{n_missing} missing {unit_word(series.freq, n_missing)} filled by linear "
            f"interpolation on the {tr.label} scale (backtests score observed values only)"
        )
        flags.append("gaps")
    return GridData(z, y, observed, tr)


def _adjust_for_level_shift(
    data: GridData, series: Series, notes: list[str], flags: list[str]
) -> GridData:
    """Refit after a level shift, or shift the earlier history by the step (noted).

    Detected on the original scale: in the early phase of an adoption curve the logit scale
    turns ordinary growth into large steps.
    """
    shift = detect_level_shift(data.y, data.observed)
    if shift is None:
        return data
    k, _ = shift
    z, y, observed, tr = data.z, data.y, data.observed, data.transform
    dz = np.diff(z)
    step = float(dz[k - 1] - np.median(dz))
    when = pstr(int(series.ordinals[0]) + k, series.freq)
    n_after = int(observed[k:].sum())
    flags.append("level_shift")
    if n_after >= MIN_POINTS:
        notes.append(
            f"level shift at {when} (step {step:+.2f} on the {tr.label} scale): "
            f"refitted on the {n_after} observations since the shift"
        )
        return GridData(z[k:], y[k:], observed[k:], tr)
    z_adj = z.copy()
    z_adj[:k] += step
    y_adj = y.copy()
    y_adj[:k] = tr.inverse(z_adj[:k])
    notes.append(
        f"level shift at {when} (step {step:+.2f} on the {tr.label} scale, only "
        f"{n_after} observations since): earlier history shifted by the step so the "
        "models refit on a continuous series"
    )
    return GridData(z_adj, y_adj, observed, tr)


def _draw(
    series: Series,
    data: GridData,
    deadline: int,
    horizon: int,
    level: float,
    rng: np.random.Generator,
    n_paths: int,
    settings: BacktestSettings | None,
    notes: list[str],
) -> Sim:
    """Select the model mixture, draw its calibrated paths and keep what pooling needs."""
    tr = data.transform
    if int(data.observed.sum()) < MIN_POINTS:
        ens = short_history_ensemble(data, level)
    else:
        ens = select_and_combine(data, horizon, level, rng, settings)
    z_raw: np.ndarray | None = ens.simulate_raw(horizon, n_paths, rng)
    assert z_raw is not None
    paths = tr.inverse(ens.calibrate(z_raw))
    if not np.all(np.isfinite(paths)):
        # Defensive: a numerically broken model must not leak NaN to users.
        ens = Ensemble([NaiveModel.fit(data)], np.array([1.0]), 1.0, "naive (numerical fallback)")
        ens.kind = "fallback"
        paths = tr.inverse(ens.simulate(horizon, n_paths, rng))
        z_raw = None
    weights = {m.name: float(w) for m, w in zip(ens.models, ens.weights, strict=True)}
    desc = ens.description
    base = desc[: len(desc) - len(ens.calib_text)] if ens.calib_text else desc
    return Sim(
        "forecast",
        series,
        deadline,
        tr.lower,
        tr.upper,
        paths,
        desc,
        notes + ens.notes,
        float(ens.scale),
        weights,
        z_raw=z_raw if ens.evidence is not None else None,
        own_calibration=ens.calibration if ens.calibration is not None else float(ens.scale),
        transform=tr,
        unit=float(ens.unit),
        evidence=ens.evidence,
        base_description=base,
        spec={
            "case": ens.kind,
            "scale": "logit" if tr.kind == "logit" else "original",
            "models": {name: round(w, 2) for name, w in weights.items()},
            "calibration": ens.calibration_kind,
        },
    )


def detect_level_shift(
    y: np.ndarray, observed: np.ndarray, threshold: float = 6.0
) -> tuple[int, float] | None:
    """Find a persistent step in the last third of a series on its original scale.

    Parameters
    ----------
    y : ndarray
        The series on the regular grid, on its *original* scale (gaps interpolated): on the
        logit scale the early phase of an adoption curve looks like a run of large steps.
    observed : ndarray of bool
        True where ``y`` was observed rather than interpolated.
    threshold : float, default 6
        Size of a step, in robust standard deviations of the changes, to count as a shift.

    Returns
    -------
    tuple or None
        ``(k, step)`` where the shift happens between grid points ``k - 1`` and ``k`` and
        ``step`` is the change beyond the typical change (original units), or None.

    Notes
    -----
    A candidate must (i) exceed ``threshold`` robust standard deviations of the
    changes, (ii) be more than three times any other change of the series (so
    that the acceleration of an adoption curve does not trigger), (iii) be between two
    observed points with at least one more observation after it, and (iv) not
    revert: later points stay at least half a step away from the continuation
    of the pre-shift trend.
    """
    n = y.size
    if n < 12:
        return None
    d = np.diff(y)
    med = float(np.median(d))
    dev = np.abs(d - med)
    mad = 1.4826 * float(np.median(dev))
    scale = max(mad, 0.25 * float(np.std(d)), 1e-12)
    start = max(2, n - max(6, n // 3))  # first grid index a shift may land on
    ks = np.arange(start, n - 1)
    ks = ks[observed[ks] & observed[ks - 1]]
    if ks.size == 0:
        return None
    k = int(ks[np.argmax(dev[ks - 1])])
    size = float(dev[k - 1])
    if size / scale < threshold:
        return None
    others = np.delete(dev, k - 1)
    if others.size and size <= 3.0 * float(others.max()):
        return None
    step = float(d[k - 1] - med)
    after = y[k + 1 :] - (y[k - 1] + med * np.arange(2, n - k + 1))
    after = after[observed[k + 1 :]]
    if after.size == 0 or np.median(after) * math.copysign(1.0, step) < 0.5 * abs(step):
        return None
    return k, step


def simulate_for(
    series: Series,
    dl: int,
    lo: float | None,
    hi: float | None,
    level: float,
    rng: np.random.Generator,
    n_paths: int,
    censored: bool,
    reached: bool = False,
) -> Sim:
    """:func:`simulate`, with the bounds read as asymptotes or as censoring limits.

    Adoption (e-ID activation, fibre, online dossiers) approaches its bound asymptotically: the
    logit scale fits it. Completion work (tasks done, records digitized, villages covered) moves
    at its pace until it is finished: on the logit scale "100 % by December" could never be met
    however fast a campaign moves. For such ``censored`` series the transform's bounds are moved
    outwards by :data:`CENSOR_LIFT` of the range and the paths are then clipped at the real
    bounds, so a series that keeps its pace reaches completion and one that stalls does not.
    The choice belongs to the indicator (catalog ``completion``), never to a target, so the
    probability still falls as the target rises.
    """
    if not censored or lo is None or hi is None:
        return simulate(series, dl, lo, hi, level, rng, n_paths, reached=reached)
    lift = CENSOR_LIFT * (hi - lo)
    sim = simulate(series, dl, lo - lift, hi + lift, level, rng, n_paths, reached=reached)
    sim.lower, sim.upper = lo, hi
    if sim.paths is not None:
        sim.paths = np.clip(sim.paths, lo, hi)
        sim.clip = (lo, hi)
        sim.notes.append(
            f"completion series: transform bounds moved out by {fmt(lift)}, "
            f"paths censored at [{fmt(lo)}, {fmt(hi)}]"
        )
        sim.flags.append("completion")
    return sim
