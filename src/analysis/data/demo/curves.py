"""Adoption curves: logistic take-offs through anchors, target statuses, monotone stock counts.

The arithmetic of :mod:`~analysis.data.demo.simulate`; every function works on whole
(provinces x months) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.data.demo.context import Ctx, month_index
from analysis.data.demo.specs import Design, Spec

# --- adoption curves -------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def progress(tau: np.ndarray, mid: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Logistic progress rescaled to 0 at tau = 0 (broadcasts over provinces)."""
    l0 = sigmoid(-mid / width)
    return np.clip((sigmoid((tau - mid) / width) - l0) / (1.0 - l0), 0.0, 1.0)


def _solve_mid(
    s0: np.ndarray, capx: np.ndarray, width: np.ndarray, share: np.ndarray, tau_a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints (and, where needed, narrower widths) putting each curve through its anchor."""
    goal = (share - s0) / (capx - s0)
    width = width.copy()
    lo = -3.0 * width
    for _ in range(40):
        short = progress(tau_a, lo, width) < goal
        if not short.any():
            break
        width = np.where(short, width * 0.85, width)
        lo = -3.0 * width
    hi = np.full_like(lo, 400.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ahead = progress(tau_a, mid, width) > goal
        lo, hi = np.where(ahead, mid, lo), np.where(ahead, hi, mid)
    return 0.5 * (lo + hi), width


def _statuses(design: Design, rng: np.random.Generator, ctx: Ctx) -> np.ndarray:
    """Status per unit (0 early, 1 on time, 2 late, 3 never), better for mature units."""
    assert sum(design.counts) == len(ctx.unit_codes), design
    score = ctx.maturity + rng.normal(0.0, 0.8, len(ctx.unit_codes))
    order = np.argsort(-score, kind="stable")
    status = np.empty(len(order), dtype=int)
    status[order] = np.repeat(np.arange(4), design.counts)
    return status


@dataclass
class _Curve:
    """Per-province parameters of one indicator's trend (arrays over the 63 provinces)."""

    s0: np.ndarray  # share in 2022-01
    cap: np.ndarray  # plateau
    width: np.ndarray  # logistic width, months
    eps: np.ndarray  # overshoot above the plateau
    mid: np.ndarray  # logistic midpoint, months after 2022-01
    drift: np.ndarray  # creep per month after take-off
    share_a: np.ndarray  # anchor share (NaN: none)
    t_a: np.ndarray  # anchor month index
    solve: np.ndarray  # whether the midpoint is solved through the anchor


def shares(
    spec: Spec,
    rng: np.random.Generator,
    ctx: Ctx,
    tau: np.ndarray,
    anchors: dict[int, tuple[float, float]],
) -> np.ndarray:
    """Trend shares (63, T) from the spec, its design and per-province anchors.

    A share is ``min(ceiling, min(cap, s0 + (cap * (1 + eps) - s0) * progress) + drift * tau)``:
    a logistic take-off, saturating at ``cap`` (in finite time when ``eps > 0``), and for
    targets below 100 % a slow linear creep afterwards. ``anchors`` maps a province to
    (share, month index) its curve must pass through (a seed fact).
    """
    n = ctx.n
    s0 = rng.uniform(*spec.s0, n)
    mountainous = np.isin(ctx.region, ("NMM", "CH"))
    s0 = np.where(mountainous, s0 - 0.3 * (s0 - spec.s0[0]), s0)
    cap = rng.uniform(*spec.cap, n)
    width = rng.uniform(*spec.width, n)
    eps = rng.uniform(*spec.eps, n)
    drift_draw = rng.uniform(*spec.drift, n)
    mid = rng.uniform(*spec.mid, n) - 3.0 * ctx.maturity[ctx.unit_of]
    c = _Curve(
        s0,
        cap,
        width,
        eps,
        mid,
        np.zeros(n),
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.zeros(n, dtype=bool),
    )
    if spec.design is not None:
        _meet_design(c, spec.design, drift_draw, rng, ctx, tau)
    ceiling = _fit_anchors(c, anchors, ctx, tau)
    capx = c.cap * (1.0 + c.eps)
    logistic = c.s0[:, None] + (capx - c.s0)[:, None] * progress(
        tau, c.mid[:, None], c.width[:, None]
    )
    share = np.minimum(
        np.minimum(c.cap[:, None], logistic) + c.drift[:, None] * tau, ceiling[:, None]
    )
    if spec.start is not None:
        share[:, : month_index(spec.start)] = 0.0
    return share


def _meet_design(
    c: _Curve,
    d: Design,
    drift_draw: np.ndarray,
    rng: np.random.Generator,
    ctx: Ctx,
    tau: np.ndarray,
) -> None:
    """Shape the curves (in place) so each unit meets its target early, on time, late or never."""
    n = ctx.n
    status = _statuses(d, rng, ctx)[ctx.unit_of]
    deadline = month_index(d.deadline)
    early = deadline - rng.uniform(*d.early, n)
    on_time = deadline - rng.uniform(-0.3, 1.5, n)
    late = deadline + rng.uniform(*d.late, n)
    never_t = deadline - rng.uniform(0.0, 12.0, n)
    t_hit = np.clip(np.choose(status, [early, on_time, late, never_t]), 3.0, ctx.T - 1)
    reach = status < 3
    gap = rng.uniform(*d.never_gap, n)
    s0 = c.s0
    if d.target >= 1.0:  # a campaign that completes: solve the take-off time
        c.cap = np.where(reach, 1.0, np.maximum(d.target - gap, s0 + 0.01))
        c.eps = np.where(reach, np.maximum(c.eps, 0.03), 0.0)
        c.share_a = np.where(reach, d.target, s0 + 0.9 * (c.cap - s0))
        c.t_a = t_hit
        c.solve[:] = True
    else:  # take-off at the drawn time, then a creep crossing the target at t_hit
        tau_hit = interp_tau(tau, t_hit)
        g_hit = np.maximum(progress(tau_hit, c.mid, c.width), 0.05)
        level = s0 + (d.target - s0 - drift_draw * tau_hit) / g_hit
        level = np.clip(level, s0 + 0.02, 0.97)
        fitted = np.maximum((d.target - s0 - (level - s0) * g_hit) / tau_hit, 0.0)
        c.drift = np.where(reach, fitted, 0.0)
        c.cap = np.where(reach, level, np.maximum(d.target - gap, s0 + 0.01))
        c.eps = np.zeros(n)


def _fit_anchors(
    c: _Curve, anchors: dict[int, tuple[float, float]], ctx: Ctx, tau: np.ndarray
) -> np.ndarray:
    """Put the curves through their anchors (in place); return each province's ceiling."""
    ceiling = np.where(c.drift > 0, 0.995, c.cap)
    for i, (share, month) in anchors.items():
        c.share_a[i], c.t_a[i], c.solve[i] = share, month, True
        if share >= 1.0:
            c.cap[i], ceiling[i], c.eps[i], c.drift[i] = 1.0, 1.0, max(c.eps[i], 0.03), 0.0
        c.s0[i] = max(0.0, min(c.s0[i], share - 0.01 * max(share, 0.2)))
    if c.solve.any():
        rows = np.flatnonzero(c.solve)
        tau_a = np.maximum(interp_tau(tau[rows], np.clip(c.t_a[rows], 3.0, ctx.T - 1)), 1.0)
        goal = (c.share_a[rows] - c.drift[rows] * tau_a - c.s0[rows]) / (
            c.cap[rows] * (1.0 + c.eps[rows]) - c.s0[rows]
        )
        # An anchor above what the take-off reaches: drop the creep, raise the plateau.
        bad = rows[goal > 0.97]
        c.drift[bad] = 0.0
        c.cap[bad] = ceiling[bad] = np.maximum(c.cap[bad], np.minimum(1.0, c.share_a[bad] + 0.03))
        capx = c.cap * (1.0 + c.eps)
        target = c.share_a[rows] - c.drift[rows] * tau_a
        c.mid[rows], c.width[rows] = _solve_mid(
            c.s0[rows], capx[rows], c.width[rows], target, tau_a
        )
    return ceiling


def interp_tau(tau: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Effective time of each row of ``tau`` at (fractional) month ``t`` of that row."""
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, tau.shape[1] - 1)
    rows = np.arange(tau.shape[0])
    frac = t - lo
    return tau[rows, lo] * (1 - frac) + tau[rows, hi] * frac


def stock_counts(
    share: np.ndarray, den: np.ndarray, pins: dict[tuple[int, int], int]
) -> np.ndarray:
    """Integer numerators for shares, never decreasing as a ratio, with pinned cells exact."""
    num = np.clip(np.rint(share * den), 0, den).astype(np.int64)
    pinned = np.zeros(num.shape, dtype=bool)
    for (i, m), value in pins.items():
        num[i, m] = value
        pinned[i, m] = True
    T = num.shape[1]
    for t in range(T - 2, -1, -1):  # no later ratio below an earlier one (lower the earlier)
        ceiling = (num[:, t + 1] * den[:, t]) // den[:, t + 1]
        num[:, t] = np.where(pinned[:, t], num[:, t], np.minimum(num[:, t], ceiling))
    for t in range(1, T):  # and raise later ones left below a pinned cell
        floor = -((-num[:, t - 1] * den[:, t]) // den[:, t - 1])
        raised = np.minimum(den[:, t], np.maximum(num[:, t], floor))
        num[:, t] = np.where(pinned[:, t], num[:, t], raised)
    return num
