"""Reports made in a reused kernel are the reports a fresh kernel makes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from analysis.running import runner

PERIOD = "2026-10"


def test_restore_kernel_defaults_undoes_a_notebooks_global_settings() -> None:
    from analysis import notebook

    before = plt.rcParams.copy()
    plt.rcParams["font.size"] = 31
    plt.rcParams["axes.grid"] = not before["axes.grid"]
    pd.set_option("display.max_rows", 3)
    plt.figure()
    notebook.restore_kernel_defaults()
    assert plt.rcParams["font.size"] == before["font.size"]
    assert plt.rcParams["axes.grid"] == before["axes.grid"]
    assert pd.get_option("display.max_rows") == 60
    assert pd.get_option("display.max_columns") == 40
    assert plt.get_fignums() == []


def _outputs(path) -> list[list[dict]]:
    """Every code cell's outputs, without what changes from one execution to the next."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outs = []
        for out in cell.outputs:
            out = dict(out)
            out.pop("execution_count", None)
            out.pop("metadata", None)
            report = out.get("data", {}).get("application/vnd.vndx.report+json")
            if report:  # the time it was made, to the minute, may differ
                report = {**report, "provenance": dict(report["provenance"])}
                report["provenance"].pop("generated_at", None)
                out = {**out, "data": {**out["data"], "application/vnd.vndx.report+json": report}}
            outs.append(out)
        cells.append(outs)
    return cells


@pytest.mark.slow
def test_a_briefing_after_others_in_one_kernel_equals_one_from_a_fresh_kernel(
    use_demo_store, tmp_path, monkeypatch
) -> None:
    # One worker: the English briefings of Hà Tĩnh and Nghệ An and Hà Tĩnh's Vietnamese one
    # run in the same kernel before Nghệ An's Vietnamese briefing.
    reused = tmp_path / "reused"
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reused))
    summary = runner.run(
        PERIOD,
        ["ha_tinh", "nghe_an"],
        notebooks=["30_leadership_briefing"],
        langs=("en", "vi"),
        formats=("html",),
        jobs=1,
        progress=False,
    )
    assert summary.ok, summary.failed
    assert len(summary.results) == 4
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(fresh))
    summary = runner.run(
        PERIOD,
        ["nghe_an"],
        notebooks=["30_leadership_briefing"],
        formats=("html",),
        jobs=1,
        progress=False,
        engine="warm",
    )
    assert summary.ok, summary.failed

    name = "30_leadership_briefing.ipynb"
    a, b = _outputs(reused / PERIOD / "nghe_an" / name), _outputs(fresh / PERIOD / "nghe_an" / name)
    assert sum(len(c) for c in a) > 10  # the briefing did produce its content
    assert a == b


THREADS_SCRIPT = """
import sys, threading
import nbformat, papermill as pm
from analysis.running import kernels, papermill_engine
papermill_engine.register()
engine, folder = sys.argv[1], sys.argv[2]
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells = [nbformat.v4.new_code_cell("x = 1 + 1\\nx")]
nbformat.write(nb, f"{folder}/tiny.ipynb")
counts = []
for i in range(4):
    out = f"{folder}/out_{i}.ipynb"
    pm.execute_notebook(f"{folder}/tiny.ipynb", out, engine_name=engine, cwd=folder,
                        progress_bar=False)
    assert nbformat.read(out, 4).cells[0].outputs[0]["data"]["text/plain"] == "2"
    counts.append(threading.active_count())
kernels.POOL.shutdown()
print(counts)
"""


@pytest.mark.parametrize("engine", ["reuse", "warm"])
def test_notebooks_leave_no_client_threads_behind(engine, tmp_path) -> None:
    """nbclient leaves open the client it makes for a kernel it does not own (a heartbeat
    thread each); the engines close it, so a worker's threads do not grow with its reports.

    In a process of its own: nbclient run in the test process would leave jupyter_core's
    background runner there, which the runner's forked workers of later tests inherit."""
    import ast
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", THREADS_SCRIPT, engine, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    counts = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert len(counts) == 4 and counts[-1] <= counts[0], counts
