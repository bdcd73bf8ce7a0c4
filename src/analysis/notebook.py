"""Imports every notebook needs, done once per kernel (the warm engine runs this ahead of time).

Notebooks start with ``from analysis.notebook import *``: the heavy libraries are then
already in memory when a warmed kernel receives its notebook.
"""

from __future__ import annotations

import warnings

import duckdb  # noqa: F401
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns  # noqa: F401
from IPython.display import HTML, Markdown, display

from analysis import forecast
from analysis.analyses import compare, monthly
from analysis.data import store
from analysis.reference import catalog, geography
from analysis.reporting import charts, i18n
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
