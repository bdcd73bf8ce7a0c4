"""Commune scale: the runner's commune level, timed on the real scorecard or a stand-in.

When the tree has ``notebooks/16_commune_scorecard.ipynb`` and ``analysis.reference.communes``,
the commune level runs as a user runs it (``runner.run(level="commune")`` on Nghệ An's communes).
Until then the stand-in ``commune_unit.ipynb`` (the scorecard's parameters, a table and a
matplotlib figure on generated figures) is copied to a temporary project root (``VNDX_ROOT``)
and its jobs, spread over the 34 provinces' folders, go through the same machinery from the
skipping on: ``runner._run_planned`` (cache keys, analytics, process pool or Dask, manifest).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
PERIOD = "2026-10"
REAL_PROVINCE = "nghe_an"


def real_scorecard() -> bool:
    """Whether the product's own commune notebooks and reference are in the measured tree."""
    from analysis import paths

    notebook = paths.notebooks_dir() / "16_commune_scorecard.ipynb"
    return notebook.exists() and importlib.util.find_spec("analysis.reference.communes") is not None


def _standin_root() -> Path:
    root = OUTPUT / "commune" / "root"
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "commune_unit.ipynb", root / "notebooks" / "commune_unit.ipynb")
    return root


def _standin_jobs(n_units: int) -> list:
    from analysis.reference import geography
    from analysis.running.jobs import Job

    provinces = list(geography.provinces("34")["codename"])
    jobs = []
    for i in range(n_units):
        province, commune = provinces[i % len(provinces)], f"c{i:04d}"
        given = {"province": province, "commune": commune, "period": PERIOD}
        jobs.append(
            Job("commune_unit", province, PERIOD, "vi", ("html", "pdf"), given, commune=commune)
        )
    return jobs


def _real(n_units: int | None, options: dict) -> list[dict]:
    """The first ``n_units`` communes of Nghệ An, or with ``None`` all communes of the country."""
    from analysis.running import commune_jobs, runner

    provinces, codes = None, None
    if n_units is not None:
        provinces = [REAL_PROVINCE]
        table = commune_jobs.commune_list(provinces)
        codes = list(table["commune_code"].astype(str))[:n_units]
    summary = runner.run(
        PERIOD,
        provinces,
        notebooks=[commune_jobs.SCORECARD_NOTEBOOK],
        level="commune",
        communes=codes,
        jobs=options["n_workers"],
        force=options["force"],
        scheduler=options["scheduler"],
        progress=False,
        engine=options["engine"],
    )
    return summary.results


def _standin(n_units: int, options: dict) -> list[dict]:
    from analysis.data import store
    from analysis.running import runner, snapshot

    with snapshot.pinned() as (_, version):
        with store.connect() as con:
            dataset = store.default_dataset(con)
        return runner._run_planned(PERIOD, _standin_jobs(n_units), version, dataset, options)


def run(
    n_units: int | None,
    tag: str,
    cpu_seconds,
    n_workers: int = 2,
    dask_workers: int | None = None,
    force: bool = True,
    engine: str = "reuse",
    fresh: bool = True,
) -> dict:
    """``n_units`` commune reports (``None``: the whole country, real scorecard only); ``fresh``
    starts from an empty reports folder."""
    reports = OUTPUT / "commune" / tag
    if fresh:
        shutil.rmtree(reports, ignore_errors=True)
    real = real_scorecard()
    if n_units is None and not real:
        raise SystemExit("the country-wide run needs the real 16_commune_scorecard")
    env = {
        "VNDX_DATA_DIR": str(OUTPUT / "data"),
        "VNDX_REPORTS_DIR": str(reports),
        "VNDX_TODAY": "2026-11-23",
    }
    if not real:
        env["VNDX_ROOT"] = str(_standin_root())
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cluster = None
    cpu, start = cpu_seconds(), time.perf_counter()
    try:
        scheduler = None
        if dask_workers:
            from distributed import LocalCluster

            cluster = LocalCluster(
                n_workers=dask_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,
            )
            scheduler = cluster.scheduler_address
        ready = time.perf_counter()
        options = {
            "provinces": None,
            "n_workers": n_workers,
            "langs": ("vi",),
            "formats": ("html", "pdf"),
            "force": force,
            "scheduler": scheduler,
            "progress": False,
            "engine": engine,
            "timeout": 600.0,
        }
        results = _real(n_units, options) if real else _standin(n_units, options)
        wall = time.perf_counter() - start
    finally:
        if cluster is not None:
            cluster.close()
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.update({key: value})
    failed = [r for r in results if r["status"] != "ok"]
    return {
        "tag": tag,
        "notebook": "16_commune_scorecard" if real else "commune_unit (stand-in)",
        "units": len(results),
        "engine": engine,
        "workers": dask_workers or n_workers,
        "dask": bool(dask_workers),
        "wall_s": wall,
        "startup_s": ready - start,
        "per_unit_s": wall / max(1, len(results)),
        "skipped": sum(1 for r in results if r.get("reused")),
        "failed": len(failed),
        "first_error": failed[0]["error"] if failed else None,
        "cpu_per_unit_s": (cpu_seconds() - cpu) / max(1, len(results)),
    }
