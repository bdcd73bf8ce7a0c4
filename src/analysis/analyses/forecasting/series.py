"""A history as the engine reads it: cleaned ordinals and values, deadlines, pace and inputs.

Everything that turns what a caller passes (a pandas Series, a deadline, bounds, a level) into
plain numbers lives here, so the modelling code never deals with pandas periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.periods import period_freq, to_period

HIGHER = "higher_is_better"
LOWER = "lower_is_better"


@dataclass
class Series:
    """A cleaned series: sorted observed ordinals/values of one frequency.

    Attributes
    ----------
    freq : str
        Period frequency (``"M"``, ``"Y-DEC"`` ...).
    ordinals, values : ndarray
        Observed periods (as Period ordinals) and their finite values, ascending.
    index_last : int or None
        The last period the series is known up to (its last index period, or the batch
        cut-off when it has no rows).
    n_index : int
        Number of index periods given (observed or missing).
    """

    freq: str
    ordinals: np.ndarray
    values: np.ndarray
    index_last: int | None
    n_index: int


def series_from_pandas(history: pd.Series) -> Series:
    """Read a Series with a PeriodIndex (or a DatetimeIndex of inferable frequency)."""
    if not isinstance(history, pd.Series):
        raise TypeError("history must be a pandas Series with a PeriodIndex")
    if len(history) == 0:
        raise ValueError("history is empty: nothing to forecast from")
    idx = history.index
    if isinstance(idx, pd.DatetimeIndex):
        freq = idx.freqstr or pd.infer_freq(idx)
        if freq is None:
            raise ValueError("cannot infer the frequency of a DatetimeIndex; use a PeriodIndex")
        idx = idx.to_period(period_freq(freq))
    if not isinstance(idx, pd.PeriodIndex):
        raise TypeError("history must have a PeriodIndex (monthly or annual)")
    freq = idx.freqstr
    ords = np.asarray(idx.asi8, dtype=np.int64)
    vals = pd.to_numeric(pd.Series(history.to_numpy()), errors="coerce").to_numpy(dtype=float)
    return clean(freq, ords, vals)


def clean(freq: str, ords: np.ndarray, vals: np.ndarray, index_last: int | None = None) -> Series:
    """Sort, drop non-finite values, keep the last value of duplicated periods.

    ``index_last`` is the period the series is known up to when it has no rows
    at all (batch cut-off); by default the last period of ``ords``.
    """
    n_index = int(ords.size)
    if n_index:
        index_last = int(ords.max())
    ok = np.isfinite(vals)
    ords, vals = ords[ok], vals[ok]
    order = np.argsort(ords, kind="stable")
    ords, vals = ords[order], vals[order]
    if ords.size > 1:
        keep = np.append(ords[1:] != ords[:-1], True)  # last of each duplicate run
        ords, vals = ords[keep], vals[keep]
    return Series(freq, ords, vals, index_last, n_index)


def deadline_ordinal(deadline: Any, freq: str) -> int:
    """Deadline converted to the series frequency (a year maps to its last period)."""
    try:
        return int(to_period(deadline, freq).ordinal)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot read deadline {deadline!r} as a period ({exc})") from exc


def ordinals_of(periods: pd.Series) -> tuple[str, np.ndarray]:
    """Frequency and ordinals of a column of Periods (or period strings)."""
    if isinstance(periods.dtype, pd.PeriodDtype):
        idx = pd.PeriodIndex(periods)
        return idx.freqstr, np.asarray(idx.asi8, dtype=np.int64)
    ps = [to_period(p) for p in periods]
    freqs = {p.freqstr for p in ps}
    if len(freqs) != 1:
        raise ValueError(f"mixed period frequencies in one series: {sorted(freqs)}")
    return freqs.pop(), np.array([p.ordinal for p in ps], dtype=np.int64)


def pstr(ordinal: int, freq: str) -> str:
    """A period ordinal as text (``"2026-10"``, ``"2026"``)."""
    return str(pd.Period(ordinal=int(ordinal), freq=freq))


def periods_per_year(freq: str) -> int:
    """12 for months, 4 for quarters, 1 for years (52 weeks, 365 days)."""
    f = freq.upper()
    if f.startswith("M"):
        return 12
    if f.startswith("Q"):
        return 4
    if f.startswith("W"):
        return 52
    if f.startswith(("D", "B")):
        return 365
    return 1


def unit_word(freq: str, n: int = 2) -> str:
    """``month``/``months`` ... for the ``model`` text."""
    words = {12: "month", 4: "quarter", 1: "year", 52: "week", 365: "day"}
    w = words.get(periods_per_year(freq), "period")
    return w if n == 1 else w + "s"


def pace_window(freq: str) -> int:
    """Periods in the current-pace window: 6 months, else 2 periods."""
    return 6 if periods_per_year(freq) == 12 else 2


def current_pace(ords: np.ndarray, vals: np.ndarray, freq: str) -> float:
    """Least-squares slope per period over the pace window (see ``docs/method.md``).

    NaN with fewer than two observations: no pace can be measured from one point.
    """
    if ords.size < 2:
        return float("nan")
    w = pace_window(freq)
    sel = ords >= ords[-1] - w
    if sel.sum() >= 2:
        t, y = ords[sel].astype(float), vals[sel]
        t = t - t.mean()
        return float(np.sum(t * (y - y.mean())) / np.sum(t * t))
    return float((vals[-1] - vals[-2]) / (ords[-1] - ords[-2]))


def check_bounds(lower: Any, upper: Any) -> tuple[float | None, float | None]:
    """Finite bounds or None; raises ``ValueError`` when ``upper <= lower``."""
    lo = None if lower is None or not np.isfinite(float(lower)) else float(lower)
    hi = None if upper is None or not np.isfinite(float(upper)) else float(upper)
    if lo is not None and hi is not None and hi <= lo:
        raise ValueError(f"upper bound ({hi}) must exceed lower bound ({lo})")
    return lo, hi


def check_level(level: float) -> float:
    """The interval coverage as a float in (0, 1)."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    return level


def opt_float(v: Any) -> float | None:
    """``v`` as a finite float, or None (missing, NaN, text)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def opt_target(target: Any) -> float | None:
    """A target as a finite float, or None for no target."""
    if target is None:
        return None
    t = float(target)
    return t if math.isfinite(t) else None


def fmt(v: float) -> str:
    """A number in the ``model`` text."""
    return f"{v:g}"
