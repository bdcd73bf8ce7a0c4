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
# # Leadership briefing
#
# A 2-4 page briefing for one province and month: the verdict in a few sentences, KPI cards,
# the target table with the probability of meeting each target, what changed since last month,
# the real published figures, the rank chart and tile map, forecast fans for targets at risk,
# a method note and provenance. Rendered with
# `jupyter nbconvert --to briefing_pdf` (or by `python -m analysis run`).

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
import html

from analysis.reporting import briefing, briefing_changes, gaps, published_pages

params_, results = begin("30_leadership_briefing", globals())
province, period, lang = params_.province, params_.period, params_.lang

# %%
display(components.verdict_box(briefing.verdict(results, province, lang), lang))

# %%
gap_notice = gaps.gap_notice(results, province, lang)
if gap_notice is not None:
    display(gap_notice)

# %%
display(HTML(f"<h2>{i18n.t('sections.key_figures', lang)}</h2>"))
cards = briefing.kpi_cards(results, province, lang)
display(components.kpi_cards(cards))
display(components.kpi_legend(cards, lang))

# %%
display(HTML(f"<h2>{i18n.t('sections.targets', lang)}</h2>"))
display(components.status_table(briefing.status_rows(results, province, lang), lang))
done = briefing.done_note(results, province, lang)
if done:
    display(HTML(f"<p class='small-note'>{html.escape(done)}</p>"))

# %%
changed = briefing_changes.changes_section(results, province, lang)
if changed is not None:
    display(changed)

# %%
# Real published figures, marked as such: the rest of this briefing may be synthetic.
box = published_pages.briefing_box(province, lang)
if box is not None:
    display(box)

# %%
display(HTML(f"<h2>{i18n.t('sections.ranking', lang)}</h2>"))
focus = briefing.focus_indicator(results, province)
comparison = briefing.comparison(results)
comparison = comparison[comparison["indicator"] == focus]
fig = charts.rank_and_map(comparison, province, lang=lang, title=catalog.get(focus).name(lang))
charts.show(fig)

# %%
risky = briefing.at_risk(results, province).head(2)
if len(risky):
    display(HTML(f"<h2>{i18n.t('sections.attention', lang)}</h2>"))
for row in risky.itertuples():
    charts.show(
        charts.trend_fan_chart(
            briefing.history(results, province, row.indicator),
            charts.path_from_json(row.path_json),
            target=row.target,
            deadline=row.deadline,
            title=catalog.get(row.indicator).name(lang),
            national=briefing.national_history(results, row.indicator),
            lang=lang,
            figsize=(charts.A4_WIDTH, 2.6),
        )
    )

# %%
display(components.method_note(lang))
