"""Population of the 63 former provinces and of the 34 units: the weights of weighted means.

One source of truth: the GSO yearbook figures shipped as a byte copy in
``data/raw/published/real/population_grdp_per_capita_2022_2024_raw.csv`` (average population,
thousands, 2022-2024; its sidecar names where it was collected). Nothing else in the project
holds a population figure.

The year rule (:func:`weight_year`): a figure of year Y is weighted with the population of Y;
a year after the last published one uses the last, a year before the first uses the first. A
34-unit population is the sum of its former provinces' populations of that year
(:func:`population_34`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.reference import geography

FILE = "population_grdp_per_capita_2022_2024_raw.csv"
NAME_COLUMN, YEAR_COLUMN, VALUE_COLUMN = "TenTinh", "nam", "dan so"


class PopulationError(ValueError):
    """The shipped population file is missing or does not cover the 63 former provinces."""


def source_path() -> Path:
    """The population file: the data folder's own copy if it has one, else the shipped one."""
    own = paths.published_dir() / "real" / FILE
    if own.exists():
        return own
    return paths.PACKAGE_DIR.parent.parent / "data" / "raw" / "published" / "real" / FILE


@lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    """Population by year (rows) and former-province code (columns), thousands."""
    where = f"{path}"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise PopulationError(
            f"{where} does not exist: it ships with the project (data/raw/published/real/); "
            "restore it from version control"
        ) from None
    records = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        try:
            unit = geography.match_province(rec[NAME_COLUMN], "63")
            records.append((int(rec[YEAR_COLUMN]), unit.code, float(rec[VALUE_COLUMN])))
        except (KeyError, ValueError) as exc:
            raise PopulationError(
                f"{where}, row {i}: cannot read province, year and population "
                f"(columns {NAME_COLUMN!r}, {YEAR_COLUMN!r}, {VALUE_COLUMN!r}): {exc}; restore "
                "the file from its source (see its sidecar)"
            ) from None
    table = pd.DataFrame(records, columns=["year", "code", "population"])
    wide = table.pivot_table(index="year", columns="code", values="population", aggfunc="first")
    codes = {u.code for u in geography.units() if u.basis == "63"}
    for year, row in wide.iterrows():
        missing = sorted(codes - set(row.dropna().index))
        if missing:
            raise PopulationError(
                f"{where}: year {year} has no population for former province(s) "
                f"{', '.join(missing)}; every year must cover the 63 former provinces"
            )
    return wide.sort_index()


def table() -> pd.DataFrame:
    """Population (thousands) by year (index) and former-province code (columns)."""
    return _read(str(source_path()))


def years() -> tuple[int, ...]:
    """The years the file publishes."""
    return tuple(int(y) for y in table().index)


def weight_year(year: int) -> int:
    """The population year used for a figure of ``year`` (the same, else the nearest end)."""
    published = years()
    return min(max(int(year), published[0]), published[-1])


def population_63(year: int | None = None) -> pd.Series:
    """Population (thousands) of the 63 former provinces by code; ``None``: the latest year."""
    y = years()[-1] if year is None else weight_year(year)
    return table().loc[y].rename("population_thousands").astype(float)


def population_34(year: int | None = None) -> pd.Series:
    """Population (thousands) of the 34 units by code: the sum of their former provinces."""
    new_code = geography.crosswalk().set_index("old_code")["new_code"]
    pop = population_63(year)
    return pop.groupby(pop.index.map(new_code)).sum().rename("population_thousands")


def weights(codes: pd.Series, years_: pd.Series, basis: str) -> pd.Series:
    """The population weight of each row: its unit (``codes``) in its year (``years_``).

    Unknown codes get NaN; the caller decides what a missing weight means.
    """
    by_year = {
        y: (population_34(y) if basis == "34" else population_63(y))
        for y in {weight_year(int(v)) for v in years_.dropna().unique()}
    }
    out = [
        by_year[weight_year(int(y))].get(c, float("nan")) if pd.notna(y) else float("nan")
        for c, y in zip(codes, years_, strict=True)
    ]
    return pd.Series(out, index=codes.index, dtype=float)


def provinces(basis: geography.Basis = "34", year: int | None = None) -> pd.DataFrame:
    """Units of one basis as a table (:func:`analysis.reference.geography.provinces`) with
    ``population_thousands`` of ``year`` (:func:`weight_year`; ``None``: the latest published
    year)."""
    df = geography.provinces(basis)
    pop = population_63(year) if basis == "63" else population_34(year)
    df["population_thousands"] = df["code"].map(pop)
    return df
