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
# # Will each target be met?
#
# Every target the province tracks this month: current value, target and deadline, the
# probability of meeting it, the month it is expected to be reached, the pace needed from now
# on against the current pace, and the status; then the trend and forecast fan of each.
# Forecasts come from `analysis.forecast` (cached per data version and period).

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
import html

from analysis.reporting import briefing

params_, results = begin("20_target_forecast", globals())
province, period, lang = params_.province, params_.period, params_.lang

# %%
display(HTML(f"<h2>{i18n.t('sections.targets', lang)}</h2>"))
display(components.status_table(briefing.status_rows(results, province, lang), lang))

# %%
targets = briefing.target_rows(results, province)
table = briefing.forecast_table(results, province, lang)
# The model in the page's language and in one short sentence (the engine's `model` is English).
table[i18n.t("table.model", lang)] = [
    forecast.describe_model(spec, lang) for spec in targets.get("model_spec", [])
]
display(HTML(table.to_html(index=False, escape=True, classes="data-table")))

# %%
display(HTML(f"<h2>{i18n.t('sections.trends', lang)}</h2>"))
drawn, not_drawn = briefing.trend_targets(results, province, lang)
if not_drawn:
    display(HTML(f"<p class='small-note'>{html.escape(not_drawn)}</p>"))
for row in drawn.itertuples():
    ind = catalog.get(row.indicator)
    fig = charts.trend_fan_chart(
        briefing.history(results, province, row.indicator),
        charts.path_from_json(row.path_json),
        target=row.target,
        deadline=row.deadline,
        title=ind.name(lang),
        lang=lang,
        national=briefing.national_history(results, row.indicator),
    )
    charts.show(fig)

# %%
display(components.method_note(lang))
