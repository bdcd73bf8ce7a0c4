"""The indicator catalog: names (vi/en), units, direction, aggregation, targets and deadlines.

The catalog lives in ``data/raw/reference/indicators.yml``; this module loads it once, checks it
and answers questions about it (which target applies to a period, how an indicator aggregates).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import pandas as pd
import yaml

from analysis import paths
from analysis.core import clock
from analysis.core.periods import to_month, to_period
from analysis.reference.names import fold

Kind = Literal["ratio", "rate"]
Direction = Literal["higher_is_better", "lower_is_better"]


@dataclass(frozen=True)
class Target:
    value: float
    deadline: dt.date
    basis: str

    @property
    def deadline_period(self) -> pd.Period:
        """The month the deadline falls in (targets are due by the end of that month)."""
        return to_month(self.deadline)


@dataclass(frozen=True)
class Indicator:
    id: str
    family: str
    name_vi: str
    name_en: str
    short_vi: str
    short_en: str
    unit: str
    frequency: Literal["monthly", "annual"]
    kind: Kind
    temporal: Literal["stock", "flow"]
    direction: Direction
    numerator: dict
    denominator: dict
    aggregation: Literal["ratio_of_sums", "weighted_mean"]
    bounds: tuple[float, float]
    source: str
    weight: str | None = None
    headline: bool = False
    aliases: tuple[str, ...] = ()
    rank_aliases: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    valid_to: str | None = None
    note: str | None = None
    completion: bool = False
    """Work that is finished at a bound (tasks, records, villages): forecasts treat the bound
    as a limit reached at the current pace, not as an asymptote."""
    collection_month: int = 3
    """Annual indicators: the month of the following year in which a year's figure is
    collected (the monthly workbooks of that month ask for it)."""
    plausible_change: float | None = None
    """Largest month-on-month change (in the indicator's unit) a province's figure is expected
    to make; a larger one is flagged as implausible when figures are collected."""
    levels: tuple[str, ...] = ("province",)
    """Where it is reported: ``province`` (the 34 units), ``commune`` (the 3,321 communes)."""
    can_fall: bool = False
    """Whether a value that reached its target can move back across it before the deadline (a
    share of what happened in the month, a share of GRDP; for a lower-is-better indicator, a
    rise). Cumulative counts cannot. Such a target is met before its deadline only while its
    forecast holds it there (:func:`analysis.reference.targets.target_status`)."""

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" else self.name_vi

    def short(self, lang: str = "vi") -> str:
        return self.short_en if lang == "en" else self.short_vi

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"

    @property
    def freq(self) -> str:
        """pandas frequency code of the indicator's periods."""
        return "M" if self.frequency == "monthly" else "Y"

    def target_for(self, period: pd.Period | str) -> Target | None:
        """The target a report for ``period`` should track.

        The earliest target whose deadline is at or after the period; when every deadline has
        passed, the latest one (so a report can say whether it was met).
        """
        if not self.targets:
            return None
        p = to_month(period)
        upcoming = [t for t in self.targets if t.deadline_period >= p]
        if upcoming:
            return min(upcoming, key=lambda t: t.deadline)
        return max(self.targets, key=lambda t: t.deadline)


FAMILIES = {
    "digital_economy": ("Kinh tế số", "Digital economy"),
    "infrastructure": ("Hạ tầng số", "Digital infrastructure"),
    "online_services": ("Dịch vụ công trực tuyến", "Online public services"),
    "project06": ("Đề án 06", "Project 06"),
    "plan_execution": ("Thực hiện kế hoạch", "Plan execution"),
}


LEVELS = ("province", "commune")
"""Administrative levels an indicator can be reported at (``levels`` in the catalog)."""


class CatalogError(ValueError):
    """The catalog file is inconsistent."""


def _parse(entry: dict) -> Indicator:
    required = {
        "id",
        "family",
        "name_vi",
        "name_en",
        "unit",
        "frequency",
        "kind",
        "temporal",
        "direction",
        "aggregation",
        "bounds",
        "source",
    }
    missing = required - entry.keys()
    if missing:
        raise CatalogError(f"indicator {entry.get('id', '?')}: missing fields {sorted(missing)}")
    if entry["family"] not in FAMILIES:
        raise CatalogError(f"indicator {entry['id']}: unknown family {entry['family']!r}")
    if entry["aggregation"] == "weighted_mean" and not entry.get("weight"):
        raise CatalogError(f"indicator {entry['id']}: weighted_mean needs a `weight` column")
    targets = tuple(
        Target(float(t["value"]), pd.Timestamp(t["deadline"]).date(), str(t["basis"]))
        for t in entry.get("targets", []) or []
    )
    levels = tuple(entry.get("levels", ["province"]))
    if not levels or set(levels) - set(LEVELS):
        raise CatalogError(f"indicator {entry['id']}: levels {list(levels)} not in {list(LEVELS)}")
    lo, hi = entry["bounds"]
    return Indicator(
        id=entry["id"],
        family=entry["family"],
        name_vi=entry["name_vi"],
        name_en=entry["name_en"],
        short_vi=entry.get("short_vi", entry["name_vi"]),
        short_en=entry.get("short_en", entry["name_en"]),
        unit=entry["unit"],
        frequency=entry["frequency"],
        kind=entry["kind"],
        temporal=entry["temporal"],
        direction=entry["direction"],
        numerator=entry.get("numerator", {}),
        denominator=entry.get("denominator", {}),
        aggregation=entry["aggregation"],
        bounds=(float(lo), float(hi)),
        source=entry["source"],
        weight=entry.get("weight"),
        headline=bool(entry.get("headline", False)),
        aliases=tuple(entry.get("aliases", []) or []),
        rank_aliases=tuple(entry.get("rank_aliases", []) or []),
        targets=targets,
        valid_to=str(entry["valid_to"]) if entry.get("valid_to") else None,
        note=entry.get("note"),
        completion=bool(entry.get("completion", False)),
        collection_month=_collection_month(entry),
        plausible_change=(
            float(entry["plausible_change"]) if entry.get("plausible_change") is not None else None
        ),
        levels=levels,
        can_fall=_can_fall(entry),
    )


def _can_fall(entry: dict) -> bool:
    """The catalog's ``can_fall``; without one, flows can fall and stocks cannot."""
    value = entry.get("can_fall")
    if value is None:
        return entry["temporal"] == "flow"
    if not isinstance(value, bool):
        raise CatalogError(
            f"indicator {entry['id']}: can_fall must be true or false, not {value!r}"
        )
    return value


def _collection_month(entry: dict) -> int:
    month = entry.get("collection_month", 3)
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise CatalogError(
            f"indicator {entry['id']}: collection_month must be a month number 1-12, not {month!r}"
        )
    return month


@lru_cache(maxsize=4)
def catalog_document(path: str) -> dict[str, Any]:
    """The parsed ``indicators.yml`` (read once per path): indicators and published measures."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Indicator]:
    doc = catalog_document(path)
    out: dict[str, Indicator] = {}
    for entry in doc["indicators"]:
        ind = _parse(entry)
        if ind.id in out:
            raise CatalogError(f"indicator {ind.id} is defined twice in {path}")
        out[ind.id] = ind
    return out


def indicators(level: str | None = "province") -> dict[str, Indicator]:
    """The indicators reported at ``level``, keyed by id, in catalog order.

    ``province`` (the default: every provincial report and the province ingest), ``commune``,
    or ``None`` for every indicator of the catalog.
    """
    return _at_level(str(paths.reference_dir() / "indicators.yml"), level)


@lru_cache(maxsize=12)
def _at_level(path: str, level: str | None) -> dict[str, Indicator]:
    everything = _load(path)
    if level is None:
        return everything
    return {k: v for k, v in everything.items() if level in v.levels}


def get(indicator_id: str) -> Indicator:
    """One indicator (of any level) by id or alias; raises ``KeyError`` listing candidates."""
    everything = indicators(None)
    if indicator_id in everything:  # an id, as nearly every caller gives: no folding needed
        return everything[indicator_id]
    found = resolve_indicator(indicator_id, level=None)
    if found is None:
        raise KeyError(
            f"unknown indicator {indicator_id!r}; candidates: "
            + ", ".join(indicator_candidates(indicator_id, level=None)),
        )
    return everything[found]


def _alias_index(level: str | None) -> dict[str, str]:
    return _alias_index_for(str(paths.reference_dir() / "indicators.yml"), level)


def name_key(text: str) -> str:
    """How a name or id is compared: folded (no diacritics, lower case), punctuation, ``%`` and
    ``_`` as spaces: ``"Tỷ lệ hồ sơ trực tuyến (%)"`` and ``"TY LE HO SO TRUC TUYEN"`` are the
    same key, and so are ``online_dossier_rate_pct`` and ``online dossier rate pct``."""
    return " ".join(_NON_WORD.sub(" ", fold(str(text))).split())


_NON_WORD = re.compile(r"[^0-9a-z]+")

_NAME_PREFIXES = ("ty le ", "share of ", "percentage of ", "percent of ")
"""Words people put before an indicator's name in a column heading ("Tỷ lệ số hóa dữ liệu hộ
tịch" for the catalog's "Số hóa dữ liệu hộ tịch"); a key without them is also looked up."""


def _without_prefix(key: str) -> str | None:
    for prefix in _NAME_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return None


def _names(ind: Indicator) -> tuple[str, ...]:
    """Every way the catalog writes an indicator: id, aliases, names and short names."""
    return (ind.id, *ind.aliases, ind.name_vi, ind.name_en, ind.short_vi, ind.short_en)


@lru_cache(maxsize=12)
def _alias_index_for(path: str, level: str | None) -> dict[str, str]:
    """Key -> id for every id, alias, name and short name; a key two indicators share is left
    out (it names neither), and so is a key without its prefix that another indicator has."""
    own: dict[str, set[str]] = {}
    bare: dict[str, set[str]] = {}
    for ind in _at_level(path, level).values():
        for name in _names(ind):
            key = name_key(name)
            own.setdefault(key, set()).add(ind.id)
            stripped = _without_prefix(key)
            if stripped:
                bare.setdefault(stripped, set()).add(ind.id)
    idx = {key: next(iter(ids)) for key, ids in own.items() if len(ids) == 1}
    for key, ids in bare.items():
        if key not in own and len(ids) == 1:
            idx[key] = next(iter(ids))
    return idx


def resolve_indicator(name: str, level: str | None = "province") -> str | None:
    """The id of an indicator of ``level`` for an id, alias, Vietnamese or English name or
    short name, as ``python -m analysis list indicators`` prints them (diacritics, case,
    spacing, punctuation and a leading "Tỷ lệ" ignored).

    ``None`` when there is none at that level (``level=None``: any level).
    """
    index = _alias_index(level)
    key = name_key(name)
    found = index.get(key)
    if found is None and (stripped := _without_prefix(key)):
        found = index.get(stripped)
    return found


def indicator_candidates(name: str, limit: int = 3, level: str | None = "province") -> list[str]:
    """The ids of the ``limit`` indicators whose id, name or short name is closest to ``name``.

    Compared folded (no diacritics, any case) by :func:`_closeness`, best first; among equal
    scores, indicators still collected come before retired ones.
    """
    key = name_key(name)
    if not key:
        return []
    inds = indicators(level)
    best: dict[str, float] = {}
    for ind in inds.values():
        best[ind.id] = max(_closeness(key, name_key(n)) for n in _names(ind))
    month = str(to_month(clock.today()))
    order = list(inds)
    ranked = sorted(
        best, key=lambda i: (-round(best[i], 1), _retired(inds[i], month), order.index(i))
    )
    return ranked[:limit]


def _closeness(key: str, name: str) -> float:
    """0-100: how close a heading is to one of an indicator's names, both folded.

    The mean of rapidfuzz's token-set ratio (a name found whole inside a longer heading, "Tỷ lệ
    hồ sơ nộp trực tuyến") and token-sort ratio (the same words, a letter off, "truc tuyn");
    measured on headings as provinces write them, it ranks the right indicator first where
    either alone, or rapidfuzz's WRatio, puts a longer name sharing a few words first.
    """
    from rapidfuzz import fuzz

    return (fuzz.token_set_ratio(key, name) + fuzz.token_sort_ratio(key, name)) / 2


def _retired(ind: Indicator, month: str) -> bool:
    return ind.valid_to is not None and str(ind.valid_to) < month


def targets_frame(period: pd.Period | str | None = None) -> pd.DataFrame:
    """Targets as a table: one row per indicator and target.

    With ``period``, only the target each indicator tracks in that period (see
    :meth:`Indicator.target_for`).
    """
    rows = []
    for ind in indicators().values():
        chosen = [ind.target_for(period)] if period is not None else list(ind.targets)
        for t in chosen:
            if t is None:
                continue
            rows.append(
                {
                    "indicator": ind.id,
                    "target": t.value,
                    "deadline": t.deadline_period
                    if ind.frequency == "monthly"
                    else to_period(t.deadline, "Y"),
                    "deadline_date": t.deadline,
                    "direction": ind.direction,
                    "lower": ind.bounds[0],
                    "upper": ind.bounds[1],
                    "basis": t.basis,
                    "frequency": ind.frequency,
                }
            )
    return pd.DataFrame(rows)


def catalog_frame() -> pd.DataFrame:
    """The catalog as a flat table (for SQL and notebooks)."""
    rows = []
    for ind in indicators().values():
        rows.append(
            {
                "indicator": ind.id,
                "family": ind.family,
                "name_vi": ind.name_vi,
                "name_en": ind.name_en,
                "short_vi": ind.short_vi,
                "short_en": ind.short_en,
                "unit": ind.unit,
                "frequency": ind.frequency,
                "kind": ind.kind,
                "temporal": ind.temporal,
                "direction": ind.direction,
                "aggregation": ind.aggregation,
                "weight": ind.weight,
                "lower_bound": ind.bounds[0],
                "upper_bound": ind.bounds[1],
                "numerator_vi": ind.numerator.get("vi"),
                "numerator_en": ind.numerator.get("en"),
                "denominator_vi": ind.denominator.get("vi"),
                "denominator_en": ind.denominator.get("en"),
                "headline": ind.headline,
                "can_fall": ind.can_fall,
                "source": ind.source,
            }
        )
    return pd.DataFrame(rows)
