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
# # Province comparison
#
# Where does a province stand against the other 33 on each indicator: rank x/34 with the change
# since last month and last year, the national and regional values (summed numerators over
# summed denominators), the gap to the target, quartile tier, its regional peers and the top
# movers.

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
period: str = ""  # month YYYY-MM, empty for the latest month with data
indicators: list = []  # catalog ids, empty for the headline indicators
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
from analysis.reporting import briefing

params_, results = begin("10_province_comparison", globals())
province, period, lang = params_.province, params_.period, params_.lang
chosen = params_.indicators or [i.id for i in catalog.indicators().values() if i.headline]

# %%
summary = briefing.comparison_summary(results, province, chosen, lang)
display(HTML(summary.to_html(index=False, escape=True, classes="data-table")))

# %%
comparison = briefing.comparison(results)
for ind_id in chosen:
    rows = comparison[comparison["indicator"] == ind_id]
    if rows["value"].notna().sum() == 0:
        continue
    fig = charts.rank_bar_chart(rows, province, lang=lang, title=catalog.get(ind_id).name(lang))
    charts.show(fig)

# %%
display(HTML(f"<h2>{i18n.t('sections.peers', lang)}</h2>"))
peers = briefing.peer_table(results, province, chosen, lang)
display(HTML(peers.to_html(index=False, escape=True, classes="data-table")))

# %%
display(HTML(f"<h2>{i18n.t('sections.movers', lang)}</h2>"))
movers = briefing.movers_table(results, chosen, lang)
display(HTML(movers.to_html(index=False, escape=True, classes="data-table")))

# %%
first = chosen[0]
values = comparison[comparison["indicator"] == first].set_index("province")
fig = charts.tile_map(
    values["value"], highlight=province, lang=lang, title=catalog.get(first).short(lang)
)
charts.show(fig)
