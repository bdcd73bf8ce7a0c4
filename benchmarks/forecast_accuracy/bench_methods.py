"""The forecasters compared, and the records each forecast leaves.

Each comparator maps ``(history, H)`` to a dict with arrays of length ``H``: ``point``, ``lo``,
``hi`` and either ``samples`` ``(n, H)`` or ``sd`` (a normal predictive). The engine runs as the
product's period batch does: every series of one data set and origin together
(:func:`analysis.forecast.forecast_pooled`), so its interval calibration pools their backtests.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
import zlib
from collections.abc import Callable

import numpy as np
import pandas as pd
from bench_data import LOWER, UPPER, Case
from scipy.stats import norm

LEVEL = 0.8
N_PATHS = 1000
#: Events scored: "the value ``h`` steps ahead closes at least this fraction of the gap between
#: the latest value and the bound" (0.5: closes half the remaining gap).
FRACTIONS = (0.1, 0.25, 0.5)
#: Series closer than this to the bound are left out of the events (nothing left to close).
MIN_GAP = 1.0
_Z = float(norm.ppf(0.5 + LEVEL / 2))


def _clip(a: np.ndarray) -> np.ndarray:
    return np.clip(a, LOWER, UPPER)


def _normal(point: np.ndarray, sd: np.ndarray) -> dict:
    return {
        "point": _clip(point),
        "lo": _clip(point - _Z * sd),
        "hi": _clip(point + _Z * sd),
        "sd": sd,
        "raw": point,
    }


def fc_naive(y: np.ndarray, h: int, freq: str) -> dict:
    """Last value; normal intervals with the RMS of the one-step changes x sqrt(h)."""
    d = np.diff(y)
    sigma = math.sqrt(np.mean(d**2)) if d.size else 0.0
    return _normal(np.full(h, y[-1]), sigma * np.sqrt(np.arange(1, h + 1)))


def fc_drift(y: np.ndarray, h: int, freq: str) -> dict:
    """Last value + h x mean change; Hyndman & Athanasopoulos drift variance."""
    d = np.diff(y)
    n = y.size
    c = (y[-1] - y[0]) / (n - 1)
    sigma = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
    steps = np.arange(1, h + 1)
    return _normal(y[-1] + c * steps, sigma * np.sqrt(steps * (1 + steps / (n - 1))))


def fc_ets_plain(y: np.ndarray, h: int, freq: str) -> dict:
    """statsmodels damped additive-trend ETS on the raw values, 1000 simulated paths."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    res = ExponentialSmoothing(
        y, trend="add", damped_trend=True, initialization_method="estimated"
    ).fit()
    samples = _clip(np.asarray(res.simulate(h, repetitions=N_PATHS, error="add", random_state=0)).T)
    lo, hi = np.quantile(samples, [0.5 - LEVEL / 2, 0.5 + LEVEL / 2], axis=0)
    return {"point": _clip(np.asarray(res.forecast(h))), "lo": lo, "hi": hi, "samples": samples}


def fc_autoets(y: np.ndarray, h: int, freq: str) -> dict:
    """statsforecast AutoETS with its 80 % interval (normal predictive implied by it)."""
    from statsforecast.models import AutoETS

    pct = int(round(LEVEL * 100))
    out = AutoETS(season_length=1).forecast(y=y.astype(float), h=h, level=[pct])
    mean = np.asarray(out["mean"])
    lo, hi = np.asarray(out[f"lo-{pct}"]), np.asarray(out[f"hi-{pct}"])
    return {
        "point": _clip(mean),
        "lo": _clip(lo),
        "hi": _clip(hi),
        "sd": (hi - lo) / (2 * _Z),
        "raw": mean,
    }


def fc_prophet(y: np.ndarray, h: int, freq: str, periods: pd.PeriodIndex | None = None) -> dict:
    """Prophet, logistic growth with cap 100 and floor 0, no seasonality, 1000 samples."""
    from prophet import Prophet

    assert periods is not None
    ds = periods.to_timestamp(how="start")
    df = pd.DataFrame({"ds": ds, "y": y, "cap": UPPER, "floor": LOWER})
    m = Prophet(
        growth="logistic",
        yearly_seasonality=False,
        weekly_seasonality=False,
        daily_seasonality=False,
        interval_width=LEVEL,
        uncertainty_samples=N_PATHS,
    )
    m.fit(df)
    # Prophet draws its trend changes and noise from NumPy's global generator; seeded per case
    # so that a reproduction (``make bench``) gives the same table.
    np.random.seed(zlib.crc32(np.asarray(y, dtype=float).tobytes()))
    fut_p = pd.period_range(periods[-1] + 1, periods=h, freq=periods.freq)
    fut = pd.DataFrame({"ds": fut_p.to_timestamp(how="start"), "cap": UPPER, "floor": LOWER})
    fc = m.predict(fut)
    samples = np.asarray(m.predictive_samples(fut)["yhat"]).T
    return {
        "point": _clip(fc["yhat"].to_numpy()),
        "lo": _clip(fc["yhat_lower"].to_numpy()),
        "hi": _clip(fc["yhat_upper"].to_numpy()),
        "samples": _clip(samples),
    }


COMPARATORS: dict[str, tuple[str, Callable[..., dict]]] = {
    "naive": ("naive", fc_naive),
    "drift": ("drift", fc_drift),
    "ets": ("statsmodels damped ETS (plain)", fc_ets_plain),
    "autoets": ("statsforecast AutoETS", fc_autoets),
    "prophet": ("Prophet logistic, cap 100", fc_prophet),
}
LABELS = {k: v[0] for k, v in COMPARATORS.items()}
LABELS["engine"] = "engine (forecast_pooled)"


def available(method: str) -> bool:
    """Whether a method's package is installed (statsforecast and prophet are extras)."""
    mod = {"autoets": "statsforecast", "prophet": "prophet"}.get(method)
    if mod is None:
        return True
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


def _prob_at_least(out: dict, h: int, thr: float) -> float:
    if out.get("samples") is not None:
        return float(np.mean(out["samples"][:, h - 1] >= thr - 1e-9))
    mean, sd = out["raw"][h - 1], out["sd"][h - 1]
    if not np.isfinite(sd) or sd <= 0:
        return float(mean >= thr)
    return float(1.0 - norm.cdf((thr - mean) / sd))


def records(case: Case, method: str, out: dict, secs: float, err: str | None) -> list[dict]:
    """One record per observed horizon of one method's output on one case."""
    y = case.history.to_numpy(dtype=float)
    scale = float(np.mean(np.abs(np.diff(y)))) if y.size > 1 else 0.0
    last = float(y[-1])
    first_h = min(case.future)
    recs = []
    for h, actual in case.future.items():
        rec = {
            "dataset": case.dataset,
            "freq": case.freq,
            "series": case.series,
            "origin": case.origin,
            "method": method,
            "h": h,
            "horizon": case.horizon,
            "actual": actual,
            "point": float(out["point"][h - 1]),
            "lo": float(out["lo"][h - 1]),
            "hi": float(out["hi"][h - 1]),
            "scale": scale,
            "last": last,
            "seconds": secs if h == first_h else 0.0,
            "error": err if h == first_h else None,
        }
        for f in FRACTIONS:
            gap = UPPER - last
            rec[f"p{f:g}"] = _prob_at_least(out, h, last + f * gap) if gap >= MIN_GAP else np.nan
        recs.append(rec)
    return recs


def run_comparators(cases: list[Case], methods: list[str]) -> list[dict]:
    """Every comparator on every case (a worker's share); a failure falls back to naive, noted."""
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    out = []
    for case in cases:
        y = case.history.to_numpy(dtype=float)
        for m in methods:
            fn = COMPARATORS[m][1]
            kw = {"periods": case.history.index} if m == "prophet" else {}
            t0 = time.perf_counter()
            try:
                res, err = fn(y, case.horizon, case.freq, **kw), None
            except Exception as exc:  # a comparator failing on a series is recorded, not fatal
                res, err = None, f"{type(exc).__name__}: {exc}"
            secs = time.perf_counter() - t0
            if res is None:
                res = fc_naive(y, case.horizon, case.freq)
            out.extend(records(case, m, res, secs, err))
    return out


def run_engine_group(cases: list[Case], variant: dict) -> list[dict]:
    """The engine on all series of one data set and origin (one period batch)."""
    from analysis.forecast import forecast_pooled

    apply_variant(variant)
    warnings.filterwarnings("ignore")
    histories = {c.series: c.history for c in cases}
    origin = pd.Period(cases[0].origin, freq=cases[0].freq)
    t0 = time.perf_counter()
    res = forecast_pooled(
        histories,
        origin + cases[0].horizon,
        lower=LOWER,
        upper=UPPER,
        level=LEVEL,
        return_paths=True,
        n_paths=N_PATHS,
    )
    secs = (time.perf_counter() - t0) / len(cases)  # the batch's time shared evenly
    recs = []
    for c in cases:
        r = res[c.series]
        if r.paths is None:
            continue
        out = {
            "point": r.path["median"].to_numpy(),
            "lo": r.path["lower"].to_numpy(),
            "hi": r.path["upper"].to_numpy(),
            "samples": r.paths,
        }
        recs.extend(records(c, "engine", out, secs, None))
    return recs


def apply_variant(variant: dict) -> None:
    """Set the engine knobs a variant names (module constants read at call time).

    ``variant`` maps a module of ``analysis.analyses.forecasting`` (``calibration``,
    ``simulation``) to the constants to set in it.
    """
    import importlib

    for module in ("calibration", "simulation"):
        mod = importlib.import_module(f"analysis.analyses.forecasting.{module}")
        for name, value in variant.get(module, {}).items():
            if not hasattr(mod, name):
                raise AttributeError(f"variant sets {module}.{name}, which does not exist")
            setattr(mod, name, value)
