"""Calibration of the probability that a target is met: the simulated share, mapped to a frequency.

The share of simulated paths that meet a target is a probability only if, among all targets
given (say) 70 %, about 70 % are met. Backtests on public adoption series showed that the raw
shares are too confident, monthly ones most of all. The map in ``probability_map.json`` fixes
that. It is fitted on the development part of the accuracy benchmark's backtests
(``benchmarks/forecast_accuracy``; the file records its provenance, and the benchmark's
``RESULTS.md`` why each design), one section for monthly series and one for the others, of one
of two kinds:

``beta_h``
    Beta calibration (Kull, Silva Filho and Flach 2017) whose three coefficients may move with
    the logarithm of the horizon: ``logit q = c + a ln p - b ln(1 - p)`` with ``a``, ``b`` and
    ``c`` each linear in ``ln h`` (with ``h_range [1, 1]`` they do not: plain beta calibration,
    the shipped annual design; with ``a = 1`` and ``c = 0`` as well, only the upper end moves,
    the shipped monthly design). Fitted by maximum likelihood under the constraint
    ``a, b >= 0`` over the fitted horizons, so the map is monotone in the share at every
    horizon. Horizons beyond the fitted range use the range's end.
``isotonic``
    A monotone piecewise-linear map of the share alone (``x``/``y`` knots).

The engine applies the map to every probability of meeting a target it reports from simulated
paths; the paths, intervals and expected month are not changed. A section marked
``"applied": false`` is kept for the record and not applied (the file says why).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from scipy.special import expit

from analysis.analyses.forecasting.series import periods_per_year

#: The shipped map (package data next to this module).
MAP_FILE = "probability_map.json"
#: How the reported probabilities fared on the benchmark's locked test part (package data,
#: written by ``benchmarks/forecast_accuracy/run.py --locked``), quoted by the method note.
CHECK_FILE = "probability_check.json"

#: The map's sections: monthly series, and the others (annual or quarterly).
SECTIONS = ("annual", "monthly")

#: Shares are clipped to [EPS, 1 - EPS] before the logarithms of the beta map: 1000 paths give
#: shares in steps of 0.001, and a share of exactly 0 or 1 is not a certainty.
EPS = 0.0005


def _package_json(name: str) -> dict[str, Any]:
    """A JSON file shipped next to this module."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_map() -> dict[str, Any]:
    """The shipped map: a section per :data:`SECTIONS` (see the module's doc), and provenance."""
    data = _package_json(MAP_FILE)
    for name in SECTIONS:
        _check_section(data.get(name) or {}, name)
    return data


#: The bands of ``probability_check.json``: how often locked-part events happened whose reported
#: probability was under 30 % (``off_track``), 70-90 %, 80 % or more (``on_track``), 60 % or
#: more; ``raw_on_track``: whose simulated share (before any map) was 80 % or more.
CHECK_BANDS = ("off_track", "band_70_90", "on_track", "given_60_up", "raw_on_track")


@cache
def load_check() -> dict[str, Any]:
    """The locked-part calibration of the reported probabilities, per section and band.

    Each section has ``map_applied`` and the :data:`CHECK_BANDS`, each with ``events``,
    ``mean_forecast`` and ``observed`` (the share of events that happened; None without
    events). :func:`quoted_share` reads a band for the method note.
    """
    data = _package_json(CHECK_FILE)
    for name in SECTIONS:
        sec = data.get(name) or {}
        if not isinstance(sec.get("map_applied"), bool):
            raise ValueError(
                f"{CHECK_FILE}, {name}.map_applied: needs true or false, got "
                f"{sec.get('map_applied')!r}; rewrite it with {_CHECK_WRITER}"
            )
        for band in CHECK_BANDS:
            b = sec.get(band) or {}
            events, observed = b.get("events"), b.get("observed")
            ok = isinstance(events, int) and events >= 0
            if ok and events:
                ok = isinstance(observed, int | float) and 0.0 <= observed <= 1.0
            if not ok:
                raise ValueError(
                    f"{CHECK_FILE}, {name}.{band}: needs events (>= 0) and, with events, "
                    f"observed (0-1), got {b!r}; rewrite it with {_CHECK_WRITER}"
                )
    return data


_CHECK_WRITER = "benchmarks/forecast_accuracy/run.py --locked"


def quoted_share(check: dict[str, Any], name: str, band: str) -> int:
    """How often (in %) the events of one band of :func:`load_check` happened, for quoting.

    Raises ValueError naming the file, section and band when the band has no events: the
    method note quotes only what was measured.
    """
    b = check[name][band]
    if not b["events"]:
        raise ValueError(
            f"{CHECK_FILE}, {name}.{band}: no events to quote (the method note quotes this "
            f"band); rewrite it with {_CHECK_WRITER}"
        )
    return round(100 * float(b["observed"]))


def _check_section(sec: dict[str, Any], name: str) -> None:
    where = f"{MAP_FILE}, section {name!r}"
    refit = "refit it with benchmarks/forecast_accuracy/run.py --fit-map"
    if sec.get("kind", "isotonic") == "beta_h":
        coef = np.asarray(sec.get("coef", []), dtype=float)
        h_lo, h_hi = (sec.get("h_range") or [0, 0])[:2]
        if coef.shape != (6,) or not np.all(np.isfinite(coef)) or not 1 <= h_lo <= h_hi:
            raise ValueError(
                f"{where}: a beta_h map needs 6 finite coef and h_range [lo, hi] "
                f"with 1 <= lo <= hi; {refit}"
            )
        lh = np.log([h_lo, h_hi])
        if np.any(coef[1] + coef[4] * lh < -1e-9) or np.any(coef[2] + coef[5] * lh < -1e-9):
            raise ValueError(f"{where}: the map is not monotone in the share (a or b < 0); {refit}")
        return
    x = np.asarray(sec.get("x", []), dtype=float)
    y = np.asarray(sec.get("y", []), dtype=float)
    if x.size < 2 or x.shape != y.shape or np.any(np.diff(x) <= 0) or np.any(np.diff(y) < 0):
        raise ValueError(
            f"{where}: x (increasing) and y (non-decreasing) must be equally long with at "
            f"least 2 knots; {refit}"
        )


def section(freq: str) -> str:
    """The map section for a series frequency (``"M"`` monthly, anything else annual)."""
    return "monthly" if str(freq).upper().startswith("M") else "annual"


def section_horizon(steps: Any, freq: str) -> Any:
    """A horizon of ``steps`` periods of ``freq`` in the unit of its section's map.

    Monthly maps count months; the annual section counts years, so 8 quarters are 2 years.
    """
    if section(freq) == "monthly":
        return steps
    return np.asarray(steps, dtype=float) / periods_per_year(str(freq))


def beta_features(p: Any, h: Any) -> np.ndarray:
    """Design matrix of a ``beta_h`` map: 1, ln p, -ln(1-p), ln h, ln h ln p, -ln h ln(1-p)."""
    pc = np.clip(np.asarray(p, dtype=float), EPS, 1.0 - EPS)
    lh = np.log(np.maximum(np.broadcast_to(np.asarray(h, dtype=float), pc.shape), 1.0))
    la, lb = np.log(pc), -np.log1p(-pc)
    return np.stack([np.ones_like(pc), la, lb, lh, lh * la, lh * lb], axis=-1)


def calibrate_probability(
    p: Any, freq: str = "Y", knots: dict[str, Any] | None = None, horizon: Any = 1
) -> Any:
    """The calibrated probability for a simulated share ``p`` (a number or an array).

    Parameters
    ----------
    p : float or array-like
        Share(s) of simulated paths meeting the target, in [0, 1]; NaN stays NaN.
    freq : str, default "Y"
        Frequency of the series (``"M"`` uses the monthly section of the map).
    knots : dict, optional
        A map section to use instead of the shipped map's.
    horizon : int or array-like, default 1
        Steps of ``freq`` from the last observation to the date the target is read at (used by
        a ``beta_h`` map; converted with :func:`section_horizon`).
    """
    m = knots or load_map()[section(freq)]
    arr = np.asarray(p, dtype=float)
    if m.get("applied", True) is False:
        # A section recorded but not applied (the file says why) leaves the share unchanged.
        return float(arr) if np.ndim(arr) == 0 else arr.copy()
    if m.get("kind", "isotonic") == "beta_h":
        h_lo, h_hi = m["h_range"][:2]
        h = np.clip(section_horizon(horizon, freq), h_lo, h_hi)
        z = beta_features(arr, h) @ np.asarray(m["coef"], dtype=float)
        out = np.where(np.isnan(arr), np.nan, expit(z))
    else:
        out = np.where(np.isnan(arr), np.nan, np.interp(arr, m["x"], m["y"]))
    return float(out) if np.ndim(out) == 0 else out


def fit_beta_h(
    p: np.ndarray, y: np.ndarray, h: np.ndarray, fixed: dict[int, float] | None = None
) -> dict[str, Any]:
    """A ``beta_h`` map section fitted to outcomes ``y`` (0/1) of shares ``p`` at horizons ``h``.

    Maximum likelihood (logistic loss) with the linear constraints that keep the map monotone
    in the share over the fitted horizons (``a(h), b(h) >= 0`` at both ends of the range, hence
    everywhere between, being linear in ``ln h``), solved by :func:`scipy.optimize.minimize`
    (SLSQP). A family of six coefficients rather than knots per horizon: the backtests hold few
    events at the longest horizons, and a smooth family does not chase their noise.

    ``fixed`` holds coefficients kept at a value (index into ``c, a, b, c_h, a_h, b_h``, the
    columns of :func:`beta_features`): with ``a = 1`` and ``c = 0`` only ``b`` is fitted, and the
    map moves the upper end alone (``q ~ p`` for small shares).
    """
    from scipy.optimize import minimize
    from scipy.special import log_expit

    fixed = dict(fixed or {})
    ok = np.isfinite(p) & np.isfinite(y) & np.isfinite(h)
    h_ok = np.maximum(np.asarray(h, dtype=float)[ok], 1.0)
    X = beta_features(np.asarray(p, dtype=float)[ok], h_ok)
    yy = np.asarray(y, dtype=float)[ok]
    n = len(yy)
    start = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 0.0])  # the identity map
    for i, v in fixed.items():
        start[i] = v
    free = np.array([i for i in range(6) if i not in fixed])

    def full(v: np.ndarray) -> np.ndarray:
        c = start.copy()
        c[free] = v
        return c

    def loss(v: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ full(v)
        ll = yy * log_expit(z) + (1.0 - yy) * log_expit(-z)
        return -float(ll.sum()) / n, (-(X.T @ (yy - expit(z))) / n)[free]

    h_lo, h_hi = float(h_ok.min()), float(h_ok.max())
    cons = []
    for lh in (np.log(h_lo), np.log(h_hi)):
        for i, j in ((1, 4), (2, 5)):
            row = np.zeros(6)
            row[i], row[j] = 1.0, lh
            cons.append(
                {
                    "type": "ineq",
                    "fun": lambda v, r=row: r @ full(v),
                    "jac": lambda v, r=row: r[free],
                }
            )
    res = minimize(
        loss,
        start[free],
        jac=True,
        method="SLSQP",
        constraints=cons,
        options={"maxiter": 500, "ftol": 1e-10},
    )
    if not res.success:
        raise RuntimeError(f"beta_h calibration did not converge: {res.message}")
    return {
        "kind": "beta_h",
        "coef": [round(float(v), 6) for v in full(res.x)],
        "h_range": [h_lo, h_hi],
        "events": int(n),
    }


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
