"""Time the monthly report run (``python -m analysis run``) against the tooling floor.

All measurements happen in one invocation, on an isolated demo dataset under
``benchmarks/monthly_run/output/`` (git-ignored), so their ratios share the machine's load:

1. floor: an empty parameterized notebook through the ``papermill`` CLI, ``jupyter nbconvert
   --to briefing_html`` and ``jupyter nbconvert --to briefing_pdf`` (one process each, in that
   order per document), ``--floor-docs`` documents two at a time, measured before and after the
   real runs; the mean seconds per document x 35 is the floor for a month;
2. the whole month: 34 briefings + national overview, ``--jobs 2 --force``;
3. ``--jobs 1`` against ``--jobs 2`` on the same subset of provinces (+ national overview);
4. a re-run with nothing changed;
5. commune scale: a light per-unit notebook (``commune_unit.ipynb``) driven through the runner's
   own machinery (``analysis.running.runner._execute`` -> ``run_job`` with the ``warm`` engine) for
   several unit counts in 2 local worker processes, and on a Dask ``LocalCluster`` with 1 and 2
   single-threaded worker processes;
6. a profile of one briefing job (kernel warm-up, kernel wait, execution, HTML, PDF) in a fresh
   process, for the first and the second job of a worker.

Usage::

    .venv/bin/python benchmarks/monthly_run/run.py            # full (~17 min on 2 cores)
    .venv/bin/python benchmarks/monthly_run/run.py --quick    # smoke test (~7 min)
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
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUTPUT = HERE / "output"
VENV_BIN = Path(sys.executable).parent
PERIOD = "2026-10"
TODAY = "2026-11-23"
MONTH_DOCS = 35  # 34 briefings + the national overview
SUBSET = [
    "ha_noi",
    "nghe_an",
    "ho_chi_minh",
    "da_nang",
    "can_tho",
    "hai_phong",
    "hue",
    "lao_cai",
    "dak_lak",
    "an_giang",
]
TARGETS = {"month": 1.3, "rerun": 0.10}


def snapshot_source(src_root: Path) -> Path:
    """Copy the package, notebooks and reference tables to output/snapshot and import from it.

    Other people may edit ``src/analysis`` while this runs; every file feeds the runner's code
    version (cache key), so a snapshot keeps the re-run measurement meaningful. ``--src`` points
    at another checkout (e.g. a patched copy) to measure a proposed change.
    """
    snap = OUTPUT / "snapshot"
    shutil.rmtree(snap, ignore_errors=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(src_root / "src" / "analysis", snap / "src" / "analysis", ignore=skip)
    shutil.copytree(src_root / "notebooks", snap / "notebooks", ignore=skip)
    ref = src_root / "data" / "raw" / "reference"
    shutil.copytree(ref, snap / "data" / "raw" / "reference", ignore=skip)
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


def setup_data() -> dict[str, float]:
    for sub in ("data", "reports", "floor", "commune", "logs"):
        shutil.rmtree(OUTPUT / sub, ignore_errors=True)
    out = {}
    out["demo"], _ = analysis_cli("demo", "--until", PERIOD, log_name="demo")
    out["ingest"], _ = analysis_cli("ingest", log_name="ingest")
    code = f"from analysis import analytics; analytics.precompute({PERIOD!r}, jobs=2)"
    out["precompute"], _ = sh([sys.executable, "-c", code], bench_env(), "precompute")
    return out


# --- 1. the floor --------------------------------------------------------------------------


def floor_document(i: int, work: Path, env: dict[str, str]) -> float:
    nb_in = HERE / "empty_parameters.ipynb"
    nb_out = work / f"doc_{i:03d}.ipynb"
    start = time.perf_counter()
    steps = [
        ["papermill", str(nb_in), str(nb_out), "-p", "province", f"p{i}", "-p", "period", PERIOD],
        ["jupyter", "nbconvert", "--to", "briefing_html", str(nb_out), "--output-dir", str(work)],
        ["jupyter", "nbconvert", "--to", "briefing_pdf", str(nb_out), "--output-dir", str(work)],
    ]
    for n, cmd in enumerate(steps):
        sh([str(VENV_BIN / cmd[0]), *cmd[1:]], env, f"floor_{i:03d}_{n}")
    return time.perf_counter() - start


def measure_floor(n_docs: int, parallel: int, tag: str) -> dict:
    work = OUTPUT / "floor" / tag
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(PYTHONWARNINGS="ignore")
    cpu, start = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        per_doc = list(pool.map(lambda i: floor_document(i, work, env), range(n_docs)))
    wall = time.perf_counter() - start
    return {
        "docs": n_docs,
        "wall_s": wall,
        "per_doc_s": wall / n_docs,
        "cpu_per_doc_s": (cpu_seconds() - cpu) / n_docs,
        "doc_s": per_doc,
    }


# --- 2-4. the product's run ----------------------------------------------------------------


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
    manifest = json.loads((OUTPUT / "reports" / PERIOD / "manifest.json").read_text())
    durations = {
        (e["unit"], e["notebook"]): e["duration_s"]
        for e in manifest["outputs"]
        if e["status"] == "ok" and e["duration_s"]
    }
    return {
        "wall_s": wall,
        "done": done,
        "total": total,
        "skipped": skipped,
        "job_s_sum": sum(durations.values()) if not skipped else 0.0,
        "cpu_s": cpu,
    }


# --- 5. commune scale ----------------------------------------------------------------------


def commune_root() -> Path:
    root = OUTPUT / "commune" / "root"
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "commune_unit.ipynb", root / "notebooks" / "commune_unit.ipynb")
    return root


def commune_run(n_units: int, tag: str, n_workers: int, dask_workers: int | None) -> dict:
    """Units through ``runner._execute`` (local process pool or a Dask LocalCluster)."""
    from analysis.running import runner

    reports = OUTPUT / "commune" / tag
    shutil.rmtree(reports, ignore_errors=True)
    env = {
        "VNDX_ROOT": str(commune_root()),
        "VNDX_DATA_DIR": str(OUTPUT / "data"),
        "VNDX_REPORTS_DIR": str(reports),
        "VNDX_TODAY": TODAY,
    }
    os.environ.update(env)
    todo = [
        runner.Job(
            "commune_unit",
            f"commune_{i:04d}",
            PERIOD,
            "vi",
            ("html", "pdf"),
            {"unit": f"commune_{i:04d}", "period": PERIOD},
        )
        for i in range(n_units)
    ]
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
        results = list(runner._execute(todo, env, n_workers, scheduler, False, "warm"))
        wall = time.perf_counter() - start
    finally:
        if cluster is not None:
            cluster.close()
        for key in env:
            os.environ.pop(key, None)
    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        log(f"commune {tag}: {len(failed)} failed, e.g. {failed[0]['error']}")
    return {
        "units": n_units,
        "wall_s": wall,
        "startup_s": ready - start,
        "per_unit_s": wall / n_units,
        "failed": len(failed),
        "cpu_per_unit_s": (cpu_seconds() - cpu) / n_units,
    }


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
    orig_pdf = exporters.html_to_pdf

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
    exporters.html_to_pdf = timed_pdf
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


# --- report --------------------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:.1f}"


def build_table(r: dict, args: argparse.Namespace) -> str:
    fl = r["floor"]
    floor_doc = sum(f["wall_s"] for f in fl) / sum(f["docs"] for f in fl)
    month = r["month"]
    n_month = month["total"] or MONTH_DOCS
    floor_run = floor_doc * n_month
    rerun = r["rerun"]
    j1, j2 = r["jobs1"], r["jobs2"]
    rows = [
        ("Setup: demo data + ingest (s)", fmt(r["setup"]["demo"] + r["setup"]["ingest"]), "", ""),
        ("Setup: analytics precompute, cold (s)", fmt(r["setup"]["precompute"]), "", ""),
    ]
    for f in fl:
        rows.append(
            (
                f"1. Floor sample ({f['tag']}): {f['docs']} empty docs, 2 at a time (s)",
                fmt(f["wall_s"]),
                f"{f['per_doc_s']:.2f} s/doc, CPU {f['cpu_per_doc_s']:.1f} s/doc",
                "",
            )
        )
    ratio = month["wall_s"] / floor_run
    floor_cpu = sum(f["cpu_per_doc_s"] * f["docs"] for f in fl) / sum(f["docs"] for f in fl)
    month_cpu = month["cpu_s"] / n_month
    rows += [
        (f"1. Floor scaled to {n_month} documents (s)", fmt(floor_run), "", ""),
        (
            f"2. Whole month, {n_month} docs, --jobs 2 --force (s)",
            fmt(month["wall_s"]),
            f"{ratio:.2f} x floor (target <= {TARGETS['month']})",
            "met" if ratio <= TARGETS["month"] else "NOT met",
        ),
        (
            "2. CPU per document: whole month / floor",
            f"{month_cpu:.1f} / {floor_cpu:.1f} s",
            f"{month_cpu / floor_cpu:.2f} x floor (load-independent)",
            "",
        ),
    ]
    speedup = j1["wall_s"] / j2["wall_s"]
    rows += [
        (
            f"3. Subset {j1['total']} docs, --jobs 1 --force (s)",
            fmt(j1["wall_s"]),
            f"CPU {j1['cpu_s'] / j1['total']:.1f} s/doc = "
            f"{j1['cpu_s'] / j1['wall_s']:.2f} cores busy",
            "",
        ),
        (
            f"3. Subset {j2['total']} docs, --jobs 2 --force (s)",
            fmt(j2["wall_s"]),
            f"speed-up {speedup:.2f}x (ideal 2); CPU {j2['cpu_s'] / j2['total']:.1f} s/doc = "
            f"{j2['cpu_s'] / j2['wall_s']:.2f} cores busy",
            "",
        ),
    ]
    rr = rerun["wall_s"] / month["wall_s"]
    rows.append(
        (
            f"4. Re-run, nothing changed ({rerun['skipped']}/{rerun['total']} skipped) (s)",
            fmt(rerun["wall_s"]),
            f"{rr:.1%} of full run (target <= {TARGETS['rerun']:.0%})",
            "met" if rr <= TARGETS["rerun"] else "NOT met",
        )
    )
    local = r["commune_local"]
    for c in local:
        rows.append(
            (
                f"5. Commune, {c['units']} units, 2 local workers (s)",
                fmt(c["wall_s"]),
                f"{c['per_unit_s']:.2f} s/unit, CPU {c['cpu_per_unit_s']:.1f} s/unit"
                + (f", {c['failed']} failed" if c["failed"] else ""),
                "",
            )
        )
    if len(local) >= 2:
        a, b = local[0], local[-1]
        marginal = (b["wall_s"] - a["wall_s"]) / (b["units"] - a["units"])
        linear = b["wall_s"] / (a["wall_s"] * b["units"] / a["units"])
        rows.append(
            (
                f"5. Growth {a['units']} -> {b['units']} units",
                f"{marginal:.2f} s/unit",
                f"actual / linear extrapolation = {linear:.2f}",
                "",
            )
        )
    d1, d2 = r["commune_dask"]
    for d in (d1, d2):
        rows.append(
            (
                f"5. Commune, {d['units']} units, Dask LocalCluster {d['workers']} worker(s) (s)",
                fmt(d["wall_s"]),
                f"{d['per_unit_s']:.2f} s/unit, CPU {d['cpu_per_unit_s']:.1f} s/unit, "
                f"cluster start {d['startup_s']:.1f} s"
                + (f", {d['failed']} failed" if d["failed"] else ""),
                "",
            )
        )
    rows.append(
        (
            "5. Dask speed-up 1 -> 2 workers",
            f"{d1['wall_s'] / d2['wall_s']:.2f}x",
            "ideal 2 on 2 cores",
            "",
        )
    )
    head = ("measurement", "value", "ratio / detail", "target")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


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
        lines.append(f"| {label} | {j1[key]:.2f} | {j2[key]:.2f} |")
    starts = ", ".join(f"{w['s']:.1f} s (cwd={w['key_cwd']!r})" for w in p["warm_starts"])
    lines.append("")
    lines.append(f"Import of nbconvert + exporters: {p['import_renderers_s']:.1f} s. ")
    lines.append(f"Warm kernel starts (start + `import analysis.notebook`): {starts}.")
    lines.append(f"`POOL.acquire` was called with cwd={j1['acquire_cwd']!r}.")
    return "\n".join(lines)


def write_readme(table: str, profile: str, r: dict, args: argparse.Namespace) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    marker = "## Last measurement"
    body = (
        f"{marker}\n\n"
        f"Date {dt.date.today().isoformat()}, {'`--quick`, ' if args.quick else ''}"
        f"machine: {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, code version {r['profile']['code_version']} "
        f"(snapshot of `{args.src}`). "
        f"Load average during the run (1 min): min {min(r['loads']):.1f}, "
        f"max {max(r['loads']):.1f} (another benchmark shared the machine).\n\n"
        f"{table}\n\n### Profile of one briefing job (fresh worker process)\n\n{profile}\n"
    )
    if marker in text:
        text = text[: text.index(marker)] + body
    else:
        text = text.rstrip() + "\n\n" + body
    readme.write_text(text, encoding="utf-8")


def measure_all(args: argparse.Namespace) -> dict:
    """Every measurement, in the order the README reports them; logs the load as it goes."""
    units = [int(u) for u in args.units.split(",")]
    month_provinces: list[str] | None = None
    subset = SUBSET
    if args.quick:
        args.floor_docs = 2
        units, args.dask_units = [4, 8], 6
        month_provinces, subset = SUBSET[:3], SUBSET[:2]

    r: dict = {"loads": []}

    def step(msg: str) -> None:
        r["loads"].append(os.getloadavg()[0])
        log(msg)

    step("setup: demo data, ingest, analytics precompute")
    r["setup"] = setup_data()
    r["floor"] = []
    step("1. floor (first pass)")
    r["floor"].append({**measure_floor(args.floor_docs, 2, "before"), "tag": "before"})
    step(f"   {r['floor'][-1]['per_doc_s']:.2f} s/doc")
    step("2. whole month --jobs 2 --force")
    r["month"] = product_run(2, True, month_provinces, "month_jobs2")
    step(f"   {r['month']['wall_s']:.1f} s for {r['month']['total']} docs")
    step("4. re-run, nothing changed")
    r["rerun"] = product_run(2, False, month_provinces, "rerun")
    step(f"   {r['rerun']['wall_s']:.1f} s, {r['rerun']['skipped']} skipped")
    step("3. subset --jobs 1 / --jobs 2")
    r["jobs1"] = product_run(1, True, subset, "subset_jobs1")
    r["jobs2"] = product_run(2, True, subset, "subset_jobs2")
    step(f"   {r['jobs1']['wall_s']:.1f} s / {r['jobs2']['wall_s']:.1f} s")
    step("1. floor (second pass)")
    r["floor"].append({**measure_floor(args.floor_docs, 2, "after"), "tag": "after"})
    step(f"   {r['floor'][-1]['per_doc_s']:.2f} s/doc")
    step("6. profile of one briefing job")
    _, out = sh([sys.executable, __file__, "--profile-only"], bench_env(), "profile")
    r["profile"] = json.loads(out.strip().splitlines()[-1])
    _measure_communes(r, step, units, args.dask_units)
    r["loads"].append(os.getloadavg()[0])
    return r


def _measure_communes(r: dict, step, units: list[int], dask_units: int) -> None:
    r["commune_local"] = []
    for n in units:
        step(f"5. commune {n} units, 2 local workers")
        r["commune_local"].append(commune_run(n, f"local_{n}", 2, None))
        step(f"   {r['commune_local'][-1]['wall_s']:.1f} s")
    r["commune_dask"] = []
    for w in (1, 2):
        step(f"5. commune {dask_units} units, Dask {w} worker(s)")
        res = commune_run(dask_units, f"dask_{w}", w, w)
        r["commune_dask"].append({**res, "workers": w})
        step(f"   {res['wall_s']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few provinces and units (smoke test)")
    ap.add_argument("--floor-docs", type=int, default=6, help="floor sample size (each pass)")
    ap.add_argument("--units", default="20,40,80", help="commune unit counts (local workers)")
    ap.add_argument("--dask-units", type=int, default=30, help="commune units on Dask")
    ap.add_argument("--no-readme", action="store_true", help="print only")
    ap.add_argument("--src", type=Path, default=REPO, help="checkout to measure (default: this)")
    ap.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.profile_only:
        for key, value in bench_env().items():
            os.environ[key] = value
        print(json.dumps(profile_job()))
        return

    snapshot_source(args.src.resolve())
    r = measure_all(args)

    table = build_table(r, args)
    profile = profile_table(r["profile"])
    print("\n" + table + "\n\n" + profile)
    (OUTPUT / "results.json").write_text(json.dumps(r, indent=2, default=str))
    if not args.no_readme:
        write_readme(table, profile, r, args)


if __name__ == "__main__":
    main()
