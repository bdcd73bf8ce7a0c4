"""The monthly fan-out: every province's briefing and the national overview in one command.

``python -m analysis run --period 2026-10`` plans one job per (notebook, province, language),
validates every job's parameters before any kernel starts, computes the period's analytics once
(:func:`~analysis.analyses.monthly.precompute`), then executes the notebooks with papermill
and renders them with the product's nbconvert exporters in long-lived worker processes - locally
(``--jobs``) or on a Dask cluster (``--scheduler``).

Each output appears atomically (written beside its target, then ``os.replace``), a job whose
inputs are unchanged since the last run is skipped (notebook source, parameters, data version,
code version; ``--force`` re-runs), a failing job does not stop the others (its executed
notebook is kept as ``<notebook>.failed.ipynb``), and ``reports/<period>/manifest.json`` records
every output with its status, duration, parameters and versions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock

from analysis import __version__, paths
from analysis.reference import geography
from analysis.running import params

log = logging.getLogger(__name__)

DEFAULT_PROVINCE_NOTEBOOKS = ("30_leadership_briefing",)
DEFAULT_NATIONAL_NOTEBOOKS = ("40_national_overview",)
FORMATS = ("html", "pdf")


def code_version() -> str:
    """The package version plus a hash of the package's source and templates."""
    h = hashlib.sha256(__version__.encode())
    for path in sorted(paths.PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".yml", ".json", ".csv") and path.is_file():
            h.update(path.relative_to(paths.PACKAGE_DIR).as_posix().encode())
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:10]}"


@dataclass(frozen=True)
class Job:
    notebook: str
    unit: str
    """Province codename, or ``national``."""
    period: str
    lang: str
    formats: tuple[str, ...]
    parameters: dict = field(hash=False, compare=False)

    @property
    def stem(self) -> str:
        return self.notebook if self.lang == "vi" else f"{self.notebook}.{self.lang}"

    @property
    def label(self) -> str:
        return f"{self.unit}/{self.stem}"

    def out_dir(self, reports_root: Path) -> Path:
        return reports_root / self.period / self.unit

    def cache_key(self, data_version: str, code: str) -> str:
        source = (paths.notebooks_dir() / f"{self.notebook}.ipynb").read_bytes()
        blob = json.dumps(
            {
                "params": self.parameters,
                "formats": list(self.formats),
                "data": data_version,
                "code": code,
            },
            sort_keys=True,
        ).encode()
        return hashlib.sha256(source + blob).hexdigest()[:16]


def plan_jobs(
    period: str,
    provinces: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    langs: Sequence[str] = ("vi",),
    formats: Sequence[str] = FORMATS,
) -> list[Job]:
    """Jobs for a run; raise :class:`analysis.running.params.ParameterError` for unknown names."""
    units = (
        [geography.match_province(p, "34").codename for p in provinces]
        if provinces
        else list(geography.provinces("34")["codename"])
    )
    if notebooks:
        chosen = list(notebooks)
        for nb in chosen:
            params.model_for(nb)
    else:
        chosen = [*DEFAULT_PROVINCE_NOTEBOOKS, *DEFAULT_NATIONAL_NOTEBOOKS]
    jobs = []
    for lang in langs:
        for nb in chosen:
            if nb in params.NATIONAL_NOTEBOOKS:
                jobs.append(
                    Job(
                        nb,
                        "national",
                        period,
                        lang,
                        tuple(formats),
                        {"period": period, "lang": lang},
                    )
                )
                continue
            for unit in units:
                jobs.append(
                    Job(
                        nb,
                        unit,
                        period,
                        lang,
                        tuple(formats),
                        {"period": period, "province": unit, "lang": lang},
                    )
                )
    return jobs


def validate_jobs(jobs: Iterable[Job]) -> list[str]:
    """Every job's parameters checked before a kernel starts; returns the error messages."""
    available = params.data_range()
    errors = []
    for job in jobs:
        try:
            params.validate(job.notebook, job.parameters, available=available)
        except params.ParameterError as exc:
            errors.append(str(exc))
    return sorted(set(errors))


# --- one job (runs in a worker process) ----------------------------------------------------


def run_job(job: Job, env: dict[str, str] | None = None, engine: str = "warm") -> dict:
    """Execute and render one notebook; never raises (failures are returned as results)."""
    import papermill as pm

    for key, value in (env or {}).items():
        os.environ[key] = value
    started = time.perf_counter()
    out_dir = job.out_dir(paths.reports_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {"job": asdict(job), "status": "ok", "error": None, "files": []}
    nb_in = paths.notebooks_dir() / f"{job.notebook}.ipynb"
    with FileLock(str(out_dir / f".{job.stem}.lock"), timeout=3600):
        # Temporary files of this job left by a killed run; under the job's lock no other run
        # can be writing them.
        for stale in out_dir.glob(f".{job.stem}.*.tmp*"):
            stale.unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{job.stem}.", suffix=".tmp.ipynb", dir=out_dir)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            try:
                pm.execute_notebook(
                    str(nb_in),
                    str(tmp),
                    parameters=job.parameters,
                    kernel_name="python3",
                    engine_name=engine,
                    cwd=str(paths.notebooks_dir()),
                    progress_bar=False,
                    log_output=False,
                    # Saving after every cell costs ~7 % of a job; papermill still writes the
                    # notebook when a cell fails, which is what debugging needs.
                    request_save_on_cell_execute=False,
                )
            except Exception as exc:  # Any failure fails this job only
                failed = out_dir / f"{job.stem}.failed.ipynb"
                if tmp.exists() and tmp.stat().st_size:
                    tmp.chmod(0o644)
                    os.replace(tmp, failed)
                result.update(
                    status="failed",
                    error=_short_error(exc),
                    files=[str(failed.relative_to(paths.reports_dir()))] if failed.exists() else [],
                )
                return _finish(result, started)
            executed = out_dir / f"{job.stem}.ipynb"
            tmp.chmod(0o644)
            os.replace(tmp, executed)
            result["files"].append(str(executed.relative_to(paths.reports_dir())))
            try:
                from analysis.reporting.render import exporters

                written = exporters.export(executed, out_dir, formats=job.formats)
            except Exception as exc:
                result.update(status="failed", error=f"rendering failed: {_short_error(exc)}")
                return _finish(result, started)
            result["files"] += [
                str(Path(w).relative_to(paths.reports_dir())) for w in written.values()
            ]
            (out_dir / f"{job.stem}.failed.ipynb").unlink(missing_ok=True)
        finally:
            tmp.unlink(missing_ok=True)
    return _finish(result, started)


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # papermill puts the notebook's own traceback in the message; keep its last line.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    tail = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return (tail[-1] if tail else lines[-1])[:500]


def _finish(result: dict, started: float) -> dict:
    result["duration_s"] = round(time.perf_counter() - started, 3)
    return result


def _worker_init(env: dict[str, str]) -> None:
    """Long-lived worker: import the renderers once and start warming a kernel."""
    os.environ.update(env)
    from analysis.reporting.render import exporters  # noqa: F401 - loads nbconvert and WeasyPrint once
    from analysis.running import kernels

    kernels.POOL.prefetch("python3", str(paths.notebooks_dir()))


# --- the manifest --------------------------------------------------------------------------


def manifest_path(period: str) -> Path:
    return paths.reports_dir() / period / "manifest.json"


def read_manifest(period: str) -> dict:
    path = manifest_path(period)
    if not path.exists():
        return {"period": period, "outputs": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(period: str, update: Callable[[dict], dict]) -> dict:
    path = manifest_path(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=600):
        manifest = update(read_manifest(period))
        fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2, default=str)
        os.replace(tmp, path)
    return manifest


def _entries(result: dict, key: str, data_version: str, code: str) -> list[dict]:
    job = result["job"]
    base = {
        "notebook": job["notebook"],
        "unit": job["unit"],
        "lang": job["lang"],
        "parameters": job["parameters"],
        "data_version": data_version,
        "code_version": code,
        "cache_key": key,
        "duration_s": result.get("duration_s"),
        "status": result["status"],
        "error": result.get("error"),
        "reused": result.get("reused", False),
        "finished_at": result.get("finished_at"),
    }
    files = result.get("files") or []
    if not files:
        return [{**base, "format": None, "path": None}]
    return [{**base, "format": Path(f).suffix.lstrip("."), "path": f} for f in files]


# --- the run -------------------------------------------------------------------------------


@dataclass
class RunSummary:
    period: str
    data_version: str
    results: list[dict]

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if r["status"] != "ok"]

    @property
    def skipped(self) -> list[dict]:
        return [r for r in self.results if r.get("reused")]

    @property
    def ok(self) -> bool:
        return not self.failed


def _is_fresh(entry_list: list[dict], key: str) -> bool:
    if not entry_list or any(e["status"] != "ok" or e["cache_key"] != key for e in entry_list):
        return False
    return all(e["path"] and (paths.reports_dir() / e["path"]).exists() for e in entry_list)


def run(
    period: str,
    provinces: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    langs: Sequence[str] = ("vi",),
    formats: Sequence[str] = FORMATS,
    jobs: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    progress: bool = True,
    engine: str = "warm",
) -> RunSummary:
    """Run a month's reports; see the module docstring."""
    from analysis.analyses import monthly
    from analysis.data import store

    planned = plan_jobs(period, provinces, notebooks, langs, formats)
    errors = validate_jobs(planned)
    if errors:
        raise params.ParameterError("\n".join(errors))
    version = store.data_version()
    code = code_version()
    n_workers = max(1, int(jobs or os.cpu_count() or 1))
    log.info(
        "run period=%s data_version=%s code_version=%s jobs=%d notebooks=%s langs=%s "
        "formats=%s provinces=%s force=%s scheduler=%s",
        period,
        version,
        code,
        n_workers,
        sorted({j.notebook for j in planned}),
        list(langs),
        list(formats),
        "all" if not provinces else ",".join(sorted({j.unit for j in planned})),
        force,
        scheduler or "local",
    )

    manifest = read_manifest(period)
    by_job: dict[tuple, list[dict]] = {}
    for e in manifest.get("outputs", []):
        by_job.setdefault((e["notebook"], e["unit"], e["lang"]), []).append(e)
    todo, results = [], []
    for job in planned:
        key = job.cache_key(version, code)
        previous = by_job.get((job.notebook, job.unit, job.lang), [])
        if not force and _is_fresh(previous, key):
            results.append(
                {
                    "job": asdict(job),
                    "status": "ok",
                    "reused": True,
                    "duration_s": 0.0,
                    "files": [e["path"] for e in previous],
                    "finished_at": previous[0].get("finished_at"),
                }
            )
        else:
            todo.append(job)
    log.info(
        "%d job(s): %d to run, %d unchanged since the last run",
        len(planned),
        len(todo),
        len(planned) - len(todo),
    )

    if todo:
        t0 = time.perf_counter()
        monthly.precompute(period, jobs=n_workers)
        log.info("analytics for %s ready in %.1f s", period, time.perf_counter() - t0)
    env = {k: v for k, v in os.environ.items() if k.startswith("VNDX_")}
    keys = {job: job.cache_key(version, code) for job in todo}
    for result in _execute(todo, env, n_workers, scheduler, progress, engine):
        result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        job = Job(**{**result["job"], "formats": tuple(result["job"]["formats"])})
        results.append(result)
        if result["status"] != "ok":
            log.error("%s failed: %s", job.label, result["error"])
        _record(period, job, result, keys[job], version, code)
    _write_manifest(
        period,
        lambda m: {
            **m,
            "period": period,
            "data_version": version,
            "code_version": code,
            "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "outputs": sorted(
                m.get("outputs", []),
                key=lambda e: (e["unit"], e["notebook"], e["lang"], e["format"] or ""),
            ),
        },
    )
    return RunSummary(period, version, results)


def _record(period: str, job: Job, result: dict, key: str, version: str, code: str) -> None:
    new = _entries(result, key, version, code)

    def update(m: dict) -> dict:
        keep = [
            e
            for e in m.get("outputs", [])
            if (e["notebook"], e["unit"], e["lang"]) != (job.notebook, job.unit, job.lang)
        ]
        return {**m, "outputs": keep + new}

    _write_manifest(period, update)


def _execute(
    todo: list[Job],
    env: dict[str, str],
    n_workers: int,
    scheduler: str | None,
    progress: bool,
    engine: str,
) -> Iterable[dict]:
    from tqdm import tqdm

    bar = tqdm(
        total=len(todo),
        disable=not progress or not todo,
        unit="report",
        desc="reports",
        dynamic_ncols=True,
    )
    try:
        if not todo:
            return
        if scheduler:
            from distributed import Client
            from distributed import as_completed as dask_completed

            with Client(scheduler) as client:
                futures = [client.submit(run_job, job, env, engine, pure=False) for job in todo]
                for fut in dask_completed(futures):
                    bar.update()
                    yield fut.result()
            return
        with ProcessPoolExecutor(
            max_workers=min(n_workers, len(todo)), initializer=_worker_init, initargs=(env,)
        ) as pool:
            futures = [pool.submit(run_job, job, env, engine) for job in todo]
            for fut in as_completed(futures):
                bar.update()
                try:
                    yield fut.result()
                except Exception as exc:  # A dead worker fails its job only
                    job = todo[futures.index(fut)]
                    yield {
                        "job": asdict(job),
                        "status": "failed",
                        "files": [],
                        "error": f"worker died: {exc}",
                        "duration_s": None,
                        "trace": traceback.format_exc(),
                    }
    finally:
        bar.close()
