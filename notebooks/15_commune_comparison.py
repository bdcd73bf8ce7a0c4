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
# # Commune comparison
#
# The communes, wards and special zones of one province compared on the commune indicators:
# the province from its communes with the spread of its communes, every commune on one chart,
# leaders and laggards, the largest changes since last month, overall tiers, and every commune's
# value and rank in an annex table.

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
period: str = ""  # month YYYY-MM, empty for the latest month with commune data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from IPython.display import HTML, display

from analysis.analyses import commune_standings
from analysis.core import i18n
from analysis.notebook import begin
from analysis.reporting import commune_charts, commune_pages
from analysis.reporting.charts import show

params_, data, table = begin("15_commune_comparison", globals())
lang = params_.lang

# %%
display(HTML(commune_pages.heading("commune.overview", lang)))
display(HTML(commune_pages.html_table(commune_pages.summary_table(data, table, lang))))

# %%
display(HTML(commune_pages.heading("commune.distribution", lang)))
show(commune_charts.distribution_chart(table, commune_standings.summary(data, table), lang))
display(HTML(f"<p class='small-note'>{i18n.t('commune.chart_caption', lang)}</p>"))

# %%
display(HTML(commune_pages.heading("commune.leaders", lang)))
display(HTML(commune_pages.html_table(commune_pages.leaders_table(table, lang), text_columns=3)))

# %%
display(HTML(commune_pages.heading("commune.movers", lang)))
display(HTML(commune_pages.html_table(commune_pages.movers_table(table, lang), text_columns=3)))

# %%
tiers = commune_standings.overall_tiers(table)
display(HTML(commune_pages.heading("commune.tiers", lang)))
display(HTML(commune_pages.tiers_html(tiers, lang)))

# %%
display(HTML(commune_pages.heading("commune.annex", lang)))
display(HTML(f"<p class='small-note'>{i18n.t('commune.annex_note', lang)}</p>"))
display(HTML(commune_pages.html_table(commune_pages.annex_table(table, tiers, lang))))

# %%
display(HTML(commune_pages.method_note(lang)))
