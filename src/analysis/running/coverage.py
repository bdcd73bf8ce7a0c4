"""One dataset per report folder, and the units a dataset does not cover.

A period's folder ``reports/<period>/`` holds the outputs of one dataset (``demo``, or the
user's own ``submitted`` data), recorded in its manifest with the data version. A run on another
dataset first moves the folder's previous outputs and manifest aside, to
``reports/superseded/<period>/<dataset>-<data version>/``, so demo briefings never sit beside
(or get counted with) briefings of real figures. A unit for which the run's dataset has no
figures in the period gets no job: it is listed once, in the summary and under ``no_data`` in
the manifest, and any outputs it had in the folder are moved aside the same way.

:func:`unit_gaps` says what the reports must not drop silently: a unit whose month is
missing (with its latest month), an indicator a unit usually reports but not this month, and a
merged unit left out because a former province has not reported (which one).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.running.manifest import Manifest, read_manifest, write_manifest

log = logging.getLogger(__name__)

UNRECORDED = "unrecorded"
"""The dataset of a manifest written before datasets were recorded."""


def units_with_data(period: str, dataset: str) -> set[str]:
    """Province codenames with at least one monthly figure for ``period`` in ``dataset``."""
    from analysis.data import store

    with store.connect() as con:
        rows = con.execute(
            "SELECT DISTINCT province FROM observations_34 WHERE dataset = ? AND freq = 'M' "
            "AND period = ? AND value IS NOT NULL",
            [dataset, period],
        ).fetchall()
    return {r[0] for r in rows}


def superseded_dir(period: str, dataset: str, version: str) -> Path:
    """A new folder for outputs set aside; ``-2``, ``-3`` ... when the name was used before."""
    base = paths.reports_dir() / "superseded" / period / f"{dataset}-{version}"
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
    target = superseded_dir(period, dataset, str(manifest.get("data_version") or "unknown"))
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
        return {**m, "period": period, "dataset": dataset, gaps: no_data}

    # Under the manifest's lock: a concurrent run of the period waits, then sees the result.
    return write_manifest(period, update)


@dataclass(frozen=True)
class Gap:
    """A unit's month (``indicator`` None) or one indicator, missing or partial."""

    province: str
    indicator: str | None
    kind: str
    """``missing``, or ``partial`` (a merged unit with former provinces not reported)."""
    latest: str | None
    """The latest period with a figure (``2026-09``), ``None`` when there is none."""
    missing_former: tuple[str, ...] = ()


def unit_gaps(observations: pd.DataFrame, period: str, dataset: str) -> dict[str, list[Gap]]:
    """Every unit's gaps in ``period``: province codename -> gaps (units without gaps absent).

    ``observations`` are the dataset's monthly figures on the 34-unit basis up to the period
    (``province``, ``indicator``, ``freq``, ``period``, ``value``). Only indicators due in the
    month and reported by the unit before count: an indicator the dataset never carried for a
    unit is not a gap of the month.
    """
    from analysis.collection.due import due_indicators
    from analysis.reference import geography

    due = {d.indicator.id for d in due_indicators(period) if d.indicator.frequency == "monthly"}
    obs = observations[
        (observations["freq"] == "M")
        & observations["indicator"].isin(due)
        & observations["value"].notna()
    ]
    obs = obs.assign(period=obs["period"].astype(str))
    obs = obs[obs["period"] <= period]
    partial = _partial(period, dataset)
    out: dict[str, list[Gap]] = {}
    for unit in (u for u in geography.units() if u.basis == "34"):
        mine = obs[obs["province"] == unit.codename]
        now = mine[mine["period"] == period]
        latest = mine.groupby("indicator")["period"].max()
        gaps = [
            Gap(unit.codename, ind, "partial", latest.get(ind), former)
            for (code, ind), former in sorted(partial.items())
            if code == unit.code
        ]
        if now.empty and not mine.empty:
            gaps.insert(0, Gap(unit.codename, None, "missing", str(mine["period"].max())))
        elif not now.empty:
            seen = set(now["indicator"]) | {g.indicator for g in gaps}
            gaps += [
                Gap(unit.codename, ind, "missing", str(last))
                for ind, last in latest.items()
                if ind not in seen
            ]
        if gaps:
            out[unit.codename] = gaps
    return out


def _partial(period: str, dataset: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit code, indicator) -> names of the former provinces missing, for merged units left
    out of the period by the ingest (``harmonization_log``)."""
    from analysis.data import store
    from analysis.reference import geography

    try:
        con = store.connect()
    except store.StoreMissing:
        return {}
    with con:
        left_out = con.execute(
            "SELECT province_code, indicator FROM harmonization_log "
            "WHERE dataset = ? AND period = ?",
            [dataset, period],
        ).fetchall()
        sent = con.execute(
            "SELECT province_code, indicator FROM observations "
            "WHERE dataset = ? AND period = ? AND basis = '63'",
            [dataset, period],
        ).fetchall()
    have = {(str(code), str(ind)) for code, ind in sent}
    cw = geography.crosswalk()
    out = {}
    for code, ind in left_out:
        members = cw[cw["new_code"] == str(code)]["old_code"].astype(str)
        out[(str(code), str(ind))] = tuple(
            geography.unit("63", m).name for m in members if (m, str(ind)) not in have
        )
    return out


__all__ = [
    "Gap",
    "prepare_folder",
    "read_manifest",
    "superseded_dir",
    "unit_gaps",
    "units_with_data",
]
