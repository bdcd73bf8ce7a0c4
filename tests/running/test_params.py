"""Notebook parameters: typed, validated before any kernel starts, with clear messages."""

from __future__ import annotations

import pytest

from analysis.running import params
from analysis.running.params import ParameterError

RANGE = ("2022-01", "2026-10")


@pytest.mark.parametrize(
    "given, codename",
    [
        ({"province": "40"}, "nghe_an"),
        ({"province": 40}, "nghe_an"),
        ({"province": "Nghệ An"}, "nghe_an"),
        ({"province": "Nghe An"}, "nghe_an"),
        ({"province": "TP.HCM"}, "ho_chi_minh"),
    ],
)
def test_province_by_code_codename_or_name(given, codename):
    p = params.validate("20_target_forecast", {**given, "period": "2026-10"}, available=RANGE)
    assert p.province == codename and p.period == "2026-10"


@pytest.mark.parametrize(
    "notebook, given, fragment",
    [
        ("20_target_forecast", {"provinse": "nghe_an"}, "unknown parameter 'provinse'"),
        ("20_target_forecast", {"province": ["nghe_an"]}, "parameter 'province'"),
        ("20_target_forecast", {"province": "Atlantis"}, "unknown province: 'Atlantis'"),
        ("20_target_forecast", {"period": "2030-01"}, "outside the data (2022-01 .. 2026-10)"),
        ("20_target_forecast", {"period": 202610}, "period must be text"),
        ("20_target_forecast", {"period": "Oct"}, "is not a month"),
        ("20_target_forecast", {"lang": "fr"}, "parameter 'lang' = 'fr'"),
        ("40_national_overview", {"province": "nghe_an"}, "unknown parameter 'province'"),
        ("10_province_comparison", {"indicators": ["online_dosier"]}, "unknown indicator"),
        ("99_nothing", {}, "unknown notebook '99_nothing'"),
    ],
)
def test_bad_parameters_are_refused_with_the_value_named(notebook, given, fragment):
    with pytest.raises(ParameterError) as err:
        params.validate(notebook, given, available=RANGE)
    assert fragment in str(err.value)


def test_indicator_lists_accept_aliases_and_comma_text():
    p = params.validate(
        "10_province_comparison",
        {"indicators": "online_dossier_rate, villages_mobile_broadband"},
        available=RANGE,
    )
    assert p.indicators == ["online_dossier_rate_pct", "villages_mobile_broadband_pct"]


def test_from_namespace_resolves_the_latest_period(use_demo_store):
    p = params.from_namespace(
        "30_leadership_briefing", {"province": "Nghe An", "period": None, "lang": "en", "other": 1}
    )
    assert p.period == "2026-10" and p.province == "nghe_an" and p.lang == "en"


def test_a_month_only_another_dataset_holds_is_refused_once_naming_that_dataset(monkeypatch):
    """After your own data (December) are ingested, November is the demo's: say so."""
    ranges = {"submitted": ("2026-12", "2026-12"), "demo": ("2022-01", "2026-11")}
    monkeypatch.setattr(params, "data_range", lambda ds=None, level="province": ranges[ds])
    monkeypatch.setattr(params, "datasets", lambda level="province": ["demo", "submitted"])
    with pytest.raises(ParameterError) as err:
        params.check_period("2026-11", "submitted")
    assert str(err.value) == (
        "--period 2026-11 is outside the data of dataset 'submitted' (2026-12 .. 2026-12); "
        "dataset 'demo' holds 2026-11 (2022-01 .. 2026-11): add --dataset demo"
    )
    params.check_period("2026-12", "submitted")  # in range: nothing to say
    with pytest.raises(ParameterError, match="choose a month in that range$"):
        params.check_period("2027-05", "submitted")


def _validate_one_by_one(notebook, given):
    errors = []
    for one in given:
        try:
            params.validate(notebook, one, available=RANGE, known_datasets=["demo"])
        except ParameterError as exc:
            errors.append(str(exc))
    return errors


def test_many_parameter_sets_give_the_messages_one_by_one_gives_asking_the_store_once(
    monkeypatch,
):
    from analysis.reference import communes

    asked = {"datasets": 0, "range": 0}

    def datasets(level="province"):
        asked["datasets"] += 1
        return ["demo"]

    def data_range(dataset=None, level="province"):
        asked["range"] += 1
        return RANGE

    monkeypatch.setattr(params, "datasets", datasets)
    monkeypatch.setattr(params, "data_range", data_range)
    base = {"period": "2026-10", "lang": "vi", "dataset": "demo"}
    given = [
        {**base, "province": p, "commune": c}
        for p in ("lai_chau", "nghe_an")
        for c in communes.communes(p)["codename"]
    ]
    assert len(given) > 150
    assert params.validate_many("16_commune_scorecard", given) == []
    assert asked == {"datasets": 1, "range": 1}

    bad = [
        *given[:3],
        {**base, "province": "lai_chau", "commune": "Vinh Phu"},  # a commune of another province
        {**base, "province": "lai_chau", "commune": True},
        {**base, "province": "Atlantis", "commune": "x"},
        {**base, "province": "Atlantis", "commune": "y"},
        {**base, "province": "nghe_an", "commune": "16702", "period": "2031-01"},
        {**base, "province": "nghe_an", "commune": "16702", "dataset": "nothing"},
    ]
    errors = params.validate_many("16_commune_scorecard", bad)
    assert sorted(errors) == sorted(_validate_one_by_one("16_commune_scorecard", bad))
    assert len(errors) == 6


def test_many_parameter_sets_of_a_notebook_without_communes(monkeypatch):
    monkeypatch.setattr(params, "datasets", lambda level="province": ["demo"])
    monkeypatch.setattr(params, "data_range", lambda dataset=None, level="province": RANGE)
    given = [{"province": p, "period": "2026-10"} for p in ("nghe_an", "Hà Tĩnh", "Atlantis")]
    errors = params.validate_many("30_leadership_briefing", given * 2)
    assert len(errors) == 2 and all("unknown province: 'Atlantis'" in e for e in errors)
