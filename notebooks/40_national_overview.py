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
# # National overview
#
# Every province on every indicator this month, and for each target the provinces at risk of
# missing it or off track ("one of 10 localities at risk").

# %% tags=["parameters"]
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
import html

from analysis.reporting import briefing, gaps

params_, results = begin("40_national_overview", globals())
period, lang = params_.period, params_.lang

# %%
risk = briefing.provinces_at_risk(results, lang)
display(HTML(f"<h2>{i18n.t('sections.at_risk_by_target', lang)}</h2>"))
coverage = gaps.coverage_note(results, lang)
if coverage:
    display(HTML(f"<p class='small-note'>{html.escape(coverage)}</p>"))
display(components.risk_table(risk, lang))

# %%
display(HTML(f"<h2>{i18n.t('sections.heatmap', lang)}</h2>"))
if gaps.too_few_to_group(results):
    display(HTML(f"<p>{html.escape(gaps.too_few_text(results, lang))}</p>"))
else:
    heatmap_ids = [i.id for i in catalog.indicators().values() if i.headline or i.targets]
    comparison = briefing.comparison(results)
    heatmap_rows = comparison[comparison["indicator"].isin(heatmap_ids)]
    fig = charts.heatmap(heatmap_rows, lang=lang)
    charts.show(fig)

# %%
display(HTML(f"<h2>{i18n.t('sections.all_values', lang)}</h2>"))
for title, table in briefing.value_tables(results, lang):
    display(HTML(f"<h3>{html.escape(title)}</h3>"))
    display(HTML(table.to_html(index=False, escape=True, classes="data-table compact")))

# %%
display(HTML(gaps.completeness_section(results, lang)))

# %%
display(components.method_note(lang))
