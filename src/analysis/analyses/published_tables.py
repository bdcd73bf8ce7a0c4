"""The real published figures (store table ``published_real``) of one unit or of the country.

Pages about published figures ask this module for plain tables; the wording and formatting are
in :mod:`analysis.reporting.published_pages`. Nothing here changes a published value: national and
regional means of the DTI are the plain means of the 63 former provinces' published values
(the ministry ranks provinces, it does not weight them), a unit's DTI on the 34-unit basis is
the stored derived value (:mod:`analysis.data.across_merger`), and its rank among the 34 is
computed from those derived values and said to be derived.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data import store
from analysis.data.published_real import COLUMNS, DERIVED, PUBLISHED
from analysis.reference import geography

DTI_MEASURES = (
    "dti_overall",
    "dti_digital_government",
    "dti_digital_economy",
    "dti_digital_society",
    "dti_digital_infrastructure",
)
INDEX766_GROUPS = (
    "index766_transparency",
    "index766_timeliness",
    "index766_online_service",
    "index766_satisfaction",
    "index766_digitization",
)
ONLINE_PARTS = ("index766_online_dossiers", "index766_online_payment")
"""The 2026 provincial table splits the online-service group into these two published parts."""
MONTHLY_MEASURES = ("index766_monthly_average", "dossiers_on_time_pct")
NATIONAL = "national"


def load(path: Path | None = None) -> pd.DataFrame:
    """The ``published_real`` table of the store (empty, with its columns, when it has none)."""
    with store.connect(path=path) as con:
        known = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'published_real'"
        ).fetchone()
        if not known or not known[0]:
            return pd.DataFrame(columns=COLUMNS)
        return con.execute("SELECT * FROM published_real").df()


def former_units(unit_code: str) -> list[geography.Unit]:
    """The former provinces a current unit was formed from (one for a unit kept whole)."""
    cw = geography.crosswalk()
    codes = sorted(cw.loc[cw["new_code"] == unit_code, "old_code"])
    return [geography.unit("63", c) for c in codes]


def _dti_rows(real: pd.DataFrame) -> pd.DataFrame:
    return real[real["measure"].isin(DTI_MEASURES) & (real["frequency"] == "annual")]


def dti_national_means(real: pd.DataFrame) -> pd.DataFrame:
    """Per measure and year: the plain mean of the 63 provinces' published values, and ``n``."""
    rows = _dti_rows(real)
    rows = rows[(rows["basis"] == "63") & (rows["status"] == PUBLISHED)]
    out = rows.groupby(["measure", "year"])["value"].agg(mean="mean", n="count").reset_index()
    return out


def dti_derived_ranks(real: pd.DataFrame) -> pd.DataFrame:
    """The derived DTI of the 34 units with a rank among them (1 = highest, ties share)."""
    rows = _dti_rows(real)
    rows = rows[(rows["basis"] == "34") & (rows["status"] == DERIVED)].copy()
    by = rows.groupby(["measure", "year"])["value"]
    rows["rank"] = by.rank(method="min", ascending=False).astype("Int64")
    rows["rank_of"] = by.transform("count").astype("Int64")
    return rows


@dataclass(frozen=True)
class LatestDti:
    """A unit's overall DTI of the latest year, as a page states it in one line."""

    year: int
    value: float
    rank: int
    rank_of: int
    published: bool
    """``True``: the value and rank as the ministry published them (a unit kept whole: its
    former province's figure, rank of 63); ``False``: derived for a merged unit, with its rank
    among the 34 derived values."""


def latest_dti(real: pd.DataFrame, unit_code: str) -> LatestDti | None:
    """The unit's overall DTI of the latest year with a value (``None`` when there is none).

    A unit kept whole in the 2025 merger has a published DTI: its own former province's value
    and rank of 63, stated as published. A merged unit has only the derived value, ranked among
    the 34.
    """
    former = former_units(unit_code)
    if len(former) == 1:
        rows = _dti_rows(real)
        rows = rows[
            (rows["measure"] == "dti_overall")
            & (rows["basis"] == "63")
            & (rows["status"] == PUBLISHED)
            & (rows["province_code"] == former[0].code)
            & rows["value"].notna()
        ]
        if not rows.empty:
            r = rows.sort_values("year").iloc[-1]
            if pd.notna(r["rank"]) and pd.notna(r["rank_of"]):
                return LatestDti(
                    int(r["year"]), float(r["value"]), int(r["rank"]), int(r["rank_of"]), True
                )
    derived = dti_derived_ranks(real)
    derived = derived[
        (derived["measure"] == "dti_overall") & (derived["province_code"] == unit_code)
    ]
    if derived.empty:
        return None
    r = derived.sort_values("year").iloc[-1]
    return LatestDti(int(r["year"]), float(r["value"]), int(r["rank"]), int(r["rank_of"]), False)


@dataclass(frozen=True)
class DtiView:
    """The DTI of one unit: its former provinces, its derived value, its region and the nation.

    ``table`` has one row per (measure, year) and columns ``former:<code>`` / ``former_rank:
    <code>`` for each former province (published, rank of 63), ``unit`` / ``unit_rank`` /
    ``unit_rank_of`` (derived), ``region`` / ``region_n`` (plain mean of the published values of
    the former provinces now in the unit's region) and ``nation`` / ``nation_n`` (the 63).
    """

    unit: geography.Unit
    former: list[geography.Unit]
    table: pd.DataFrame


def dti_view(real: pd.DataFrame, unit_code: str) -> DtiView:
    """The DTI 2022-2024 table of one current unit (see :class:`DtiView`)."""
    unit = geography.unit("34", unit_code)
    former = former_units(unit_code)
    rows = _dti_rows(real)
    published = rows[(rows["basis"] == "63") & (rows["status"] == PUBLISHED)]
    table = dti_national_means(real).rename(columns={"mean": "nation", "n": "nation_n"})
    keys = ["measure", "year"]
    for f in former:
        mine = published[published["province_code"] == f.code]
        part = mine[[*keys, "value", "rank", "rank_of"]].rename(
            columns={
                "value": f"former:{f.code}",
                "rank": f"former_rank:{f.code}",
                "rank_of": f"former_rank_of:{f.code}",
            }
        )
        table = table.merge(part, on=keys, how="left")
    derived = dti_derived_ranks(real)
    derived = derived[derived["province_code"] == unit_code][[*keys, "value", "rank", "rank_of"]]
    table = table.merge(
        derived.rename(columns={"value": "unit", "rank": "unit_rank", "rank_of": "unit_rank_of"}),
        on=keys,
        how="left",
    )
    successor = geography.crosswalk().set_index("old_code")["new_code"]
    same_region = {
        c for c, new in successor.items() if geography.unit("34", new).region == unit.region
    }
    region = published[published["province_code"].isin(same_region)]
    means = region.groupby(keys)["value"].agg(region="mean", region_n="count").reset_index()
    table = table.merge(means, on=keys, how="left")
    order = {m: i for i, m in enumerate(DTI_MEASURES)}
    table = table.sort_values(keys, key=lambda s: s.map(order) if s.name == "measure" else s)
    return DtiView(unit, former, table.reset_index(drop=True))


def _ytd(real: pd.DataFrame) -> pd.DataFrame:
    return real[(real["frequency"] == "year_to_date") & real["measure"].str.startswith("index766")]


def index766_year_to_date(real: pd.DataFrame, unit_code: str | None) -> pd.DataFrame:
    """Index 766 of the year so far: one row per measure, the unit's (or the country's) value.

    Columns: measure, value, max_points, rank, rank_of, as_of, year (unit rows carry the rank
    of the total as published; country rows have no province).
    """
    rows = _ytd(real)
    if unit_code is None:
        rows = rows[rows["province_code"].isna()]
    else:
        rows = rows[(rows["basis"] == "34") & (rows["province_code"] == unit_code)]
    return rows[["measure", "value", "max_points", "rank", "rank_of", "as_of", "year"]]


def index766_ytd_ranking(real: pd.DataFrame) -> pd.DataFrame:
    """The 34 units' 2026 total with its published rank: province_code, value, rank, rank_of."""
    rows = _ytd(real)
    rows = rows[(rows["measure"] == "index766_total") & rows["province_code"].notna()]
    return rows[["province_code", "value", "rank", "rank_of", "as_of"]]


def index766_annual(real: pd.DataFrame) -> pd.DataFrame:
    """Index 766 totals 2022-2024 on the 34-unit basis, each year ranked (1 = highest).

    Columns: province_code, year, value, rank, rank_of, mean (plain mean of the units' scores).
    """
    rows = real[(real["measure"] == "index766_total") & (real["frequency"] == "annual")]
    rows = rows[["province_code", "year", "value"]].copy()
    by = rows.groupby("year")["value"]
    rows["rank"] = by.rank(method="min", ascending=False).astype("Int64")
    rows["rank_of"] = by.transform("count").astype("Int64")
    rows["mean"] = by.transform("mean")
    return rows.sort_values(["year", "rank"]).reset_index(drop=True)


def national_months(real: pd.DataFrame) -> pd.DataFrame:
    """The monthly national series: month (index) by measure (columns), with ``as_of``."""
    rows = real[real["measure"].isin(MONTHLY_MEASURES) & (real["frequency"] == "monthly")]
    if rows.empty:
        return pd.DataFrame(columns=[*MONTHLY_MEASURES])
    table = rows.pivot_table(index=["year", "month"], columns="measure", values="value")
    return table.reindex(columns=list(MONTHLY_MEASURES))


def national_value(real: pd.DataFrame, measure: str) -> pd.Series | None:
    """The country's year-to-date row of ``measure`` (value, numerator, denominator, as_of)."""
    rows = real[
        (real["measure"] == measure)
        & real["province_code"].isna()
        & (real["frequency"] == "year_to_date")
    ]
    return None if rows.empty else rows.iloc[0]


def files_of(real: pd.DataFrame, measures: tuple[str, ...] | list[str]) -> list[str]:
    """The files (``data/raw/published/real/...``) the rows of ``measures`` were read from."""
    return sorted(set(real.loc[real["measure"].isin(measures), "file"].dropna()))
