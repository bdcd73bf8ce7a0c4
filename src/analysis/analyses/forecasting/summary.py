"""What a simulation says about one target: interval, probability, expected month, status.

:func:`summarize` reads the paths of a :class:`~analysis.analyses.forecasting.simulation.Sim`
against a target (or, without one, against holding the latest level) and returns a
:class:`Summary`; the single-series result and the batch rows are both built from it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.analyses.forecasting.grid import EPS_DEFAULT
from analysis.analyses.forecasting.probability import calibrate_probability
from analysis.analyses.forecasting.series import HIGHER, LOWER, current_pace, pace_window, pstr
from analysis.analyses.forecasting.simulation import Sim
from analysis.reference.targets import (
    AT_RISK_PROBABILITY,
    INSUFFICIENT_HISTORY,
    ON_TRACK_PROBABILITY,
    meets_target,
    status_at_deadline,
)


@dataclass(frozen=True)
class StatusThresholds:
    """Probability thresholds for the status of a target not yet achieved.

    Attributes
    ----------
    on_track : float, default 0.8
        ``on_track`` when P(target met at deadline) >= this.
    at_risk : float, default 0.3
        ``at_risk`` when the probability is >= this (and below ``on_track``);
        ``off_track`` below it.
    """

    # The one rule's thresholds (reference.targets), so reports and the engine agree.
    on_track: float = ON_TRACK_PROBABILITY
    at_risk: float = AT_RISK_PROBABILITY

    def __post_init__(self) -> None:
        if not 0.0 <= self.at_risk <= self.on_track <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= at_risk <= on_track <= 1")

    def classify(self, prob: float) -> str:
        """Status for a probability (the ``achieved`` case is decided elsewhere)."""
        if prob >= self.on_track:
            return "on_track"
        if prob >= self.at_risk:
            return "at_risk"
        return "off_track"


@dataclass
class Summary:
    """The reported quantities of one series for one target.

    Attributes
    ----------
    direction : str
        ``higher_is_better`` or ``lower_is_better`` (after inference).
    last_ord : int
        Ordinal of the last observed period.
    last_value, current_pace : float
    interval_scale : float
    weights : dict
        Mixture weight per model name.
    path_ord : ndarray
        Ordinals of the reported path (the deadline alone for a passed deadline).
    mean, median, lo, hi : ndarray
        Per-period mean, median and interval bounds of the paths.
    prob : float
        Probability that the target is met at the deadline.
    status : str
    expected : int or None
        Ordinal of the expected completion period.
    required_pace : float
    model : str
        Readable description (English).
    model_spec : str
        The same in compact JSON, for :func:`analysis.forecast.describe_model`.
    """

    direction: str
    last_ord: int
    last_value: float
    current_pace: float
    interval_scale: float
    weights: dict[str, float]
    path_ord: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    prob: float
    status: str
    expected: int | None
    required_pace: float
    model: str = ""
    model_spec: str = ""

    @property
    def at_deadline(self) -> tuple[float, float, float]:
        """Point (median), lower and upper at the deadline; NaN when there is no path."""
        if self.median.size == 0:
            return float("nan"), float("nan"), float("nan")
        return float(self.median[-1]), float(self.lo[-1]), float(self.hi[-1])


def meets(values: np.ndarray | float, target: float, direction: str) -> np.ndarray:
    """:func:`analysis.reference.targets.meets_target` in the engine's direction words."""
    return np.asarray(meets_target(values, target, direction == HIGHER))


def summarize(
    sim: Sim,
    target: float | None,
    direction: str | None,
    thresholds: StatusThresholds,
    level: float,
    resolution: float | None = None,
) -> Summary:
    """Turn a simulation into the reported quantities for one target."""
    d = resolve_direction(direction, target, sim.last_value)
    if sim.kind == "no_data":
        return _summarize_no_data(sim, target, d)
    if sim.kind == "passed":
        return _summarize_passed(sim, target, d)
    if sim.kind == "too_short":
        return _summarize_too_short(sim, target, d)
    return _summarize_paths(sim, target, d, thresholds, level, resolution)


def _common(sim: Sim, d: str) -> dict[str, Any]:
    """Fields every summary shares, read from the simulation."""
    s = sim.series
    return {
        "direction": d,
        "last_ord": sim.last_ord,
        "last_value": sim.last_value,
        "current_pace": current_pace(s.ordinals, s.values, s.freq),
        "interval_scale": sim.interval_scale,
        "weights": dict(sim.weights),
    }


def _without_paths(
    sim: Sim,
    d: str,
    status: str,
    required_pace: float,
    expected: int | None = None,
    notes: list[str] | None = None,
    flags: list[str] | None = None,
) -> Summary:
    """A summary with no simulated path and no probability (nothing, or too little, observed)."""
    empty = np.array([], dtype=float)
    return Summary(
        **_common(sim, d),
        path_ord=np.array([], dtype=np.int64),
        mean=empty,
        median=empty,
        lo=empty,
        hi=empty,
        prob=float("nan"),
        status=status,
        expected=expected,
        required_pace=float(required_pace),
        model=join(sim.description, sim.notes if notes is None else notes),
        model_spec=spec_text(sim, flags or []),
    )


def _summarize_no_data(sim: Sim, target: float | None, d: str) -> Summary:
    """Nothing observed: no path, no probability and no pace (there is no value to start from).

    The status is :data:`~analysis.reference.targets.INSUFFICIENT_HISTORY`: saying "off track"
    with probability 0 would state a certainty that no data support.
    """
    return _without_paths(sim, d, INSUFFICIENT_HISTORY, required_pace=float("nan"))


def _summarize_passed(sim: Sim, target: float | None, d: str) -> Summary:
    """Deadline reached: no forecast, no probability and no pace needed; the figures decide.

    The status is :func:`~analysis.reference.targets.status_at_deadline`'s (met on time, met
    late, missed, or awaiting the deadline's figure). The reported path is one row at the
    deadline with the value observed there (or the latest observation before it): a fact, not
    a forecast.
    """
    freq = sim.series.freq
    ords, vals = sim.series.ordinals, sim.series.values
    at = ords <= sim.deadline
    if np.any(ords == sim.deadline):
        value = float(vals[ords == sim.deadline][0])
        which = "observed at the deadline"
    elif at.any():
        value = float(vals[at][-1])
        which = f"latest observation before the deadline ({pstr(int(ords[at][-1]), freq)})"
    else:
        value = sim.last_value
        which = "no observation before the deadline: last value"
    expected = None
    if target is None:
        prior = vals[ords <= sim.deadline - pace_window(freq)]
        ref = float(prior[-1]) if prior.size else float(vals[0])
        status = "on_track" if bool(meets(value, ref, d)) else "off_track"
    else:
        status, completed = status_at_deadline(
            ords.tolist(), vals, sim.deadline, float(target), d == HIGHER
        )
        expected = None if completed is None else int(completed)
    one = np.array([value])
    return Summary(
        **_common(sim, d),
        path_ord=np.array([sim.deadline]),
        mean=one,
        median=one.copy(),
        lo=one.copy(),
        hi=one.copy(),
        prob=float("nan"),
        status=status,
        expected=expected,
        required_pace=float("nan"),
        model=join(f"{sim.description} ({which})", sim.notes),
        model_spec=spec_text(sim, [] if target is not None else ["no_target"]),
    )


def _summarize_too_short(sim: Sim, target: float | None, d: str) -> Summary:
    """Too few observations: no paths and no probability; the gap and the pace it needs.

    The status is ``achieved`` when the latest value already meets the target (an observation,
    not a forecast), otherwise :data:`~analysis.reference.targets.INSUFFICIENT_HISTORY`.
    """
    last_ord, last_val = sim.last_ord, sim.last_value
    notes = list(sim.notes)
    flags: list[str] = [] if target is not None else ["no_target"]
    status, expected, required = INSUFFICIENT_HISTORY, None, 0.0
    if target is not None:
        required = (float(target) - last_val) / max(sim.deadline - last_ord, 1)
        if bool(meets(last_val, float(target), d)):
            status, expected = "achieved", last_ord
            notes.append(
                f"target already met at the last observation ({pstr(last_ord, sim.series.freq)})"
            )
            flags.append("target_met")
    return _without_paths(sim, d, status, required, expected, notes, flags)


def _summarize_paths(
    sim: Sim,
    target: float | None,
    d: str,
    thresholds: StatusThresholds,
    level: float,
    resolution: float | None,
) -> Summary:
    """Simulated paths: every quantity from the same paths."""
    paths = sim.paths
    assert paths is not None
    notes = list(sim.notes)
    last_ord, last_val = sim.last_ord, sim.last_value
    horizon = paths.shape[1]
    lo, med, hi = np.quantile(paths, [0.5 - level / 2.0, 0.5, 0.5 + level / 2.0], axis=0)
    final = paths[:, -1]
    expected: int | None = None
    flags: list[str] = []
    if target is None:
        prob = float(np.mean(meets(final, last_val, d)))
        status = thresholds.classify(prob)
        required = 0.0
        notes.append("no target: probability that the latest level is held or improved")
        flags.append("no_target")
    else:
        tgt = float(target)
        eff = effective_target(tgt, d, sim, resolution)
        prob = target_probability(sim, float(np.mean(meets(final, eff, d))), horizon)
        required = (tgt - last_val) / max(horizon, 1)
        if bool(meets(last_val, tgt, d)):
            status = "achieved"
            expected = last_ord
            notes.append(
                f"target already met at the last observation ({pstr(last_ord, sim.series.freq)})"
            )
            flags.append("target_met")
        else:
            status = thresholds.classify(prob)
            hit = np.flatnonzero(meets(med, eff, d))
            expected = last_ord + 1 + int(hit[0]) if hit.size else None
    return Summary(
        **_common(sim, d),
        path_ord=last_ord + np.arange(1, horizon + 1),
        mean=paths.mean(axis=0),
        median=med,
        lo=lo,
        hi=hi,
        prob=prob,
        status=status,
        expected=expected,
        required_pace=float(required),
        model=join(sim.description, notes),
        model_spec=spec_text(sim, flags),
    )


#: Cases whose paths hold the last value (a bound reached, a flat series): their share of paths
#: meeting a target is a certainty of the rule, not a forecast to calibrate.
HELD_CASES = frozenset({"at_upper", "at_lower", "flat"})


def target_probability(sim: Sim, share: float, horizon: int = 1) -> float:
    """The reported probability of meeting a target from the share of paths that meet it.

    Shares from the model mixture go through the calibration map learned on backtests
    (:mod:`~analysis.analyses.forecasting.probability`), at the deadline's ``horizon`` (steps
    after the last observation): a share of 0.99 was met less often than 99 times in 100, the
    less often the further away the deadline. Held series keep their share (0 or 1 by
    construction).
    """
    if sim.spec.get("case") in HELD_CASES:
        return share
    return float(calibrate_probability(share, sim.series.freq, horizon=horizon))


def effective_target(
    target: float, direction: str, sim: Sim, resolution: float | None = None
) -> float:
    """Target for path comparisons: within ``eps`` of a bound counts as the bound.

    With a ``resolution`` (the size of one counted unit on the value's scale: 100/89 points
    when 89 tasks make 100 %), a target at the bound is met once a path is within half a unit
    of it - the last task done - since bounded paths approach the bound only asymptotically.
    """
    if sim.lower is None or sim.upper is None:
        return target
    tol = EPS_DEFAULT * (sim.upper - sim.lower)
    if resolution is not None and np.isfinite(resolution) and resolution > 0:
        tol = max(tol, 0.5 * float(resolution))
    if direction == HIGHER and target >= sim.upper - tol:
        return min(target, sim.upper - tol)
    if direction == LOWER and target <= sim.lower + tol:
        return max(target, sim.lower + tol)
    return target


def resolve_direction(direction: str | None, target: float | None, last_value: float) -> str:
    """``higher_is_better`` or ``lower_is_better``; ``None``/``"auto"`` infer from the target."""
    if direction is None or (isinstance(direction, float) and math.isnan(direction)):
        direction = "auto"
    d = str(direction).strip().lower()
    if d in (HIGHER, "higher", "increase", "up"):
        return HIGHER
    if d in (LOWER, "lower", "decrease", "down"):
        return LOWER
    if d == "auto":
        if target is None or not np.isfinite(last_value):
            return HIGHER
        return HIGHER if target >= last_value else LOWER
    raise ValueError(f"direction must be {HIGHER!r}, {LOWER!r} or None, got {direction!r}")


def spec_text(sim: Sim, flags: Iterable[str] = ()) -> str:
    """The simulation's model spec with the flags of its notes and of the target, as JSON."""
    spec = dict(sim.spec)
    all_flags = [*sim.flags, *flags]
    if all_flags:
        spec["flags"] = all_flags
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False)


def join(desc: str, notes: Iterable[str]) -> str:
    """The description and its notes as one ``model`` text."""
    return "; ".join([desc, *[n for n in notes if n]])
