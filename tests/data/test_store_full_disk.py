"""``ingest`` on a full disk: one line naming the folder and what to free, nothing left behind,
the previous store unchanged."""

from __future__ import annotations

from click.testing import CliRunner

from analysis import paths
from analysis.cli import main
from analysis.data.rebuild import rebuild
from tests.conftest import write_csv
from tests.disks import small_disk

FIGURES = """province,indicator,period,value
nghe_an,online_dossier_rate_pct,2026-10,45.03
"""


def test_a_full_processed_disk_is_one_line_and_leaves_no_temporary_file(workspace):
    write_csv(workspace / "raw" / "2026-10" / "so_lieu.csv", FIGURES)
    processed = paths.processed_dir()
    with small_disk(processed, 512):
        result = CliRunner().invoke(main, ["ingest"])
        left = sorted(p.name for p in processed.iterdir())
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith(f"ingest failed: cannot write the store in {processed}: no space left")
    assert "free some space there" in line and "VNDX_DATA_DIR" in line
    assert "TransactionContext" not in line and "rollback" not in line and ".wal" not in line
    assert left == [".build.lock"], left  # no .wal, no .tmp, no half of a Parquet folder
    rebuild(paths.raw_dir() / "published")  # with room again, the same ingest works
    assert paths.build_database_path().exists()
