"""One dataset per report folder, and the units a dataset does not cover.

A period's folder ``reports/<period>/`` holds the outputs of one dataset (``demo``, or the
user's own ``submitted`` data), recorded in its manifest with the data version. A run on another
dataset first moves the folder's previous outputs and manifest aside, to
``reports/superseded/<period>/<dataset>-<data version>/``, so demo briefings never sit beside
(or get counted with) briefings of real figures. A unit for which the run's dataset has no
figures in the period gets no job: it is listed once, in the summary and under ``no_data`` in
the manifest, and any outputs it had in the folder are moved aside the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from analysis import paths
from analysis.data import store
from analysis.files import inside, safe_name
from analysis.running.manifest import (
    Manifest,
    data_version_text,
    read_manifest,
    write_manifest,
)

log = logging.getLogger(__name__)

UNRECORDED = "unrecorded"
"""The dataset of a manifest written before datasets were recorded."""


def units_with_data(period: str, dataset: str) -> set[str]:
    """Province codenames with at least one monthly figure for ``period`` in ``dataset``."""

    with store.connect() as con:
        rows = con.execute(
            "SELECT DISTINCT province FROM observations_34 WHERE dataset = ? AND freq = 'M' "
            "AND period = ? AND value IS NOT NULL",
            [dataset, period],
        ).fetchall()
    return {r[0] for r in rows}


def superseded_dir(period: str, dataset: str, version: str) -> Path:
    """A new folder for outputs set aside; ``-2``, ``-3`` ... when the name was used before."""
    # Both come from the manifest being set aside: kept to safe characters.
    base = inside(paths.reports_dir() / "superseded", period, safe_name(f"{dataset}-{version}"))
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)


def _set_aside_folder(period: str, manifest: Manifest) -> Manifest:
    """Move every output of the period (and its manifest) aside; return an empty manifest."""
    out = paths.reports_dir() / period
    dataset = manifest.get("dataset") or UNRECORDED
    target = superseded_dir(period, dataset, data_version_text(manifest) or "unknown")
    moved = 0
    for child in sorted(out.iterdir()):
        if child.name.endswith(".lock"):
            continue  # the manifest's lock, held by this run
        _move(child, target)
        moved += 1
    log.warning(
        "%s held outputs of dataset %r: %d item(s) moved to %s", out, dataset, moved, target
    )
    return {"period": period, "outputs": []}


def _set_aside_units(period: str, manifest: Manifest, units: set[str]) -> Manifest:
    """Move the outputs of ``units`` aside (they have no data now) and drop their entries."""
    out = paths.reports_dir() / period
    gone = [e for e in manifest.get("outputs", []) if e["unit"] in units]
    for unit in sorted({e["unit"] for e in gone}):
        if (out / unit).exists():
            version = next(e.get("data_version") for e in gone if e["unit"] == unit)
            dataset = manifest.get("dataset") or UNRECORDED
            _move(out / unit, superseded_dir(period, dataset, str(version)))
            log.warning("%s has no data now: its previous outputs were moved aside", unit)
    keep = [e for e in manifest.get("outputs", []) if e["unit"] not in units]
    return {**manifest, "outputs": keep}


def prepare_folder(
    period: str, dataset: str, version: str, no_data: list[str], level: str = "province"
) -> Manifest:
    """Make the period's folder hold only ``dataset``'s outputs; record dataset and gaps.

    The gaps of a commune run (``province/communes/codename`` folders) are recorded under
    ``no_data_communes``, apart from the provinces' ``no_data``.
    """

    def update(m: Manifest) -> Manifest:
        held = m.get("dataset") or (UNRECORDED if m.get("outputs") else dataset)
        if held != dataset:
            m = _set_aside_folder(period, m)
        elif no_data and level == "province":
            m = _set_aside_units(period, m, set(no_data))
        gaps = "no_data" if level == "province" else "no_data_communes"
        prepared = {**m, "period": period, "dataset": dataset, gaps: no_data}
        if prepared != m:
            prepared["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return prepared

    # Under the manifest's lock: a concurrent run of the period waits, then sees the result.
    return write_manifest(period, update)


__all__ = [
    "prepare_folder",
    "read_manifest",
    "superseded_dir",
    "units_with_data",
]
