"""Where a month's collection stands, per province and indicator.

Each indicator due from each of the 34 units is, in this order of evidence:

* ``on_time`` or ``late``: its figure is in the store; received on the sidecar's ``received``
  date, else the day an ingest first saw the file (``submission_files.first_seen``), against
  the due date (the 5th of the following month unless told otherwise);
* ``partial``: a merged unit reported on the 63-province basis with a former province
  missing (the ingest left the unit out; ``harmonization_log`` names the missing ones);
* ``refused``: a file of this unit and month under ``data/raw`` is refused by the checks
  (it is not in the store; its first problem is the reason);
* ``missing``: nothing was received.

A unit's month is complete, partial (n of m figures received) or missing (nothing received) by
the one rule of :func:`analysis.analyses.completeness.unit_state`.

Two flags go with a received figure: ``revised`` (a later file replaced an earlier figure:
old -> new, which file and sender) and ``implausible`` (the month's change lies beyond 4
robust standard deviations, from the median absolute deviation, of the unit's own monthly
changes, or beyond the catalog's ``plausible_change``). Implausible figures are flagged for a
call to the province, never refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from analysis.analyses.completeness import COMPLETE, MISSING, unit_state
from analysis.core.i18n import t
from analysis.core.periods import to_month
from analysis.data import pending, store
from analysis.data.submissions import DATASET
from analysis.reference import geography
from analysis.reference.due import DEFAULT_DUE_DAY, Due, due_date, due_indicators

RECEIVED = ("on_time", "late")
"""Statuses of a figure that is in the store."""
STATUSES = ("on_time", "late", "partial", "refused", "missing")
ROBUST_SDS = 4.0
"""A month's change beyond this many robust standard deviations is flagged implausible."""
MIN_CHANGES = 6
"""Fewer past monthly changes than this say too little about a province's usual change."""
MAD_TO_SD = 1.4826
"""Median absolute deviation to standard deviation, for normally distributed changes."""
MEAN_AD_TO_SD = 1.2533
"""Mean absolute deviation to standard deviation, used when more than half the changes tie."""


@dataclass
class Revision:
    """An earlier figure a later file replaced."""

    old: float | None
    new: float | None
    file: str
    revised_by: str
    sender: str


@dataclass
class Implausible:
    """A month's change beyond what the unit's own history makes plausible."""

    change: float
    median: float
    robust_sd: float | None
    limit: float


@dataclass
class IndicatorStatus:
    """One indicator due from one unit."""

    indicator: str
    period: str
    status: str
    value: float | None = None
    files: list[str] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)
    received: str | None = None
    days_late: int | None = None
    reason: str | None = None
    revisions: list[Revision] = field(default_factory=list)
    implausible: Implausible | None = None
    missing_former: list[str] = field(default_factory=list)
    """Partial: the former provinces (names) whose figures are missing."""
    latest_value: float | None = None
    latest_period: str | None = None
    """The unit's latest figure of the indicator before the period (for the missing ones)."""


@dataclass
class UnitStatus:
    """One unit's month: every indicator due, and the files refused."""

    code: str
    province: str
    name: str
    indicators: list[IndicatorStatus]
    refused_files: list[pending.Refusal] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.indicators)

    @property
    def n_received(self) -> int:
        """Figures due that are in the store (on time or late)."""
        return sum(s.status in RECEIVED for s in self.indicators)

    @property
    def state(self) -> str:
        """``complete``, ``partial`` (n of m received) or ``missing`` (nothing received): the
        rule of :func:`analysis.analyses.completeness.unit_state`."""
        return unit_state(len(self.indicators), self.n_received)

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE

    def label(self, lang: str = "vi") -> str:
        """The unit's month in a word or two: "đủ, đúng hạn", "đủ, có chỉ tiêu gửi muộn",
        "chưa đủ (26/27)" (also a merged unit whose former provinces sent part of a figure),
        "chưa nhận", "bị từ chối"."""
        if self.state == COMPLETE:
            key = "state_complete_late" if self.count("late") else "state_complete"
            return t(f"collection.status.{key}", lang)
        if self.state == MISSING and not self.count("partial"):
            key = "refused" if self.count("refused") else "missing"
            return t(f"collection.status.{key}", lang)
        return t(
            "collection.status.state_partial",
            lang,
            received=self.n_received,
            due=len(self.indicators),
        )

    @property
    def revised(self) -> int:
        return sum(bool(s.revisions) for s in self.indicators)

    @property
    def implausible(self) -> int:
        return sum(s.implausible is not None for s in self.indicators)

    @property
    def summary(self) -> str:
        """The worst status of its indicators (missing > refused > partial > late > on_time)."""
        for status in reversed(STATUSES):
            if self.count(status):
                return status
        return "on_time"


@dataclass
class CollectionStatus:
    """The month's collection: every unit, the due date, files not attributable to a unit."""

    period: str
    due_date: dt.date
    units: list[UnitStatus]
    unattributed: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    """Files under data/raw that pass the checks but are not in the store yet (run ingest)."""

    @property
    def complete(self) -> bool:
        return all(u.complete for u in self.units)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["due_date"] = self.due_date.isoformat()
        out["complete"] = self.complete
        out["units_complete"] = sum(u.state == COMPLETE for u in self.units)
        out["units_partial"] = sum(u.state not in (COMPLETE, MISSING) for u in self.units)
        out["units_missing"] = sum(u.state == MISSING for u in self.units)
        for unit, data in zip(self.units, out["units"], strict=True):
            data["status"] = unit.summary
            data["state"] = unit.state
            data["received"] = unit.n_received
            data["due"] = len(unit.indicators)
            data["complete"] = unit.complete
        out["unattributed"] = [{"file": f, "reason": r} for f, r in self.unattributed]
        return out


def collection_status(
    month: pd.Period | str,
    due_day: int = DEFAULT_DUE_DAY,
    units: list[geography.Unit] | None = None,
    check_files: bool = True,
) -> CollectionStatus:
    """Where the collection of ``month`` stands (see the module docstring).

    ``check_files=False`` leaves out the files under ``data/raw`` that the store does not hold
    (refused, or waiting for ingest): reports read one pinned store, never the raw folder.
    """
    p = to_month(month)
    due = due_date(p, due_day)
    items = due_indicators(p)
    tables = _load(p)
    refused = pending.refused_files(str(p)) if check_files else pending.Pending()
    chosen = units or [u for u in geography.units() if u.basis == "34"]
    out = []
    for unit in chosen:
        statuses = [_indicator_status(unit, item, tables, due) for item in items]
        refusals = refused.by_unit.get(unit.codename, [])
        if refusals:
            files = [r.file for r in refusals]
            for s in statuses:
                if s.status in ("missing", "partial"):
                    s.status, s.reason, s.files = "refused", refusals[0].reason, files
        out.append(UnitStatus(unit.code, unit.codename, unit.display_name, statuses, refusals))
    return CollectionStatus(
        str(p), due, out, [(r.file, r.reason) for r in refused.unattributed], refused.waiting
    )


@dataclass
class _Tables:
    observations: pd.DataFrame
    log: pd.DataFrame
    submissions: pd.DataFrame
    files: pd.DataFrame


def _load(p: pd.Period) -> _Tables:
    """The store's figures of the submitted dataset, and who sent them."""

    empty = _Tables(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    try:
        con = store.connect()
    except store.StoreMissing:
        return empty
    with con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "submissions" not in names:
            return empty
        obs = con.execute(
            "SELECT province_code, indicator, freq, period, value FROM observations_34 "
            "WHERE dataset = ? AND value IS NOT NULL AND period <= ? "
            "ORDER BY province_code, indicator, period",
            [DATASET, str(p)],
        ).df()
        log = (
            con.execute("SELECT * FROM harmonization_log WHERE dataset = ?", [DATASET]).df()
            if "harmonization_log" in names
            else pd.DataFrame()
        )
        subs = con.execute("SELECT * FROM submissions").df()
        files = con.execute("SELECT * FROM submission_files").df()
    return _Tables(obs, log, subs, files)


def _indicator_status(
    unit: geography.Unit, item: Due, tables: _Tables, due: dt.date
) -> IndicatorStatus:
    ind, period = item.indicator.id, item.period_key
    status = IndicatorStatus(ind, period, "missing")
    obs = tables.observations
    if obs.empty:
        return status
    series = obs[(obs["province_code"] == unit.code) & (obs["indicator"] == ind)]
    now = series[series["period"] == period]
    earlier = series[series["period"].astype(str) < period]
    earlier = earlier[earlier["period"].astype(str).str.len() == len(period)]
    if not earlier.empty:
        status.latest_value = float(earlier["value"].iloc[-1])
        status.latest_period = str(earlier["period"].iloc[-1])
    if now.empty:
        log = tables.log
        if not log.empty:
            hit = log[
                (log["province_code"] == unit.code)
                & (log["indicator"] == ind)
                & (log["period"].astype(str) == period)
            ]
            if not hit.empty:
                status.status, status.reason = "partial", str(hit["reason"].iloc[0])
                status.missing_former = missing_former(unit, ind, period, tables.submissions)
        return status
    status.value = float(now["value"].iloc[0])
    _received(status, unit, tables, due)
    if item.indicator.frequency == "monthly":
        status.implausible = implausible_change(
            series[series["freq"] == "M"], period, item.indicator.plausible_change
        )
    return status


def missing_former(
    unit: geography.Unit, indicator: str, period: str, submissions: pd.DataFrame
) -> list[str]:
    """Names of the former provinces of a merged unit with no figure for the period."""
    members = geography.crosswalk()
    members = members[members["new_code"] == unit.code]["old_code"].astype(str)
    sent = submissions[
        (submissions["province_code"] == unit.code)
        & (submissions["indicator"] == indicator)
        & (submissions["period"] == period)
        & (submissions["basis"] == "63")
    ]
    have = set(sent["reported_code"].astype(str))
    return [geography.unit("63", code).name for code in members if code not in have]


def _received(status: IndicatorStatus, unit: geography.Unit, tables: _Tables, due: dt.date) -> None:
    """Which files gave the figure, when they arrived, and what they revised."""
    subs = tables.submissions
    mine = subs[
        (subs["province_code"] == unit.code)
        & (subs["indicator"] == status.indicator)
        & (subs["period"] == status.period)
    ]
    files = tables.files.set_index("file") if not tables.files.empty else pd.DataFrame()
    final = mine[mine["revised_by"].isna()]
    status.files = sorted(set(final["file"]))
    status.senders = [_sender(files, f) for f in status.files]
    dates = [_arrival(files, f) for f in status.files]
    known = [d for d in dates if d is not None]
    if known:
        arrived = max(known)
        status.received = arrived.isoformat()
        status.days_late = max(0, (arrived - due).days)
        status.status = "late" if arrived > due else "on_time"
    else:
        status.status = "on_time"  # a figure with no record of its file (an older store)
    for row in mine[mine["revised_by"].notna()].itertuples():
        new = final[final["file"] == row.revised_by]
        status.revisions.append(
            Revision(
                _figure(row),
                _figure(next(new.itertuples())) if not new.empty else status.value,
                str(row.file),
                str(row.revised_by),
                _sender(files, str(row.revised_by)),
            )
        )


def _figure(row: object) -> float | None:
    value = getattr(row, "value", None)
    if value is None or pd.isna(value):
        num, den = getattr(row, "numerator", None), getattr(row, "denominator", None)
        if num is None or den is None or pd.isna(num) or pd.isna(den) or not den:
            return None
        return 100.0 * float(num) / float(den)
    return float(value)


def _sender(files: pd.DataFrame, file: str) -> str:
    if file in files.index and pd.notna(files.loc[file, "sender"]):
        return str(files.loc[file, "sender"])
    return file


def _arrival(files: pd.DataFrame, file: str) -> dt.date | None:
    """The sidecar's ``received`` date, else the day an ingest first saw the file."""
    if file not in files.index:
        return None
    received, seen = files.loc[file, "received"], files.loc[file, "first_seen"]
    if pd.notna(received) and str(received):
        return pd.Timestamp(str(received)).date()
    if pd.notna(seen) and str(seen):
        return pd.Timestamp(str(seen)).date()
    return None


def implausible_change(
    series: pd.DataFrame, period: str, plausible: float | None = None
) -> Implausible | None:
    """The month's change if it is implausible for this series, else ``None``.

    ``series`` holds one unit's monthly ``period``/``value`` rows up to ``period``. The change
    from the previous month is compared with the series' earlier month-on-month changes: beyond
    :data:`ROBUST_SDS` robust standard deviations of their median it is implausible, as is any
    change larger than ``plausible`` (the catalog's ``plausible_change``).
    """
    values = pd.Series(
        series["value"].to_numpy(dtype=float),
        index=pd.PeriodIndex(series["period"].astype(str), freq="M"),
    ).sort_index()
    p = pd.Period(period, freq="M")
    if p not in values.index or (p - 1) not in values.index:
        return None
    change = float(values[p] - values[p - 1])
    past = values[values.index < p]
    # Only changes between consecutive months: a gap would make one change span several.
    consecutive = np.diff(past.index.asi8) == 1
    steps = pd.Series(np.diff(past.to_numpy()))[consecutive]
    if plausible is not None and abs(change) > plausible:
        return Implausible(change, float(steps.median()) if len(steps) else 0.0, None, plausible)
    if len(steps) < MIN_CHANGES:
        return None
    median = float(steps.median())
    deviations = (steps - median).abs()
    sd = MAD_TO_SD * float(deviations.median())
    if sd == 0:
        sd = MEAN_AD_TO_SD * float(deviations.mean())
    limit = ROBUST_SDS * sd
    if abs(change - median) > limit + 1e-9:
        return Implausible(change, median, sd, limit)
    return None
