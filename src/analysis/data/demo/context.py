"""The demo's time axis and the simulation context shared by every indicator.

:class:`Ctx` holds the 63 former provinces, the 34 current units they merged into, each unit's
"maturity" and the months simulated; :func:`context_for` builds it once per seed and horizon.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.core import clock
from analysis.core.periods import to_month
from analysis.data.demo.specs import CITY_BONUS, MONTH_PATTERN, STALLS, START, TET_DAYS
from analysis.reference import geography, population

# --- periods ---------------------------------------------------------------------------------


def latest_complete_month(today: dt.date | None = None) -> pd.Period:
    """The last month that has ended before ``today``.

    Parameters
    ----------
    today
        The reference date; default: ``VNDX_TODAY`` (``YYYY-MM-DD``) if set, else today.

    Examples
    --------
    >>> latest_complete_month(dt.date(2026, 11, 23))
    Period('2026-10', 'M')
    """
    return to_month(clock.today() if today is None else today) - 1


def until_month(until: str | pd.Period | None) -> pd.Period:
    p = latest_complete_month() if until is None else to_month(until)
    if p < START:
        raise ValueError(f"until={p} is before the first demo month {START}")
    return p


def month_index(period: pd.Period | str) -> int:
    p = to_month(period)
    return (p.year - START.year) * 12 + p.month - START.month


# --- simulation context ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    codes: tuple[str, ...]  # the 63 former provinces
    pop: np.ndarray  # (63,) thousands
    region: np.ndarray  # (63,) region codes
    unit_codes: tuple[str, ...]  # the 34 current units
    unit_of: np.ndarray  # (63,) index into unit_codes
    maturity: np.ndarray  # (34,) unit-level readiness, ~N(0, 1)
    months: pd.PeriodIndex  # START .. horizon
    season: np.ndarray  # (T,) workload factor (Tết dip, December rush)

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def T(self) -> int:
        return len(self.months)

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def tau(self, family: str) -> np.ndarray:
        """Effective time (63, T): months of progress, frozen during a province's stall."""
        t = np.arange(self.T, dtype=float)
        tau = np.tile(t, (self.n, 1))
        for code, (fam, first, length) in STALLS.items():
            if fam == family:
                a = month_index(first)
                tau[self.index(code)] = t - np.clip(t - a, 0, length)
        return tau


def rng_for(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def season(months: pd.PeriodIndex) -> np.ndarray:
    factor = MONTH_PATTERN[months.month.to_numpy() - 1].copy()
    for i, p in enumerate(months):
        tet = pd.Timestamp(TET_DAYS.get(p.year, f"{p.year}-02-01"))
        holiday = pd.date_range(tet - pd.Timedelta(days=4), tet + pd.Timedelta(days=5))
        days = int(((holiday.year == p.year) & (holiday.month == p.month)).sum())
        factor[i] *= 1.0 - 0.9 * days / p.days_in_month
    return factor


@lru_cache(maxsize=8)
def context_for(seed: int, horizon: str) -> Ctx:
    p63 = geography.provinces("63")
    cw = geography.crosswalk().set_index("old_code")["new_code"]
    unit_codes = tuple(sorted(geography.provinces("34")["code"]))
    codes = tuple(p63["code"])
    unit_of = np.array([unit_codes.index(cw[c]) for c in codes])
    rng = rng_for(seed, "traits")
    maturity = rng.normal(0.0, 1.0, len(unit_codes))
    for code, bonus in CITY_BONUS.items():
        maturity[unit_codes.index(cw[code])] += bonus
    months = pd.period_range(START, to_month(horizon), freq="M")
    return Ctx(
        codes,
        # Sizes are scaled from the 2023 population (simulate: index 18 is mid-2023).
        population.population_63(2023).reindex(list(codes)).to_numpy(float),
        p63["region"].to_numpy(),
        unit_codes,
        unit_of,
        maturity,
        months,
        season(months),
    )
