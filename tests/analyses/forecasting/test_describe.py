"""What a forecast says about its model, in the page's language."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import forecast as fc
from analysis.forecast import (
    describe_model,
    forecast_batch,
    forecast_to_deadline,
)
from tests.analyses.forecasting.curves import s_curve, small_frame


def test_model_spec_names_the_mixture_and_describe_model_speaks_the_page_language() -> None:
    res = forecast_to_deadline(s_curve(), "2026-12", target=90, lower=0, upper=100)
    spec = json.loads(res.model_spec)
    assert spec["case"] == "mixture" and spec["scale"] == "logit"
    assert spec["models"] == {k: round(w, 2) for k, w in res.weights.items()}
    assert spec["calibration"] == "own"
    vi, en = describe_model(res.model_spec, "vi"), describe_model(res.model_spec, "en")
    assert vi.startswith("Kết hợp ") and "ETS tắt dần" in vi and "thang gốc" in vi
    assert en.startswith("Combination of ") and "damped ETS" in en
    for english in ("Combination", "damped", "drift", "backtest", "intervals"):
        assert english not in vi
    # Weights as whole percentages, largest first, in each language's number format.
    top = max(res.weights, key=res.weights.get)
    assert f"{round(100 * res.weights[top])}%" in vi
    assert len(vi) < len(res.model) / 2  # short enough for a table cell


@pytest.mark.parametrize(
    ("history", "kwargs", "case", "vi_words"),
    [
        ([84.9], {"target": 85}, "too_short", "1/6 tháng"),
        ([60.0 + 3 * i for i in range(12)] + [100.0] * 3, {"target": 100}, "at_upper", "tối đa"),
        ([40.0] * 24, {"target": 50}, "flat", "không đổi"),
        ([float("nan")] * 10, {"target": 50}, "no_data", "Chưa có số liệu"),
    ],
)
def test_special_cases_have_their_own_words(history, kwargs, case, vi_words) -> None:
    idx = pd.period_range(end="2026-10", periods=len(history), freq="M")
    res = forecast_to_deadline(
        pd.Series(history, index=idx), "2026-12", lower=0, upper=100, **kwargs
    )
    assert json.loads(res.model_spec)["case"] == case
    assert vi_words in describe_model(res.model_spec, "vi")


def test_model_spec_flags_and_pooling() -> None:
    gappy = s_curve().drop(s_curve().index[[5, 6, 20]])
    res = forecast_to_deadline(gappy, "2026-12", target=50, lower=0, upper=100)
    spec = json.loads(res.model_spec)
    assert "gaps" in spec["flags"] and "target_met" in spec["flags"]
    assert "nội suy" in describe_model(spec, "vi") and "đã đạt mục tiêu" in describe_model(
        spec, "vi"
    )
    pooled = fc.forecast_pooled({f"s{i}": s_curve(seed=i) for i in range(12)}, "2027-06", target=95)
    assert json.loads(pooled["s0"].model_spec)["calibration"] == "pooled"
    assert "gộp các tỉnh" in describe_model(pooled["s0"].model_spec, "vi")


def test_batch_rows_carry_the_model_spec_and_missing_specs_are_a_dash() -> None:
    frame, targets = small_frame()
    out = forecast_batch(frame, targets, "2025-10", jobs=1)
    assert out["model_spec"].map(lambda s: json.loads(s)["case"]).notna().all()
    assert all(describe_model(s, "vi") for s in out["model_spec"])
    assert describe_model(None) == describe_model(float("nan")) == describe_model("") == "—"
    with pytest.raises(ValueError, match="not a model spec"):
        describe_model("held constant")
