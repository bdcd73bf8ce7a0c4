"""The commune level of a run: one scorecard per commune and one comparison per province.

``python -m analysis run --level commune`` plans, for every chosen province, one
``16_commune_scorecard`` job per commune (outputs in
``reports/<period>/<province>/communes/<commune codename>/``) and one ``15_commune_comparison``
job for the province (outputs beside its briefing, in ``reports/<period>/<province>/``). The
jobs then go through the same runner as the provincial ones: skipping by cache key, failure
isolation, atomic outputs, the manifest (whose rows carry the commune) and Dask.

The commune list comes from :func:`commune_list`, the one place the running side reads the
commune reference (:mod:`analysis.reference.communes`, imported when first needed).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import pandas as pd

from analysis.data import store
from analysis.reference import names
from analysis.running import params
from analysis.running.jobs import FORMATS, Job, province_units

COMPARISON_NOTEBOOK = "15_commune_comparison"
SCORECARD_NOTEBOOK = "16_commune_scorecard"
COMMUNE_NOTEBOOKS = (COMPARISON_NOTEBOOK, SCORECARD_NOTEBOOK)
LEVELS = ("province", "commune")


def commune_list(provinces: Sequence[str] | None = None) -> pd.DataFrame:
    """The communes of ``provinces`` (34-unit codenames; ``None``: all), in reference order.

    Columns as :func:`analysis.reference.communes.communes` gives them: ``commune_code``,
    ``name``, ``full_name``, ``kind``, ``codename``, ``province``, ``province_code``. Raises
    :class:`~analysis.running.params.ParameterError` when this installation has no commune
    reference.
    """
    try:
        # Imported by name: the commune reference is a separate part of the product.
        reference = importlib.import_module("analysis.reference.communes")
    except ModuleNotFoundError:
        raise params.ParameterError(
            "--level commune: this installation has no commune reference "
            "(analysis.reference.communes); update the project to a version that includes it"
        ) from None
    if not provinces:
        return reference.communes().reset_index(drop=True)
    return pd.concat([reference.communes(p) for p in provinces], ignore_index=True)


def _match_one(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows of ``table`` named by ``query``: code, codename, name or full name."""
    text = str(query).strip()
    if text.isdigit():
        return table[table["commune_code"].astype(str).str.zfill(5) == text.zfill(5)]
    key = names.fold(text).replace(" ", "_")
    codename = table["codename"].astype(str) == key
    folded = table[["name", "full_name"]].astype(str).map(lambda v: names.fold(v).replace(" ", "_"))
    return table[codename | (folded == key).any(axis=1)]


def select_communes(table: pd.DataFrame, queries: Sequence[str]) -> pd.DataFrame:
    """The communes named by ``queries``; an unknown or ambiguous name is a parameter error.

    A name shared by communes of several chosen provinces is ambiguous: give ``--province``
    too, or the 5-digit code.
    """
    picked, errors = [], []
    for query in queries:
        found = _match_one(table, query)
        if found.empty:
            errors.append(f"--commune {query!r}: no such commune in the chosen province(s)")
        elif len(found) > 1:
            where = ", ".join(f"{r.commune_code} ({r.province})" for r in found.itertuples())
            errors.append(f"--commune {query!r} names several communes: {where}; give its code")
        else:
            picked.append(found)
    if errors:
        raise params.ParameterError("\n".join(errors))
    return pd.concat(picked).drop_duplicates("commune_code")


def plan_commune_jobs(
    period: str,
    provinces: Sequence[str] | None = None,
    communes: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    langs: Sequence[str] = ("vi",),
    formats: Sequence[str] = FORMATS,
    dataset: str | None = None,
) -> list[Job]:
    """Commune-level jobs: the comparison of each province, then each commune's scorecard.

    ``communes`` (codes, codenames or names) narrows the scorecards to those communes and the
    comparisons to their provinces.
    """
    chosen = list(notebooks or COMMUNE_NOTEBOOKS)
    for nb in chosen:
        if nb not in COMMUNE_NOTEBOOKS:
            raise params.ParameterError(
                f"--notebook {nb!r} is not a commune notebook; --level commune runs: "
                + ", ".join(COMMUNE_NOTEBOOKS)
            )
        params.model_for(nb)
    table = commune_list(province_units(provinces) if provinces else None)
    if communes:
        table = select_communes(table, communes)
    extra = {"dataset": dataset} if dataset else {}
    jobs = []
    for lang in langs:
        base = {"period": period, "lang": lang, **extra}
        if COMPARISON_NOTEBOOK in chosen:
            for province in table["province"].drop_duplicates():
                given = {**base, "province": province}
                jobs.append(Job(COMPARISON_NOTEBOOK, province, period, lang, tuple(formats), given))
        if SCORECARD_NOTEBOOK in chosen:
            for row in table.itertuples():
                given = {**base, "province": row.province, "commune": row.codename}
                jobs.append(
                    Job(
                        SCORECARD_NOTEBOOK,
                        row.province,
                        period,
                        lang,
                        tuple(formats),
                        given,
                        commune=row.codename,
                    )
                )
    return jobs


def communes_with_data(period: str, dataset: str) -> set[tuple[str, str]] | None:
    """(province, commune codename) pairs with a figure for ``period`` in ``dataset``.

    ``None`` when the store has no ``commune_observations`` table (commune data never
    ingested): the caller then says so instead of planning thousands of empty reports.
    """

    with store.connect() as con:
        present = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            ["commune_observations"],
        ).fetchone()
        if not present or not present[0]:
            return None
        codes = con.execute(
            "SELECT DISTINCT province, commune_code FROM commune_observations "
            "WHERE dataset = ? AND CAST(period AS VARCHAR) LIKE ? AND value IS NOT NULL",
            [dataset, f"{period}%"],
        ).fetchall()
    provinces = sorted({p for p, _ in codes})
    if not provinces:
        return set()
    table = commune_list(provinces)
    codename = {(r.province, str(r.commune_code).zfill(5)): r.codename for r in table.itertuples()}
    return {
        (p, codename[(p, str(c).zfill(5))]) for p, c in codes if (p, str(c).zfill(5)) in codename
    }
