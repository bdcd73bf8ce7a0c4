"""Imports every notebook needs, done once per kernel (the warm engine runs this ahead of time).

Notebooks start with ``from analysis.notebook_support import *``: the heavy libraries are then
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

from analysis import (
    analytics,
    catalog,
    compare,
    forecast,
    geography,
    i18n,
    params,
    plots,
    store,
)
from analysis.render import components

# Reports must never show library warnings to a leader; analysts see them in the logs.
warnings.filterwarnings("ignore")
pd.set_option("display.max_columns", 40)

__all__ = [
    "HTML",
    "Markdown",
    "analytics",
    "catalog",
    "compare",
    "display",
    "forecast",
    "geography",
    "i18n",
    "np",
    "params",
    "pd",
    "plots",
    "plt",
    "store",
    "components",
]
