"""The one rule for "target met", tested at its edge."""

import numpy as np
import pandas as pd

from analysis.reference.targets import FORECAST_STATUSES, meets_target


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
