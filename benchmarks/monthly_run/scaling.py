"""How the report fan-out scales with workers, with and without pre-warmed kernels.

With the ``warm`` engine one worker already keeps about 1.45 cores busy (the next kernel
starts and imports while the current document executes and renders), so on 2 cores a second
worker can add little. With papermill's plain ``nbclient`` engine each worker uses about one
core, which shows how the fan-out itself scales. Both are measured here in one run on the same
documents (`--force`), on the demo data prepared by ``run.py`` (or any ingested data folder).

Usage: VNDX_DATA_DIR=... VNDX_REPORTS_DIR=... python benchmarks/monthly_run/scaling.py [--docs 10]
"""

from __future__ import annotations

import argparse
import json
import time

from analysis.reference import geography
from analysis.running import runner


def measure(engine: str, jobs: int, provinces: list[str]) -> float:
    start = time.perf_counter()
    summary = runner.run(
        "2026-10",
        provinces=provinces,
        notebooks=["30_leadership_briefing"],
        jobs=jobs,
        force=True,
        progress=False,
        engine=engine,
    )
    assert summary.ok, summary.failed
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10)
    args = parser.parse_args()
    provinces = list(geography.provinces("34")["codename"][: args.docs])
    measure("warm", 2, provinces[:2])  # analytics cache and imports, not timed
    results = {}
    for engine in ("nbclient", "warm"):
        for jobs in (1, 2):
            results[f"{engine} jobs={jobs}"] = round(measure(engine, jobs, provinces), 1)
    for engine in ("nbclient", "warm"):
        one, two = results[f"{engine} jobs=1"], results[f"{engine} jobs=2"]
        results[f"{engine} speed-up"] = round(one / two, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
