# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # Published figures
#
# The real figures published by government portals, for one province or the whole country:
# the DTI 2022-2024 of the former provinces (published, rank of 63) and of the unit (derived,
# rank of 34), Index 766 of 2026 so far (rank of 34, each group against its maximum, the
# national block), Index 766 by year 2022-2024 on the 34 units, and the monthly national
# series. Every section names its source. Nothing here is synthetic. Rendered with
# `jupyter nbconvert --to briefing_pdf` (or by `python -m analysis run`).

# %% tags=["parameters"]
province: str = "national"  # code, codename or name of a province, or "national"
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # recorded with the outputs; the published figures are the same for all

# %%
from analysis.notebook import *

from analysis.reporting import published_pages

params_, real = begin("25_published_figures", globals())
province, period, lang = params_.province, params_.period, params_.lang

# %%
if not real.empty:
    for part in published_pages.dti_section(real, province, lang):
        display(part)

# %%
if not real.empty:
    for part in published_pages.index766_section(real, province, period, lang):
        display(part)

# %%
if not real.empty:
    for part in published_pages.annual_section(real, province, lang):
        display(part)

# %%
if not real.empty:
    for part in published_pages.months_section(real, lang):
        display(part)
