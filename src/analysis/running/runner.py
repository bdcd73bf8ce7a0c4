"""The monthly fan-out: every province's briefing and the national overview in one command.

``python -m analysis run --period 2026-10`` plans one job per (notebook, province, language)
(``--level commune``: per commune, :mod:`.commune_jobs`),
validates every job's parameters before any kernel starts (:mod:`.jobs`), computes the period's
analytics once (:func:`~analysis.analyses.monthly.precompute`), then executes the notebooks with
papermill and renders them with the product's nbconvert exporters in long-lived worker processes
(:mod:`.worker`) - locally (``--jobs``) or on a Dask cluster (``--scheduler``).

Each output appears atomically, a job whose inputs are unchanged since the last run is skipped
(notebook source, parameters, data version, code version; ``--force`` re-runs), a failing job
does not stop the others (its executed notebook is kept as ``<notebook>.failed.ipynb``), and
``reports/<period>/manifest.json`` (:mod:`.manifest`) records every output with its status,
duration, parameters and versions.

A run reads one data version from start to end (:mod:`.snapshot`), and one dataset: a period's
folder never mixes datasets, and units the dataset has no figures for are listed, not failed
(:mod:`.folders`). Each job has a time limit (:data:`.worker.DEFAULT_JOB_TIMEOUT`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import joblib

from analysis import paths
from analysis.analyses import monthly, published_tables
from analysis.core.version import code_version
from analysis.data import store
from analysis.running import commune_jobs, folders, lifetime, params, snapshot
from analysis.running.delivery.outputs import index_is_current
from analysis.running.delivery.recipients import RecipientsError, languages_wanted
from analysis.running.jobs import (
    DEFAULT_NATIONAL_NOTEBOOKS,
    DEFAULT_PROVINCE_NOTEBOOKS,
    FORMATS,
    Job,
    entry_key,
    plan_jobs,
    validate_jobs,
)
from analysis.running.manifest import (
    Recorder,
    entries,
    read_manifest,
    version_summary,
    write_manifest,
)
from analysis.running.pool import run_local
from analysis.running.worker import DEFAULT_JOB_TIMEOUT, run_job

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_JOB_TIMEOUT",
    "DEFAULT_NATIONAL_NOTEBOOKS",
    "DEFAULT_PROVINCE_NOTEBOOKS",
    "FORMATS",
    "Job",
    "RunSummary",
    "plan_jobs",
    "read_manifest",
    "run",
    "run_job",
    "validate_jobs",
]


@dataclass
class RunSummary:
    """What a run did: one result per planned job (run, failed or reused)."""

    period: str
    data_version: str
    results: list[dict]
    dataset: str = ""
    no_data: list[str] = field(default_factory=list)
    """Units (commune level: ``province/communes/codename`` folders) planned but left out: the
    dataset has no figures for them in the period."""
    no_published: list[str] = field(default_factory=list)
    """Notebooks of published figures left out: the store holds none."""
    level: str = "province"
    data_versions: dict[str, int] = field(default_factory=dict)
    """Outputs of the period's folder by data version, this run's and earlier ones' (more than
    one after a partial run on new data)."""

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if r["status"] != "ok"]

    @property
    def skipped(self) -> list[dict]:
        return [r for r in self.results if r.get("reused")]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def files(self) -> list[str]:
        """Outputs of the jobs that succeeded (paths under the reports folder)."""
        return [f for r in self.results if r["status"] == "ok" for f in r.get("files") or []]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _is_fresh(entry_list: list[dict], key: str) -> bool:
    if not entry_list or any(e["status"] != "ok" or e["cache_key"] != key for e in entry_list):
        return False
    return all(e["path"] and (paths.reports_dir() / e["path"]).exists() for e in entry_list)


def _split_fresh(
    period: str, planned: list[Job], version: str, code: str, force: bool
) -> tuple[list[Job], list[dict]]:
    """Jobs to run, and results reused from the manifest for jobs whose inputs are unchanged."""
    by_job: dict[tuple, list[dict]] = {}
    for e in read_manifest(period).get("outputs", []):
        by_job.setdefault(entry_key(e), []).append(e)
    todo, reused = [], []
    for job in planned:
        previous = by_job.get(job.key, [])
        if not force and _is_fresh(previous, job.cache_key(version, code)):
            reused.append(
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
    return todo, reused


def _log_plan(period: str, planned: list[Job], version: str, code: str, options: dict) -> None:
    provinces = options["provinces"]
    log.info(
        "run period=%s data_version=%s code_version=%s jobs=%d notebooks=%s langs=%s "
        "formats=%s provinces=%s force=%s scheduler=%s",
        period,
        version,
        code,
        options["n_workers"],
        sorted({j.notebook for j in planned}),
        list(options["langs"]),
        list(options["formats"]),
        "all" if not provinces else ",".join(sorted({j.unit for j in planned})),
        options["force"],
        options["scheduler"] or "local",
    )


def _finish_manifest(period: str, version: str, code: str, dataset: str, ran: bool = True) -> dict:
    """Sort the rows, set the summary from them (:func:`.manifest.version_summary`) and
    ``updated_at``: a run that made nothing (``ran`` false) and changes nothing leaves the
    manifest as it was."""

    def update(m: dict) -> dict:
        finished = {
            **m,
            "period": period,
            "dataset": dataset,
            **version_summary(m.get("outputs", []), version),
            "code_version": code,
            "outputs": sorted(
                m.get("outputs", []),
                key=lambda e: (*entry_key(e)[1:3], e["notebook"], e["lang"], e["format"] or ""),
            ),
        }
        if not ran and finished == m and "updated_at" in m:
            return dict(m)  # equal: not written
        return {**finished, "updated_at": _now()}

    return write_manifest(period, update)


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
    engine: str | None = None,
    dataset: str | None = None,
    job_timeout: float | None = DEFAULT_JOB_TIMEOUT,
    level: str = "province",
    communes: Sequence[str] | None = None,
) -> RunSummary:
    """Run a month's reports; see the module docstring.

    ``level="commune"`` runs the commune notebooks for the communes of ``provinces`` (all by
    default), or only for ``communes`` (codes, codenames or names). ``engine`` is the papermill
    engine: by default ``reuse`` (a warmed kernel runs one notebook after another, cleared in
    between: see :mod:`analysis.running.kernels`); ``warm`` starts a warmed kernel per notebook.

    Raises :class:`~analysis.running.params.ParameterError` (nothing started, nothing written)
    for a bad period, province, commune, notebook or dataset.
    """
    period = params.canonical_period(period)
    if level not in commune_jobs.LEVELS:
        raise params.ParameterError(f"--level {level!r}: use " + ", ".join(commune_jobs.LEVELS))
    if communes and level != "commune":
        raise params.ParameterError("--commune needs --level commune")
    with snapshot.pinned() as (_, version):
        dataset = _resolve_dataset(dataset)
        params.check_period(period, dataset, level)
        if level == "commune":
            planned = commune_jobs.plan_commune_jobs(
                period, provinces, communes, notebooks, langs, formats, dataset
            )
        else:
            planned = plan_jobs(
                period, provinces, notebooks, langs, formats, dataset, _recipients_langs()
            )
        errors = validate_jobs(planned, dataset)
        if errors:
            raise params.ParameterError("\n".join(errors))
        if level == "commune":
            planned, no_data = _with_commune_data(period, dataset, planned)
        else:
            planned, no_data = _with_data(period, dataset, planned)
        planned, no_published = _with_published(planned)
        options = {
            "provinces": provinces,
            "n_workers": max(1, int(jobs or os.cpu_count() or 1)),
            "langs": langs,
            "formats": formats,
            "force": force,
            "scheduler": scheduler,
            "progress": progress,
            "engine": engine or "reuse",
            "timeout": job_timeout,
        }
        folders.prepare_folder(period, dataset, version, no_data, level)
        results = _run_planned(period, planned, version, dataset, options)
        _rebuild_indexes(period, ran=any(not r.get("reused") for r in results))
    versions = read_manifest(period).get("data_versions") or {}
    return RunSummary(period, version, results, dataset, no_data, no_published, level, versions)


def _rebuild_indexes(period: str, ran: bool = True) -> None:
    """The period's index pages and the overview, from the manifest just written.

    Inside the run's pinned snapshot, so the pages count targets of the reports' data version.
    A run that made nothing (``ran`` false) rebuilds them only when they are missing or older
    than the manifest. A failure is logged, not raised: the reports themselves are made and
    recorded.
    """
    if not ran and index_is_current(period):
        log.info("index pages for %s are up to date", period)
        return
    # Imported here: the pages bring the briefing's parts, which a run with nothing to do
    # (its pages up to date) need not load.
    from analysis.running.delivery import index

    try:
        written = index.build_indexes(period)
    except Exception as exc:  # the pages are a convenience; never lose a run's result for them
        log.error("index pages for %s not rebuilt: %s: %s", period, type(exc).__name__, exc)
        return
    log.info("index pages: %s", ", ".join(str(p) for p in written if p.suffix == ".html"))


def _recipients_langs() -> dict[str, set[str]]:
    """The languages recipients ask for (``data/recipients.yml``), so that the run makes each
    unit's report in them; a broken file is logged (``send`` refuses it with every problem)."""
    try:
        wanted = languages_wanted()
    except RecipientsError as exc:
        log.warning("recipients file not used for the report languages: %s", exc)
        return {}
    if wanted:
        log.info(
            "languages asked for by recipients: %s",
            ", ".join(
                f"{unit} {'+'.join(sorted(langs))}" for unit, langs in sorted(wanted.items())
            ),
        )
    return wanted


def _resolve_dataset(dataset: str | None) -> str:
    """The dataset asked for (checked against the store) or the store's default one."""

    if dataset is not None:
        params.check_dataset(dataset)
        return dataset
    with store.connect() as con:
        return store.default_dataset(con)


def _with_data(period: str, dataset: str, planned: list[Job]) -> tuple[list[Job], list[str]]:
    """The jobs whose unit has figures, and the units left out because they have none."""
    have = folders.units_with_data(period, dataset)
    keep = [j for j in planned if j.unit in have or (j.unit == "national" and have)]
    no_data = sorted({j.unit for j in planned} - {j.unit for j in keep})
    if no_data:
        log.warning(
            "dataset %r has no figures for %s in %d unit(s); no report for them: %s",
            dataset,
            period,
            len(no_data),
            ", ".join(no_data),
        )
    return keep, no_data


def _with_published(planned: list[Job]) -> tuple[list[Job], list[str]]:
    """The jobs, less those of published-figure notebooks when the store holds no such rows."""

    wanted = sorted({j.notebook for j in planned} & params.UNIT_AND_NATIONAL_NOTEBOOKS)
    if not wanted or not published_tables.load().empty:
        return planned, []
    log.warning(
        "the store holds no published figures (table published_real is empty): %s not made; "
        "the real files ship in data/raw/published/real/, run `python -m analysis ingest`",
        ", ".join(wanted),
    )
    return [j for j in planned if j.notebook not in wanted], wanted


def _with_commune_data(
    period: str, dataset: str, planned: list[Job]
) -> tuple[list[Job], list[str]]:
    """The commune jobs with figures (a province's comparison: any of its communes), and the
    folders (``province/communes/codename``) left out because they have none."""
    have = commune_jobs.communes_with_data(period, dataset)
    if have is None:
        raise params.ParameterError(
            "--level commune: the store holds no commune figures (table commune_observations); "
            "put the communes' files under data/raw/ and run `python -m analysis ingest`"
        )
    provinces = {p for p, _ in have}
    keep = [
        j for j in planned if (j.unit, j.commune) in have or (not j.commune and j.unit in provinces)
    ]
    no_data = sorted({j.folder for j in planned} - {j.folder for j in keep})
    if no_data:
        log.warning(
            "dataset %r has no commune figures for %s in %d folder(s); no report for them: %s",
            dataset,
            period,
            len(no_data),
            ", ".join(no_data[:20]) + (" ..." if len(no_data) > 20 else ""),
        )
    return keep, no_data


def _run_planned(
    period: str, planned: list[Job], version: str, dataset: str, options: dict
) -> list[dict]:
    """Skip what is unchanged, compute the analytics once, run the rest, record everything."""

    code = code_version()
    _log_plan(period, planned, version, code, options)
    lifetime.remove_stale_temporaries(paths.reports_dir() / period)  # of a run that was killed
    todo, results = _split_fresh(period, planned, version, code, options["force"])
    log.info(
        "%d job(s): %d to run, %d unchanged since the last run",
        len(planned),
        len(todo),
        len(planned) - len(todo),
    )
    if todo:
        t0 = time.perf_counter()
        # joblib's workers (the forecasts) end with this process too, however it ends.
        with joblib.parallel_config(
            backend="loky", initializer=lifetime.end_with, initargs=(os.getpid(),)
        ):
            monthly.precompute(period, dataset, jobs=options["n_workers"])
        log.info("analytics for %s ready in %.1f s", period, time.perf_counter() - t0)
    env = {k: v for k, v in os.environ.items() if k.startswith("VNDX_")}
    keys = {job: job.cache_key(version, code) for job in todo}
    run_options = (options["n_workers"], options["scheduler"], options["progress"])
    recorder = Recorder(period)
    try:
        for result in _execute(todo, env, *run_options, options["engine"], options["timeout"]):
            result["finished_at"] = _now()
            job = Job(**{**result["job"], "formats": tuple(result["job"]["formats"])})
            results.append(result)
            if result["status"] != "ok":
                log.error("%s failed: %s", job.label, result["error"])
            recorder.add(job.key, entries(result, keys[job], version, code))
    finally:
        recorder.flush()  # what finished is recorded even when the run is interrupted
    _finish_manifest(period, version, code, dataset, ran=bool(todo))
    return results


def _execute(
    todo: list[Job],
    env: dict[str, str],
    n_workers: int,
    scheduler: str | None,
    progress: bool,
    engine: str,
    timeout: float | None = DEFAULT_JOB_TIMEOUT,
) -> Iterable[dict]:
    """Run ``todo`` in worker processes (or on a Dask cluster); yield results as they finish.

    Report jobs have two ways to run, on purpose, and both call the same :func:`run_job` in a
    long-lived process that keeps warmed kernels, with the same time limit and watchdog: on
    this machine a pool of forked workers (:func:`~analysis.running.pool.run_local`); with
    ``scheduler``, a Dask cluster whose workers may sit on other hosts that share the project
    folder, each running its jobs in a job process of its own
    (:func:`~analysis.running.cluster.run_on_cluster`), and whose scheduler gives the jobs of a
    worker that dies to the others.
    """
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
            from analysis.running.cluster import run_on_cluster

            results = run_on_cluster(todo, env, scheduler, engine, timeout)
        else:
            results = run_local(todo, env, n_workers, engine, timeout)
        for result in results:
            bar.update()
            yield result
    finally:
        bar.close()
