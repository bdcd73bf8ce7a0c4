"""Every file the product writes stays inside its folder, whatever names it is given.

Names are built from what people type (run parameters, recipients) and from what files hold
(a manifest's units, datasets and paths, the store's data version); each place is tried with a
path in it. E-mail addresses are tried in ``delivery/test_send_faults.py``.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from analysis import paths
from analysis.cli import main
from analysis.files import UnsafePath, inside, safe_name
from analysis.running import folders, jobs
from analysis.running.delivery import bundle, outputs

PERIOD = "2026-10"
ESCAPE = "../../../../escaped"


def _escaped(root) -> list:
    """Anything named ``escaped*`` under ``root``'s parent folders (where a path would lead)."""
    return [p for p in root.parent.parent.rglob("escaped*")]


@pytest.mark.parametrize(
    "args",
    [
        ["--period", ESCAPE],
        ["--period", "2026-10/../../../escaped"],
        ["--province", ESCAPE],
        ["--notebook", ESCAPE],
        ["--dataset", ESCAPE],
        ["--level", "commune", "--province", "nghe_an", "--commune", ESCAPE],
    ],
)
def test_run_parameters_with_a_path_are_refused_before_anything_is_written(
    use_demo_store, tmp_path, monkeypatch, args
):
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    result = CliRunner().invoke(main, ["run", *args, "--no-progress"])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*.*"))
    assert not _escaped(tmp_path)


@pytest.mark.parametrize("unit", [ESCAPE, "nghe_an/../../..", "/tmp/escaped"])
def test_a_job_folder_never_leaves_the_reports_folder(tmp_path, unit):
    job = jobs.Job("30_leadership_briefing", unit, PERIOD, "vi", ("pdf",), {})
    with pytest.raises(UnsafePath):
        job.out_dir(tmp_path / "reports")
    communal = jobs.Job("16_commune_scorecard", "nghe_an", PERIOD, "vi", ("pdf",), {}, unit)
    with pytest.raises(UnsafePath):
        communal.out_dir(tmp_path / "reports")


@pytest.fixture
def hostile_manifest(tmp_path, monkeypatch):
    """A period folder whose manifest was edited to name paths outside it."""
    reports = tmp_path / "reports"
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    folder = reports / PERIOD
    (folder / "nghe_an").mkdir(parents=True)
    (folder / "nghe_an" / "30_leadership_briefing.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"not for the bundle")
    base = {"notebook": "30_leadership_briefing", "lang": "vi", "format": "pdf", "status": "ok"}
    rows = [
        {**base, "unit": "nghe_an", "path": f"{PERIOD}/nghe_an/30_leadership_briefing.pdf"},
        {**base, "unit": ESCAPE, "path": f"{PERIOD}/nghe_an/30_leadership_briefing.pdf"},
        {**base, "unit": "ha_tinh", "path": f"{PERIOD}/../secret.pdf"},
        {**base, "unit": "ha_tinh", "path": str(secret)},
    ]
    manifest = {"period": PERIOD, "dataset": ESCAPE, "data_version": ESCAPE, "outputs": rows}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_bundles_are_named_from_known_units_and_hold_only_the_periods_files(hostile_manifest):
    assert [o.unit for o in outputs.outputs(PERIOD)] == ["nghe_an"]
    made = bundle.build_bundles(PERIOD)
    folder = hostile_manifest / "bundles"
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "national.zip", "nghe_an.zip"]
    with zipfile.ZipFile(folder / "national.zip") as zf:
        assert sorted(zf.namelist()) == ["ghi-chu.txt", "nghe_an/30_leadership_briefing.pdf"]
    assert all(p.parent == folder for p in made.zips)
    assert not _escaped(hostile_manifest)


def test_outputs_set_aside_go_to_a_safe_folder_under_superseded(hostile_manifest):
    folders.prepare_folder(PERIOD, "demo", "0123456789ab", [])
    superseded = paths.reports_dir() / "superseded" / PERIOD
    (moved,) = list(superseded.iterdir())
    assert moved.name == safe_name(f"{ESCAPE}-{ESCAPE}") and "/" not in moved.name
    assert (moved / "nghe_an" / "30_leadership_briefing.pdf").exists()
    assert not _escaped(hostile_manifest)


def test_a_snapshot_name_is_safe_whatever_version_the_store_holds():
    path = paths.snapshot_path(ESCAPE)
    assert path.parent == paths.snapshots_dir() and path.name.startswith("escaped-")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "x/../../../../elsewhere/escaped_at_evil.example",
            "x_________elsewhere_escaped_at_evil.example",
        ),
        ("..", "_"),
        (".hidden", "hidden"),
        ("Nghệ An đặc khu", "Nghe_An_dac_khu"),
        ("a\nb\x00c", "a_b_c"),
        ("", "_"),
    ],
)
def test_safe_names_keep_to_safe_characters(text, name):
    assert safe_name(text) == name


def test_inside_refuses_a_path_that_leaves_its_folder(tmp_path):
    assert inside(tmp_path, "a", "b.txt") == tmp_path / "a" / "b.txt"
    for parts in (("..", "x"), ("/etc/passwd",), ("a", "..", "..", "x")):
        with pytest.raises(UnsafePath):
            inside(tmp_path, *parts)
