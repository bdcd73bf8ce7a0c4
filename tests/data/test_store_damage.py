"""A damaged store: named in one line by ``run`` and ``status``, set aside and rebuilt by
``ingest``, and nothing that exists only in the store is lost with it.

Three kinds of damage: the header overwritten (DuckDB does not recognise the file), a block in
the middle overwritten (the file opens, a table fails its checksum when read), the file cut
short.
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from analysis import paths
from analysis.cli import main
from analysis.data import store, submissions
from analysis.data.rebuild import rebuild
from tests.conftest import write_csv

KINDS = ("header", "middle", "truncated")
FIGURES = """province,indicator,period,value
Nghệ An,online_dossier_rate_pct,2026-10,"45,03"
Hà Tĩnh,online_dossier_rate_pct,2026-10,"41,2"
"""


@pytest.fixture
def built(workspace, monkeypatch):
    """A small store of the user's own figures, built on 2026-11-03."""
    monkeypatch.setenv("VNDX_TODAY", "2026-11-03")
    write_csv(workspace / "raw" / "2026-10" / "so_lieu_2026-10.csv", FIGURES)
    rebuild(workspace / "raw" / "published")
    monkeypatch.setenv("VNDX_TODAY", "2026-11-20")
    return paths.build_database_path()


def damage(db, kind: str) -> None:
    """Overwrite the header, a block ``observations`` is stored in, or cut the file short."""
    if kind == "header":
        with open(db, "r+b") as fh:
            fh.write(b"\0" * 4096)
    elif kind == "middle":
        with duckdb.connect(str(db), read_only=True) as con:
            block, offset = con.execute(
                "SELECT block_id, block_offset FROM pragma_storage_info('observations') "
                "WHERE block_id >= 0 ORDER BY block_id, block_offset LIMIT 1"
            ).fetchone()
        # DuckDB's layout: three 4 KiB headers, then 256 KiB blocks that open with a checksum.
        with open(db, "r+b") as fh:
            fh.seek(3 * 4096 + block * 262144 + 8 + offset + 16)
            fh.write(b"\xff" * 64)
    else:
        os.truncate(db, os.path.getsize(db) // 3)


def _one_line(result, command: str) -> str:
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and "Error:" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", KINDS)
def test_run_and_status_name_the_damaged_store_and_what_to_do(built, kind):
    damage(built, kind)
    for args in (
        ["status", "--period", "2026-10"],
        ["run", "--period", "2026-10", "--province", "nghe_an", "--no-progress"],
    ):
        line = _one_line(CliRunner().invoke(main, args), args[0])
        assert line.startswith(f"{args[0]} failed: the store {built} is damaged ("), line
        assert "run `python -m analysis ingest`" in line
        assert "snapshots" not in line and ".tmp" not in line
    assert not list(paths.processed_dir().rglob("*pending*"))  # no snapshot left behind


@pytest.mark.parametrize("kind", KINDS)
def test_ingest_keeps_the_damaged_store_aside_and_rebuilds_it(built, kind, caplog):
    damage(built, kind)
    damaged_bytes = built.read_bytes()
    result = CliRunner().invoke(main, ["ingest"])
    assert result.exit_code == 0, result.output
    (kept,) = list(built.parent.glob("dx.duckdb.damaged-*"))
    assert kept.read_bytes() == damaged_bytes
    assert f"the damaged store was kept as {kept}" in result.output
    assert any(str(kept) in r.getMessage() for r in caplog.records)
    store.check_sound()  # the rebuilt store reads through
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == 2


@pytest.mark.parametrize("kind", [*KINDS, "deleted"])
def test_first_seen_times_survive_a_rebuild_of_a_damaged_or_deleted_store(built, kind):
    def first_seen():
        with store.connect() as con:
            return con.execute("SELECT file, first_seen FROM submission_files").fetchall()

    before = first_seen()
    assert [when for _, when in before] == ["2026-11-03T00:00:00"]
    if kind == "deleted":
        shutil.rmtree(paths.processed_dir())
    else:
        damage(built, kind)
    rebuild(paths.raw_dir() / "published")  # on 2026-11-20
    assert first_seen() == before
    assert list(submissions.read_journal().values()) == ["2026-11-03T00:00:00"]


def test_the_journal_is_read_with_a_store_built_before_it(built):
    journal = paths.first_seen_path()
    journal.unlink()  # a store built before the journal existed
    rebuild(paths.raw_dir() / "published")
    assert list(submissions.read_journal().values()) == ["2026-11-03T00:00:00"]
