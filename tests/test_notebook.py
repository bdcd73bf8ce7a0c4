"""The notebooks' shared preamble silences only the warnings known to be noise."""

from __future__ import annotations

import subprocess
import sys

# What a notebook does: the preamble, then pandas work on the store's period column, then code
# of the analyst's own that deserves a warning.
SCRIPT = """
import warnings
import pandas as pd
from analysis.notebook import *

frame = pd.DataFrame({"period": pd.Series([pd.Period("2026-10", "M")], dtype=object)})
frame.set_index("period")
warnings.warn("a real problem an analyst must see", UserWarning)
warnings.warn("deprecated in the analyst's own code", FutureWarning)
"""


def test_real_warnings_reach_the_analyst_and_known_noise_does_not():
    shown = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stderr
    assert "a real problem an analyst must see" in shown
    assert "deprecated in the analyst's own code" in shown
    assert "Dtype inference" not in shown
