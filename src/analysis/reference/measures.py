"""Published measures: the real figures of ``data/raw/published/real/`` and what they mean.

They are described in ``data/raw/reference/indicators.yml`` under ``published_measures``, apart
from the monthly KPIs of the briefings (:mod:`analysis.reference.catalog`): they carry no
targets and are not forecast. Each has Vietnamese and English names, a unit, bounds, the
maximum of its group where the source states one (Index 766), its frequencies (annual, year to
date), the unit set it was published on and its source. Population is a weight, not a KPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd

from analysis import paths
from analysis.reference.catalog import catalog_document

Role = Literal["kpi", "weight", "context"]
ROLES = ("kpi", "weight", "context")
FREQUENCIES = ("annual", "year_to_date", "monthly")
BASES = ("63", "34", "national")
ACROSS_MERGER = ("population_weighted_mean",)


class MeasureError(ValueError):
    """The ``published_measures`` section of the catalog is inconsistent."""


@dataclass(frozen=True)
class Measure:
    id: str
    role: Role
    name_vi: str
    name_en: str
    unit_vi: str
    unit_en: str
    bounds: tuple[float, float]
    frequency: tuple[str, ...]
    basis: tuple[str, ...]
    source: str
    years: str = ""
    direction: str | None = None
    max_points: float | None = None
    note: str | None = None
    across_merger: str | None = None
    """How figures of the 63 former provinces are carried onto the 34 units (``None``: not)."""

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi

    def unit(self, lang: str = "vi") -> str:
        return self.unit_en if lang == "en" else self.unit_vi


def _parse(entry: dict, path: str) -> Measure:
    where = f"{path}, published measure {entry.get('id', '?')}"
    missing = {"id", "role", "name_vi", "name_en", "unit", "bounds", "frequency", "basis", "source"}
    missing -= entry.keys()
    if missing:
        raise MeasureError(f"{where}: missing fields {sorted(missing)}")
    if entry["role"] not in ROLES:
        raise MeasureError(f"{where}: role {entry['role']!r} is not one of {ROLES}")
    if bad := [f for f in entry["frequency"] if f not in FREQUENCIES]:
        raise MeasureError(f"{where}: frequency {bad} is not one of {FREQUENCIES}")
    if bad := [b for b in entry["basis"] if str(b) not in BASES]:
        raise MeasureError(f"{where}: basis {bad} is not one of {BASES}")
    if entry["role"] == "kpi" and entry.get("direction") not in (
        "higher_is_better",
        "lower_is_better",
    ):
        raise MeasureError(f"{where}: a KPI needs direction higher_is_better or lower_is_better")
    rule = entry.get("across_merger")
    if rule is not None and rule not in ACROSS_MERGER:
        raise MeasureError(f"{where}: across_merger {rule!r} is not one of {ACROSS_MERGER}")
    lo, hi = (float(b) for b in entry["bounds"])
    top = entry.get("max_points")
    return Measure(
        id=entry["id"],
        role=entry["role"],
        name_vi=entry["name_vi"],
        name_en=entry["name_en"],
        unit_vi=entry["unit"]["vi"],
        unit_en=entry["unit"]["en"],
        bounds=(lo, hi),
        frequency=tuple(entry["frequency"]),
        basis=tuple(str(b) for b in entry["basis"]),
        source=entry["source"],
        years=str(entry.get("years", "")),
        direction=entry.get("direction"),
        max_points=float(top) if top is not None else None,
        note=entry.get("note"),
        across_merger=rule,
    )


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Measure]:
    doc = catalog_document(path)
    out: dict[str, Measure] = {}
    for entry in doc.get("published_measures") or []:
        m = _parse(entry, path)
        if m.id in out:
            raise MeasureError(f"{path}: published measure {m.id} is defined twice")
        out[m.id] = m
    return out


def measures() -> dict[str, Measure]:
    """All published measures, keyed by id, in catalog order."""
    return _load(str(paths.reference_dir() / "indicators.yml"))


def get(measure_id: str) -> Measure:
    """One measure by id; the error lists the known ids."""
    try:
        return measures()[measure_id]
    except KeyError:
        raise KeyError(
            f"unknown published measure {measure_id!r}; known: {', '.join(measures())}"
        ) from None


def measures_frame() -> pd.DataFrame:
    """The published measures as a flat table (stored as ``published_measures``)."""
    return pd.DataFrame(
        [
            {
                "measure": m.id,
                "role": m.role,
                "name_vi": m.name_vi,
                "name_en": m.name_en,
                "unit_vi": m.unit_vi,
                "unit_en": m.unit_en,
                "direction": m.direction,
                "lower_bound": m.bounds[0],
                "upper_bound": m.bounds[1],
                "max_points": m.max_points,
                "frequency": ",".join(m.frequency),
                "basis": ",".join(m.basis),
                "years": m.years,
                "source": m.source,
                "note": m.note,
                "across_merger": m.across_merger,
            }
            for m in measures().values()
        ]
    )
