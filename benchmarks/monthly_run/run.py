"""Time the monthly report run (``python -m analysis run``) and the commune level against the floor.

All measurements happen in one invocation, on an isolated demo dataset under
``benchmarks/monthly_run/output/`` (git-ignored), so their ratios share the machine's load:

1. floors (:mod:`floor`): an empty parameterized notebook through papermill, HTML and PDF in a
   clean environment (only papermill, nbconvert, ipykernel, WeasyPrint) - the floor the targets
   are set against - and in the project's environment with and without the lazy import of
   ``rfc3987_syntax``; ``python -X importtime`` of papermill and nbconvert in each;
2. the whole month: 34 briefings + national overview, ``--jobs 2 --force``;
3. a re-run of the month with nothing changed;
4. the commune level (:mod:`commune`): a full run in 2 local workers (kernels reused), its
   re-run with nothing changed, the same with one kernel per document, and a Dask
   ``LocalCluster`` with 1 and 2 single-threaded worker processes;
5. a profile of one briefing job (kernel wait, execution, HTML, PDF) in a fresh process.

Usage::

    .venv/bin/python benchmarks/monthly_run/run.py            # full (~25 min on 2 cores)
    .venv/bin/python benchmarks/monthly_run/run.py --quick    # smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
ALL_COMMUNES = 3321
SNAPSHOT = OUTPUT / "snapshot"
TARGETS = {"month": 1.0, "rerun": 0.10, "commune": 0.25, "commune_rerun": 0.05}


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


# --- 2-3. the provincial month ---------------------------------------------------------------


def product_run(jobs: int, force: bool, provinces: list[str] | None, tag: str) -> dict:
    args = ["run", "--period", PERIOD, "--jobs", str(jobs), "--no-progress"]
    if force:
        args.append("--force")
    for p in provinces or []:
        args += ["--province", p]
    cpu = cpu_seconds()
    wall, stdout = analysis_cli(*args, log_name=tag)
    cpu = cpu_seconds() - cpu
    m = re.search(r"(\d+) of (\d+) report job\(s\) done \((\d+) unchanged", stdout)
    done, total, skipped = (int(x) for x in m.groups()) if m else (0, 0, 0)
    return {"wall_s": wall, "done": done, "total": total, "skipped": skipped, "cpu_s": cpu}


# --- 6. profile of one briefing job ---------------------------------------------------------


def profile_job() -> dict:
    """Run in a fresh process (``--profile-only``): two briefings as a runner worker does."""
    import papermill as pm

    from analysis import paths
    from analysis.running import kernels, runner

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

    def timed_acquire(kernel_name="python3", cwd=None):
        s = time.perf_counter()
        km = orig_acquire(kernel_name, cwd)
        current.update(acquire_s=time.perf_counter() - s, acquire_cwd=cwd)
        return km

    def timed_pdf(html, fetcher=None):
        s = time.perf_counter()
        pdf = orig_pdf(html, fetcher)
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
            engine_name="warm",
            cwd=nb_dir,
            progress_bar=False,
            log_output=False,
        )
        current["papermill_s"] = time.perf_counter() - s
        current["cells_s"] = sum(
            c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells
        )
        s = time.perf_counter()
        exporters.export(out, work, formats=("html",))
        current["html_s"] = time.perf_counter() - s
        s = time.perf_counter()
        exporters.export(out, work, formats=("pdf",))
        current["pdf_s"] = time.perf_counter() - s
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
        ("html_s", "HTML export (nbconvert, screen variant)"),
        ("pdf_s", "PDF export total (print HTML + WeasyPrint)"),
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
    labels = {
        "clean": "clean environment (papermill, nbconvert, ipykernel, WeasyPrint only)",
        "project-eager": "project environment, rfc3987_syntax at import (as before)",
        "project": "project environment, rfc3987_syntax lazily"
        + ("" if r["lazy_hook"] else " (start-up file NOT installed: same as above)"),
    }
    rows = []
    for f in r["floors"]:
        p, h, d = f["steps_s"]
        rows.append(
            (
                f"1. Floor, {labels[f['kind']]}{', ' + f['tag'] if f['tag'] else ''}: "
                f"{f['docs']} docs, 2 at a time (s)",
                fmt(f["wall_s"]),
                f"{f['per_doc_s']:.2f} s/doc, CPU {f['cpu_per_doc_s']:.2f} s/doc; per step "
                f"papermill {p:.2f} + HTML {h:.2f} + PDF {d:.2f} s",
                "",
            )
        )
    return rows


def month_rows(r: dict) -> list[tuple[str, ...]]:
    month, rerun = r["month"], r["rerun"]
    n = month["total"] or MONTH_DOCS
    floor_run = clean_per_doc(r) * n
    ratio = month["wall_s"] / floor_run
    rr = rerun["wall_s"] / month["wall_s"]
    return [
        (f"1. Clean floor scaled to {n} documents (s)", fmt(floor_run), "", ""),
        (
            f"2. {'Whole month' if n == MONTH_DOCS else 'Month'}, {n} docs, --jobs 2 --force (s)",
            fmt(month["wall_s"]),
            f"{ratio:.2f} x clean floor (target <= {TARGETS['month']}); CPU "
            f"{month['cpu_s'] / n:.1f} s/doc = {month['cpu_s'] / n / clean_per_doc(r, 'cpu'):.2f}"
            " x the clean floor's",
            _verdict(ratio, TARGETS["month"]),
        ),
        (
            f"3. Re-run, nothing changed ({rerun['skipped']}/{rerun['total']} skipped) (s)",
            fmt(rerun["wall_s"]),
            f"{rr:.1%} of full run (target <= {TARGETS['rerun']:.0%})",
            _verdict(rr, TARGETS["rerun"]),
        ),
    ]


def commune_rows(r: dict) -> list[tuple[str, ...]]:
    floor_doc = clean_per_doc(r)
    full, again, cold = r["commune_full"], r["commune_rerun"], r["commune_cold"]
    d1, d2 = r["commune_dask"]
    per = full["per_unit_s"] / floor_doc
    rr = again["wall_s"] / full["wall_s"]

    def detail(c: dict) -> str:
        fail = f", {c['failed']} failed ({c['first_error']})" if c["failed"] else ""
        return f"{c['per_unit_s']:.2f} s/unit, CPU {c['cpu_per_unit_s']:.2f} s/unit{fail}"

    return [
        (
            f"4. Commune, {full['units']} x {full['notebook']}, 2 local workers, "
            "kernels reused (s)",
            fmt(full["wall_s"]),
            f"{detail(full)}; {per:.2f} x clean floor per document "
            f"(target <= {TARGETS['commune']}); CPU "
            f"{full['cpu_per_unit_s'] / clean_per_doc(r, 'cpu'):.2f} x the clean floor's",
            _verdict(per, TARGETS["commune"]),
        ),
        (
            f"4. Commune re-run, nothing changed ({again['skipped']}/{again['units']} skipped) (s)",
            fmt(again["wall_s"]),
            f"{rr:.1%} of the full run (target <= {TARGETS['commune_rerun']:.0%})",
            _verdict(rr, TARGETS["commune_rerun"]),
        ),
        (
            f"4. Commune, {cold['units']} units, one warmed kernel per document (s)",
            fmt(cold["wall_s"]),
            f"{detail(cold)}; {cold['per_unit_s'] / floor_doc:.2f} x clean floor",
            "",
        ),
        *(
            (
                f"4. Commune, {d['units']} units, Dask LocalCluster, {d['workers']} worker(s) (s)",
                fmt(d["wall_s"]),
                f"{detail(d)}, cluster start {d['startup_s']:.1f} s",
                "",
            )
            for d in (d1, d2)
        ),
        (
            "4. Dask speed-up 1 -> 2 workers",
            f"{d1['wall_s'] / d2['wall_s']:.2f}x",
            f"ideal 2 on {os.cpu_count()} cores (shared with other jobs)",
            "",
        ),
        (
            f"4. All {ALL_COMMUNES:,} communes on this machine (projection)",
            f"{full['per_unit_s'] * ALL_COMMUNES / 60:.0f} min",
            "measured s/unit x 3,321 (2 local workers)",
            "",
        ),
        *country_rows(r),
    ]


def country_rows(r: dict) -> list[tuple[str, ...]]:
    """The country-wide run (``--country``), when it was measured."""
    if "commune_country" not in r:
        return []
    c = r["commune_country"]
    per = c["per_unit_s"] / clean_per_doc(r)
    fail = f", {c['failed']} failed ({c['first_error']})" if c["failed"] else ""
    return [
        (
            f"4. Country: {c['units']:,} x {c['notebook']}, 2 local workers, kernels reused",
            f"{c['wall_s'] / 60:.1f} min",
            f"{c['per_unit_s']:.2f} s/unit = {per:.2f} x clean floor per document "
            f"(target <= {TARGETS['commune']}); CPU {c['cpu_per_unit_s']:.2f} s/unit = "
            f"{c['cpu_per_unit_s'] / clean_per_doc(r, 'cpu'):.2f} x the clean floor's{fail}",
            _verdict(per, TARGETS["commune"]),
        ),
        *(
            (
                "4. Country re-run, nothing changed "
                f"({again['skipped']:,}/{again['units']:,} skipped) (s)",
                fmt(again["wall_s"]),
                f"{again['wall_s'] / c['wall_s']:.1%} of the country run "
                f"(target <= {TARGETS['commune_rerun']:.0%})",
                _verdict(again["wall_s"] / c["wall_s"], TARGETS["commune_rerun"]),
            )
            for again in [r["commune_country_rerun"]]
            if "commune_country_rerun" in r
        ),
    ]


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
        *month_rows(r),
        *commune_rows(r),
    ]
    return markdown(rows)


def imports_table(r: dict) -> str:
    lines = [
        "| environment | `import papermill` (s) | `import nbconvert` (s) "
        "| of which rfc3987_syntax |",
        "|---|---|---|---|",
    ]
    for kind in ("clean", "project-eager", "project"):
        pm, nbc = r["imports"][f"{kind} papermill"], r["imports"][f"{kind} nbconvert"]
        rfc = pm["rfc3987_s"]
        lines.append(
            f"| {kind} | {pm['total_s']:.2f} | {nbc['total_s']:.2f} | "
            + ("not imported" if rfc is None else f"{rfc:.2f}")
            + " |"
        )
    return "\n".join(lines)


def cluster_note(r: dict) -> str:
    """Throughput of N hosts on paper, from the measured per-commune CPU."""
    full = r.get("commune_country") or r["commune_full"]  # the country run: no start-up share
    cpu = full["cpu_per_unit_s"]
    per_core_h = 3600 / cpu
    lines = [
        f"Per commune report: {cpu:.2f} s of CPU (all processes), so one core makes about "
        f"{per_core_h:,.0f} per hour. A host with k cores running `dask worker --nworkers k "
        "--nthreads 1` makes about k x that, and N such hosts about N x k x that: the 3,321 "
        "communes take about "
        + ", ".join(
            f"{ALL_COMMUNES * cpu / (n * k) / 60:.1f} min on {n} x {k} cores"
            for n, k in ((1, 2), (1, 8), (4, 8), (10, 8))
        )
        + ", plus each worker's first kernel (a few seconds) and the client's planning and "
        "manifest writes (a few seconds in all)."
    ]
    return "\n".join(lines)


def write_section(marker: str, table: str, r: dict, args: argparse.Namespace) -> None:
    """Replace (or add, before "## Last measurement") the README section under ``marker``."""
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    body = (
        f"{marker}\n\nDate {dt.date.today().isoformat()}, code version {r['code_version']}, "
        f"load average (1 min) {min(r['loads']):.1f}-{max(r['loads']):.1f}.\n\n{table}\n\n"
    )
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + body + (text[end + 1 :] if end >= 0 else "")
    else:
        at = text.index("## Last measurement\n")
        text = text[:at] + body + text[at:]
    readme.write_text(text, encoding="utf-8")


def write_readme(sections: str, r: dict, args: argparse.Namespace) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    marker = "## Last measurement"
    body = (
        f"{marker}\n\n"
        f"Date {dt.date.today().isoformat()}, {'`--quick`, ' if args.quick else ''}"
        f"machine: {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, code version {r['code_version']} "
        f"(snapshot of `{args.src}`). Commune notebook measured: "
        f"{r['commune_full']['notebook']}. "
        f"Load average during the run (1 min): min {min(r['loads']):.1f}, "
        f"max {max(r['loads']):.1f}.\n\n"
        f"{sections}\n"
    )
    if marker in text:
        text = text[: text.index(marker)] + body
    else:
        text = text.rstrip() + "\n\n" + body
    readme.write_text(text, encoding="utf-8")


def measure_communes(r: dict, step, args: argparse.Namespace) -> None:
    step(f"4. commune {args.communes} units, 2 local workers, kernels reused")
    r["commune_full"] = commune.run(args.communes, "full", cpu_seconds)
    step(f"   {r['commune_full']['wall_s']:.1f} s ({r['commune_full']['notebook']})")
    step("4. commune re-run, nothing changed")
    r["commune_rerun"] = commune.run(args.communes, "full", cpu_seconds, force=False, fresh=False)
    step(f"   {r['commune_rerun']['wall_s']:.1f} s")
    step(f"4. commune {args.cold_units} units, one kernel per document")
    r["commune_cold"] = commune.run(args.cold_units, "cold", cpu_seconds, engine="warm")
    r["commune_dask"] = []
    for w in (1, 2):
        step(f"4. commune {args.dask_units} units, Dask {w} worker(s)")
        res = commune.run(args.dask_units, f"dask_{w}", cpu_seconds, dask_workers=w)
        r["commune_dask"].append(res)
        step(f"   {res['wall_s']:.1f} s")


def measure_month(args: argparse.Namespace) -> dict:
    """``--month-only``: the clean floor before and after the month and its re-run."""
    from analysis.running import jobs

    r: dict = {"loads": [], "floors": [], "lazy_hook": lazy_hook_installed()}
    r["code_version"] = jobs.code_version()
    clean_bin = floor.clean_env(log)
    log("setup: demo data, ingest, analytics precompute")
    r["setup"] = setup_data(args.keep_data)
    for tag in ("before", "after"):
        log(f"1. clean floor ({tag})")
        r["floors"].append(
            floor.measure("clean", args.floor_docs, tag, bench_env(), clean_bin, cpu_seconds)
        )
        r["loads"].append(os.getloadavg()[0])
        if tag == "before":
            log("2. month --jobs 2 --force")
            r["month"] = product_run(2, True, None, "month_jobs2")
            log(f"   {r['month']['wall_s']:.1f} s for {r['month']['total']} docs")
            r["rerun"] = product_run(2, False, None, "rerun")
    return r


def measure_all(args: argparse.Namespace) -> dict:
    """Every measurement, in the order the README reports them; logs the load as it goes."""
    month_provinces: list[str] | None = None
    if args.quick:
        args.floor_docs, args.communes, args.cold_units, args.dask_units = 2, 12, 4, 6
        args.month_provinces = 3
    if args.month_provinces:
        from analysis.reference import geography

        month_provinces = list(geography.provinces("34")["codename"])[: args.month_provinces]
    from analysis.running import jobs

    r: dict = {"loads": [], "floors": [], "lazy_hook": lazy_hook_installed()}
    r["code_version"] = jobs.code_version()

    def step(msg: str) -> None:
        r["loads"].append(os.getloadavg()[0])
        log(msg)
        # What is measured so far, should the run be cut short.
        (OUTPUT / "partial.json").write_text(json.dumps(r, indent=2, default=str))

    clean_bin = floor.clean_env(log)
    step("setup: demo data, ingest, analytics precompute")
    r["setup"] = setup_data(args.keep_data)
    step("1. clean floor (first pass)")
    r["floors"].append(
        floor.measure("clean", args.floor_docs, "before", bench_env(), clean_bin, cpu_seconds)
    )
    step(f"   {r['floors'][-1]['per_doc_s']:.2f} s/doc")
    # The commune level first: on a loaded machine the run may have to be cut short.
    measure_communes(r, step, args)
    for kind in ("project-eager", "project"):
        step(f"1. floor {kind}")
        r["floors"].append(
            floor.measure(kind, args.floor_docs, "", bench_env(), clean_bin, cpu_seconds)
        )
        step(f"   {r['floors'][-1]['per_doc_s']:.2f} s/doc")
    step("1. import times")
    r["imports"] = floor.import_times(bench_env(), clean_bin)
    step("2. month --jobs 2 --force")
    r["month"] = product_run(2, True, month_provinces, "month_jobs2")
    step(f"   {r['month']['wall_s']:.1f} s for {r['month']['total']} docs")
    step("3. re-run, nothing changed")
    r["rerun"] = product_run(2, False, month_provinces, "rerun")
    step(f"   {r['rerun']['wall_s']:.1f} s, {r['rerun']['skipped']} skipped")
    step("1. clean floor (second pass)")
    r["floors"].append(
        floor.measure("clean", args.floor_docs, "after", bench_env(), clean_bin, cpu_seconds)
    )
    if args.country:  # last: the longest step, after both passes of the floor
        step(f"4. all {ALL_COMMUNES:,} communes of the country, 2 local workers")
        r["commune_country"] = commune.run(None, "country", cpu_seconds)
        step(f"   {r['commune_country']['wall_s']:.1f} s; re-run, nothing changed")
        r["commune_country_rerun"] = commune.run(
            None, "country", cpu_seconds, force=False, fresh=False
        )
    if args.profile:
        step("5. profile of one briefing job")
        _, out = sh([sys.executable, __file__, "--profile-only"], bench_env(), "profile")
        r["profile"] = json.loads(out.strip().splitlines()[-1])
    r["loads"].append(os.getloadavg()[0])
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few provinces and units (smoke test)")
    ap.add_argument("--floor-docs", type=int, default=20, help="floor sample size (each pass)")
    ap.add_argument("--communes", type=int, default=120, help="communes in the full run")
    ap.add_argument("--cold-units", type=int, default=24, help="communes, one kernel each")
    ap.add_argument("--dask-units", type=int, default=60, help="communes on Dask")
    ap.add_argument(
        "--country", action="store_true", help=f"also all {ALL_COMMUNES:,} communes (~30-60 min)"
    )
    ap.add_argument(
        "--month-provinces", type=int, help="the month on the first N provinces (+ national)"
    )
    ap.add_argument("--keep-data", action="store_true", help="reuse output/data if present")
    ap.add_argument(
        "--from-partial", action="store_true", help="report output/partial.json (a cut-short run)"
    )
    ap.add_argument(
        "--month-only", action="store_true", help="only the month, its re-run and the clean floor"
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
        # A run cut short (e.g. during the country-wide step), or one whose report failed.
        found = [OUTPUT / n for n in ("results.json", "partial.json") if (OUTPUT / n).exists()]
        source = max(found, key=lambda f: f.stat().st_mtime)  # the newer of the two
        r = json.loads(source.read_text())
        write_report(r, args)
        return
    snapshot_source(args.src.resolve())
    if args.month_only:
        r = measure_month(args)
        (OUTPUT / "results-month.json").write_text(json.dumps(r, indent=2, default=str))
        table = markdown(
            [
                ("Setup: analytics precompute, cold (s)", fmt(r["setup"]["precompute"]), "", ""),
                *floor_rows(r),
                *month_rows(r),
            ]
        )
        print("\n" + table)
        if not args.no_readme:
            write_section("## The month alone (last measurement)", table, r, args)
        return
    r = measure_all(args)
    (OUTPUT / "results.json").write_text(json.dumps(r, indent=2, default=str))
    write_report(r, args)


def write_report(r: dict, args: argparse.Namespace) -> None:
    """Print the tables of a measurement and (unless ``--no-readme``) write them to the README."""
    sections = (
        f"{build_table(r)}\n\n### Import times (`python -X importtime`, best of 2)\n\n"
        f"{imports_table(r)}\n\n### Commune level on N hosts (on paper)\n\n{cluster_note(r)}"
        + (
            f"\n\n### Profile of one briefing job (fresh worker process)\n\n"
            f"{profile_table(r['profile'])}"
            if "profile" in r
            else ""
        )
    )
    print("\n" + sections)
    if not args.no_readme:
        write_readme(sections, r, args)


if __name__ == "__main__":
    main()
