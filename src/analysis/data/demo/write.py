"""Writing the demo files: UTF-8 CSV with a ``.meta.yml`` sidecar each, atomically."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pandas as pd
import yaml

from analysis import paths
from analysis.data.demo import commune_figures
from analysis.data.demo.build import generate_demo
from analysis.data.demo.context import until_month
from analysis.data.demo.specs import (
    COLUMNS,
    DEFAULT_SEED,
    FILE_PREFIX,
    GAP,
    LICENCE,
    REVISION,
    REVISIONS_FILE,
    SOURCE,
)
from analysis.files import write_atomic

# --- writing ---------------------------------------------------------------------------------


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    out["value"] = [("" if pd.isna(v) else f"{v:.2f}") for v in out["value"]]
    for col in ("numerator", "denominator"):
        out[col] = [("" if pd.isna(v) else str(int(v))) for v in out[col]]
    return out[COLUMNS].to_csv(index=False, lineterminator="\n").encode("utf-8")


def _sidecar(name: str, frame: pd.DataFrame, data: bytes, until: pd.Period, seed: int) -> dict:
    periods = sorted(frame["period"].unique())
    indicators = sorted(frame["indicator"].unique())
    meta: dict[str, object] = {
        "source": SOURCE,
        "synthetic": True,
        "generator": "analysis.data.demo",
        "seed": int(seed),
        "until": str(until),
        "licence": LICENCE,
        "created_for": "demonstrating and testing the monitoring pipeline and its reports; "
        "not real statistics",
        "description": "Dữ liệu mẫu tổng hợp, không phải số liệu thống kê thật. Synthetic "
        "figures shaped like real adoption; they agree with the province-level "
        "facts of data/raw/reference/seed_facts.csv.",
        "basis": "63 former provinces until 2025-06, 34 current units from 2025-07",
        "periods": f"{periods[0]}..{periods[-1]}",
        "indicators": indicators,
        "rows": len(frame),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if name == REVISIONS_FILE:
        meta["revises"] = REVISION["file"]
        meta["note"] = (
            f"Revises {REVISION['column']} of {REVISION['indicator']}, province "
            f"{REVISION['province']} (basis {REVISION['basis']}), "
            f"{REVISION['period']}."
        )
    elif GAP["indicator"] in indicators:
        meta["note"] = (
            f"Deliberate gap: {GAP['indicator']}, province {GAP['province']} "
            f"(basis {GAP['basis']}), {GAP['period']} is not reported."
        )
    return meta


def write_demo(
    out_dir: Path | None = None, until: str | pd.Period | None = None, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write the demo dataset as UTF-8 CSV files with ``.meta.yml`` sidecars.

    Every file is written atomically (temporary file in the same folder, then ``os.replace``);
    the bytes depend only on ``until`` and ``seed``. ``demo_*.csv`` files (and their sidecars)
    left from earlier runs that this run did not write are removed after the new ones are in
    place.

    Parameters
    ----------
    out_dir
        Target folder; default ``analysis.paths.demo_dir()`` (``data/raw/demo``).
    until
        Last month; default :func:`latest_complete_month`.
    seed
        Random seed.

    Returns
    -------
    list[pathlib.Path]
        The CSV files written (each has a sidecar ``<file>.meta.yml``).
    """
    u = until_month(until)
    out = Path(out_dir) if out_dir is not None else paths.demo_dir()
    out.mkdir(parents=True, exist_ok=True)
    frames = generate_demo(u, seed)
    written = []
    for name, frame in frames.items():
        data = _csv_bytes(frame)
        path = out / name
        write_atomic(path, data)
        meta = _sidecar(name, frame, data, u, seed)
        side = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
        write_atomic(path.with_name(name + ".meta.yml"), side.encode("utf-8"))
        written.append(path)
    communes = commune_figures.generate_commune_demo(frames, u, seed)
    if not communes.empty:
        written.append(_write_communes(out, communes, u, seed))
    keep = {p.name for p in written}
    for stale in sorted([*out.glob(f"{FILE_PREFIX}*.csv"), *out.glob(f"{FILE_PREFIX}*.csv.gz")]):
        if stale.name not in keep:
            stale.unlink()
            stale.with_name(stale.name + ".meta.yml").unlink(missing_ok=True)
    return written


def _write_communes(out: Path, frame: pd.DataFrame, until: pd.Period, seed: int) -> Path:
    """The commune demo as gzip-compressed CSV (about 100,000 rows) with its sidecar.

    ``mtime=0`` keeps the compressed bytes a function of the content only.
    """
    table = frame.copy()
    table["value"] = ""
    for col in ("numerator", "denominator"):
        table[col] = table[col].astype("int64").astype(str)
    data = gzip.compress(
        table[commune_figures.COLUMNS].to_csv(index=False, lineterminator="\n").encode("utf-8"),
        mtime=0,
    )
    path = out / commune_figures.FILE
    write_atomic(path, data)
    periods = sorted(frame["period"].unique())
    meta = {
        "source": SOURCE,
        "synthetic": True,
        "level": "commune",
        "generator": "analysis.data.demo.commune_figures",
        "seed": int(seed),
        "until": str(until),
        "licence": LICENCE,
        "description": "Dữ liệu mẫu tổng hợp cấp xã, không phải số liệu thống kê thật. Synthetic "
        "commune figures; for indicators reported at both levels the communes' numerators and "
        "denominators add up to their province's demo figures.",
        "basis": "3,321 communes, wards and special zones (since 2025-07-01)",
        "periods": f"{periods[0]}..{periods[-1]}",
        "indicators": sorted(frame["indicator"].unique()),
        "rows": len(frame),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    side = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    write_atomic(path.with_name(path.name + ".meta.yml"), side.encode("utf-8"))
    return path
