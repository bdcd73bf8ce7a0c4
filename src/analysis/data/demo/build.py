"""The demo files' content: the latent series as published (63 units, then 34), the gap, the
revision and the notes that point at seed facts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.periods import to_month, to_period
from analysis.data.demo.context import Ctx, month_index, until_month
from analysis.data.demo.facts import seed_fact_expectations
from analysis.data.demo.simulate import (
    Latent,
    annual_years,
    long_frame,
    simulate_latent,
    valid_months,
)
from analysis.data.demo.specs import (
    DEFAULT_SEED,
    FAMILY_ORDER,
    FILE_PREFIX,
    GAP,
    REVISION,
    REVISIONS_FILE,
)
from analysis.reference import catalog, geography, population

# --- the published files ---------------------------------------------------------------------


def _merge_matrix(ctx: Ctx) -> np.ndarray:
    m = np.zeros((len(ctx.unit_codes), ctx.n), dtype=np.int64)
    m[ctx.unit_of, np.arange(ctx.n)] = 1
    return m


def _notes(frames: dict[str, pd.DataFrame], facts: pd.DataFrame) -> None:
    """Mark the rows a seed fact rests on (in place)."""
    wanted: dict[tuple[str, str, str, str], str] = {}
    for f in facts.to_dict("records"):
        period = f["period"]
        text = f"khớp số liệu công bố / matches seed fact {f['fact_id']}"
        if f["aggregate"] == "year_flow":
            period = f"{period}-12"
            text = f"cả năm {period[:4]} khớp / year {period[:4]} matches seed fact {f['fact_id']}"
        key = (f["indicator"], f["basis"], f["province"], period)
        wanted[key] = f"{wanted[key]}; {text}" if key in wanted else text
    keys = ["indicator", "basis", "province", "period"]
    for frame in frames.values():
        if frame.empty:
            continue
        found = pd.MultiIndex.from_frame(frame[keys]).get_indexer(list(wanted))
        note = frame.columns.get_loc("note")
        for pos, text in zip(found, wanted.values(), strict=True):
            if pos >= 0:
                frame.iloc[pos, note] = text


def generate_demo(
    until: str | pd.Period | None = None, seed: int = DEFAULT_SEED
) -> dict[str, pd.DataFrame]:
    """The demo dataset as one long DataFrame per file name.

    Parameters
    ----------
    until
        Last month (``YYYY-MM`` or a monthly Period); default :func:`latest_complete_month`.
        Annual figures cover every complete year up to it.
    seed
        Random seed; the same ``until`` and seed give the same frames.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``demo_<family>.csv`` for each catalog family and ``demo_revisions.csv`` (when
        ``until`` reaches the revised month); columns ``COLUMNS``, ``province`` a code on the
        row's ``basis`` (``"63"`` before 2025-07, ``"34"`` from then on), ``numerator`` and
        ``denominator`` nullable integers (ratio indicators), ``value`` a float (rate indicator).
    """
    u = until_month(until)
    latent = simulate_latent(u, seed)
    merge = _merge_matrix(latent.ctx)
    by_family: dict[str, list[pd.DataFrame]] = {f: [] for f in FAMILY_ORDER}
    for family, part in _monthly_parts(latent, merge):
        by_family[family].append(part)
    by_family["digital_economy"] += _annual_parts(latent, u, merge)
    frames = {
        f"{FILE_PREFIX}{fam}.csv": pd.concat(parts, ignore_index=True)
        for fam, parts in by_family.items()
        if parts
    }
    _drop_gap(frames)
    _notes(frames, seed_fact_expectations())
    if to_month(REVISION["period"]) <= u:
        frames[REVISIONS_FILE] = _revision(frames[REVISION["file"]])
    return {name: frames[name].reset_index(drop=True) for name in frames if not frames[name].empty}


def _monthly_parts(latent: Latent, merge: np.ndarray) -> list[tuple[str, pd.DataFrame]]:
    """(family, frame) of every monthly indicator: 63 units before the merger, 34 after."""
    ctx = latent.ctx
    split = month_index(geography.MERGER_PERIOD)
    out = []
    for ind_id, (num, den) in latent.counts.items():
        ind = catalog.indicators()[ind_id]
        k = valid_months(ind, latent)
        months = ctx.months[:k].astype(str)
        before = min(k, split)
        out.append(
            (
                ind.family,
                long_frame(
                    ctx.codes, "63", ind_id, months[:before], num[:, :before], den[:, :before]
                ),
            )
        )
        if k > split:
            after = long_frame(
                ctx.unit_codes,
                "34",
                ind_id,
                months[split:],
                merge @ num[:, split:k],
                merge @ den[:, split:k],
            )
            out.append((ind.family, after))
    return out


def _annual_parts(latent: Latent, until: pd.Period, merge: np.ndarray) -> list[pd.DataFrame]:
    """The annual digital-economy share per complete year (population-weighted after merger)."""
    ctx = latent.ctx
    years = annual_years(until)
    de = latent.digital_economy[:, : len(years)]
    parts = []
    for k, year in enumerate(years):
        period = pd.Index([str(year)])
        if geography.basis_for_period(to_period(year)) == "63":
            codes, basis, values = ctx.codes, "63", de[:, k : k + 1]
        else:
            # Weighted as ingest weighs a rate: the population of the same year.
            w = population.population_63(year).reindex(list(ctx.codes)).to_numpy(float)
            merged = (merge @ (de[:, k] * w)) / (merge @ w)
            codes, basis, values = ctx.unit_codes, "34", np.round(merged, 2)[:, None]
        parts.append(
            long_frame(codes, basis, "digital_economy_share_grdp_pct", period, None, None, values)
        )
    return parts


def _drop_gap(frames: dict[str, pd.DataFrame]) -> None:
    """Remove the one deliberately missing figure (:data:`GAP`), in place."""
    gap_file = f"{FILE_PREFIX}{catalog.indicators()[GAP['indicator']].family}.csv"
    g = frames[gap_file]
    frames[gap_file] = g[
        ~(
            (g["indicator"] == GAP["indicator"])
            & (g["basis"] == GAP["basis"])
            & (g["province"] == GAP["province"])
            & (g["period"] == GAP["period"])
        )
    ].reset_index(drop=True)


def _revision(src: pd.DataFrame) -> pd.DataFrame:
    """The row of :data:`REVISION` with a larger numerator (dossiers reported late)."""
    hit = (
        (src["indicator"] == REVISION["indicator"])
        & (src["basis"] == REVISION["basis"])
        & (src["province"] == REVISION["province"])
        & (src["period"] == REVISION["period"])
    )
    row = src[hit].copy()
    num, den = int(row["numerator"].iloc[0]), int(row["denominator"].iloc[0])
    row["numerator"] = pd.array([min(den, num + max(1, round(0.035 * den)))], dtype="Int64")
    row["note"] = (
        "Sửa số liệu: bổ sung hồ sơ trực tuyến của một huyện báo cáo muộn / "
        "revised: online dossiers of one district reported late (synthetic)"
    )
    return row.reset_index(drop=True)
