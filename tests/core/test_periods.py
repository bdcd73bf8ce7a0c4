"""Reading a value as a period: the one conversion every stage uses."""

import datetime as dt

import pandas as pd
import pytest

from analysis.core.periods import period_freq, to_month, to_period


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10", pd.Period("2026-10", "M")),
        (" 2026-10 ", pd.Period("2026-10", "M")),
        ("2026", pd.Period("2026", "Y")),
        (2026, pd.Period("2026", "Y")),
        ("2026Q3", pd.Period("2026Q3", "Q")),
        (dt.date(2026, 10, 5), pd.Period("2026-10", "M")),
        (pd.Timestamp("2026-10-31"), pd.Period("2026-10", "M")),
    ],
)
def test_to_period_reads_every_spelling(value, expected):
    assert to_period(value) == expected


def test_longer_periods_map_to_their_last_month():
    assert to_month("2025") == pd.Period("2025-12", "M")
    assert to_month("2026Q1") == pd.Period("2026-03", "M")
    assert to_period("2026-10", "YS") == pd.Period("2026", "Y")


def test_unreadable_period_names_the_value():
    with pytest.raises(ValueError, match="tháng|2026-10"):
        to_period("last month")
    with pytest.raises(ValueError):
        to_period(True)


def test_period_freq_aliases():
    assert [period_freq(f) for f in ("MS", "ME", "YS", "A-DEC", "QS", "D")] == [
        "M",
        "M",
        "Y",
        "Y",
        "Q",
        "D",
    ]
