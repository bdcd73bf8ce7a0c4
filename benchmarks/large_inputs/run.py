"""What hostile and large inputs cost ``python -m analysis check``: time and peak memory.

Builds its files itself in a temporary folder, then runs ``check`` on each in a child process
with the default limits and reads the child's peak resident memory from its rusage:

* **plain CSV, 2,000,000 rows** (94 MB): the long layout, 4 columns, every province of the
  63-unit basis for every month of 2022-2024 on the catalog's online-dossier rate, repeated
  (identical duplicates are counted once: the file is accepted);
* **gzip bomb**: a 3.7 MB ``.csv.gz`` of one row repeated, 1.2 GB unpacked;
* **zip bomb**: a 4.4 MB ``.xlsx`` whose sheet unpacks to 1.2 GB, honest about its size, and
  the same lying about it (it declares 1,000 bytes).

Usage::

    python benchmarks/large_inputs/run.py [--rows 2000000] [--code SRC] [--plain-only]

``--code SRC`` runs the same files against another checkout's ``src`` (to compare with an
earlier version in the same run). Targets: the bombs refused within 10 s and 500 MB; the
plain CSV within 1 GB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.reference import geography  # noqa: E402
from tests.data.ingest.bombs import (  # noqa: E402
    CSV_HEADER,
    gzip_bomb,
    run_measured,
    zip_bomb_xlsx,
)


def plain_csv(path: Path, rows: int) -> Path:
    """``rows`` rows of valid figures, the same 2,268 repeated."""
    codes = geography.provinces("63")["code"].tolist()
    block = [
        f"{code},online_dossier_rate_pct,{year}-{month:02d},{40 + (i % 600) / 10:.2f}\n"
        for i, (code, year, month) in enumerate(
            (c, y, m) for y in (2022, 2023, 2024) for m in range(1, 13) for c in codes
        )
    ]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(CSV_HEADER)
        for n in range(rows):
            fh.write(block[n % len(block)])
    return path


def check(path: Path, data: Path, code: str | None) -> tuple[int, float, int]:
    """Exit status, seconds and peak memory (MB) of ``check path`` in a child process."""
    env = {**os.environ, "VNDX_DATA_DIR": str(data)}
    for name in ("VNDX_MAX_INPUT_MB", "VNDX_MAX_INPUT_ROWS"):
        env.pop(name, None)
    if code:
        env["PYTHONPATH"] = code
    command = [sys.executable, "-m", "analysis", "check", str(path)]
    status, seconds, peak, _, _ = run_measured(command, env, data / "peak.txt")
    return status, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--code", help="another checkout's src folder, to compare")
    parser.add_argument(
        "--plain-only",
        action="store_true",
        help="only the plain CSV (an older version may take hours, or all the memory, over a bomb)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "raw").mkdir(parents=True)
        files = {
            f"plain CSV, {args.rows:,} rows": plain_csv(data / "raw" / "big.csv", args.rows),
            "gzip bomb (1.2 GB unpacked)": gzip_bomb(data / "raw" / "bomb.csv.gz", 1200),
            "zip bomb .xlsx (1.2 GB unpacked)": zip_bomb_xlsx(data / "raw" / "bomb.xlsx", 1200),
            "zip bomb .xlsx, lying about its size": zip_bomb_xlsx(
                data / "raw" / "lie.xlsx", 1200, declared=1000
            ),
        }
        if args.plain_only:
            files = dict(list(files.items())[:1])
        print(f"| input | size | exit | seconds | peak memory |{' code |' if args.code else ''}")
        print(f"|---|---|---|---|---|{'---|' if args.code else ''}")
        for label, path in files.items():
            status, seconds, peak = check(path, data, args.code)
            size = f"{path.stat().st_size / 2**20:.1f} MB"
            extra = f" {args.code} |" if args.code else ""
            print(f"| {label} | {size} | {status} | {seconds:.1f} | {peak:,} MB |{extra}")


if __name__ == "__main__":
    main()
