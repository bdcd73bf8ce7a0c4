"""A run on a full disk: one line naming the folder and what to free, nothing half-written left.

Each test puts one folder on a small tmpfs (skipped where mounting is not allowed): the
processed-data folder (the run's analytics cache cannot be written) and the reports folder.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from analysis import paths
from analysis.cli import main
from analysis.files import write_atomic
from analysis.running import faults
from tests.disks import small_disk

pytestmark = pytest.mark.slow
RUN = ["run", "--period", "2026-10", "--province", "nghe_an", "--notebook",
       "30_leadership_briefing", "--to", "pdf", "--jobs", "1", "--no-progress"]  # fmt: skip


def _lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.strip()]


def test_a_full_processed_disk_during_a_run_is_one_line_without_duckdbs_words(
    demo_store, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    source = demo_store / "processed" / "dx.duckdb"
    room = source.stat().st_size // 1024 + 256  # the store fits, the run's analytics do not
    with small_disk(data / "processed", room) as processed:
        shutil.copy2(source, processed / "dx.duckdb")
        result = CliRunner().invoke(main, RUN)
        left = sorted(p.name for p in processed.rglob("*"))
    assert result.exit_code == 1
    (line,) = [ln for ln in _lines(result.output) if "failed" in ln]
    assert line.startswith(f"run failed: no space left on the disk holding {processed}: "), line
    assert "free some space there" in line and "VNDX_DATA_DIR" in line
    assert "TransactionContext" not in result.output and "rollback" not in result.output
    assert not [
        n for n in left if ".tmp" in n or n.endswith(".wal") and n != "analytics.duckdb.wal"
    ]
    assert not [n for n in left if n.startswith(("pending-", ".dx"))], left


def test_a_full_reports_disk_names_the_folder_and_what_to_free(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv("VNDX_DATA_DIR", str(demo_store))
    reports = tmp_path / "reports"
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    with small_disk(reports, 128):
        result = CliRunner().invoke(main, RUN)
        half_written = [p.name for p in reports.rglob(".*.tmp*")]
    assert result.exit_code == 1
    (line,) = [ln for ln in _lines(result.output) if ln.startswith("FAILED ")]
    folder = reports / "2026-10" / "nghe_an"
    assert f"no space left on the disk holding {folder}: free some space there" in line, line
    assert "VNDX_REPORTS_DIR" in line
    assert half_written == []


def test_a_write_that_fills_the_disk_names_its_folder_and_removes_its_temporary(tmp_path):
    folder = tmp_path / "reports"
    with small_disk(folder, 64):
        target = folder / "2026-10" / "national" / "40_national_overview.pdf"
        with pytest.raises(OSError) as info:
            write_atomic(target, b"%PDF" * 100_000)
        assert not list(folder.rglob("*.pdf*"))
    assert info.value.filename == str(target)
    text = faults.describe(info.value)
    assert text.startswith(f"no space left on the disk holding {target.parent}: ")


def test_disk_full_in_duckdbs_words_is_told_as_a_full_disk(tmp_path, monkeypatch):
    import duckdb

    monkeypatch.setenv("VNDX_DATA_DIR", str(tmp_path / "data"))
    error = duckdb.IOException(
        f'IO Error: Could not write file "{paths.processed_dir()}/analytics.duckdb.wal": '
        "No space left on device"
    )
    assert faults.says_what_to_do(error)
    assert faults.describe(error).startswith(
        f"no space left on the disk holding {paths.processed_dir()}: free some space there"
    )
