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
# The country in two minutes, for the national working group: the verdict on every target due
# this year (the country's value, its forecast to the deadline and the probability it meets
# the target, and the units by status), every unit's status on every target, and what changed
# since last month. Every value goes to the spreadsheet annex `40_national_overview.xlsx`,
# written beside this report by the run.

# %% tags=["parameters"]
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
import html

from analysis.reporting import gaps, national_pages

params_, results = begin("40_national_overview", globals())
period, lang = params_.period, params_.lang

# %%
display(components.verdict_box(national_pages.verdict_sentences(results, lang), lang))
coverage = gaps.coverage_note(results, lang)
if coverage:
    display(HTML(f"<p class='small-note'>{html.escape(coverage)}</p>"))
year = results.period.year
display(HTML(f"<h3>{html.escape(i18n.t('overview.targets_due', lang, year=year))}</h3>"))
display(components.verdict_table(national_pages.verdict_rows(results, lang), lang))

# %%
display(HTML(f"<h2>{html.escape(i18n.t('overview.matrix', lang))}</h2>"))
charts.show(
    charts.status_matrix(
        national_pages.matrix_cells(results),
        national_pages.official_order(),
        national_pages.matrix_columns(results, lang),
        lang=lang,
    )
)

# %%
display(national_pages.changes_html(results, lang))
display(HTML(gaps.completeness_section(results, lang)))

# %%
display(HTML(f"<p class='small-note'>{html.escape(national_pages.annex_note(lang))}</p>"))
display(components.method_note(lang))
