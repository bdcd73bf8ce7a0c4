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

# %% [markdown]
# # Explore the data
#
# An analyst's starting point: the processed store with SQL, the catalog and provinces, and an
# example of every public function. Change the parameters and re-run; nothing here writes to
# the store (it is opened read-only).

# %% tags=["parameters"]
province: str = "nghe_an"  # code, codename or name
period: str = ""  # month YYYY-MM, empty for the latest month with data
lang: str = "vi"  # vi or en
dataset: str = ""  # empty for your own data if ingested, else the demo

# %%
from analysis.notebook import *
from analysis.reporting import briefing
from analysis.data import ingest, published_press

params_ = params.from_namespace("00_explore", globals())
province, period, lang = params_.province, params_.period, params_.lang
store.store_info()

# %% [markdown]
# ## SQL over the processed store
# `observations` holds figures as reported (63 units before 2025-07, 34 after);
# `observations_34` carries the whole history onto the 34 current units.

# %%
con = store.connect()
con.sql("""
    SELECT province_name, period, numerator, denominator, round(value, 2) AS pct
    FROM observations
    WHERE indicator = 'villages_mobile_broadband_pct' AND province = 'nghe_an'
      AND period = '2023-08'
""").df()

# %%
con.sql("""
    SELECT dataset, basis, count(*) AS rows, min(period) AS first, max(period) AS last
    FROM observations GROUP BY ALL ORDER BY ALL
""").df()

# %%
con.sql("SELECT * FROM harmonization_log LIMIT 10").df()

# %%
con.sql("""
    SELECT geography_as_published, measure, year, value, rank, rank_of, source_url
    FROM published WHERE rank IS NOT NULL ORDER BY year, measure, rank LIMIT 15
""").df()

# %% [markdown]
# ## Reference data: catalog, provinces, the 2025 crosswalk, name matching

# %%
catalog.catalog_frame()[["indicator", "family", "name_vi", "unit", "aggregation"]]

# %%
catalog.targets_frame(period)

# %%
geography.provinces("34").head()

# %%
geography.crosswalk().query("new_code == '48'")

# %%
[geography.match_province(q).codename for q in ("TP.HCM", "Thừa Thiên Huế", "nghe an", "40")]

# %%
(
    ingest.parse_number("45,03%", integer=False, percent_ok=True),
    ingest.parse_number("2.852.992", integer=True),
)

# %% [markdown]
# ## Comparison and forecasts for the period

# %%
results = monthly.period_results(period, params_.dataset)
results.comparison.query("province == @province")[
    ["indicator", "value", "rank", "n_ranked", "national_value", "gap_target", "tier"]
]

# %%
compare.top_movers(results.comparison, "online_dossier_rate_pct")[
    ["province_name", "value", "change_month"]
]

# %%
compare.national_series(results.observations, "online_dossier_rate_pct").tail()

# %%
briefing.target_rows(results, province)[
    ["indicator", "last_value", "target", "deadline", "prob_target_met", "status", "model"]
]

# %% [markdown]
# A what-if target for one indicator. Forecasting every province together (`forecast_pooled`)
# calibrates the intervals on all their backtests, as the monthly batch does;
# `forecast.forecast_to_deadline(series, ...)` forecasts one series on its own.

# %%
units = sorted(results.observations["province"].unique())
fcs = forecast.forecast_pooled(
    {u: briefing.history(results, u, "eid_activation_pct") for u in units},
    "2026-12",
    target=90,
    lower=0,
    upper=100,
)
series, fc = briefing.history(results, province, "eid_activation_pct"), fcs[province]
fc.status, round(fc.prob_target_met, 2), fc.expected_completion, fc.model

# %%
charts.apply_theme()
fig = charts.trend_fan_chart(
    series,
    fc.path,
    target=90,
    deadline="2026-12",
    lang=lang,
    title=catalog.get("eid_activation_pct").name(lang),
)
charts.show(fig)

# %%
briefing.provinces_at_risk(results).head()

# %%
(
    i18n.fmt_number(1899673, lang),
    i18n.fmt_percent(45.03, lang),
    i18n.fmt_period(pd.Period("2026-10", "M"), lang),
)

# %%
con.close()
