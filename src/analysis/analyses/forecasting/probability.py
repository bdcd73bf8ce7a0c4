"""Calibration of the probability that a target is met: the simulated share, mapped to a frequency.

The share of simulated paths that meet a target is a probability only if, among all targets
given (say) 70 %, about 70 % are met. Backtests on public adoption series showed that the raw
shares are too confident at both ends (targets given under 5 % were met one time in twenty). The
map in ``probability_map.json`` fixes that: an isotonic (monotone, piecewise-linear) regression
of the observed outcome on the simulated share, fitted on the development part of the accuracy
benchmark's backtests (``benchmarks/forecast_accuracy``; the file records its provenance). The
engine applies it to every probability it reports from simulated paths; the paths, intervals and
expected month are not changed. A section marked ``"applied": false`` is kept for the record and
not applied: the monthly map was fitted on one data set (COVID-19 vaccination, whose series
plateau) and would cap every monthly probability at 0.70 whatever the horizon.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

#: The shipped map (package data next to this module).
MAP_FILE = "probability_map.json"


#: The map's sections: monthly series, and the others (annual or quarterly).
SECTIONS = ("annual", "monthly")


@cache
def load_map() -> dict[str, Any]:
    """The shipped map: a section per :data:`SECTIONS` with ``x``/``y`` knots, and provenance."""
    text = resources.files(__package__).joinpath(MAP_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    for name in SECTIONS:
        sec = data.get(name) or {}
        x = np.asarray(sec.get("x", []), dtype=float)
        y = np.asarray(sec.get("y", []), dtype=float)
        if x.size < 2 or x.shape != y.shape or np.any(np.diff(x) <= 0) or np.any(np.diff(y) < 0):
            raise ValueError(
                f"{MAP_FILE}, section {name!r}: x (increasing) and y (non-decreasing) must be "
                "equally long with at least 2 knots; refit it with "
                "benchmarks/forecast_accuracy/run.py --fit-map"
            )
    return data


def section(freq: str) -> str:
    """The map section for a series frequency (``"M"`` monthly, anything else annual)."""
    return "monthly" if str(freq).upper().startswith("M") else "annual"


def calibrate_probability(p: Any, freq: str = "Y", knots: dict[str, Any] | None = None) -> Any:
    """The calibrated probability for a simulated share ``p`` (a number or an array).

    Parameters
    ----------
    p : float or array-like
        Share(s) of simulated paths meeting the target, in [0, 1]; NaN stays NaN.
    freq : str, default "Y"
        Frequency of the series (``"M"`` uses the monthly section of the map).
    knots : dict, optional
        ``x`` and ``y`` knots to use instead of the shipped map's section.
    """
    m = knots or load_map()[section(freq)]
    arr = np.asarray(p, dtype=float)
    if m.get("applied", True) is False:
        # A section recorded but not applied (the file says why) leaves the share unchanged.
        return float(arr) if np.ndim(arr) == 0 else arr.copy()
    out = np.where(np.isnan(arr), np.nan, np.interp(arr, m["x"], m["y"]))
    return float(out) if np.ndim(out) == 0 else out


def fit_isotonic(p: np.ndarray, y: np.ndarray, resolution: float = 0.01) -> dict[str, list[float]]:
    """Knots of the isotonic regression of outcomes ``y`` (0/1) on probabilities ``p``.

    The probabilities are first grouped on a grid of ``resolution`` (the paths give shares in
    steps of 1/1000, far finer than the evidence); the pool-adjacent-violators fit
    (:func:`scipy.optimize.isotonic_regression`, weighted by the group sizes) is a step function,
    turned into a continuous piecewise-linear map through the middle of each step. The map
    starts at ``x = 0`` and ends at ``x = 1``.
    """
    from scipy.optimize import isotonic_regression

    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    y = np.asarray(y, dtype=float)
    grid = np.round(p / resolution) * resolution
    xs, inv = np.unique(grid, return_inverse=True)
    counts = np.bincount(inv).astype(float)
    means = np.bincount(inv, weights=y) / counts
    fit = isotonic_regression(means, weights=counts).x
    # One knot per block of equal fitted values, at the block's weighted mean probability.
    kx, ky = [], []
    start = 0
    for i in range(1, len(xs) + 1):
        if i == len(xs) or fit[i] != fit[start]:
            w = counts[start:i]
            kx.append(float(np.dot(xs[start:i], w) / w.sum()))
            ky.append(float(fit[start]))
            start = i
    if kx[0] > 0.0:
        kx, ky = [0.0, *kx], [ky[0], *ky]
    if kx[-1] < 1.0:
        kx, ky = [*kx, 1.0], [*ky, ky[-1]]
    return {"x": [round(v, 6) for v in kx], "y": [round(v, 6) for v in ky]}
