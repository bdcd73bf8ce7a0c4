"""Time the month's reports and the commune level against the floor, on one machine and a cluster.

All measurements happen in one invocation, on an isolated demo dataset under
``benchmarks/monthly_run/output/`` (git-ignored), so their ratios share the machine's load:

1. the clean floor (:mod:`floor`): an empty parameterized notebook through papermill, HTML and
   PDF in an environment of papermill, nbconvert, ipykernel and WeasyPrint only, before and
   after the product's runs - the floor the targets are set against;
2. the month (70 reports, ``--jobs 2 --force``) and its re-run with nothing changed; the 34
   briefings and the national overview alone;
3. the commune level as an operator runs it (``run --level commune``): one province (Nghệ An,
   131 reports, start-up included) and its re-run, then the whole country (3,355 reports) and
   its re-run, with the planning time of each;
4. a province's communes through an external Dask scheduler (``dask scheduler`` and ``dask
   worker`` processes) with 1 and 2 workers, and the scheduler's cost per task;
5. a profile of one briefing job in a fresh process;

and from them, on paper, the hosts needed to make every report of the 34 provinces and 3,321
communes, in Vietnamese and English, within an hour.

Usage::

    .venv/bin/python benchmarks/monthly_run/run.py            # everything (~20-30 min on 2 cores)
    .venv/bin/python benchmarks/monthly_run/run.py --no-country  # without the country's communes
    .venv/bin/python benchmarks/monthly_run/run.py --quick    # smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import commune  # this folder's modules, found through the line above
import floor

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUTPUT = HERE / "output"
VENV_BIN = Path(sys.executable).parent
PERIOD = "2026-10"
TODAY = "2026-11-23"
MONTH_DOCS = 70  # 34 briefings, the national overview, 35 published-figures reports
BRIEFING_DOCS = 35  # 34 briefings and the national overview
PROVINCE = "nghe_an"  # 130 communes: the province the commune level is timed on
ALL_COMMUNES = 3321
SNAPSHOT = OUTPUT / "snapshot"
TARGETS = {
    "month": 0.7,
    "briefings": 0.8,
    "commune_province": 0.2,
    "commune_country": 0.15,
    "rerun": 0.02,
}
HOUR_LANGS = ("vi", "en")  # every report in both languages, within the hour


def snapshot_source(src_root: Path) -> Path:
    """Copy the package, notebooks and shipped tables to output/snapshot and import from it.

    Other people may edit ``src/analysis`` while this runs; every file feeds the runner's code
    version (cache key), so a snapshot keeps the re-run measurement meaningful. ``--src`` points
    at another checkout (e.g. a patched copy) to measure a proposed change.
    """
    snap = SNAPSHOT
    shutil.rmtree(snap, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(src_root / "src" / "analysis", snap / "src" / "analysis", ignore=skip)
    shutil.copytree(src_root / "notebooks", snap / "notebooks", ignore=skip)
    for shipped in ("reference", "published"):  # tables and real figures that ship with the code
        folder = src_root / "data" / "raw" / shipped
        shutil.copytree(folder, snap / "data" / "raw" / shipped, ignore=skip)
    pythonpath = str(snap / "src")
    os.environ["PYTHONPATH"] = pythonpath
    sys.path.insert(0, pythonpath)
    return snap


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {msg}", flush=True)


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        VNDX_DATA_DIR=str(OUTPUT / "data"),
        VNDX_REPORTS_DIR=str(OUTPUT / "reports"),
        VNDX_TODAY=TODAY,
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONWARNINGS="ignore",
    )
    env.pop("VNDX_ROOT", None)
    env.update(extra)
    return env


def cpu_seconds() -> float:
    """User + system CPU of this process and every descendant that has been waited for.

    Run subprocesses, kernels and pool workers are all reaped before a measurement ends, so the
    difference around a step is the CPU the step used, whatever else the machine is doing.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sh(args: list[str], env: dict[str, str], log_name: str) -> tuple[float, str]:
    """Run a command, return (wall seconds, stdout); stderr goes to output/logs."""
    logs = OUTPUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(logs / f"{log_name}.err", "w") as err:
        proc = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}); see {logs / log_name}.err")
    return wall, proc.stdout


def analysis_cli(*args: str, log_name: str, env: dict[str, str] | None = None):
    return sh([sys.executable, "-m", "analysis", *args], env or bench_env(), log_name)


# --- setup ---------------------------------------------------------------------------------


def setup_data(keep: bool = False) -> dict[str, float]:
    """Demo data, ingest and analytics; ``keep`` reuses those of the previous run if any."""
    kept = keep and (OUTPUT / "data" / "processed" / "dx.duckdb").exists()
    for sub in ("reports", "floor", "commune", "logs", *(() if kept else ("data",))):
        shutil.rmtree(OUTPUT / sub, ignore_errors=True)
    if kept:
        return {"demo": 0.0, "ingest": 0.0, "precompute": 0.0, "kept": True}
    out = {}
    # The real published figures ship in the data folder (data/raw/published): without them the
    # month would leave out its 35 published-figures reports.
    shutil.copytree(SNAPSHOT / "data" / "raw" / "published", OUTPUT / "data" / "raw" / "published")
    out["demo"], _ = analysis_cli("demo", "--until", PERIOD, log_name="demo")
    out["ingest"], _ = analysis_cli("ingest", log_name="ingest")
    code = f"from analysis.analyses import monthly; monthly.precompute({PERIOD!r}, jobs=2)"
    out["precompute"], _ = sh([sys.executable, "-c", code], bench_env(), "precompute")
    return out


def lazy_hook_installed() -> bool:
    """Whether ``make setup`` wrote the start-up file of :mod:`analysis.lazy_imports`."""
    return (Path(sysconfig.get_paths()["purelib"]) / "vndx_lazy_imports.pth").exists()


# --- the runs, as an operator makes them ------------------------------------------------------


def product_run(args: list[str], tag: str, env: dict[str, str] | None = None) -> dict:
    """``python -m analysis run ...``: wall and CPU time (all processes), reports, bytes."""
    env = env or bench_env()
    reports = Path(env["VNDX_REPORTS_DIR"])
    since = time.time()
    cpu = cpu_seconds()
    blocks = _blocks()
    wall, stdout = analysis_cli(
        "run", "--period", PERIOD, "--no-progress", *args, log_name=tag, env=env
    )
    cpu = cpu_seconds() - cpu
    read_blocks, written_blocks = (b - a for a, b in zip(blocks, _blocks(), strict=True))
    m = re.search(r"(\d+) of (\d+) report job\(s\) done \((\d+) unchanged", stdout)
    done, total, skipped = (int(x) for x in m.groups()) if m else (0, 0, 0)
    files = [p for p in reports.rglob("*") if p.is_file() and p.stat().st_mtime >= since - 1]
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "done": done,
        "total": total,
        "skipped": skipped,
        "files": len(files),
        "bytes_written": sum(p.stat().st_size for p in files),
        "blocks_read": read_blocks,
        "blocks_written": written_blocks,
    }


def _blocks() -> tuple[int, int]:
    """Blocks (512 bytes) read from and written to storage by this process and its children
    (what the page cache did not serve)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_inblock + kids.ru_inblock, own.ru_oublock + kids.ru_oublock


def commune_env(tag: str, fresh: bool = True) -> dict[str, str]:
    reports = OUTPUT / "commune" / tag
    if fresh:
        shutil.rmtree(reports, ignore_errors=True)
    return bench_env(VNDX_REPORTS_DIR=str(reports))


def measure_planning(provinces: list[str] | None, env: dict[str, str]) -> dict:
    """:func:`commune.plan_seconds` in this process, with the run's folders."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("VNDX_")})
    try:
        return commune.plan_seconds(provinces)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def measure_dask(provinces: list[str], step) -> dict:
    """A province's communes through an external scheduler with 1 and 2 workers; the
    scheduler's cost per task."""
    out: dict = {"runs": []}
    for workers in (1, 2):
        env = commune_env(f"dask_{workers}")
        step(f"4. dask scheduler + {workers} dask worker process(es), {provinces}")
        with commune.external_cluster(workers, env, OUTPUT / "logs") as cluster:
            args = ["--level", "commune", "--force", "--scheduler", cluster["address"]]
            for p in provinces:
                args += ["--province", p]
            run = product_run(args, f"dask_{workers}", env)
            run.update(workers=workers, startup_s=cluster["startup_s"])
            out["runs"].append(run)
            step(f"   {run['wall_s']:.1f} s for {run['total']} reports")
            if workers == 2:
                out["task_s"] = commune.scheduler_cost(cluster["address"])
                step(f"   scheduler: {out['task_s'] * 1000:.2f} ms per no-op task")
    return out


# --- 6. profile of one briefing job ---------------------------------------------------------


def profile_job() -> dict:
    """Run in a fresh process (``--profile-only``): two briefings as a runner worker does
    (engine ``reuse``: the second briefing runs in the first one's kernel, cleared)."""
    import papermill as pm

    from analysis import paths
    from analysis.running import kernels, papermill_engine, runner

    papermill_engine.register()

    t0 = time.perf_counter()
    from analysis.reporting.render import exporters

    timings: dict = {"import_renderers_s": time.perf_counter() - t0, "warm_starts": []}
    orig_start = kernels._start_warm_kernel
    orig_acquire = kernels.POOL.acquire
    from analysis.reporting.render import pdf_export

    orig_pdf = pdf_export.html_to_pdf  # what the PDF exporter calls

    def timed_start(*key):
        s = time.perf_counter()
        km = orig_start(*key)
        timings["warm_starts"].append({"key_cwd": key[1], "s": time.perf_counter() - s})
        return km

    def timed_acquire(kernel_name="python3", cwd=None, reuse=False):
        s = time.perf_counter()
        km = orig_acquire(kernel_name, cwd, reuse)
        current.update(acquire_s=time.perf_counter() - s, acquire_cwd=cwd)
        return km

    def timed_pdf(html, fetcher=None, stylesheets=None):
        s = time.perf_counter()
        pdf = orig_pdf(html, fetcher, stylesheets)
        current["weasyprint_s"] = time.perf_counter() - s
        return pdf

    kernels._start_warm_kernel = timed_start
    kernels.POOL.acquire = timed_acquire
    pdf_export.html_to_pdf = timed_pdf
    nb_dir = str(paths.notebooks_dir())
    kernels.POOL.prefetch("python3", nb_dir)  # what runner._worker_init does
    jobs = []
    work = Path(tempfile.mkdtemp(prefix="profile_", dir=OUTPUT))
    for province in ("nghe_an", "ha_noi"):
        current: dict = {"province": province}
        job_start = time.perf_counter()
        out = work / f"{province}.ipynb"
        s = time.perf_counter()
        nb = pm.execute_notebook(
            str(paths.notebooks_dir() / "30_leadership_briefing.ipynb"),
            str(out),
            parameters={"period": PERIOD, "province": province, "lang": "vi"},
            kernel_name="python3",
            engine_name="reuse",
            cwd=nb_dir,
            progress_bar=False,
            log_output=False,
        )
        current["papermill_s"] = time.perf_counter() - s
        current["cells_s"] = sum(
            c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells
        )
        s = time.perf_counter()
        exporters.export(out, work, formats=("html", "pdf"))
        current["export_s"] = time.perf_counter() - s
        current["render_s"] = current["export_s"] - current["weasyprint_s"]
        current["job_s"] = time.perf_counter() - job_start
        current["nbclient_overhead_s"] = (
            current["papermill_s"] - current["acquire_s"] - current["cells_s"]
        )
        jobs.append(current)
    kernels.POOL.shutdown()
    timings["jobs"] = jobs
    timings["code_version"] = runner.code_version()
    shutil.rmtree(work, ignore_errors=True)
    return timings


def profile_table(p: dict) -> str:
    lines = [
        "| step | job 1 of a worker (s) | job 2 of a worker (s) |",
        "|---|---|---|",
    ]
    j1, j2 = p["jobs"]
    for key, label in (
        ("acquire_s", "wait for the warm kernel (`POOL.acquire`)"),
        ("cells_s", "notebook cells (sum of papermill cell durations)"),
        ("nbclient_overhead_s", "papermill/nbclient overhead (client start, saves)"),
        ("papermill_s", "**papermill total**"),
        ("export_s", "HTML and PDF export"),
        ("render_s", "  of which the notebook rendered once for both (nbconvert, sanitizing)"),
        ("weasyprint_s", "  of which WeasyPrint layout + write"),
        ("job_s", "**job total**"),
    ):
        cells = [f"{j[key]:.2f}" if key in j else "not measured" for j in (j1, j2)]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    starts = ", ".join(f"{w['s']:.1f} s (cwd={w['key_cwd']!r})" for w in p["warm_starts"])
    lines.append("")
    lines.append(f"Import of nbconvert + exporters: {p['import_renderers_s']:.1f} s. ")
    lines.append(f"Warm kernel starts (start + `import analysis.notebook`): {starts}.")
    lines.append(f"`POOL.acquire` was called with cwd={j1['acquire_cwd']!r}.")
    return "\n".join(lines)


# --- report --------------------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:.1f}"


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**NOT met**"


def clean_per_doc(r: dict, key: str = "wall_s") -> float:
    """The clean floor per document (wall, or ``key="cpu"``: CPU), over every clean sample."""
    clean = [f for f in r["floors"] if f["kind"] == "clean"]
    if key == "cpu":
        return sum(f["cpu_per_doc_s"] * f["docs"] for f in clean) / sum(f["docs"] for f in clean)
    return sum(f["wall_s"] for f in clean) / sum(f["docs"] for f in clean)


def floor_rows(r: dict) -> list[tuple[str, ...]]:
    rows = []
    for f in r["floors"]:
        p, h, d = f["steps_s"]
        retried = f", {len(f['retried'])} step(s) retried" if f.get("retried") else ""
        rows.append(
            (
                f"1. Clean floor ({f['tag']}): {f['docs']} empty notebooks, 2 at a time (s)",
                fmt(f["wall_s"]),
                f"{f['per_doc_s']:.2f} s/doc, CPU {f['cpu_per_doc_s']:.2f} s/doc; per step "
                f"papermill {p:.2f} + HTML {h:.2f} + PDF {d:.2f} s{retried}",
                "",
            )
        )
    return rows


def _ratio_row(label: str, run: dict, r: dict, target_key: str) -> tuple[str, ...]:
    n = max(1, run["total"])
    ratio = run["wall_s"] / n / clean_per_doc(r)
    cpu = run["cpu_s"] / n
    target = TARGETS[target_key]
    return (
        f"{label}, {n:,} reports (s)",
        fmt(run["wall_s"]),
        f"{run['wall_s'] / n:.2f} s/report = **{ratio:.2f} x** the clean floor (target <= "
        f"{target}); CPU {cpu:.2f} s/report = {cpu / clean_per_doc(r, 'cpu'):.2f} x the floor's",
        _verdict(ratio, target),
    )


def _rerun_row(label: str, again: dict, full: dict) -> tuple[str, ...]:
    share = again["wall_s"] / full["wall_s"]
    return (
        f"{label} ({again['skipped']:,}/{again['total']:,} unchanged) (s)",
        f"{again['wall_s']:.2f}",
        f"{share:.1%} of the run (target <= {TARGETS['rerun']:.0%}); start-up of the command "
        "included",
        _verdict(share, TARGETS["rerun"]),
    )


def run_rows(r: dict) -> list[tuple[str, ...]]:
    rows = [_ratio_row("2. Month, --jobs 2 --force", r["month"], r, "month")]
    rows.append(_rerun_row("2. Month re-run, nothing changed", r["month_rerun"], r["month"]))
    rows.append(
        _ratio_row("2. Briefings and national overview alone", r["briefings"], r, "briefings")
    )
    if "briefings_en" in r:
        rows.append(_ratio_row("2. The same in English", r["briefings_en"], r, "briefings"))
    prov, plan, name = r["province"], r["plan_province"], r.get("province_name", PROVINCE)
    rows.append(
        _ratio_row(
            f"3. Communes of {name}, --jobs 2, start-up included", prov, r, "commune_province"
        )
    )
    rows.append(
        (
            f"3. Planning the {plan['jobs']} jobs of {name} (s)",
            f"{plan['seconds']:.2f}",
            "snapshot, dataset, jobs, parameters, communes with figures, manifest",
            "",
        )
    )
    rows.append(
        _rerun_row(f"3. Communes of {name} re-run, nothing changed", r["province_rerun"], prov)
    )
    if "province_en" in r:
        rows.append(
            _ratio_row(f"3. Communes of {name} in English", r["province_en"], r, "commune_province")
        )
    if "country" in r:
        rows.append(
            _ratio_row("3. Communes of the country, --jobs 2", r["country"], r, "commune_country")
        )
        plan = r["plan_country"]
        rows.append(
            (
                f"3. Planning the country's {plan['jobs']:,} jobs (s)",
                f"{plan['seconds']:.2f}",
                "was about 110 s",
                "",
            )
        )
        rows.append(
            _rerun_row("3. Country re-run, nothing changed", r["country_rerun"], r["country"])
        )
    dask = r["dask"]["runs"]
    for d in dask:
        rows.append(
            (
                f"4. Communes of {name}, dask scheduler + {d['workers']} dask worker "
                f"process(es), {d['total']} reports (s)",
                fmt(d["wall_s"]),
                f"{d['wall_s'] / max(1, d['total']):.2f} s/report; workers up in "
                f"{d['startup_s']:.1f} s (not counted)",
                "",
            )
        )
    if len(dask) == 2:
        speedup = dask[0]["wall_s"] / dask[1]["wall_s"]
        rows.append(
            (
                "4. Dask 1 -> 2 workers",
                f"{speedup:.2f}x",
                f"efficiency {speedup / 2:.0%} ({os.cpu_count()} cores, shared)",
                "",
            )
        )
    rows.append(
        (
            "4. Scheduler's cost per task (no-op tasks, 2 workers) (ms)",
            f"{r['dask']['task_s'] * 1000:.2f}",
            "submit, run, result back, over TCP",
            "",
        )
    )
    return rows


def markdown(rows: list[tuple[str, ...]]) -> str:
    head = ("measurement", "value", "ratio / detail", "target")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def build_table(r: dict) -> str:
    rows = [
        ("Setup: demo data + ingest (s)", fmt(r["setup"]["demo"] + r["setup"]["ingest"]), "", ""),
        ("Setup: analytics precompute, cold (s)", fmt(r["setup"]["precompute"]), "", ""),
        *floor_rows(r),
        (
            "1. Clean floor, per document (mean of the passes) (s)",
            f"{clean_per_doc(r):.2f}",
            f"CPU {clean_per_doc(r, 'cpu'):.2f} s",
            "",
        ),
        *run_rows(r),
    ]
    return markdown(rows)


def per_report(run: dict) -> dict:
    n = max(1, run["total"])
    return {
        "cpu_s": run["cpu_s"] / n,
        "wall_s": run["wall_s"] / n,
        "bytes_written": run["bytes_written"] / n,
        "storage_read": run["blocks_read"] * 512 / n,
        "storage_written": run["blocks_written"] * 512 / n,
    }


def hosts_note(r: dict) -> str:
    """Beyond one machine, on paper: what every report of the month costs, and the hosts."""
    brief = per_report(r["briefings"])
    month = r["month"]
    # The published-figures reports: what the month cost beyond the briefings.
    rest_n = max(1, month["total"] - r["briefings"]["total"])
    rest_cpu = max(0.0, month["cpu_s"] - r["briefings"]["cpu_s"]) / rest_n
    communes = per_report(r.get("country") or r["province"])
    # English: the briefings measured as such; the communes as the province's English run
    # compares with its Vietnamese one; the published figures as in Vietnamese.
    brief_en = per_report(r["briefings_en"])["cpu_s"] if "briefings_en" in r else brief["cpu_s"]
    scale = (
        per_report(r["province_en"])["cpu_s"] / per_report(r["province"])["cpu_s"]
        if "province_en" in r
        else 1.0
    )
    communes_en = communes["cpu_s"] * scale
    n_brief = BRIEFING_DOCS * len(HOUR_LANGS)
    n_rest = (MONTH_DOCS - BRIEFING_DOCS) * len(HOUR_LANGS)
    n_communes = (ALL_COMMUNES + 34) * len(HOUR_LANGS)
    cpu = (
        BRIEFING_DOCS * (brief["cpu_s"] + brief_en)
        + n_rest * rest_cpu
        + (ALL_COMMUNES + 34) * (communes["cpu_s"] + communes_en)
    )
    tasks = n_brief + n_rest + n_communes
    task_s = r["dask"]["task_s"]
    dask = r["dask"]["runs"]
    efficiency = dask[0]["wall_s"] / dask[1]["wall_s"] / 2 if len(dask) == 2 else 0.8
    written = n_brief * brief["bytes_written"] + n_communes * communes["bytes_written"]
    lines = [
        "Every report of a month in Vietnamese and English: "
        f"{n_brief} briefings and overviews, {n_rest} published-figures reports and "
        f"{n_communes:,} commune reports ({tasks:,} jobs).",
        "",
        "| per report | CPU, vi / en (s, all processes) | files left (kB) | storage read / "
        "written (kB) |",
        "|---|---|---|---|",
        f"| briefing or overview | {brief['cpu_s']:.2f} / {brief_en:.2f} | "
        f"{brief['bytes_written'] / 1e3:.0f} | "
        f"{brief['storage_read'] / 1e3:.0f} / {brief['storage_written'] / 1e3:.0f} |",
        f"| published figures | {rest_cpu:.2f} / (as vi) | | |",
        f"| commune scorecard or comparison | {communes['cpu_s']:.2f} / {communes_en:.2f} | "
        f"{communes['bytes_written'] / 1e3:.0f} | {communes['storage_read'] / 1e3:.0f} / "
        f"{communes['storage_written'] / 1e3:.0f} |",
        "",
        f"* CPU for the whole set: {cpu / 3600:.2f} core-hours. Written to the shared folder: "
        f"{written / 1e9:.2f} GB (the ipynb, HTML and PDF of each report, plus the manifest), "
        f"{written / 3600 / 1e6:.2f} MB/s over an hour: any NFS share carries it. What a "
        "report reads is mostly served from memory: each worker's kernel reads the store "
        f"snapshot ({r['store_mb']:.0f} MB) for its province and keeps it, and the package and "
        "notebooks once (storage read/written: what the page cache did not serve, temporary "
        "files included).",
        f"* The scheduler: {task_s * 1000:.2f} ms per task measured, so {tasks:,} tasks cost it "
        f"{tasks * task_s:.0f} s in an hour, not a limit. The client's planning of the "
        f"country's jobs: {r.get('plan_country', r['plan_province'])['seconds']:.1f} s.",
        f"* Measured parallel efficiency from 1 to 2 workers through the scheduler: "
        f"{efficiency:.0%} (on 2 shared cores; on hosts of their own a worker per core keeps "
        "its core).",
    ]
    for cores in (2, 4, 8, 16):
        per_host = cores * 3600 * max(efficiency, 0.5)
        hosts = math.ceil(cpu / per_host)
        lines.append(
            f"* Hosts of {cores} cores (`dask worker --nworkers {cores} --nthreads 1`, "
            f"efficiency {max(efficiency, 0.5):.0%}): **{hosts}** for everything within the hour "
            f"({cpu / (hosts * cores * max(efficiency, 0.5)) / 60:.0f} min of work each)."
        )
    lines.append(
        "* Not counted: each worker's first kernel (a few seconds), and the index pages and "
        "manifest the client writes (seconds)."
    )
    return "\n".join(lines)


def write_readme(sections: str, r: dict, args: argparse.Namespace) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    marker = "## Last measurement"
    loads = r["loads"]
    body = (
        f"{marker}\n\n"
        f"Date {dt.date.today().isoformat()}, {'`--quick`, ' if args.quick else ''}"
        f"machine: {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, code version {r['code_version']} "
        f"(snapshot of `{args.src}`). Load average during the run (1 min): min "
        f"{min(loads):.1f}, median {sorted(loads)[len(loads) // 2]:.1f}, max {max(loads):.1f}.\n\n"
        f"{sections}\n"
    )
    if marker in text:
        text = text[: text.index(marker)] + body
    else:
        text = text.rstrip() + "\n\n" + body
    readme.write_text(text, encoding="utf-8")


def write_report(r: dict, args: argparse.Namespace) -> None:
    """Print the tables of a measurement and (unless ``--no-readme``) write them to the README."""
    sections = f"{build_table(r)}\n\n### Beyond one machine (on paper)\n\n{hosts_note(r)}" + (
        f"\n\n### Profile of one briefing job (fresh worker process)\n\n"
        f"{profile_table(r['profile'])}"
        if "profile" in r
        else ""
    )
    print("\n" + sections)
    if not args.no_readme:
        write_readme(sections, r, args)


# --- the order of the measurements -----------------------------------------------------------


def measure_month(r: dict, step, month_args: list[str]) -> None:
    """The month, its re-run, and the briefings alone."""
    step("2. month --jobs 2 --force")
    r["month"] = product_run(["--jobs", "2", "--force", *month_args], "month")
    step(f"   {r['month']['wall_s']:.1f} s for {r['month']['total']} reports; re-run")
    r["month_rerun"] = product_run(["--jobs", "2", *month_args], "month_rerun")
    step("2. briefings and national overview alone")
    briefings = ["--notebook", "30_leadership_briefing", "--notebook", "40_national_overview"]
    r["briefings"] = product_run(["--jobs", "2", "--force", *briefings, *month_args], "briefings")
    step(f"   {r['briefings']['wall_s']:.1f} s for {r['briefings']['total']} reports; in English")
    english = ["--lang", "en", "--jobs", "2", "--force", *briefings, *month_args]
    r["briefings_en"] = product_run(english, "briefings_en")


def measure_province(r: dict, step, province: str) -> None:
    """One province's communes as an operator runs them, its planning and its re-run."""
    step(f"3. communes of {province}, as an operator runs them")
    r["province_name"] = province
    env = commune_env("province")
    r["plan_province"] = measure_planning([province], env)
    commune_args = ["--level", "commune", "--jobs", "2", "--province", province]
    r["province"] = product_run([*commune_args, "--force"], "province", env)
    step(f"   {r['province']['wall_s']:.1f} s for {r['province']['total']} reports; re-run")
    r["province_rerun"] = product_run(commune_args, "province_rerun", env)
    step("   in English")
    r["province_en"] = product_run([*commune_args, "--lang", "en", "--force"], "province_en", env)


def measure_all(args: argparse.Namespace) -> dict:
    """Every measurement, in the order the README reports them; logs the load as it goes."""
    from analysis.core.version import code_version
    from analysis.reference import geography

    r: dict = {"loads": [], "floors": [], "code_version": code_version()}

    def step(msg: str) -> None:
        r["loads"].append(os.getloadavg()[0])
        log(msg)
        # What is measured so far, should the run be cut short.
        (OUTPUT / "partial.json").write_text(json.dumps(r, indent=2, default=str))

    month_args: list[str] = []
    province = PROVINCE
    if args.quick:
        args.floor_docs, province = 2, "lai_chau"
        for p in list(geography.provinces("34")["codename"])[:3]:
            month_args += ["--province", p]
    clean_bin = floor.clean_env(log)
    step("setup: demo data, ingest, analytics precompute")
    r["setup"] = setup_data(args.keep_data)
    r["store_mb"] = (OUTPUT / "data" / "processed" / "dx.duckdb").stat().st_size / 1e6
    step("1. clean floor (first pass)")
    r["floors"].append(
        floor.measure("clean", args.floor_docs, "before", bench_env(), clean_bin, cpu_seconds)
    )
    step(f"   {r['floors'][-1]['per_doc_s']:.2f} s/doc")

    measure_month(r, step, month_args)
    measure_province(r, step, province)
    r["dask"] = measure_dask([province], step)

    step("1. clean floor (second pass)")
    r["floors"].append(
        floor.measure("clean", args.floor_docs, "after", bench_env(), clean_bin, cpu_seconds)
    )
    if args.country and not args.quick:  # last: the longest step, after both floors
        env = commune_env("country")
        step("3. planning the country's communes")
        r["plan_country"] = measure_planning(None, env)
        step(f"   {r['plan_country']['seconds']:.1f} s; the country's communes, --jobs 2")
        r["country"] = product_run(["--level", "commune", "--jobs", "2", "--force"], "country", env)
        step(f"   {r['country']['wall_s'] / 60:.1f} min; re-run, nothing changed")
        r["country_rerun"] = product_run(
            ["--level", "commune", "--jobs", "2"], "country_rerun", env
        )
    if args.profile:
        step("5. profile of one briefing job")
        _, out = sh([sys.executable, __file__, "--profile-only"], bench_env(), "profile")
        r["profile"] = json.loads(out.strip().splitlines()[-1])
    r["loads"].append(os.getloadavg()[0])
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few provinces and reports (smoke test)")
    ap.add_argument("--floor-docs", type=int, default=20, help="floor sample size (each pass)")
    ap.add_argument(
        "--no-country",
        dest="country",
        action="store_false",
        help=f"leave out the country's {ALL_COMMUNES:,} communes (about half the time)",
    )
    ap.add_argument("--keep-data", action="store_true", help="reuse output/data if present")
    ap.add_argument(
        "--from-partial", action="store_true", help="report output/partial.json (a cut-short run)"
    )
    ap.add_argument("--no-profile", dest="profile", action="store_false", help="skip step 5")
    ap.add_argument("--no-readme", action="store_true", help="print only")
    ap.add_argument("--src", type=Path, default=REPO, help="checkout to measure (default: this)")
    ap.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.profile_only:
        for key, value in bench_env().items():
            os.environ[key] = value
        print(json.dumps(profile_job()))
        return
    if args.from_partial:
        found = [OUTPUT / n for n in ("results.json", "partial.json") if (OUTPUT / n).exists()]
        r = json.loads(max(found, key=lambda f: f.stat().st_mtime).read_text())
        write_report(r, args)
        return
    snapshot_source(args.src.resolve())
    r = measure_all(args)
    (OUTPUT / "results.json").write_text(json.dumps(r, indent=2, default=str))
    write_report(r, args)


if __name__ == "__main__":
    main()
