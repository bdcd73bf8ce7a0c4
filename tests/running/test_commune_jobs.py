"""The commune level of a run, on stand-in notebooks, parameter models and commune list.

The tests make their own commune reference (a module put in ``sys.modules`` under
``analysis.reference.communes``), their own two commune notebooks (in a temporary project root,
``VNDX_ROOT``) and their own ``commune_observations`` table in a copy of the demo store: what is
tested is the running side (planning, skipping, failures, manifest, kernels), whatever the real
notebooks show.
"""

from __future__ import annotations

import json
import shutil
import sys
import types

import duckdb
import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis import cli
from analysis.running import commune_jobs, params, runner
from analysis.running import manifest as manifest_mod
from analysis.running.manifest import Recorder, read_manifest, record

PERIOD = "2026-10"
COMMUNES = pd.DataFrame(
    [
        ("17001", "Anh Sơn", "Xã Anh Sơn", "xã", "anh_son", "nghe_an", "40"),
        ("17002", "Bình Minh", "Xã Bình Minh", "xã", "binh_minh", "nghe_an", "40"),
        ("17003", "Hỏng", "Xã Hỏng", "xã", "hong", "nghe_an", "40"),
        ("17004", "Vắng", "Xã Vắng", "xã", "vang", "nghe_an", "40"),
        ("18001", "Bình Minh", "Phường Bình Minh", "phường", "binh_minh", "ha_tinh", "42"),
    ],
    columns=["commune_code", "name", "full_name", "kind", "codename", "province", "province_code"],
)
FAILING = "hong"  # its scorecard raises
WITHOUT_DATA = "vang"  # no figures in the store

SCORECARD_CELLS = [
    'province = "nghe_an"\ncommune = "anh_son"\nperiod = None\nlang = "vi"\ndataset = None',
    # Nothing of a previous notebook may be visible to this one, in a reused kernel too.
    "import os\nassert 'previous_commune' not in globals(), previous_commune\n"
    "previous_commune = commune",
    "if commune == 'hong':\n    raise ValueError('stand-in failure for hong')",
    "from IPython.display import HTML, display\n"
    "display(HTML(f'<h2>{province} / {commune} / {period}</h2><p>pid {os.getpid()}</p>'))",
]
COMPARISON_CELLS = [
    'province = "nghe_an"\nperiod = None\nlang = "vi"\ndataset = None',
    "from IPython.display import HTML, display\ndisplay(HTML(f'<h2>{province} {period}</h2>'))",
]


class ScorecardStandIn(params._WithProvince):
    commune: str


class ComparisonStandIn(params._WithProvince):
    pass


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)


def _reference(table: pd.DataFrame) -> types.ModuleType:
    module = types.ModuleType("analysis.reference.communes")

    def communes(province: str | None = None) -> pd.DataFrame:
        rows = table if province is None else table[table["province"] == province]
        return rows.reset_index(drop=True)

    module.communes = communes  # type: ignore[attr-defined]
    return module


@pytest.fixture
def commune_reference(monkeypatch):
    """The stand-in commune list and parameter models (in this process and forked workers)."""
    monkeypatch.setitem(sys.modules, "analysis.reference.communes", _reference(COMMUNES))
    monkeypatch.setitem(params.NOTEBOOK_PARAMS, commune_jobs.SCORECARD_NOTEBOOK, ScorecardStandIn)
    monkeypatch.setitem(params.NOTEBOOK_PARAMS, commune_jobs.COMPARISON_NOTEBOOK, ComparisonStandIn)


@pytest.fixture
def commune_project(demo_store, commune_reference, tmp_path, monkeypatch):
    """A project root with the two stand-in notebooks, and a store with commune figures."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    _notebook(root / "notebooks" / f"{commune_jobs.SCORECARD_NOTEBOOK}.ipynb", SCORECARD_CELLS)
    _notebook(root / "notebooks" / f"{commune_jobs.COMPARISON_NOTEBOOK}.ipynb", COMPARISON_CELLS)
    data = tmp_path / "data"
    shutil.copytree(
        demo_store / "processed",
        data / "processed",
        ignore=shutil.ignore_patterns("analytics.duckdb*", "snapshots"),
    )
    (data / "raw").mkdir()
    figures = COMMUNES[COMMUNES["codename"] != WITHOUT_DATA]
    with duckdb.connect(str(data / "processed" / "dx.duckdb")) as con:
        con.register("figures", figures)
        con.execute(
            "CREATE OR REPLACE TABLE commune_observations AS SELECT 'demo' AS dataset, province, "
            "commune_code, 'internet_villages_pct' AS indicator, ? AS period, 50.0 AS value "
            "FROM figures",
            [PERIOD],
        )
    monkeypatch.setenv("VNDX_ROOT", str(root))
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path / "reports"


# --- planning (no kernel) -------------------------------------------------------------------


def test_one_comparison_per_province_and_one_scorecard_per_commune(commune_reference):
    jobs = commune_jobs.plan_commune_jobs(PERIOD, ["Nghệ An", "42"], langs=("vi", "en"))
    vi = [j for j in jobs if j.lang == "vi"]
    assert [(j.notebook, j.unit, j.commune) for j in vi] == [
        ("15_commune_comparison", "nghe_an", ""),
        ("15_commune_comparison", "ha_tinh", ""),
        *[("16_commune_scorecard", r.province, r.codename) for r in COMMUNES.itertuples()],
    ]
    card = next(j for j in vi if j.commune == "binh_minh" and j.unit == "ha_tinh")
    assert card.parameters == {
        "period": PERIOD,
        "lang": "vi",
        "province": "ha_tinh",
        "commune": "binh_minh",
    }
    assert card.folder == "ha_tinh/communes/binh_minh"
    assert len(jobs) == 2 * len(vi)


def test_communes_are_chosen_by_code_codename_or_name(commune_reference):
    by_name = commune_jobs.plan_commune_jobs(PERIOD, ["nghe_an"], ["Anh Son", "17002"])
    assert [(j.unit, j.commune) for j in by_name] == [
        ("nghe_an", ""),
        ("nghe_an", "anh_son"),
        ("nghe_an", "binh_minh"),
    ]
    with pytest.raises(params.ParameterError, match="names several communes: 17002"):
        commune_jobs.plan_commune_jobs(PERIOD, None, ["Bình Minh"])
    with pytest.raises(params.ParameterError, match="'Nowhere': no such commune"):
        commune_jobs.plan_commune_jobs(PERIOD, ["nghe_an"], ["Nowhere"])
    with pytest.raises(params.ParameterError, match="not a commune notebook"):
        commune_jobs.plan_commune_jobs(PERIOD, ["nghe_an"], None, ["30_leadership_briefing"])


def test_without_a_commune_reference_the_run_is_refused_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "analysis.reference.communes", None)
    with pytest.raises(params.ParameterError, match="no commune reference"):
        commune_jobs.commune_list(["nghe_an"])


def test_run_help_offers_the_commune_level():
    text = CliRunner().invoke(cli.main, ["run", "--help"]).output
    assert "--level [province|commune]" in text and "--commune" in text


def test_manifest_rows_are_written_in_batches_and_old_rows_still_match(workspace, monkeypatch):
    writes = []
    real = manifest_mod.write_manifest
    monkeypatch.setattr(
        manifest_mod,
        "write_manifest",
        lambda period, update: writes.append(1) or real(period, update),
    )
    row = {"notebook": "16_commune_scorecard", "unit": "nghe_an", "lang": "vi", "status": "ok"}
    recorder = Recorder(PERIOD, every_s=3600, max_pending=1000)
    for name in ("a", "b", "c"):
        recorder.add(("16_commune_scorecard", "nghe_an", name, "vi"), [{**row, "commune": name}])
    assert writes == []
    recorder.flush()
    assert len(writes) == 1
    assert sorted(e["commune"] for e in read_manifest(PERIOD)["outputs"]) == ["a", "b", "c"]
    # A row written before communes existed (no "commune") is replaced as the province's job.
    key = ("30_leadership_briefing", "nghe_an", "", "vi")
    old = {"notebook": "30_leadership_briefing", "unit": "nghe_an", "lang": "vi", "status": "ok"}
    real(PERIOD, lambda m: {**m, "outputs": [*m["outputs"], old]})
    record(PERIOD, key, [{**old, "commune": "", "status": "failed"}])
    briefings = [e for e in read_manifest(PERIOD)["outputs"] if e["notebook"] == key[0]]
    assert [e["status"] for e in briefings] == ["failed"]


def test_manifest_writes_get_rarer_as_they_get_slower(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(manifest_mod, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    writes = []

    def slow_write(period, items):
        writes.append(len(dict(items)))
        clock[0] += 1.0  # a big manifest: each write takes 1 s

    monkeypatch.setattr(manifest_mod, "record_many", slow_write)
    recorder = Recorder(PERIOD, every_s=2.0)
    for i in range(200):
        clock[0] += 0.5  # a commune finishes every half second
        recorder.add(("16_commune_scorecard", "nghe_an", str(i), "vi"), [])
    recorder.flush()
    assert sum(writes) == 200  # every job recorded...
    assert len(writes) <= 200 * 0.5 / 20 + 2  # ...by writes at least 20 x their cost apart


# --- runs (stand-in notebooks in real kernels) ---------------------------------------------


@pytest.mark.slow
def test_commune_run_outputs_failures_manifest_and_rerun(commune_project):
    reports = commune_project
    summary = runner.run(PERIOD, ["nghe_an"], level="commune", jobs=1, progress=False)
    out = reports / PERIOD / "nghe_an"
    for commune in ("anh_son", "binh_minh"):
        for ext in ("ipynb", "html", "pdf"):
            assert (out / "communes" / commune / f"16_commune_scorecard.{ext}").exists()
    assert (out / "15_commune_comparison.html").exists()
    # One commune failing fails that commune only; its notebook is kept to debug.
    [failed] = summary.failed
    assert failed["job"]["commune"] == FAILING and "stand-in failure" in failed["error"]
    assert (out / "communes" / FAILING / "16_commune_scorecard.failed.ipynb").exists()
    assert summary.no_data == [f"nghe_an/communes/{WITHOUT_DATA}"]
    assert not (out / "communes" / WITHOUT_DATA).exists()

    manifest = json.loads((reports / PERIOD / "manifest.json").read_text())
    assert manifest["no_data_communes"] == [f"nghe_an/communes/{WITHOUT_DATA}"]
    cards = [e for e in manifest["outputs"] if e["notebook"] == "16_commune_scorecard"]
    assert {(e["commune"], e["status"]) for e in cards} == {
        ("anh_son", "ok"),
        ("binh_minh", "ok"),
        (FAILING, "failed"),
    }
    ok = [e for e in cards if e["status"] == "ok"]
    assert all(e["path"].startswith(f"{PERIOD}/nghe_an/communes/{e['commune']}/") for e in ok)
    assert all(e["parameters"]["commune"] == e["commune"] and e["cache_key"] for e in ok)

    # One worker, kernels reused: the notebooks ran in one kernel, each from a clean namespace
    # (the stand-in asserts it) and counting its cells from 1.
    pids = set()
    for commune in ("anh_son", "binh_minh"):
        nb = nbformat.read(out / "communes" / commune / "16_commune_scorecard.ipynb", 4)
        html = nb.cells[-1].outputs[0]["data"]["text/html"]
        pids.add(html.split("pid ")[1].split("<")[0])
        assert [c.execution_count for c in nb.cells] == list(range(1, len(nb.cells) + 1))
    assert len(pids) == 1

    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.pdf")}
    again = runner.run(PERIOD, ["nghe_an"], level="commune", jobs=2, progress=False)
    assert len(again.skipped) == 3  # the comparison and the two good scorecards
    assert [r["job"]["commune"] for r in again.failed] == [FAILING]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.pdf")} == mtimes


@pytest.mark.slow
def test_one_commune_from_the_command_line(commune_project):
    result = CliRunner().invoke(
        cli.main,
        [
            *("run", "--level", "commune", "--period", PERIOD, "--commune", "17002"),
            *("--notebook", "16_commune_scorecard", "--to", "html", "--no-progress"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 of 1 report job(s) done" in result.output
    card = commune_project / PERIOD / "nghe_an" / "communes" / "binh_minh"
    assert (card / "16_commune_scorecard.html").exists()


@pytest.mark.slow
def test_commune_level_on_a_dask_cluster(commune_project):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = runner.run(
            PERIOD,
            ["ha_tinh"],
            level="commune",
            formats=("html",),
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert summary.ok, summary.failed
    card = commune_project / PERIOD / "ha_tinh" / "communes" / "binh_minh"
    assert (card / "16_commune_scorecard.html").exists()
