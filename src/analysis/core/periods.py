"""Reading a value as a period: the one conversion every stage uses.

Months (``"2026-10"``), years (``"2026"``, ``2026``), quarters (``"2026Q3"``), dates and
timestamps all become :class:`pandas.Period`; a longer period asked for at a finer frequency
maps to its *last* sub-period (a deadline of ``2025`` is due by ``2025-12``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd


def to_period(value: Any, freq: str | None = None) -> pd.Period:
    """``value`` as a Period; converted to ``freq`` (by the end of the period) when given.

    Raises ``ValueError`` naming the value when it cannot be read as a period.
    """
    period = _parse(value)
    if freq is None:
        return period
    freq = period_freq(freq)
    return period if period.freqstr == freq else period.asfreq(freq, how="end")


def month_text(value: Any) -> str:
    """A month given as text, as canonical ``YYYY-MM`` (``" 2026-10 "`` -> ``"2026-10"``).

    The strict reading for parameters and folder names: only ``YYYY-MM`` is accepted (surrounding
    blanks, as pasted from a spreadsheet, are the only thing forgiven). Raises ``ValueError``
    naming the value otherwise.
    """
    if not isinstance(value, str):
        raise ValueError(f"period must be text like '2026-10', got {value!r}")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
        raise ValueError(f"period {value!r} is not a month (write YYYY-MM, e.g. 2026-10)")
    return str(pd.Period(value.strip(), freq="M"))


def to_month(value: Any) -> pd.Period:
    """``value`` as a month (a year or quarter by its last month)."""
    return to_period(value, "M")


def period_freq(freq: str) -> str:
    """The Period frequency for an alias (``"MS"``, ``"ME"``, ``"YS"``, ``"A"`` ... -> M, Y, Q)."""
    f = freq.upper()
    if f.startswith("M"):
        return "M"
    if f.startswith(("Y", "A")):
        return "Y"
    if f.startswith("Q"):
        return "Q"
    return freq


def _parse(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value
    if isinstance(value, bool):
        raise ValueError(f"cannot read {value!r} as a period")
    if isinstance(value, int | np.integer):
        return pd.Period(str(int(value)), freq="Y")
    if isinstance(value, pd.Timestamp | dt.date | np.datetime64):
        return pd.Period(pd.Timestamp(value), freq="M")
    text = str(value).strip()
    if len(text) == 4 and text.isdigit():
        return pd.Period(text, freq="Y")
    try:
        return pd.Period(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"cannot read {value!r} as a period (write 2026-10, 2026 or 2026Q3)"
        ) from exc
