"""What one input may cost: bombs refused in seconds, large plain files read in bounded memory.

The fast tests use small limits (``VNDX_MAX_INPUT_MB``, ``VNDX_MAX_INPUT_ROWS``) in this
process; the slow ones run ``check`` in a child process on full-size bombs (a 4 MB workbook
and a 4 MB ``.csv.gz`` that unpack to 1.2 GB) with the default limits, and measure its time
and peak memory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from analysis.data.ingest import check_paths, limits
from analysis.reference import geography
from tests.data.ingest.bombs import (
    CSV_HEADER,
    ROW,
    entity_bomb_xlsx,
    gzip_bomb,
    run_measured,
    zip_bomb_xlsx,
)


def _one_problem(path: Path) -> str:
    """The one problem of ``path``, in English, checked to be one line in both languages."""
    problems = check_paths([path]).problems
    assert len(problems) == 1, problems
    assert "\n" not in problems[0].render("vi")
    text = problems[0].render("en")
    assert "\n" not in text
    return text


def test_a_gzip_bomb_is_refused_naming_the_limit_the_file_and_how_to_raise_it(
    workspace, monkeypatch
):
    monkeypatch.setenv("VNDX_MAX_INPUT_MB", "8")
    bomb = gzip_bomb(workspace / "raw" / "communes.csv.gz", 40)
    text = _one_problem(bomb)
    assert text.startswith(str(bomb) + ": it holds more than 8 MB unpacked")
    assert "VNDX_MAX_INPUT_MB" in text and "VNDX_MAX_INPUT_MB=32" in text


@pytest.mark.parametrize("declared", [None, 1000])
def test_a_zip_bomb_workbook_is_refused_by_its_declared_and_its_real_size(
    workspace, monkeypatch, declared
):
    monkeypatch.setenv("VNDX_MAX_INPUT_MB", "8")
    bomb = zip_bomb_xlsx(workspace / "raw" / "so_lieu.xlsx", 40, declared=declared)
    text = _one_problem(bomb)
    what = "declares" if declared is None else "unpacks to"
    assert f"its part 'xl/worksheets/sheet1.xml' {what} more than 8 MB" in text
    assert "VNDX_MAX_INPUT_MB" in text


def test_a_workbook_that_lies_about_a_small_part_is_named_damaged_or_forged(workspace):
    bomb = zip_bomb_xlsx(workspace / "raw" / "so_lieu.xlsx", 2, declared=1000)
    text = _one_problem(bomb)
    assert "declares 1,000 bytes but unpacks to" in text and "damaged or forged" in text


def test_rows_past_the_limit_are_refused_before_parsing_and_while_parsing(workspace, monkeypatch):
    monkeypatch.setenv("VNDX_MAX_INPUT_ROWS", "1000")
    plain = workspace / "raw" / "big.csv"
    plain.write_text(CSV_HEADER + ROW * 1500, encoding="utf-8")
    assert "more than 1,000 rows" in _one_problem(plain)
    assert "VNDX_MAX_INPUT_ROWS=2000" in _one_problem(plain)
    # A quoted line break does not make a row: 600 rows of two lines each are 600 rows.
    quoted = workspace / "raw" / "quoted.csv"
    quoted.write_text(
        "province,indicator,period,value,note\n"
        + 'nghe_an,online_dossier_rate_pct,2026-10,45.03,"two\nlines"\n' * 600,
        encoding="utf-8",
    )
    problems = check_paths([quoted]).problems
    assert not any("rows" in p.reason.render("en") for p in problems), problems
    sheet = zip_bomb_xlsx(workspace / "raw" / "rows.xlsx", 1)  # ~7,000 rows
    assert "more than 1,000 rows" in _one_problem(sheet)


def test_a_file_without_line_breaks_is_refused_as_one_long_line(workspace):
    flat = workspace / "raw" / "flat.csv"
    flat.write_bytes(b"province,indicator" + b"0" * (limits.MAX_LINE + 10))
    assert "a line longer than 1,048,576 characters" in _one_problem(flat)


def test_an_entity_expansion_workbook_is_refused_in_one_line(workspace):
    bomb = entity_bomb_xlsx(workspace / "raw" / "laughs.xlsx")
    text = _one_problem(bomb)
    assert "declares entities" in text and "refused" in text


def test_a_limit_set_to_something_unusable_is_said_once(workspace, monkeypatch):
    monkeypatch.setenv("VNDX_MAX_INPUT_MB", "lots")
    plain = workspace / "raw" / "x.csv"
    plain.write_text(CSV_HEADER + ROW, encoding="utf-8")
    with pytest.raises(limits.LimitError, match="VNDX_MAX_INPUT_MB='lots': expected a whole"):
        check_paths([plain])


def test_the_defaults_and_the_settings(monkeypatch):
    assert limits.current() == limits.Limits(256 << 20, 3_000_000)
    monkeypatch.setenv("VNDX_MAX_INPUT_MB", "1_024")
    monkeypatch.setenv("VNDX_MAX_INPUT_ROWS", "5000000")
    assert limits.current() == limits.Limits(1 << 30, 5_000_000)


def _check_in_a_child(path: Path, workspace: Path) -> tuple[int, float, int, str, str]:
    """``python -m analysis check path`` with the default limits: its exit status, seconds,
    peak memory (MB) and output."""
    env = {**os.environ, "VNDX_DATA_DIR": str(workspace)}
    for name in ("VNDX_MAX_INPUT_MB", "VNDX_MAX_INPUT_ROWS"):
        env.pop(name, None)
    command = [sys.executable, "-m", "analysis", "check", "--lang", "en", str(path)]
    return run_measured(command, env, workspace / "peak.txt")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "build", "fragment"),
    [
        ("communes.csv.gz", lambda p: gzip_bomb(p, 1200), "more than 3,000,000 rows"),
        ("so_lieu.xlsx", lambda p: zip_bomb_xlsx(p, 1200), "declares more than 256 MB"),
        ("lie.xlsx", lambda p: zip_bomb_xlsx(p, 1200, declared=1000), "more than 3,000,000"),
    ],
)
def test_a_full_size_bomb_is_refused_within_10_seconds_and_500_mb(workspace, name, build, fragment):
    bomb = build(workspace / "raw" / name)
    assert bomb.stat().st_size < 5 << 20  # 1.2 GB unpacked
    status, seconds, peak, _, stderr = _check_in_a_child(bomb, workspace)
    assert status == 1, stderr
    assert seconds < 10, seconds
    assert peak < 500, peak
    assert f"- {bomb}: " in stderr and fragment in stderr, stderr  # one line, the file named
    assert "raise the limit" in stderr


@pytest.mark.slow
def test_a_large_plain_csv_is_read_in_memory_proportional_to_its_rows(workspace):
    """400,000 rows (18 MB) read within 500 MB (the whole file in memory, with a copy of every
    cell and a record per row, took about 900 MB). The full 2-million-row file is measured in
    benchmarks/large_inputs."""
    big = workspace / "raw" / "big.csv"
    codes = geography.provinces("63")["code"].tolist()
    rows = "".join(
        f"{code},online_dossier_rate_pct,2024-{month:02d},45.03\n"
        for code in codes
        for month in range(1, 13)
    )
    with open(big, "w", encoding="utf-8") as fh:
        fh.write(CSV_HEADER)
        for _ in range(400_000 // rows.count("\n")):
            fh.write(rows)
    status, _, peak, out, err = _check_in_a_child(big, workspace)
    assert status == 0, err
    assert "0 refused" in out, out
    assert peak < 500, peak
