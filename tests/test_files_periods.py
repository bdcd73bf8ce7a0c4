"""The shared atomic write and period conversion."""

import datetime as dt
import os
import stat

import pandas as pd
import pytest

from analysis.core.periods import period_freq, to_month, to_period
from analysis.files import atomic_path, write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(target, "một")
    write_atomic(target, b"hai")
    assert target.read_bytes() == b"hai"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_write_atomic_gives_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o002)
    try:
        path = write_atomic(tmp_path / "m.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "store.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer died")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["store.bin"]


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
