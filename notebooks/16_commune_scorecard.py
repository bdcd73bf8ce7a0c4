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

# %%

# %% [markdown] tags=["remove-cell"]
# # Commune scorecard
#
# One A4 page for one commune, ward or special zone: its figures for the month, the change since
# last month, its rank among the province's communes, its tier and whether it meets each
# target. Light on purpose (no model fits, one province's rows read, no matplotlib): a month
# has 3,321 of them.

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
commune: str = "16702"  # commune code, codename or name within the province
period: str = ""  # month YYYY-MM, empty for the latest month with commune data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from IPython.display import HTML, display

from analysis.analyses import commune_standings
from analysis.notebook import begin
from analysis.reporting import commune_pages
from analysis.reporting.render import components

params_, data, table = begin("16_commune_scorecard", globals())
lang, rows = params_.lang, commune_standings.scorecard(table, params_.commune)

# %%
display(components.kpi_cards(commune_pages.scorecard_cards(rows, data.period, lang)))

# %%
display(HTML(commune_pages.heading("commune.figures", lang)))
display(HTML(commune_pages.scorecard_table(rows, table, lang)))

# %%
display(HTML(commune_pages.method_note(lang)))
