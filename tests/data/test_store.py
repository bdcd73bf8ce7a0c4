"""The processed store: seed facts reproduced by SQL, tables analysts rely on, idempotence,
and faults while writing it (one clear error, no temporary file left, readable by the group)."""

from __future__ import annotations

import os
import stat

import duckdb
import pandas as pd
import pytest

from analysis.data import demo, store
from tests.conftest import write_csv


@pytest.fixture
def con(use_demo_store):
    with store.connect() as c:
        yield c


def test_nghe_an_village_coverage_by_sql(con):
    row = con.execute("""
        SELECT numerator, denominator FROM observations
        WHERE province = 'nghe_an' AND indicator = 'villages_mobile_broadband_pct'
          AND period = '2023-08'""").fetchone()
    assert row == (3743, 3806)
    tidy = con.execute("""SELECT numerator, denominator, is_synthetic FROM tidy
        WHERE province = 'nghe_an' AND indicator = 'villages_mobile_broadband_pct'
          AND period = '2023-08'""").fetchone()
    assert tidy == (3743, 3806, True)


def test_every_province_level_seed_fact_is_reproduced_from_the_store(con):
    expectations = demo.seed_fact_expectations()
    assert len(expectations) >= 20
    obs = con.execute("SELECT * FROM observations WHERE dataset = 'demo'").df()
    frame = obs.rename(columns={"province_code": "province_code_"})
    frame["province"] = frame.pop("province_code_")
    checked = demo.check_seed_facts(frame, expectations)
    failed = checked[~checked["ok"]]
    assert failed.empty, failed[["fact_id", "statement"]].to_string()


def test_harmonized_history_is_continuous_across_the_merger(con):
    # Đà Nẵng (34 basis) before July 2025 = former Đà Nẵng + Quảng Nam, summed.
    june = con.execute("""
        SELECT numerator, denominator, method, n_units FROM observations_34
        WHERE province = 'da_nang' AND indicator = 'villages_mobile_broadband_pct'
          AND period = '2025-06'""").fetchone()
    parts = con.execute("""
        SELECT sum(numerator), sum(denominator) FROM observations
        WHERE basis = '63' AND province_code IN ('48', '49')
          AND indicator = 'villages_mobile_broadband_pct' AND period = '2025-06'""").fetchone()
    assert june[:2] == parts and june[2] == "sum_of_counts" and june[3] == 2
    months = con.execute("""
        SELECT count(DISTINCT period) FROM observations_34
        WHERE province = 'da_nang' AND indicator = 'villages_mobile_broadband_pct'""").fetchone()
    assert months[0] == 58  # 2022-01 .. 2026-10, no gap at the merger


def test_weighted_rates_are_flagged_and_the_gap_is_logged(con):
    flagged = con.execute("""SELECT count(*) FROM observations_34
        WHERE indicator = 'digital_economy_share_grdp_pct' AND is_weighted""").fetchone()[0]
    assert flagged > 0
    log = con.execute("SELECT * FROM harmonization_log").df()
    assert ((log["province_code"] == "19") & (log["period"] == "2024-03")).any()  # Bắc Kạn gap


def test_published_facts_keep_their_ranks_and_sources(con):
    ranks = con.execute("""SELECT rank, rank_of, source_url FROM published
        WHERE province = 'nghe_an' AND measure = 'dti_rank'""").fetchall()
    assert ranks and ranks[0][0] == 52 and ranks[0][1] == 63 and ranks[0][2].startswith("http")


def test_parquet_copies_match_the_database(use_demo_store):
    parquet = use_demo_store / "processed" / "parquet" / "observations_34.parquet"
    with duckdb.connect() as c:
        n = c.execute(f"SELECT count(*) FROM '{parquet}'").fetchone()[0]
    with store.connect() as c:
        assert n == c.execute("SELECT count(*) FROM observations_34").fetchone()[0]


def test_store_info(use_demo_store):
    info = store.store_info()
    assert info["is_synthetic"] and info["latest_period"] == "2026-10"
    assert pd.Series([info["data_version"]]).str.fullmatch(r"[0-9a-f]{12}").all()


# --- faults while writing ------------------------------------------------------------------


def _small_store(workspace):
    from analysis.data import ingest

    write_csv(
        workspace / "raw" / "sub" / "ok.csv",
        "province,indicator,period,value,numerator,denominator\n"
        "Nghệ An,villages_mobile_broadband_pct,2023-08,,3743,3806\n",
    )
    result = ingest.ingest(workspace / "raw")
    return lambda: store.write_store(
        result.observations, result.harmonized, result.harmonization_log, result.files
    )


def _leftovers(processed):
    return sorted(p.name for p in processed.glob(".*") if p.name != ".build.lock")


def test_an_unwritable_store_gives_one_clear_error_and_leaves_no_temporary_file(
    workspace, monkeypatch
):
    write = _small_store(workspace)
    write()
    processed = workspace / "processed"
    db = processed / "dx.duckdb"
    before = db.read_bytes()
    real_replace = os.replace

    def refuse(src, dst, *args, **kwargs):
        if str(processed) in str(dst):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(store.StoreWriteError) as err:
        write()
    message = str(err.value)
    assert isinstance(err.value, OSError)
    assert "\n" not in message and str(processed) in message
    assert "permission denied" in message and "writable" in message
    monkeypatch.setattr(os, "replace", real_replace)
    assert db.read_bytes() == before
    assert _leftovers(processed) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_processed_folder(workspace):
    write = _small_store(workspace)
    processed = workspace / "processed"
    processed.chmod(0o555)
    try:
        with pytest.raises(store.StoreWriteError, match="writable"):
            write()
    finally:
        processed.chmod(0o755)
    assert _leftovers(processed) == []


def test_leftovers_of_a_killed_ingest_are_removed_by_the_next(workspace):
    write = _small_store(workspace)
    processed = workspace / "processed"
    (processed / ".dx.duckdb.abc123.duckdb.tmp").write_bytes(b"half a database")
    (processed / ".dx.duckdb.abc123.duckdb.tmp.wal").write_bytes(b"wal")
    (processed / ".dx-old1.duckdb.tmp").write_bytes(b"older naming")
    (processed / ".parquet-4242").mkdir()
    (processed / ".parquet-4242" / "observations.parquet").write_bytes(b"half")
    (processed / "parquet.old").mkdir()
    write()
    assert _leftovers(processed) == []
    assert not (processed / "parquet.old").exists()
    assert store.data_version(processed / "dx.duckdb")


def test_the_store_is_readable_by_the_group(workspace):
    write = _small_store(workspace)
    old = os.umask(0o027)
    try:
        write()
    finally:
        os.umask(old)
    processed = workspace / "processed"
    assert stat.S_IMODE((processed / "parquet").stat().st_mode) == 0o750
    for f in (processed / "parquet").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o640, f
    assert stat.S_IMODE((processed / "dx.duckdb").stat().st_mode) == 0o640


def test_a_corrected_published_file_is_a_new_data_version(workspace):
    published = workspace / "raw" / "published" / "real"
    published.mkdir(parents=True)
    figure = published / "dti.csv"
    figure.write_text("province,year,dti\nĐà Nẵng,2022,0.8002\n", encoding="utf-8")
    files = [{"file": "data/raw/2026-10/a.csv", "sha256": "0" * 64}]
    before = store.compute_data_version(files)
    assert store.compute_data_version(files) == before  # stable
    figure.write_text("province,year,dti\nĐà Nẵng,2022,0.8003\n", encoding="utf-8")
    assert store.compute_data_version(files) != before
