"""What changed since last month, as a briefing tells it: targets that changed status or whose
probability moved by 20 points or more, earlier figures revised, rank moves, targets newly met
and the largest movements (the figures come from :mod:`analysis.analyses.month_changes`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.analyses import compare, month_changes
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.reference import catalog, geography, targets
from analysis.reporting import briefing
from analysis.reporting.render import components
from analysis.reporting.report_tables import comparison


def has_previous_period(results: PeriodResults, province: str) -> bool:
    """Whether the province has a figure of the month before on some monthly indicator (the
    "what changed" section needs one to compare with)."""
    c = comparison(results)
    monthly = c["indicator"].map(lambda i: catalog.get(i).frequency == "monthly")
    rows = c[(c["province"] == province) & monthly]
    return bool(rows["change_month"].notna().any() or rows["rank_prev_month"].notna().any())


def _rank_change(r: Any, name: str, lang: str) -> tuple[float, components.Change] | None:
    if pd.isna(r.rank_prev_month) or r.rank == r.rank_prev_month:
        return None
    if not compare.shows_rank(r.n_ranked):
        return None
    up = r.rank < r.rank_prev_month
    key = "changes.rank_up" if up else "changes.rank_down"
    text = i18n.t(
        key, lang, name=name, rank=int(r.rank), of=int(r.n_ranked), before=int(r.rank_prev_month)
    )
    change = components.Change(text, "up" if up else "down", "good" if up else "bad")
    return abs(r.rank - r.rank_prev_month) + 0.5, change


def _value_change(r: Any, ind: catalog.Indicator, name: str, lang: str, said: bool = False) -> list:
    """The month's movement of a figure, and a target it newly met (unless its status change
    says so already: ``said``)."""
    items = []
    if pd.notna(r.change_month) and abs(r.change_month) >= 0.5:
        better = (r.change_month > 0) == ind.higher_is_better
        text = (
            f"{name}: {i18n.fmt_percent(r.value, lang)} ({i18n.fmt_points(r.change_month, lang)})"
        )
        tone = "good" if better else "bad"
        items.append(
            (abs(r.change_month), components.Change(text, briefing.direction(r.change_month), tone))
        )
    if (
        not said
        and pd.notna(r.target)
        and briefing.is_true(r.meets_target)
        and pd.notna(r.change_month)
    ):
        if not targets.meets_target(r.value - r.change_month, r.target, ind.higher_is_better):
            target = i18n.fmt_percent(r.target, lang, 0)
            text = i18n.t("changes.target_reached", lang, name=name, target=target)
            items.append((100.0, components.Change(text, "up", "good")))
    return items


def _status_rank(status: str) -> int:
    """Higher is better (:data:`~analysis.reference.targets.SEVERITY` runs worst first)."""
    return targets.SEVERITY.index(status) if status in targets.SEVERITY else -1


def _target_changes(
    results: PeriodResults, province: str, lang: str
) -> tuple[list[tuple[float, components.Change]], set[str]]:
    """Targets whose status changed, and probabilities that moved by 20 points or more, since
    last month (:mod:`analysis.analyses.month_changes`); and the indicators they concern."""
    rows = month_changes.target_changes(results, province)
    items: list[tuple[float, components.Change]] = []
    told: set[str] = set()
    for r in rows.itertuples():
        name = catalog.get(r.indicator).short(lang)
        shifted = pd.notna(r.prob_shift) and abs(r.prob_shift) >= month_changes.PROBABILITY_SHIFT
        probs = {
            "p_before": briefing.probability_text(r.prob_before, lang),
            "p_after": briefing.probability_text(r.prob, lang),
        }
        if r.status_changed:
            before = targets.status_label(r.status_before, False, lang).lower()
            after = targets.status_label(r.status, False, lang).lower()
            key = "changes.status_probability" if shifted else "changes.status"
            text = i18n.t(key, lang, name=name, before=before, after=after, **probs)
            better = _status_rank(r.status) > _status_rank(r.status_before)
        elif shifted:
            text = i18n.t("changes.probability", lang, name=name, **probs)
            better = r.prob_shift > 0
        else:
            continue
        change = components.Change(text, "up" if better else "down", "good" if better else "bad")
        items.append((300.0 + (abs(r.prob_shift) if shifted else 0.0), change))
        told.add(r.indicator)
    return items, told


def _revision_changes(
    results: PeriodResults, province: str, lang: str
) -> list[tuple[float, components.Change]]:
    """Earlier figures of the unit revised since last month: was, now, which file."""
    items = []
    for r in month_changes.recent_revisions(results, province).itertuples():
        ind = catalog.get(r.indicator)
        values = {
            "name": ind.short(lang),
            "period": i18n.fmt_period(pd.Period(r.period, freq=ind.freq), lang),
            "old": i18n.fmt_percent(r.old_value, lang),
            "new": i18n.fmt_percent(r.new_value, lang),
            "file": r.file,
        }
        if r.basis != "34":
            former = geography.unit("63", str(r.reported_code)).name
            text = i18n.t("changes.revised_former", lang, former=former, **values)
        else:
            text = i18n.t("changes.revised", lang, **values)
        up = r.new_value > r.old_value
        items.append((250.0, components.Change(text, "up" if up else "down", "neutral")))
    return items


def changes(
    results: PeriodResults, province: str, lang: str = "vi", limit: int = 8
) -> list[components.Change]:
    """What changed since last month: targets that changed status or whose probability moved
    by 20 points or more, earlier figures revised, rank moves, targets newly met, the largest
    movements; the most telling first."""
    c = results.comparison
    rows = c[(c["province"] == province) & c["value"].notna()]
    items, told = _target_changes(results, province, lang)
    items += _revision_changes(results, province, lang)
    for r in rows.itertuples():
        ind = catalog.get(r.indicator)
        if ind.frequency != "monthly":
            continue
        name = ind.short(lang)
        moved = _rank_change(r, name, lang)
        if moved:
            items.append(moved)
        items.extend(_value_change(r, ind, name, lang, said=r.indicator in told))
    items.sort(key=lambda x: -x[0])
    return [change for _, change in items[:limit]]


def changes_section(results: PeriodResults, province: str, lang: str = "vi") -> Any:
    """The "what changed" section, or ``None`` when there is no previous period to compare."""
    if not has_previous_period(results, province):
        return None
    return components.changes_list(changes(results, province, lang), lang)


__all__ = ["changes", "changes_section", "has_previous_period"]
