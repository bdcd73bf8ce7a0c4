"""Published figures of the 63 former provinces carried onto the 34 current units.

A published index of the former provinces (DTI 2022-2024) has no value for a unit formed in
2025 from several of them. For the measures whose catalog entry says
``across_merger: population_weighted_mean``, a unit's value for a year is the mean of its former
provinces' values weighted by their population of that year (the shipped GSO figures in
``published_real``); a unit kept whole gets its own value. Every former province needs both a
value and a population, otherwise the unit-year is left out rather than built from part of its
territory. The rows are marked ``derived, not published``; ranks are never carried across.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.published_real import COLUMNS, DERIVED, PUBLISHED, as_table
from analysis.reference import geography, measures

WEIGHT = "population_thousands"
RULE = "population_weighted_mean"


def _weights(real: pd.DataFrame) -> pd.DataFrame:
    pop = real[
        (real["measure"] == WEIGHT) & (real["basis"] == "63") & (real["status"] == PUBLISHED)
    ]
    return pop[["year", "province_code", "value", "file"]].rename(
        columns={"value": "weight", "file": "weight_file"}
    )


def with_derived(real: pd.DataFrame) -> pd.DataFrame:
    """The published rows followed by those carried onto the 34 units (:func:`carry_to_34`)."""
    if real.empty:
        return real
    published = real.astype(object).where(real.notna(), None).to_dict("records")
    return as_table(published + carry_to_34(real).to_dict("records"))


def carry_to_34(real: pd.DataFrame) -> pd.DataFrame:
    """Derived rows on the 34 units for every measure with a rule across the merger.

    Parameters
    ----------
    real
        The published rows of :func:`analysis.data.published_real.read_real_published`.

    Returns
    -------
    pandas.DataFrame
        Rows of the same columns, ``basis`` "34", ``status`` "derived, not published", no
        rank; ``note`` names the former provinces, their values and weights.
    """
    ids = [m.id for m in measures.measures().values() if m.across_merger == RULE]
    values = real[
        real["measure"].isin(ids) & (real["basis"] == "63") & (real["status"] == PUBLISHED)
    ]
    cw = geography.crosswalk()[["old_code", "new_code"]]
    n_former = cw.groupby("new_code")["old_code"].size().rename("n_former")
    merged = (
        values.merge(cw, left_on="province_code", right_on="old_code")
        .merge(_weights(real), on=["year", "province_code"], how="left")
        .dropna(subset=["weight"])
    )
    rows = []
    for (measure, year, new_code), part in merged.groupby(["measure", "year", "new_code"]):
        if len(part) != n_former[new_code]:
            continue  # a former province without a value or a population
        unit = geography.unit("34", str(new_code))
        weight = part["weight"].astype(float)
        value = float((part["value"].astype(float) * weight).sum() / weight.sum())
        former = "; ".join(
            f"{name} {v} x {w:g}"
            for name, v, w in zip(part["province_name"], part["value_text"], weight, strict=True)
        )
        first = part.iloc[0]
        row = dict.fromkeys(COLUMNS)
        row.update(
            file=first["file"],
            field=RULE,
            geography_as_published=None,
            basis="34",
            province_code=unit.code,
            province=unit.codename,
            province_name=unit.name,
            measure=measure,
            year=year,
            frequency=first["frequency"],
            value=value,
            value_text="",
            status=DERIVED,
            source_url=first["source_url"],
            note=(
                f"population-weighted mean of {len(part)} former province(s): {former} "
                f"(population, thousands, {int(year)}: {first['weight_file']})"
            ),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
