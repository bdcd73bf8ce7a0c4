"""Charts: every function in both languages on a synthetic 34-province dataset.

Set ``PLOTS_PREVIEW_DIR`` to also write the PNGs there for a visual check.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import forecast
from analysis.analyses import compare
from analysis.reference import geography
from analysis.reporting import charts

PERIOD = "2026-10"
MAIN = "online_dossier_rate_pct"
HEATMAP_INDICATORS = [
    "villages_mobile_broadband_pct",
    "households_fibre_pct",
    "online_dossier_rate_pct",
    "online_dossier_rate_essential_services_pct",
    "full_process_online_services_pct",
    "online_payment_rate_pct",
    "eid_activation_pct",
    "civil_status_digitization_pct",
    "land_records_digitized_pct",
    "health_insurance_qr_scan_pct",
    "dx_plan_tasks_done_pct",
    "dx_plan_tasks_overdue_pct",
]
NO_DATA = {"lai_chau", "dien_bien"}  # no figure for MAIN in PERIOD


def _synthetic_obs() -> pd.DataFrame:
    """Monthly figures 2023-01..2026-10 for 34 provinces; a few holes on purpose."""
    rng = np.random.default_rng(42)
    prov = geography.provinces("34")
    periods = pd.period_range("2023-01", PERIOD, freq="M")
    t = np.arange(len(periods)) / len(periods)
    rows = []
    for k, ind in enumerate(HEATMAP_INDICATORS):
        overdue = ind.endswith("overdue_pct")
        for p in prov.itertuples():
            start = rng.uniform(5, 60) if not overdue else rng.uniform(10, 35)
            gain = rng.uniform(10, 45) if not overdue else -rng.uniform(2, 20)
            values = np.clip(start + gain * t + rng.normal(0, 1.2, len(t)), 0.5, 99.8)
            den = float(rng.integers(2_000, 90_000))
            for period, v in zip(periods, values, strict=True):
                if ind == MAIN and p.codename in NO_DATA and period == pd.Period(PERIOD):
                    continue
                if k % 5 == 4 and p.codename == "cao_bang" and period == pd.Period(PERIOD):
                    continue  # a few empty heatmap cells
                num = round(v / 100 * den)
                rows.append(
                    {
                        "province": p.codename,
                        "province_code": p.code,
                        "indicator": ind,
                        "period": period,
                        "freq": "M",
                        "numerator": float(num),
                        "denominator": den,
                        "value": 100.0 * num / den,
                        "is_weighted": False,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return _synthetic_obs()


@pytest.fixture(scope="module")
def comparison(obs) -> pd.DataFrame:
    return compare.compare_indicator(obs, MAIN, PERIOD)


@pytest.fixture(scope="module")
def comparison_all(obs) -> pd.DataFrame:
    return compare.compare_period(obs, PERIOD, HEATMAP_INDICATORS)


def _save(fig: Figure, tmp_path: Path, name: str) -> Path:
    out = tmp_path / f"{name}.png"
    fig.savefig(out, dpi=100, bbox_inches="tight")
    assert out.stat().st_size > 5_000
    preview = os.environ.get("PLOTS_PREVIEW_DIR")
    if preview:
        Path(preview).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(preview) / out.name, dpi=150, bbox_inches="tight")
    return out


def _hex(color) -> str:
    return mcolors.to_hex(color).lower()


# --- tile grid --------------------------------------------------------------------------------


def test_tile_grid_covers_the_34_units_once():
    codenames = set(geography.provinces("34")["codename"])
    assert set(charts.TILE_GRID) == codenames
    assert len(charts.TILE_GRID) == 34
    tiles = list(charts.TILE_GRID.values())
    assert len(set(tiles)) == len(tiles), "two units on the same tile"
    assert set(charts.TILE_ABBR) == codenames
    assert len(set(charts.TILE_ABBR.values())) == 34, "abbreviations must be unique"


def test_tile_grid_follows_the_map_roughly():
    g = charts.TILE_GRID
    assert g["ha_noi"][0] < g["da_nang"][0] < g["ho_chi_minh"][0] < g["ca_mau"][0]
    assert g["cao_bang"][0] == 0 and g["ca_mau"][0] == max(r for r, _ in g.values())
    assert g["quang_ninh"][1] > g["ha_noi"][1]  # north-east of Hà Nội
    for a, b in [
        ("hue", "da_nang"),
        ("quang_tri", "hue"),
        ("dong_nai", "ho_chi_minh"),
        ("can_tho", "vinh_long"),
        ("quang_ninh", "hai_phong"),
    ]:
        (ra, ca), (rb, cb) = g[a], g[b]
        assert abs(ra - rb) + abs(ca - cb) == 1, f"{a} and {b} should share an edge"


# --- helpers ----------------------------------------------------------------------------------


def test_path_from_json_round_trip():
    idx = pd.period_range("2024-01", "2026-10", freq="M")
    history = pd.Series(np.linspace(30, 55, len(idx)), index=idx)
    res = forecast.forecast_to_deadline(
        history, "2026-12", target=60, lower=0, upper=100, n_paths=200
    )
    import json

    text = json.dumps(res.to_dict()["path"])
    path = charts.path_from_json(text)
    assert isinstance(path.index, pd.PeriodIndex) and path.index.freqstr == "M"
    assert list(path.columns) == ["mean", "lower", "upper"]
    np.testing.assert_allclose(path["mean"].to_numpy(), res.path["mean"].to_numpy())
    assert charts.path_from_json(None).empty and charts.path_from_json("[]").empty
    assert charts.path_from_json(float("nan")).empty and charts.path_from_json("").empty


def test_fmt_value_uses_the_decimal_comma():
    assert charts.fmt_value(45.03, "vi", "%", 2) == "45,03%"
    assert charts.fmt_value(45.03, "en", "%", 2) == "45.03%"
    assert charts.fmt_value(None, "vi") == "—"


def test_theme_is_applied_only_around_calls(comparison):
    before = dict(mpl.rcParams)
    charts.rank_bar_chart(comparison, "nghe_an")
    assert mpl.rcParams["figure.dpi"] == before["figure.dpi"]
    assert mpl.rcParams["font.sans-serif"] == before["font.sans-serif"]
    charts.apply_theme()
    try:
        assert mpl.rcParams["savefig.dpi"] == 150
        assert not mpl.rcParams["axes.spines.top"]
        assert mpl.rcParams["font.sans-serif"][0] in ("Noto Sans", "DejaVu Sans")
    finally:
        mpl.rcParams.update(before)


def test_status_palette_colours_every_report_status():
    from analysis.reference.targets import FORECAST_STATUSES, REPORT_STATUSES

    colours = charts.STATUS_COLORS
    assert set(colours) == set(REPORT_STATUSES)
    assert set(charts.STATUS_ORDER) == set(FORECAST_STATUSES)
    assert colours["missed"] == colours["off_track"]
    late, on_time = (np.array(mcolors.to_rgb(colours[s])) for s in ("achieved_late", "achieved"))
    assert late.argmax() == 1 and late.sum() > on_time.sum()  # a lighter green
    for status in ("insufficient_history", "no_target", "no_data"):
        r, g, b = mcolors.to_rgb(colours[status])
        assert max(r, g, b) - min(r, g, b) < 0.12, status  # a grey


def test_status_bar_colours_report_statuses_from_the_palette():
    statuses = ["achieved", "achieved_late", "missed", "missed", "insufficient_history"]
    fig = charts.status_bar(pd.Series(statuses), lang="en")
    ax = fig.axes[0]
    colours = [_hex(p.get_facecolor()) for p in ax.patches]
    order = [*charts.STATUS_ORDER, "achieved_late", "missed", "insufficient_history"]
    assert colours == [charts.STATUS_COLORS[s] for s in order]
    assert [p.get_width() for p in ax.patches] == [1, 0, 0, 0, 1, 2, 1]


# --- charts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_rank_bar_chart(comparison, tmp_path, lang):
    fig = charts.rank_bar_chart(
        comparison,
        "nghe_an",
        lang=lang,
        title="Hồ sơ trực tuyến" if lang == "vi" else "Online dossiers",
    )
    assert isinstance(fig, Figure) and fig.axes
    ax = fig.axes[0]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("bar:")]
    assert len(bars) == 34 - len(NO_DATA)
    orange = [p for p in bars if _hex(p.get_facecolor()) == charts.HIGHLIGHT]
    assert [p.get_gid() for p in orange] == ["bar:nghe_an"]
    # Best on top: the first row is rank 1 (y axis inverted).
    ranked = comparison.dropna(subset=["value"]).sort_values("rank")
    top_bar = min(bars, key=lambda p: p.get_y())
    assert top_bar.get_gid() == f"bar:{ranked.iloc[0]['province']}"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 34 and any("Nghệ An" in s for s in labels)
    texts = [t.get_text() for t in ax.texts]
    assert ("Chưa có số liệu" if lang == "vi" else "No data") in texts
    national = comparison["national_value"].iloc[0]
    sep = "," if lang == "vi" else "."
    assert any(f"{national:.1f}".replace(".", sep) in s for s in texts)
    _save(fig, tmp_path, f"rank_bar_{lang}")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_trend_fan_chart(obs, tmp_path, lang):
    rows = obs[(obs["indicator"] == MAIN) & (obs["province"] == "nghe_an")]
    history = rows.set_index("period")["value"].sort_index()
    res = forecast.forecast_to_deadline(
        history, "2026-12", target=60, lower=0, upper=100, n_paths=200
    )
    nat = compare.national_series(obs, MAIN).set_index("period")["value"]
    fig = charts.trend_fan_chart(
        history,
        res.path,
        target=60,
        deadline="2026-12",
        lang=lang,
        national=nat,
        level=res.level,
        series_label="Nghệ An",
        title="Nghệ An",
    )
    assert isinstance(fig, Figure) and fig.axes
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    merger = "34 tỉnh, thành từ 07/2025" if lang == "vi" else "34 units from 07/2025"
    assert merger in texts
    legend = [t.get_text() for t in (fig.legends or [ax.get_legend()])[0].get_texts()]
    assert any(("Mục tiêu" if lang == "vi" else "Target") in s for s in legend)
    _save(fig, tmp_path, f"trend_fan_{lang}")

    # From a batch row's path_json, without national series or target; and with no forecast.
    path = charts.path_from_json(
        '[{"period":"2026-11","mean":62.0,"lower":60.0,"upper":64.5},'
        '{"period":"2026-12","mean":63.1,"lower":60.2,"upper":66.4}]'
    )
    assert isinstance(charts.trend_fan_chart(history, path, lang=lang), Figure)
    assert isinstance(charts.trend_fan_chart(history, None, lang=lang), Figure)
    assert isinstance(charts.trend_fan_chart(pd.Series(dtype=float), None, lang=lang), Figure)


@pytest.mark.parametrize(("value", "lang"), [("tier", "vi"), ("tier", "en"), ("value", "vi")])
def test_heatmap(comparison_all, tmp_path, value, lang):
    fig = charts.heatmap(comparison_all, lang=lang, value=value, highlight="nghe_an")
    assert isinstance(fig, Figure) and fig.axes
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert len(names) == 34
    assert names[0] in set(geography.provinces("34").query("region == 'NMM'")["name"])
    assert len(ax.get_xticklabels()) == len(HEATMAP_INDICATORS)
    cells = [t.get_text() for t in ax.texts]
    if lang == "vi":
        assert any("," in c for c in cells) and not any("." in c for c in cells)
    assert "—" in cells  # the missing cells
    w, _h = fig.get_size_inches()
    assert w <= charts.A4_WIDTH + 0.01
    _save(fig, tmp_path, f"heatmap_{value}_{lang}")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tile_map(comparison, tmp_path, lang):
    values = comparison.set_index("province")["value"]
    fig = charts.tile_map(
        values,
        highlight="nghe_an",
        lang=lang,
        title="Hồ sơ trực tuyến",
        legend_label="Hồ sơ trực tuyến (%)",
    )
    assert isinstance(fig, Figure) and fig.axes
    ax = fig.axes[0]
    tiles = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("tile:")}
    assert len(tiles) == 34
    assert _hex(tiles["tile:nghe_an"].get_edgecolor()) == charts.HIGHLIGHT
    assert tiles["tile:lai_chau"].get_hatch()  # no data: hatched
    assert not tiles["tile:ha_noi"].get_hatch()
    texts = {t.get_text() for t in ax.texts}
    assert {"HN", "HCM", "NA", "Huế"} <= texts
    _save(fig, tmp_path, f"tile_map_{lang}")
    with pytest.raises(KeyError):
        charts.tile_map({"atlantis": 1.0})


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_status_bar(tmp_path, lang):
    batch = pd.DataFrame(
        {"status": ["achieved"] * 3 + ["on_track"] * 5 + ["at_risk"] * 2 + ["off_track"]}
    )
    fig = charts.status_bar(batch, lang=lang)
    assert isinstance(fig, Figure) and fig.axes
    ax = fig.axes[0]
    colors = [_hex(p.get_facecolor()) for p in ax.patches]
    assert colors == [charts.STATUS_COLORS[s] for s in charts.STATUS_ORDER]
    assert [p.get_width() for p in ax.patches] == [3, 5, 2, 1]
    _save(fig, tmp_path, f"status_bar_{lang}")


def test_charts_draw_into_a_given_axes(comparison):
    fig = Figure(figsize=(charts.A4_WIDTH, 6))
    ax1, ax2 = fig.subplots(1, 2)
    assert charts.rank_bar_chart(comparison, "ha_noi", ax=ax1) is fig
    assert charts.tile_map(comparison.set_index("province")["value"], ax=ax2) is fig


def test_text_keeps_the_theme_font_after_the_call(comparison):
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = charts.rank_bar_chart(comparison, "nghe_an")
    FigureCanvasAgg(fig).draw()  # drawn outside the theme's rc_context
    ax = fig.axes[0]
    family = charts.register_fonts()
    for text in [ax.texts[0], ax.get_yticklabels()[0], ax.get_xticklabels()[0]]:
        found = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        assert family.replace(" ", "") in Path(found).name.replace(" ", "")


def test_trend_fan_chart_annual_series(tmp_path):
    history = pd.Series([8.1, 9.4, 11.0, 12.6], index=pd.period_range("2022", "2025", freq="Y"))
    path = charts.path_from_json(
        '[{"period":"2026","mean":13.5,"lower":12.0,"upper":15.0},'
        '{"period":"2030","mean":18.0,"lower":12.0,"upper":25.0}]'
    )
    assert path.index.freqstr.startswith("Y")
    fig = charts.trend_fan_chart(history, path, target=30, deadline="2030", lang="vi")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["2022", "2023"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Mục tiêu 30% (2030)" in legend
    _save(fig, tmp_path, "trend_fan_annual_vi")


def _chart_message_keys() -> set[str]:
    """Every message key the chart modules ask for: literal keys and the f-string families."""
    import re

    source = "\n".join(p.read_text() for p in Path(charts.__file__).parent.glob("*.py"))
    keys = set(re.findall(r"\"((?:plots|status)\.[a-z0-9_]+)\"", source))
    keys |= {f"plots.tier_{k}" for k in (1, 2, 3, 4)}  # heatmap legend: f"plots.tier_{k}"
    keys |= {"plots.hoang_sa", "plots.truong_sa"}  # tile map islands: f"plots.{key}"
    keys |= {f"status.{s}" for s in charts.STATUS_ORDER}  # status bar: f"status.{s}"
    return keys


def test_every_chart_label_is_in_the_catalog_in_both_languages():
    from analysis.core import i18n

    keys = _chart_message_keys()
    assert len(keys) > 20, keys  # the scan found the charts' keys
    for key in sorted(keys):
        for lang in ("vi", "en"):
            assert i18n.t(
                key, lang, value="1", deadline="2026", level="80%", name="A", rank=1, n=3, units=34
            ).strip(), (key, lang)


# --- what the charts say ----------------------------------------------------------------------


def _ticks_by_label(ax) -> dict[str, float]:
    return {t.get_text(): x for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)}


def test_merger_line_falls_at_july_2025_on_an_annual_axis():
    history = pd.Series([8.1, 9.4, 11.0, 12.6], index=pd.period_range("2022", "2025", freq="Y"))
    path = charts.path_from_json(
        '[{"period":"2026","mean":13.5,"lower":12.0,"upper":15.0},'
        '{"period":"2030","mean":18.0,"lower":12.0,"upper":25.0}]'
    )
    ax = charts.trend_fan_chart(history, path, target=30, deadline="2030").axes[0]
    ticks = _ticks_by_label(ax)
    (merger,) = [line for line in ax.lines if line.get_gid() == "merger"]
    x = merger.get_xdata()[0]
    # 07/2025 is six twelfths of the way from the tick 2025 to the tick 2026.
    assert x == pytest.approx(ticks["2025"] + 6 / 12 * (ticks["2026"] - ticks["2025"]))


def test_merger_line_stays_at_july_2025_on_a_monthly_axis(obs):
    rows = obs[(obs["indicator"] == MAIN) & (obs["province"] == "nghe_an")]
    history = rows.set_index("period")["value"].sort_index()
    ax = charts.trend_fan_chart(history, None).axes[0]
    (merger,) = [line for line in ax.lines if line.get_gid() == "merger"]
    assert merger.get_xdata()[0] == pd.Period("2025-07", freq="M").ordinal


def _line_labels(fig: Figure):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    words = ("Cả nước", "Mục tiêu", "National", "Target")
    labels = [t for t in ax.texts if t.get_text().startswith(words)]
    renderer = fig.canvas.get_renderer()
    return ax, [t.get_bbox_patch().get_window_extent(renderer) for t in labels]


@pytest.mark.parametrize(
    ("national", "target"), [(89.8, 90.0), (90.2, 90.0), (99.8, 100.0), (97.0, 100.0), (95, 90)]
)
@pytest.mark.parametrize("chart", ["rank_bar_chart", "rank_and_map"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_national_and_target_labels_never_overlap(comparison, chart, national, target, lang):
    rows = comparison.assign(national_value=national, target=target)
    fig = getattr(charts, chart)(rows, "nghe_an", lang=lang)
    ax, (a, b) = _line_labels(fig)
    assert not a.overlaps(b), (a, b)
    # Within the bars' axes: in the briefing figure they must not run into the map.
    right = ax.get_window_extent().x1 + 1
    assert a.x1 <= right and b.x1 <= right


def _tied_comparison(comparison: pd.DataFrame, n_tied: int) -> pd.DataFrame:
    """The first ``n_tied`` ranked provinces at 100 %, ranked as compare ranks ties."""
    rows = comparison.dropna(subset=["value"]).sort_values("rank").copy()
    rows.iloc[:n_tied, rows.columns.get_loc("value")] = 100.0
    rows["rank"] = rows["value"].rank(method="min", ascending=False).astype("Int64")
    return rows


@pytest.mark.parametrize(
    ("lang", "tied_label", "single_label"),
    [("vi", "(đồng hạng 1)", "{rank}. "), ("en", "(tied 1st)", "{rank}. ")],
)
def test_shared_rank_says_it_is_shared(comparison, lang, tied_label, single_label):
    rows = _tied_comparison(comparison, 29)
    ax = charts.rank_bar_chart(rows, "nghe_an", lang=lang).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sum(tied_label in s for s in labels) == 29
    rest = rows.sort_values(["rank", "value"]).iloc[29:]
    for label, rank in zip(labels[29:], rest["rank"], strict=True):
        assert label.startswith(single_label.format(rank=rank)) and "(" not in label


def test_unique_ranks_are_written_plainly(comparison):
    ax = charts.rank_bar_chart(comparison, "nghe_an", lang="vi").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not any("đồng hạng" in s for s in labels)
    assert labels[0].startswith("1. ")


def test_rank_word_in_english_ordinals():
    from analysis.reporting.charts.labels import rank_word

    words = [rank_word(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)]
    assert words == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
        "111th",
    ]
    assert rank_word(1, "vi") == "1"


@pytest.mark.parametrize("chart", ["rank_bar_chart", "rank_and_map"])
def test_national_line_from_a_few_provinces_is_not_called_national(comparison, chart):
    """3 of 34 units reporting: the line is their mean, said so, never "Cả nước"."""
    rows = comparison.copy()
    keep = rows["province"].isin(["nghe_an", "ha_noi", "ho_chi_minh"])
    rows.loc[~keep, "value"] = float("nan")
    rows = compare.with_coverage(rows).assign(national_value=81.3)
    ax = getattr(charts, chart)(rows, "nghe_an", lang="vi").axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert not any(s.startswith("Cả nước") for s in texts), texts
    assert any(s.startswith("TB 3/34 tỉnh, thành báo cáo") for s in texts), texts
    full = comparison.assign(national_value=81.3)
    ax = getattr(charts, chart)(full, "nghe_an", lang="vi").axes[0]
    assert any(t.get_text().startswith("Cả nước") for t in ax.texts)


def test_heatmap_names_cities_as_officials_write_them(comparison_all):
    ax = charts.heatmap(comparison_all, lang="vi").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "TP. Hồ Chí Minh" in labels and "TP. Hà Nội" in labels
    assert "Hồ Chí Minh" not in labels and "Nghệ An" in labels


# --- one or a few units reporting ---------------------------------------------------------------


def _only(comparison: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    rows = comparison.copy()
    rows.loc[~rows["province"].isin(keep), "value"] = float("nan")
    rows["rank"] = rows["value"].rank(method="min", ascending=False)
    return compare.with_coverage(rows)


def test_one_unit_reporting_says_no_data_once_and_ranks_no_one(comparison):
    rows = _only(comparison, {"nghe_an"}).assign(national_value=60.0)
    ax = charts.rank_bar_chart(rows, "nghe_an", lang="vi").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Nghệ An", "33 tỉnh, thành chưa có số liệu"]
    texts = [t.get_text() for t in ax.texts]
    assert "Chưa có số liệu" not in texts  # not once a row, 33 times
    assert not any(t.startswith(("TB ", "Cả nước")) for t in texts)  # no "average" of one
    en = charts.rank_bar_chart(rows, "nghe_an", lang="en").axes[0]
    assert [t.get_text() for t in en.get_yticklabels()][-1] == "33 provinces without data"


def test_a_few_units_missing_are_still_named_one_a_row(comparison):
    rows = _only(comparison, set(comparison["province"]) - {"ca_mau", "hue"})
    ax = charts.rank_bar_chart(rows, "nghe_an").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Two more without data in the fixture (NO_DATA): four, each on its own row.
    assert labels[-4:] == ["Cà Mau", "Điện Biên", "Lai Châu", "TP. Huế"], labels[-4:]
    assert labels[0].startswith("1. ")
    assert [t.get_text() for t in ax.texts].count("Chưa có số liệu") == 4


def test_tile_map_scale_stays_within_the_indicator_range(comparison):
    values = {"nghe_an": 100.0}
    fig = charts.tile_map(values, lang="vi", bounds=(0.0, 100.0))
    (cbar,) = fig.axes[0].child_axes
    fig.draw_without_rendering()
    ticks = [t.get_text() for t in cbar.get_xticklabels()]
    assert ticks == ["99%", "100%"], ticks
    assert cbar.get_xlim()[1] <= 100.0
    rows = _only(comparison, {"nghe_an"})
    rows.loc[rows["province"] == "nghe_an", "value"] = 100.0
    both = charts.rank_and_map(rows, "nghe_an", lang="vi")
    (cbar,) = both.axes[1].child_axes
    assert cbar.get_xlim()[1] <= 100.0 and list(cbar.get_xticks()) == [99.0, 100.0]


def test_a_one_point_trend_lists_only_what_is_drawn():
    one = pd.Series([82.78], index=pd.PeriodIndex(["2026-12"], freq="M"))
    fig = charts.trend_fan_chart(one, None, target=90, deadline="2026-12", lang="vi")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Thực tế", "Mục tiêu 90% (12/2026)"], labels
    # A path of one point at the last observation: a point, and no band (nothing to fill).
    path = charts.path_from_json('[{"period":"2026-12","mean":85,"lower":85,"upper":85}]')
    fig = charts.trend_fan_chart(one, path, target=90, deadline="2026-12", lang="vi")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Khoảng dự báo" not in labels and "Dự báo" in labels
    (point,) = [h for h in fig.legends[0].legend_handles if h.get_label() == "Dự báo"]
    assert point.get_linestyle() == "None" and point.get_marker() == "o"


def _pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def _savefig_png(fig: Figure, dpi: int) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


@pytest.mark.parametrize("chart", ["rank_and_map", "trend", "outside"])
def test_a_chart_drawn_once_is_the_png_savefig_makes(comparison, obs, chart):
    """Same size and same picture as ``savefig(bbox_inches="tight")`` (which draws twice), to
    within antialiasing at the edges of a one-pixel shift."""
    from analysis.reporting.charts.output import png_bytes

    def build() -> Figure:
        if chart == "rank_and_map":  # a title at the very left: padded past the figure's edge
            return charts.rank_and_map(comparison, "nghe_an", lang="vi", title="Tỉ lệ hồ sơ")
        fig = charts.trend_fan_chart(
            obs[(obs["province"] == "nghe_an") & (obs["indicator"] == MAIN)]
            .set_index("period")["value"]
            .rename(None),
            None,
            lang="vi",
        )
        if chart == "outside":  # drawn beyond the figure: savefig's own crop, exactly
            fig.text(-0.2, 0.5, "ngoài khung")
        return fig

    once, twice = build(), build()
    dpi_before = once.dpi
    new, old = _pixels(png_bytes(once, 120)), _pixels(_savefig_png(twice, 120))
    assert new.shape == old.shape
    assert np.abs(new - old).mean() < 3.0
    assert once.dpi == dpi_before
    if chart == "outside":
        assert (new == old).all()
