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


def test_a_reused_kernel_reads_a_province_once_and_again_when_the_store_changes(
    use_demo_store, tmp_path, monkeypatch
):
    import shutil

    from analysis import notebook
    from analysis.data import store

    opened = []
    connect = store.connect

    def counted(*args, **kwargs):
        opened.append(1)
        return connect(*args, **kwargs)

    monkeypatch.setattr(store, "connect", counted)
    monkeypatch.setattr(notebook, "_show", lambda parts: None)
    given = {"province": "lai_chau", "period": "2026-10", "lang": "vi", "dataset": ""}
    p1, data1, table1 = notebook.begin("16_commune_scorecard", {**given, "commune": "ban_bo"})
    first = len(opened)
    table1.loc[:, "value"] = -1.0  # a notebook changing its own copy
    p2, data2, table2 = notebook.begin("16_commune_scorecard", {**given, "commune": "binh_lu"})
    assert len(opened) == first, "the second scorecard of the province read the store again"
    assert (table2["value"] != -1.0).any() and p2.commune != p1.commune
    assert data2.rows.equals(data1.rows) and data2.rows is not data1.rows

    copy = tmp_path / "copy.duckdb"
    shutil.copy(use_demo_store / "processed" / "dx.duckdb", copy)
    monkeypatch.setenv("VNDX_DATABASE", str(copy))
    notebook.begin("16_commune_scorecard", {**given, "commune": "ban_bo"})
    assert len(opened) > first, "another store was not read"
