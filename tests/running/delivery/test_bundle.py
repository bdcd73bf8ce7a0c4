"""Bundles: one zip per unit and one for the national office, deterministic, with checksums."""

from __future__ import annotations

import hashlib
import os
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.running.delivery import bundle
from analysis.running.manifest import read_manifest

pytestmark = pytest.mark.slow
PERIOD = "2026-10"


def test_each_unit_and_the_national_office_get_their_files_and_a_cover_note(reports_copy):
    result = CliRunner().invoke(main, ["bundle", "--period", PERIOD])
    assert result.exit_code == 0, result.output
    folder = reports_copy / PERIOD / "bundles"
    assert sorted(p.name for p in folder.iterdir()) == [
        "SHA256SUMS",
        "ha_tinh.zip",
        "national.zip",
        "nghe_an.zip",
    ]
    source = reports_copy / PERIOD
    with zipfile.ZipFile(folder / "nghe_an.zip") as zf:
        # Every report of the unit: the briefing and the published figures, PDF and HTML.
        assert sorted(zf.namelist()) == [
            "25_published_figures.html",
            "25_published_figures.pdf",
            "30_leadership_briefing.html",
            "30_leadership_briefing.pdf",
            "ghi-chu.txt",
        ]
        pdf = source / "nghe_an" / "30_leadership_briefing.pdf"
        assert zf.read("30_leadership_briefing.pdf") == pdf.read_bytes()
        note = zf.read("ghi-chu.txt").decode("utf-8")
        assert zf.testzip() is None
    version = read_manifest(PERIOD)["data_version"]
    for words in (
        "Nghệ An",
        "tháng 10/2026",
        version,
        "30_leadership_briefing.pdf",
        "25_published_figures.pdf",
        "DỮ LIỆU MẪU",
    ):
        assert words in note, (words, note)
    with zipfile.ZipFile(folder / "national.zip") as zf:
        names = set(zf.namelist())
        assert {
            "nghe_an/30_leadership_briefing.pdf",
            "ha_tinh/30_leadership_briefing.pdf",
            "national/40_national_overview.pdf",
            "national/40_national_overview.html",
            "national/40_national_overview.xlsx",
            "national/25_published_figures.pdf",
            "national/25_published_figures.html",
            "ghi-chu.txt",
        } == names
        overview = source / "national" / "40_national_overview.pdf"
        assert zf.read("national/40_national_overview.pdf") == overview.read_bytes()
        annex = source / "national" / "40_national_overview.xlsx"
        assert zf.read("national/40_national_overview.xlsx") == annex.read_bytes()


def test_checksums_verify_and_the_same_reports_give_the_same_bytes(reports_copy):
    first = bundle.build_bundles(PERIOD)
    before = {p.name: p.read_bytes() for p in first.zips}
    lines = first.sums.read_text().splitlines()
    assert len(lines) == 3
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((first.folder / name).read_bytes()).hexdigest() == digest
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=first.folder, capture_output=True)
    assert check.returncode == 0, check.stdout

    for pdf in (reports_copy / PERIOD).rglob("*.pdf"):
        os.utime(pdf, (1, 1))  # later mtimes must not change the bundles
    again = bundle.build_bundles(PERIOD)
    assert {p.name: p.read_bytes() for p in again.zips} == before
    with zipfile.ZipFile(again.folder / "nghe_an.zip") as zf:
        assert {i.date_time for i in zf.infolist()} == {bundle.FIXED_TIME}


def test_a_changed_report_changes_only_its_bundles_checksums(reports_copy):
    first = bundle.build_bundles(PERIOD).sums.read_text().splitlines()
    html = reports_copy / PERIOD / "ha_tinh" / "30_leadership_briefing.html"
    html.write_text(html.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = bundle.build_bundles(PERIOD).sums.read_text().splitlines()
    changed = {a.split("  ")[1] for a, b in zip(first, second, strict=True) if a != b}
    assert changed == {"ha_tinh.zip"}  # the national bundle holds PDFs only


def test_a_period_without_reports_exits_1_with_one_line(workspace):
    result = CliRunner().invoke(main, ["bundle", "--period", "2026-09"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no reports for 2026-09" in lines[0] and "run --period" in lines[0]
    assert not (workspace.parent / "reports" / "2026-09" / "bundles").exists()
