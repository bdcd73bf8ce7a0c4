"""The monthly run: files and manifest, skipping, failures, kills, Dask, hostile input."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from analysis.data import store
from analysis.data.rebuild import rebuild
from analysis.running import params, runner
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
PERIOD = "2026-10"
HOSTILE = 'Sở KH&CN <script>alert("x")</script><img src="file:///etc/passwd">'


@pytest.fixture(scope="module")
def run_data(demo_store, tmp_path_factory):
    """A copy of the demo data whose infrastructure source text is hostile, ingested."""
    base = tmp_path_factory.mktemp("run")
    data = base / "data"
    shutil.copytree(demo_store / "raw", data / "raw")
    import pandas as pd

    csv = data / "raw" / "demo" / "demo_infrastructure.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame["source"] = HOSTILE  # a data string that reaches the provenance footer
    frame.to_csv(csv, index=False)
    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(data)
    try:
        rebuild(ROOT / "data/raw/published")
    finally:
        os.environ.pop("VNDX_DATA_DIR") if old is None else os.environ.update(VNDX_DATA_DIR=old)
    return data


@pytest.fixture
def env(run_data, tmp_path, monkeypatch):
    monkeypatch.setenv("VNDX_DATA_DIR", str(run_data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path / "reports"


def _whole(path):
    if path.suffix == ".pdf":
        return subprocess.run(["pdfinfo", str(path)], capture_output=True).returncode == 0
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    if path.suffix == ".ipynb":
        json.loads(path.read_text(encoding="utf-8"))
        return True
    return True


def _made(summary) -> list[tuple[str, str, str]]:
    """The jobs a run ran (not those it found unchanged)."""
    return sorted(
        (r["job"]["notebook"], r["job"]["unit"], r["job"]["lang"])
        for r in summary.results
        if not r.get("reused")
    )


def _mtimes(folder, patterns=("*.pdf", "*.xlsx", "manifest.json", "index*.html", "index.json")):
    return {p: p.stat().st_mtime_ns for pattern in patterns for p in folder.rglob(pattern)}


def test_run_produces_every_file_a_complete_manifest_and_then_skips(env, run_data):
    summary = runner.run(PERIOD, provinces=["40", "Hà Tĩnh"], jobs=2, progress=False)
    assert summary.ok, summary.failed
    for unit, nb in (
        ("nghe_an", "30_leadership_briefing"),
        ("ha_tinh", "30_leadership_briefing"),
        ("national", "40_national_overview"),
        ("nghe_an", "25_published_figures"),
        ("ha_tinh", "25_published_figures"),
        ("national", "25_published_figures"),
    ):
        for ext in ("ipynb", "html", "pdf"):
            path = env / PERIOD / unit / f"{nb}.{ext}"
            assert path.exists() and _whole(path), path
    annex = env / PERIOD / "national" / "40_national_overview.xlsx"  # the overview's annex
    assert annex.exists() and annex.read_bytes()[:2] == b"PK"
    manifest = json.loads((env / PERIOD / "manifest.json").read_text())
    assert manifest["data_version"] == store.data_version()
    assert len(manifest["outputs"]) == 19
    assert [e["path"] for e in manifest["outputs"] if e["format"] == "xlsx"] == [
        f"{PERIOD}/national/40_national_overview.xlsx"
    ]
    for entry in manifest["outputs"]:
        assert entry["status"] == "ok" and entry["duration_s"] > 0
        assert entry["parameters"]["period"] == PERIOD
        assert entry["data_version"] and entry["code_version"] and entry["cache_key"]
        assert (env / entry["path"]).exists()

    # Nothing to do: nothing written, not even the manifest, the annex or the index pages.
    mtimes = _mtimes(env)
    again = runner.run(PERIOD, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False)
    assert again.ok and len(again.skipped) == 6
    assert _mtimes(env) == mtimes
    (env / PERIOD / "index.html").unlink()  # pages lost since: made again, from the manifest
    assert runner.run(PERIOD, provinces=["nghe_an"], jobs=1, progress=False).ok
    assert (env / PERIOD / "index.html").exists()
    assert (env / PERIOD / "manifest.json").stat().st_mtime_ns == mtimes[
        env / PERIOD / "manifest.json"
    ]

    # A recipient asks for Nghệ An's briefing in English: that report alone is made, then it
    # is part of what a run with nothing to do leaves alone; a lost annex is made again.
    recipients = run_data / "recipients.yml"
    recipients.write_text(
        "recipients:\n  - unit: Nghệ An\n    name: Office\n    address: o@nghean.example\n"
        "    language: en\n",
        encoding="utf-8",
    )
    try:
        english = runner.run(PERIOD, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False)
        assert english.ok and _made(english) == [("30_leadership_briefing", "nghe_an", "en")]
        assert (env / PERIOD / "nghe_an" / "30_leadership_briefing.en.pdf").exists()
        mtimes = _mtimes(env)
        again = runner.run(PERIOD, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False)
        assert again.ok and _made(again) == [] and _mtimes(env) == mtimes
        annex.unlink()
        redone = runner.run(PERIOD, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False)
        assert redone.ok and _made(redone) == [("40_national_overview", "national", "vi")]
        assert annex.exists() and annex.read_bytes()[:2] == b"PK"
    finally:
        recipients.unlink()


def test_hostile_source_text_is_inert_in_html_and_pdf(env):
    assert runner.run(
        PERIOD, provinces=["nghe_an"], notebooks=["30_leadership_briefing"], jobs=1, progress=False
    ).ok
    html = (env / PERIOD / "nghe_an" / "30_leadership_briefing.html").read_text()
    assert "&lt;script&gt;" in html  # shown as text...
    assert '<script>alert("x")' not in html  # ...never as markup
    assert not re.search(r"<img[^>]+file:", html)
    pdf = env / PERIOD / "nghe_an" / "30_leadership_briefing.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "<script>" in text  # printed literally in the provenance footer


def _copy_processed(run_data, tmp_path):
    """A private copy of the store (without the analytics cache) and an empty raw folder."""
    data = tmp_path / "data"
    shutil.copytree(
        run_data / "processed",
        data / "processed",
        ignore=shutil.ignore_patterns("analytics.duckdb*", "snapshots"),
    )
    (data / "raw").mkdir()
    return data


def test_units_without_data_are_listed_once_not_failed(run_data, tmp_path, monkeypatch):
    data = _copy_processed(run_data, tmp_path)
    with duckdb.connect(str(data / "processed" / "dx.duckdb")) as con:
        con.execute(
            "DELETE FROM observations_34 WHERE province = 'ha_tinh' AND period = ?", [PERIOD]
        )
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    cli = subprocess.run(
        [
            *(sys.executable, "-m", "analysis", "run", "--period", PERIOD, "--to", "html"),
            *("--province", "nghe_an", "--province", "ha_tinh", "--province", "ha_noi"),
            *("--notebook", "30_leadership_briefing", "--jobs", "2", "--no-progress"),
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert cli.returncode == 0, cli.stderr
    assert "FAILED" not in cli.stderr + cli.stdout
    [line] = [ln for ln in cli.stdout.splitlines() if "without data" in ln]
    assert "1 unit(s)" in line and "ha_tinh" in line
    out = tmp_path / "reports" / PERIOD
    assert not (out / "ha_tinh").exists()
    assert (out / "nghe_an" / "30_leadership_briefing.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["no_data"] == ["ha_tinh"] and manifest["dataset"] == "demo"
    assert {e["unit"] for e in manifest["outputs"]} == {"nghe_an", "ha_noi"}
    assert "2 of 2 report job(s) done" in cli.stdout


def _add_own_dataset(db, provinces, version):
    """The user's own data ('submitted') beside the demo, for a few provinces only."""
    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO observations_34 SELECT * REPLACE ('submitted' AS dataset) "
            "FROM observations_34 WHERE dataset = 'demo' AND province IN "
            f"({', '.join('?' for _ in provinces)})",
            list(provinces),
        )
        con.execute("UPDATE meta SET data_version = ?", [version])


def test_outputs_of_two_datasets_never_share_a_folder(run_data, tmp_path, monkeypatch):
    data = _copy_processed(run_data, tmp_path)
    reports = tmp_path / "reports"
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    demo_version = store.data_version()
    units = ["nghe_an", "ha_tinh", "ha_noi"]
    nb = ["30_leadership_briefing"]
    first = runner.run(PERIOD, units, nb, formats=("html",), jobs=2, progress=False)
    assert first.ok and first.dataset == "demo" and len(first.files) == 6

    _add_own_dataset(data / "processed" / "dx.duckdb", ["nghe_an", "ha_tinh"], "own000000001")
    second = runner.run(PERIOD, units, nb, formats=("html",), jobs=2, progress=False)
    assert second.ok and second.dataset == "submitted" and second.no_data == ["ha_noi"]
    assert len(second.files) == 4  # only what was made from the user's data

    out = reports / PERIOD
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "ha_tinh",
        "index.en.html",  # the period's index pages, rebuilt by the run
        "index.html",
        "index.json",
        "manifest.json",
        "nghe_an",
    ]
    # Lock files live in reports/.locks, never in the folders people open and publish.
    assert not [p for p in out.rglob("*.lock")]
    assert (reports / ".locks" / PERIOD / "manifest.json.lock").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dataset"] == "submitted" and manifest["no_data"] == ["ha_noi"]
    assert {e["dataset"] for e in manifest["outputs"]} == {"submitted"}
    assert {e["data_version"] for e in manifest["outputs"]} == {"own000000001"}
    aside = reports / "superseded" / PERIOD / f"demo-{demo_version}"
    assert (aside / "ha_noi" / "30_leadership_briefing.html").exists()
    old = json.loads((aside / "manifest.json").read_text())
    assert old["dataset"] == "demo" and len(old["outputs"]) == 6

    with pytest.raises(params.ParameterError, match="'nothing' is not in the store"):
        runner.run(PERIOD, units, nb, progress=False, dataset="nothing")


def test_an_ingest_during_a_run_changes_nothing_in_that_run(run_data, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(run_data, data, ignore=shutil.ignore_patterns("analytics.duckdb*", "snapshots"))
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    before = store.data_version()
    csv = data / "raw" / "demo" / "demo_infrastructure.csv"
    ingested = []
    add = runner.Recorder.add

    def add_then_ingest(self, *args, **kwargs):
        add(self, *args, **kwargs)
        if not ingested:  # between the first job and the next: new data arrive
            csv.write_text(csv.read_text(encoding="utf-8").replace(HOSTILE, "Sở mới"), "utf-8")
            env = {k: v for k, v in os.environ.items() if k != "VNDX_DATABASE"}
            done = subprocess.run(
                [sys.executable, "-m", "analysis", "ingest"], env=env, capture_output=True
            )
            assert done.returncode == 0, done.stderr
            ingested.append(True)

    monkeypatch.setattr(runner.Recorder, "add", add_then_ingest)
    summary = runner.run(
        PERIOD,
        ["nghe_an", "ha_tinh"],
        ["30_leadership_briefing"],
        ("vi",),
        ("html",),
        jobs=1,
        progress=False,
    )
    after = store.data_version()
    assert ingested and summary.ok and after != before
    manifest = json.loads((tmp_path / "reports" / PERIOD / "manifest.json").read_text())
    assert manifest["data_version"] == before
    for unit in ("nghe_an", "ha_tinh"):
        html = (tmp_path / "reports" / PERIOD / unit / "30_leadership_briefing.html").read_text()
        assert before in html and after not in html, unit
        assert "Sở mới" not in html
    assert not list((data / "processed" / "snapshots").glob("*.duckdb*"))


def test_a_job_past_its_time_limit_fails_like_any_other(env):
    old_mask = os.umask(0o022)
    try:
        summary = runner.run(
            "2026-10 ",  # as pasted from a spreadsheet: written as 2026-10
            ["nghe_an", "ha_tinh"],
            ["30_leadership_briefing"],
            formats=("html",),
            jobs=1,
            progress=False,
            job_timeout=1,
        )
    finally:
        os.umask(old_mask)
    assert sorted(p.name for p in env.iterdir()) == [
        ".locks",  # the runs' lock files, out of the report folders
        PERIOD,
        "index.en.html",
        "index.html",
    ]
    assert len(summary.failed) == 2
    for failed in summary.failed:
        assert "time limit of 1 s exceeded" in failed["error"]
    manifest = json.loads((env / PERIOD / "manifest.json").read_text())
    assert {e["status"] for e in manifest["outputs"]} == {"failed"}
    for path in env.rglob("*"):
        assert path.stat().st_mode & 0o040, f"{path} is not readable by the group"


def test_bad_parameters_are_refused_before_any_kernel_starts(env):
    with pytest.raises(params.ParameterError, match="outside the data"):
        runner.run("2031-01", provinces=["nghe_an"], progress=False)
    with pytest.raises(params.ParameterError, match="unknown province"):
        runner.run(PERIOD, provinces=["Atlantis"], progress=False)
    with pytest.raises(params.ParameterError, match="unknown notebook"):
        runner.run(PERIOD, notebooks=["99_nothing"], progress=False)
    assert not env.exists()  # nothing was started, nothing written
    cli = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "--period", PERIOD, "--province", "Atlantis"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    assert cli.returncode == 2 and "Atlantis" in cli.stderr


def test_a_killed_run_leaves_only_whole_files_and_the_next_run_completes(env):
    cmd = [
        sys.executable,
        "-m",
        "analysis",
        "run",
        "--period",
        PERIOD,
        "--province",
        "40",
        "--province",
        "42",
        "--notebook",
        "30_leadership_briefing",
        "--jobs",
        "1",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cmd,
        env=os.environ.copy(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    first = env / PERIOD / "nghe_an" / "30_leadership_briefing.html"
    while time.time() < deadline and not first.exists():  # kill while the second is underway
        time.sleep(0.2)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for path in env.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            assert _whole(path), path
    summary = runner.run(
        PERIOD, provinces=["40", "42"], notebooks=["30_leadership_briefing"], jobs=1, progress=False
    )
    assert summary.ok
    assert not [p for p in env.rglob(".*.tmp*")]
    assert (env / PERIOD / "ha_tinh" / "30_leadership_briefing.pdf").exists()


def test_two_runs_at_once_do_not_corrupt_each_other(env):
    cmd = [
        sys.executable,
        "-m",
        "analysis",
        "run",
        "--period",
        PERIOD,
        "--province",
        "40",
        "--notebook",
        "30_leadership_briefing",
        "--to",
        "html",
        "--jobs",
        "1",
        "--no-progress",
        "--force",
    ]
    procs = [
        subprocess.Popen(
            cmd, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    html = env / PERIOD / "nghe_an" / "30_leadership_briefing.html"
    assert _whole(html)
    manifest = json.loads((env / PERIOD / "manifest.json").read_text())
    assert [e["format"] for e in manifest["outputs"]].count("html") == 1


def test_dask_local_cluster_runs_the_same_jobs(env):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = runner.run(
            PERIOD,
            provinces=["nghe_an"],
            notebooks=["30_leadership_briefing"],
            formats=("html",),
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert summary.ok, summary.failed
    assert (env / PERIOD / "nghe_an" / "30_leadership_briefing.html").exists()


def test_a_job_on_a_dask_worker_has_its_time_limit_too(env):
    """A Dask worker runs jobs in a thread, where no alarm can stop them; its job process can."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = runner.run(
            PERIOD,
            provinces=["nghe_an"],
            notebooks=["30_leadership_briefing"],
            formats=("html",),
            scheduler=cluster.scheduler_address,
            progress=False,
            job_timeout=1,
        )
    assert [f["error"] for f in summary.failed] == [
        "time limit of 1 s exceeded while executing and rendering"
    ]
