"""Executing a notebook as the runner does, for the tests that check what a notebook produced."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"


def execute(name: str, out: Path, **parameters) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>.ipynb`` with ``parameters`` into ``out``; the executed notebook."""
    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)
