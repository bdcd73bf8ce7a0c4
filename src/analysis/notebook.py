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

# Reports must never show library warnings to a leader; analysts see them in the logs.
warnings.filterwarnings("ignore")
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
