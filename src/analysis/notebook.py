"""What every notebook imports, and the one way a report notebook opens.

Notebooks start with ``from analysis.notebook import *`` (the warm engine imports this module
ahead of time, so the heavy libraries are already in memory when a warmed kernel receives its
notebook), then ``... = begin("<notebook>", globals())`` right after the parameters cell.
:func:`begin` is the only notebook-side code that reads :mod:`analysis.running.params`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import duckdb  # noqa: F401
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns  # noqa: F401
from IPython.display import HTML, Markdown, display

from analysis import forecast, paths
from analysis.analyses import commune_standings, compare, monthly, published_tables
from analysis.core import i18n
from analysis.data import store
from analysis.reference import catalog, geography
from analysis.reporting import briefing, charts, commune_pages, published_pages
from analysis.reporting.render import components
from analysis.running import params

# Only warnings known to be noise are silenced, so an analyst in ``00_explore`` still sees real
# problems. Reports never show any: the exporters drop stream output (where warnings go).
KNOWN_NOISY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    # pandas 2.x, when ``set_index`` builds an index from a column of ``pd.Period`` objects (the
    # store's period column): the result is the same PeriodIndex today and after the change.
    (FutureWarning, r"Dtype inference on a pandas object .* is deprecated"),
)
for _category, _message in KNOWN_NOISY_WARNINGS:
    warnings.filterwarnings("ignore", message=_message, category=_category)
pd.set_option("display.max_columns", 40)
WARM_RCPARAMS = plt.rcParams.copy()
"""matplotlib's settings as this import leaves them (what a fresh kernel starts with)."""


def begin(kind: str, namespace: Mapping[str, Any]) -> tuple[Any, ...]:
    """Open the report notebook ``kind`` (``"30_leadership_briefing"`` ...): its parameters
    validated as papermill injected them (``namespace`` is the notebook's ``globals()``), what
    it reads loaded, its header shown (title band, provenance, synthetic-data notice).

    Returns, by the notebook's level:

    - commune notebooks: ``(params, data, standings)``: the province's commune rows for the
      month and the month before, and the communes' standings;
    - ``25_published_figures``: ``(params, published)``: the store's published figures;
    - every other report: ``(params, results)``: the period's cached comparison and forecasts.

    Raises :class:`~analysis.running.params.ParameterError` naming every bad parameter, and
    ``ValueError`` when the unit has no figures for the month.
    """
    model = params.model_for(kind)
    if model.level == "commune":
        p, data, table = _open_communes(kind, namespace)
        _show(commune_pages.opening(kind, p, data))
        return p, data, table
    p = params.from_namespace(kind, namespace)
    charts.apply_theme()
    if kind == published_pages.NOTEBOOK:
        real = published_tables.load()
        _show(published_pages.opening(p, real))
        return p, real
    results = monthly.period_results(p.period, p.dataset)
    _show(briefing.opening(kind, p, results))
    return p, results


def _open_communes(kind: str, namespace: Mapping[str, Any]) -> tuple[Any, Any, pd.DataFrame]:
    """Commune parameters checked, the province's rows read and its standings computed (the
    period defaults to the latest month with commune figures)."""
    model = params.model_for(kind)
    given = {k: namespace[k] for k in model.model_fields if k in namespace}
    memo = _commune_memo()
    dataset = given.get("dataset") or None
    with contextlib.ExitStack() as stack:
        con = None

        def connection() -> Any:
            nonlocal con
            if con is None:
                con = stack.enter_context(store.connect())
            return con

        if ("periods", dataset) not in memo:
            memo["periods", dataset] = commune_standings.commune_periods(dataset, connection())
            memo["datasets"] = [
                r[0]
                for r in connection()
                .execute("SELECT DISTINCT dataset FROM commune_observations ORDER BY 1")
                .fetchall()
            ]
        found = memo["periods", dataset]
        p: Any = params.validate(
            kind,
            given,
            available=found[1:] if found else None,
            known_datasets=memo["datasets"],
        )
        if p.period is None:
            if found is None:
                raise params.ParameterError(
                    "no commune figures in the store: put commune files in data/raw/ and run "
                    "`python -m analysis ingest`"
                )
            p = p.model_copy(update={"period": found[2]})
        key = ("province", p.province, str(p.period), p.dataset)
        if key not in memo:
            for old in [k for k in memo if k[0] == "province"]:
                del memo[old]  # one province kept: a worker's scorecards come province by province
            data = commune_standings.load_province(
                p.province, str(p.period), p.dataset, connection()
            )
            memo[key] = (data, commune_standings.standings(data))
    data, table = memo[key]
    return p, dataclasses.replace(data, rows=data.rows.copy()), table.copy()


_COMMUNE_MEMO: dict[Any, Any] = {"store": None}


def _commune_memo() -> dict[Any, Any]:
    """What the commune notebooks read from the store, kept for the next notebook of a reused
    kernel while the store file is the same (path, inode, size, modification time).

    A worker's kernel makes one scorecard after another, mostly of one province: opening the
    store and ranking the province's communes again for each cost more than the scorecard's
    own cells. Each notebook gets its own copies of the tables.
    """
    path = paths.database_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        raise store.StoreMissing(
            f"{path} does not exist: run `python -m analysis ingest` first (or `make report`)."
        ) from None
    stamp = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if _COMMUNE_MEMO["store"] != stamp:
        _COMMUNE_MEMO.clear()
        _COMMUNE_MEMO["store"] = stamp
    return _COMMUNE_MEMO


def _show(parts: list[Any]) -> None:
    for part in parts:
        display(part)


def clear_kernel(cwd: str) -> None:
    """Make a used kernel ready for its next report (the papermill engine ``reuse``).

    What ``%reset -f`` does (every name the notebook defined, its outputs and aliases, gone),
    then :func:`restore_kernel_defaults`, the working directory, and cells counted from 1.
    IPython's reset ends with a full ``gc.collect()``: 0.1-0.2 s of CPU with pandas and
    matplotlib in memory, more than a commune scorecard's own cells, for garbage that the
    interpreter's own collections free anyway; it is skipped here.
    """
    import gc
    import os

    from IPython import get_ipython

    shell = get_ipython()
    collect = gc.collect
    gc.collect = lambda generation=2: 0  # for the reset only
    try:
        shell.reset(new_session=False)
    finally:
        gc.collect = collect
    restore_kernel_defaults()
    os.chdir(cwd)
    shell.execution_count = 1


def restore_kernel_defaults() -> None:
    """Undo what a notebook may have changed in the modules that outlive it in a reused kernel.

    The papermill engine ``reuse`` runs several reports in one kernel, clearing the namespace in
    between (``%reset -f``); global settings of imported libraries survive that, so they are put
    back here: matplotlib's figures and rcParams and pandas' display options.
    """
    plt.close("all")
    plt.rcParams.update(WARM_RCPARAMS)
    pd.reset_option("display")
    pd.set_option("display.max_columns", 40)


__all__ = [
    "HTML",
    "Markdown",
    "begin",
    "catalog",
    "compare",
    "monthly",
    "display",
    "forecast",
    "geography",
    "i18n",
    "np",
    "params",
    "pd",
    "charts",
    "plt",
    "store",
    "components",
]
