# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Leadership briefing
#
# A 2-4 page briefing for one province and month: KPI cards, the target table with the
# probability of meeting each target, the rank chart, forecast fans for targets at risk, the
# tile map, what changed since last month, a method note and provenance. Rendered with
# `jupyter nbconvert --to briefing_pdf` (or by `python -m analysis run`).

# %% tags=["parameters"]
province = "nghe_an"
period = None  # YYYY-MM; None = the latest month with data
lang = "vi"
dataset = None

# %%
from analysis.notebook_support import *  # noqa: F403
from analysis import briefing

params_ = params.from_namespace("30_leadership_briefing", globals())
province, period, lang = params_.province, params_.period, params_.lang
results = analytics.period_results(period, params_.dataset)
briefing.ensure_province_has_data(results, province)
plots.apply_theme()
display(briefing.metadata(results, province, "30_leadership_briefing",
                          params_.model_dump(), lang))
if briefing.is_synthetic(results):
    display(components.synthetic_notice(lang))

# %%
display(HTML(f"<h2>{i18n.t('sections.key_figures', lang)}</h2>"))
display(components.kpi_cards(briefing.kpi_cards(results, province, lang)))

# %%
display(HTML(f"<h2>{i18n.t('sections.targets', lang)}</h2>"))
display(components.status_table(briefing.status_rows(results, province, lang), lang))

# %%
display(components.changes_list(briefing.changes(results, province, lang), lang))

# %%
display(HTML(f"<h2>{i18n.t('sections.ranking', lang)}</h2>"))
headline = next(i for i in catalog.indicators().values() if i.headline
                and i.frequency == "monthly")
comparison = results.comparison[results.comparison["indicator"] == headline.id]
fig = plots.rank_bar_chart(comparison, province, lang=lang, title=headline.name(lang))
display(fig)
plt.close(fig)

# %%
risky = briefing.at_risk(results, province).head(3)
if len(risky):
    display(HTML(f"<h2>{i18n.t('sections.attention', lang)}</h2>"))
for row in risky.itertuples():
    ind = catalog.get(row.indicator)
    fig = plots.trend_fan_chart(
        briefing.history(results, province, row.indicator),
        plots.path_from_json(row.path_json), target=row.target, deadline=row.deadline,
        title=ind.name(lang), lang=lang,
        national=briefing.national_history(results, row.indicator))
    display(fig)
    plt.close(fig)

# %%
values = comparison.set_index("province")["value"]
fig = plots.tile_map(values, highlight=province, lang=lang, title=headline.short(lang))
display(fig)
plt.close(fig)

# %%
display(components.method_note(lang))
