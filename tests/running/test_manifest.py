"""The manifest's summary says what its rows say, also after a partial run on new data."""

from __future__ import annotations

import zipfile

from analysis.running import runner
from analysis.running.delivery import bundle
from analysis.running.manifest import data_version_text, read_manifest, record_many

PERIOD = "2026-10"
OLD, NEW = "0123456789ab", "ba9876543210"


def _row(unit: str, version: str, status: str = "ok") -> dict:
    return {
        "notebook": "30_leadership_briefing",
        "unit": unit,
        "commune": "",
        "lang": "vi",
        "format": "pdf",
        "path": f"{PERIOD}/{unit}/30_leadership_briefing.pdf",
        "status": status,
        "data_version": version,
    }


def test_after_a_partial_run_on_new_data_the_summary_agrees_with_the_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    units = ["nghe_an", "ha_tinh", "thanh_hoa"]
    record_many(PERIOD, [(("30_leadership_briefing", u, "", "vi"), [_row(u, OLD)]) for u in units])
    runner._finish_manifest(PERIOD, OLD, "code1", "demo")
    assert read_manifest(PERIOD)["data_version"] == OLD
    assert read_manifest(PERIOD)["data_versions"] == {OLD: 3}

    # `run --province nghe_an` after an ingest: one unit remade from the new data.
    record_many(PERIOD, [(("30_leadership_briefing", "nghe_an", "", "vi"), [_row("nghe_an", NEW)])])
    manifest = runner._finish_manifest(PERIOD, NEW, "code1", "demo")
    versions = {e["data_version"] for e in manifest["outputs"]}
    assert versions == {OLD, NEW}
    assert manifest["data_version"] is None  # not NEW: two of three rows say OLD
    assert manifest["data_versions"] == {OLD: 2, NEW: 1}
    assert data_version_text(manifest) == f"{OLD}, {NEW}"

    # Every unit remade: one version again.
    record_many(PERIOD, [(("30_leadership_briefing", u, "", "vi"), [_row(u, NEW)]) for u in units])
    manifest = runner._finish_manifest(PERIOD, NEW, "code1", "demo")
    assert manifest["data_version"] == NEW and manifest["data_versions"] == {NEW: 3}


def test_failed_rows_do_not_count_and_a_run_that_made_nothing_keeps_its_version(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    record_many(
        PERIOD,
        [(("30_leadership_briefing", "nghe_an", "", "vi"), [_row("nghe_an", OLD, "failed")])],
    )
    manifest = runner._finish_manifest(PERIOD, NEW, "code1", "demo")
    assert manifest["data_version"] == NEW and manifest["data_versions"] == {}


def test_each_bundle_names_the_data_version_of_its_own_files(tmp_path, monkeypatch):
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    for unit, version in (("nghe_an", NEW), ("ha_tinh", OLD)):
        pdf = tmp_path / "reports" / PERIOD / unit / "30_leadership_briefing.pdf"
        pdf.parent.mkdir(parents=True)
        pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
        record_many(PERIOD, [(("30_leadership_briefing", unit, "", "vi"), [_row(unit, version)])])
    runner._finish_manifest(PERIOD, NEW, "code1", "demo")
    made = bundle.build_bundles(PERIOD)
    notes = {}
    for path in made.zips:
        with zipfile.ZipFile(path) as zf:
            notes[path.name] = zf.read(bundle.COVER_NOTE).decode("utf-8")
    assert NEW in notes["nghe_an.zip"] and OLD not in notes["nghe_an.zip"]
    assert OLD in notes["ha_tinh.zip"] and NEW not in notes["ha_tinh.zip"]
    assert OLD in notes["national.zip"] and NEW in notes["national.zip"]
