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

from analysis.analyses import communes as ac
from analysis.reporting import commune_charts, i18n
from analysis.reporting import communes as report
from analysis.reporting.charts import show

params_, data, table = report.begin("15_commune_comparison", globals())
lang = params_.lang

# %%
display(HTML(report.heading("commune.overview", lang)))
display(HTML(report.html_table(report.summary_table(data, table, lang))))

# %%
display(HTML(report.heading("commune.distribution", lang)))
show(commune_charts.distribution_chart(table, ac.summary(data, table), lang))
display(HTML(f"<p class='small-note'>{i18n.t('commune.chart_caption', lang)}</p>"))

# %%
display(HTML(report.heading("commune.leaders", lang)))
display(HTML(report.html_table(report.leaders_table(table, lang), text_columns=3)))

# %%
display(HTML(report.heading("commune.movers", lang)))
display(HTML(report.html_table(report.movers_table(table, lang), text_columns=3)))

# %%
tiers = ac.overall_tiers(table)
display(HTML(report.heading("commune.tiers", lang)))
display(HTML(report.tiers_html(tiers, lang)))

# %%
display(HTML(report.heading("commune.annex", lang)))
display(HTML(f"<p class='small-note'>{i18n.t('commune.annex_note', lang)}</p>"))
display(HTML(report.html_table(report.annex_table(table, tiers, lang))))

# %%
display(HTML(report.method_note(lang)))
