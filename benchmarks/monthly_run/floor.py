"""The floor: what one empty parameterized notebook costs through the tools alone.

Three floors, measured the same way (``docs`` documents, two at a time, each document three
processes in a row: papermill, HTML, PDF):

* ``clean``: a virtual environment holding only papermill, nbconvert, ipykernel and WeasyPrint
  (``floor_env/requirements.txt``, created once under ``output/floor_env``): ``papermill``,
  ``jupyter nbconvert --to html``, ``weasyprint`` on that HTML. The targets are set against it.
* ``project``: the project's environment and its own exporters (``--to briefing_html`` /
  ``briefing_pdf``), as a user would run them, with ``rfc3987_syntax`` imported lazily
  (``analysis.lazy_imports``; active only where ``make setup`` wrote its start-up file);
* ``project-eager``: the same with ``VNDX_EAGER_IMPORTS=1``, i.e. as before that fix.

:func:`import_times` reads ``python -X importtime`` for ``import papermill`` / ``import
nbconvert`` in each of them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
CLEAN_ENV = OUTPUT / "floor_env"
REQUIREMENTS = HERE / "floor_env" / "requirements.txt"
PROJECT_BIN = Path(sys.executable).parent
NOTEBOOK = HERE / "empty_parameters.ipynb"


def clean_env(log: Callable[[str], None]) -> Path:
    """The clean environment's ``bin`` folder, made once from ``floor_env/requirements.txt``."""
    bin_dir = CLEAN_ENV / "bin"
    stamp = CLEAN_ENV / "freeze.txt"
    if not stamp.exists():
        log(f"creating the clean floor environment in {CLEAN_ENV}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CLEAN_ENV)], check=True)
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
        frozen = subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "freeze"], capture_output=True, text=True
        )
        stamp.write_text(frozen.stdout, encoding="utf-8")
    return bin_dir


def _steps(kind: str, bin_dir: Path, nb_out: Path, work: Path, i: int) -> list[list[str]]:
    papermill = [str(bin_dir / "papermill"), str(NOTEBOOK), str(nb_out)]
    papermill += ["-p", "province", f"p{i}", "-p", "period", "2026-10"]
    nbconvert = [str(bin_dir / "jupyter"), "nbconvert", "--output-dir", str(work)]
    if kind == "clean":
        html = nb_out.with_suffix(".html")
        pdf = [str(bin_dir / "weasyprint"), str(html), str(nb_out.with_suffix(".pdf"))]
        return [papermill, [*nbconvert, "--to", "html", str(nb_out)], pdf]
    return [
        papermill,
        [*nbconvert, "--to", "briefing_html", str(nb_out)],
        [*nbconvert, "--to", "briefing_pdf", str(nb_out)],
    ]


def _document(kind: str, i: int, work: Path, env: dict[str, str], bin_dir: Path) -> list[float]:
    """Seconds of each of the three steps of one document."""
    times = []
    for n, cmd in enumerate(_steps(kind, bin_dir, work / f"doc_{i:03d}.ipynb", work, i)):
        start = time.perf_counter()
        with open(work / f"doc_{i:03d}_{n}.err", "w") as err:
            # Two kernels started at the same instant can race for the same ports ("Kernel died
            # before replying to kernel_info", a known jupyter_client race): one more attempt,
            # timed with the first and counted, rather than losing the whole benchmark.
            if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err).returncode:
                RETRIES.append(f"{kind} doc {i} step {n}")
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, check=True)
        times.append(time.perf_counter() - start)
    return times


RETRIES: list[str] = []
"""Steps that failed once and were run again (reported with each measurement)."""


def environment(kind: str, base_env: dict[str, str], clean_bin: Path) -> tuple[dict, Path]:
    """The process environment and ``bin`` folder of a floor kind."""
    env = dict(base_env)
    if kind == "clean":
        env.pop("PYTHONPATH", None)  # nothing of the project
        env["PATH"] = f"{clean_bin}:{env.get('PATH', '')}"
        return env, clean_bin
    if kind == "project-eager":
        env["VNDX_EAGER_IMPORTS"] = "1"
    return env, PROJECT_BIN


def measure(
    kind: str,
    docs: int,
    tag: str,
    base_env: dict[str, str],
    clean_bin: Path,
    cpu_seconds: Callable[[], float],
) -> dict:
    """``docs`` documents two at a time: wall and CPU time per document, each step's mean."""
    work = OUTPUT / "floor" / f"{kind}-{tag}"
    work.mkdir(parents=True, exist_ok=True)
    env, bin_dir = environment(kind, base_env, clean_bin)
    cpu, start, retried = cpu_seconds(), time.perf_counter(), len(RETRIES)
    with ThreadPoolExecutor(2) as pool:
        steps = list(pool.map(lambda i: _document(kind, i, work, env, bin_dir), range(docs)))
    wall = time.perf_counter() - start
    return {
        "kind": kind,
        "tag": tag,
        "docs": docs,
        "wall_s": wall,
        "per_doc_s": wall / docs,
        "cpu_per_doc_s": (cpu_seconds() - cpu) / docs,
        "steps_s": [sum(s[n] for s in steps) / docs for n in range(3)],
        "retried": RETRIES[retried:],
    }


def _importtime(python: Path, module: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [str(python), "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    cumulative = {}
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            cumulative.setdefault(m.group(3), int(m.group(1)) / 1e6)
    return {"total_s": cumulative.get(module, 0.0), "rfc3987_s": cumulative.get("rfc3987_syntax")}


def import_times(base_env: dict[str, str], clean_bin: Path) -> dict:
    """``import papermill`` and ``import nbconvert`` in each floor environment (best of 2)."""
    out: dict = {}
    for kind in ("clean", "project-eager", "project"):
        env, bin_dir = environment(kind, base_env, clean_bin)
        for module in ("papermill", "nbconvert"):
            runs = [_importtime(bin_dir / "python", module, env) for _ in range(2)]
            out[f"{kind} {module}"] = min(runs, key=lambda r: r["total_s"])
    return out
