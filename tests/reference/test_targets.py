"""The one rule for "target met", tested at its edge, and the calendar at the deadline."""

import numpy as np
import pandas as pd
import pytest

from analysis.reference.targets import (
    AT_RISK_PROBABILITY,
    AWAITING,
    FORECAST_STATUSES,
    INSUFFICIENT_HISTORY,
    MET_AT_RISK,
    MET_LATE,
    MISSED,
    ON_TRACK_PROBABILITY,
    SEVERITY,
    deadline_reached,
    has_probability,
    meets_target,
    required_pace,
    status_at_deadline,
    status_label,
    target_status,
)


def test_float_noise_meets_the_target():
    assert meets_target(0.1 + 0.2, 0.3)
    assert meets_target(100 - 1e-12, 100)


def test_a_value_that_rounds_to_the_target_does_not_meet_it():
    assert not meets_target(84.996, 85.0)
    assert not meets_target(99.9999, 100.0)


def test_lower_is_better():
    assert meets_target(4.0, 5.0, higher_is_better=False)
    assert meets_target(5.0 + 1e-12, 5.0, higher_is_better=False)
    assert not meets_target(5.01, 5.0, higher_is_better=False)


def test_nan_never_meets():
    assert not meets_target(np.nan, 10.0)


def test_element_wise_keeps_the_index():
    s = pd.Series([84.9, 85.0, 90.0], index=["a", "b", "c"])
    out = meets_target(s, 85.0)
    assert out.tolist() == [False, True, True]
    assert list(out.index) == ["a", "b", "c"]


def test_forecast_statuses_best_first():
    assert FORECAST_STATUSES == ("achieved", "on_track", "at_risk", "off_track")


# --- the calendar at the deadline ----------------------------------------------------------


def _months(*labels: str) -> list[pd.Period]:
    return [pd.Period(m, "M") for m in labels]


DEADLINE = pd.Period("2026-12", "M")


def test_met_on_time_by_the_deadline_figure_or_the_last_one_before_it():
    status, done = status_at_deadline(_months("2026-10", "2026-12"), [88, 91], DEADLINE, 90)
    assert (status, done) == ("achieved", pd.Period("2026-12", "M"))
    # The deadline month's figure is not in, but November already met the target.
    status, done = status_at_deadline(_months("2026-10", "2026-11"), [91, 92], DEADLINE, 90)
    assert (status, done) == ("achieved", pd.Period("2026-10", "M"))


def test_met_late_when_only_a_figure_after_the_deadline_meets_it():
    periods = _months("2026-11", "2026-12", "2027-01", "2027-02")
    status, done = status_at_deadline(periods, [85, 88, 89, 90.5], DEADLINE, 90)
    assert (status, done) == (MET_LATE, pd.Period("2027-02", "M"))


def test_not_met_by_the_deadline_figure_or_any_later_one():
    assert status_at_deadline(_months("2026-11", "2026-12"), [85, 88], DEADLINE, 90) == (
        MISSED,
        None,
    )
    later = _months("2026-12", "2027-01")
    assert status_at_deadline(later, [88, 89], DEADLINE, 90) == (MISSED, None)
    # Lower is better: 2 % overdue tasks against a target of 0 %.
    assert status_at_deadline(_months("2026-12"), [2.0], DEADLINE, 0.0, False)[0] == MISSED


def test_awaiting_the_deadline_figure_when_none_before_it_meets_the_target():
    assert status_at_deadline(_months("2026-10", "2026-11"), [85, 88], DEADLINE, 90) == (
        AWAITING,
        None,
    )
    assert status_at_deadline([], [], DEADLINE, 90) == (AWAITING, None)


def test_figures_that_begin_after_the_deadline_say_met_but_not_on_time():
    status, done = status_at_deadline(_months("2026-12"), [100.0], pd.Period("2023-12", "M"), 100)
    assert (status, done) == ("achieved", None)


def _row(indicator, status, last_period, last_value, **extra):
    row = {
        "province": "nghe_an",
        "indicator": indicator,
        "target": 90.0,
        "deadline": "2026-12",
        "last_period": last_period,
        "last_value": last_value,
        "prob_target_met": float("nan"),
        "expected_completion": None,
        "required_pace": float("nan"),
        "status": status,
    }
    row.update(extra)
    return row


def test_in_the_deadline_month_the_report_shows_the_figures_never_a_forecast():
    eid = "eid_activation_pct"  # 90 % by 2026-12
    frame = pd.DataFrame(
        [
            _row(eid, "achieved", "2026-12", 91.0, expected_completion="2026-12"),
            _row(eid, MISSED, "2026-12", 82.78, province="ha_tinh"),
            _row(eid, AWAITING, "2026-11", 85.0, province="hue"),
            # A row from an engine that forecast at the deadline: decided from its figures.
            _row(eid, "off_track", "2026-12", 88.0, province="ha_noi", prob_target_met=0.0),
        ]
    )
    rows = target_status(frame, "2026-12").set_index("province")
    assert rows["deadline_reached"].all() and not rows["deadline_passed"].any()
    assert rows.loc["nghe_an", "status"] == "achieved" and rows.loc["nghe_an", "on_time"]
    assert rows.loc["ha_tinh", "status"] == MISSED and rows.loc["ha_noi", "status"] == MISSED
    assert rows.loc["hue", "status"] == AWAITING and rows.loc["hue", "awaiting"]
    for r in rows.itertuples():
        assert not has_probability(r.status, r.prob_target_met)
        assert np.isnan(required_pace(r, "2026-12"))  # no period left
    label = status_label("achieved", True, "vi", on_time=bool(rows.loc["nghe_an", "on_time"]))
    assert label == "Hoàn thành đúng hạn"
    assert status_label(AWAITING, True, "vi") == "Chờ số liệu kỳ hạn"
    assert status_label(AWAITING, True, "en") == "Awaiting the deadline's figure"
    # A month earlier the same target is still ahead: a pace is needed.
    ahead = target_status(pd.DataFrame([_row(eid, "at_risk", "2026-11", 85.0)]), "2026-11")
    r = next(ahead.itertuples())
    assert not r.deadline_reached and required_pace(r, "2026-11") == pytest.approx(5.0)


def test_awaiting_sorts_right_after_the_statuses_that_need_action():
    assert SEVERITY.index(AWAITING) == SEVERITY.index("at_risk") + 1
    assert deadline_reached("eid_activation_pct", "2026-12", "2026-12")
    assert not deadline_reached("eid_activation_pct", "2026-12", "2026-11")
    # An annual target of 2030 is reached in the report of December 2030.
    assert deadline_reached("digital_economy_share_grdp_pct", "2030", "2030-12")
    assert not deadline_reached("digital_economy_share_grdp_pct", "2030", "2030-11")


# --- one rule for "met" before the deadline -------------------------------------------------

DOSSIERS = "online_dossier_rate_pct"  # a monthly flow: can fall; 60 % by 2026-12
VILLAGES = "villages_mobile_broadband_pct"  # a cumulative count: cannot fall; 100 % by 2026-12


def test_the_catalog_says_which_indicators_can_fall():
    from analysis.reference import catalog

    assert catalog.get(DOSSIERS).can_fall  # a flow, by default
    assert not catalog.get(VILLAGES).can_fall  # a stock, by default
    assert not catalog.get("eid_activation_pct").can_fall
    assert catalog.get("digital_economy_share_grdp_pct").can_fall  # a stock, said so
    assert catalog.get("dx_plan_tasks_overdue_pct").can_fall  # overdue tasks come back


def _ahead(indicator, value, prob, target):
    return _row(
        indicator,
        "achieved",
        "2026-11",
        value,
        target=target,
        prob_target_met=prob,
        province=f"p{value}-{prob}",
    )


@pytest.mark.parametrize(
    ("prob", "expected"),
    [(0.80, "achieved"), (0.95, "achieved"), (0.79, "achieved_at_risk"), (0.6, "achieved_at_risk")],
)
def test_a_rate_above_its_target_is_met_only_if_the_forecast_holds_it(prob, expected):
    # Nghệ An's online dossiers: 60,02 % against 60 % due 31/12/2026, falling.
    rows = target_status(pd.DataFrame([_ahead(DOSSIERS, 60.02, prob, 60.0)]), "2026-11")
    assert rows["status"].tolist() == [expected]
    shown = has_probability(rows["status"].iloc[0], prob)
    assert shown == (expected == MET_AT_RISK)


def test_a_rate_met_without_a_forecast_is_not_said_to_hold():
    rows = target_status(pd.DataFrame([_ahead(DOSSIERS, 61.0, np.nan, 60.0)]), "2026-11")
    assert rows["status"].tolist() == [MET_AT_RISK]


def test_a_count_that_reached_its_target_is_met_whatever_the_forecast():
    rows = target_status(pd.DataFrame([_ahead(VILLAGES, 100.0, 0.1, 100.0)]), "2026-11")
    assert rows["status"].tolist() == ["achieved"]


def test_at_the_deadline_the_figures_decide_even_for_a_rate():
    rows = target_status(pd.DataFrame([_ahead(DOSSIERS, 60.5, 0.2, 60.0)]), "2026-12")
    # The deadline month's figure is not in yet; the latest (November) meets the target.
    assert rows["status"].tolist() == ["achieved"]


def test_met_at_risk_needs_action_before_targets_on_track():
    assert SEVERITY.index(MET_AT_RISK) < SEVERITY.index(INSUFFICIENT_HISTORY)
    assert SEVERITY.index(MET_AT_RISK) < SEVERITY.index("on_track")
    assert status_label(MET_AT_RISK, False, "vi") == "Đã đạt, có nguy cơ giảm dưới mục tiêu"
    assert status_label(MET_AT_RISK, False, "en") == "Met, at risk of falling below"


def test_the_engine_classifies_with_the_rules_thresholds():
    from analysis.analyses.forecasting import StatusThresholds

    thr = StatusThresholds()
    assert (thr.on_track, thr.at_risk) == (ON_TRACK_PROBABILITY, AT_RISK_PROBABILITY)
