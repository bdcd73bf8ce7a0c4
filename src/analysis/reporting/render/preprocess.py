"""Preprocessing: keep only what a leader should see, lift the report metadata out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, Set

from analysis.reporting.render.components import REPORT_METADATA_MIME, SYNTHETIC_NOTICE_MARK

# Outputs that carry something a reader can see, besides text/plain.
_VISIBLE_MIMES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml")
# Never rendered: they need JavaScript, a live kernel or a renderer we do not ship.
_DROPPED_MIMES = (
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
    "text/vnd.mermaid",
    "application/pdf",
)


class BriefingRenderError(RuntimeError):
    """The notebook cannot become a briefing (e.g. a cell raised an error)."""


class BriefingPreprocessor(Preprocessor):
    """Keep only what a leader should see; lift the report metadata out of the outputs.

    - ``stream`` outputs (stdout, stderr: warnings, progress bars) are removed;
    - ``error`` outputs raise :class:`BriefingRenderError` unless ``allow_errors``, which removes
      them instead;
    - JavaScript, widget, Mermaid and PDF data are removed from every output;
    - outputs with nothing but ``text/plain`` (``[<matplotlib.lines.Line2D ...>]``) are removed
      unless the cell has the tag ``show-text``;
    - raw cells, and cells tagged with one of ``remove_tags``, are removed;
    - outputs with :data:`REPORT_METADATA_MIME` are removed and their payload (the last one wins)
      goes to ``resources["briefing_meta"]``;
    - ``resources["briefing_has_synthetic_notice"]`` tells whether the notebook already shows
      :func:`~.components.synthetic_notice` (the template then adds no second one).
    """

    allow_errors = Bool(False, help="Drop error outputs instead of refusing to render.").tag(
        config=True
    )
    remove_tags = Set(
        {"remove_cell", "remove-cell", "remove", "hide", "hide-cell"},
        help="Cells with any of these tags are left out of the briefing.",
    ).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Filter the notebook in place (nbconvert hands us a copy)."""
        state: dict[str, Any] = {
            "meta": None,
            "has_notice": False,
            "dropped": {"stream": 0, "error": 0, "plain": 0, "cells": 0},
        }
        kept_cells = []
        for index, cell in enumerate(nb.cells):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type == "raw" or tags & self.remove_tags:
                state["dropped"]["cells"] += 1
                continue
            if cell.cell_type == "code":
                cell.outputs = [
                    output
                    for output in cell.get("outputs", [])
                    if self._keep_output(output, index, tags, state)
                ]
            kept_cells.append(cell)
        nb.cells = kept_cells
        dropped = state["dropped"]
        resources["briefing_meta"] = state["meta"]
        resources["briefing_has_synthetic_notice"] = state["has_notice"]
        resources["briefing_dropped"] = dropped
        if any(dropped.values()):
            self.log.debug("briefing preprocessor dropped %s", dropped)
        return nb, resources

    def _keep_output(
        self, output: NotebookNode, index: int, tags: set[str], state: dict[str, Any]
    ) -> bool:
        """Whether one output stays; records metadata, the notice and what was dropped."""
        kind = output.get("output_type")
        if kind == "stream":
            state["dropped"]["stream"] += 1
            return False
        if kind == "error":
            if not self.allow_errors:
                raise BriefingRenderError(
                    f"cell {index} raised {output.get('ename')}: {output.get('evalue')}"
                )
            state["dropped"]["error"] += 1
            return False
        data = output.get("data", {})
        if REPORT_METADATA_MIME in data:
            payload = data[REPORT_METADATA_MIME]
            if state["meta"] is not None:
                self.log.warning("several report metadata outputs; the last one wins")
            state["meta"] = dict(payload) if isinstance(payload, Mapping) else None
            return False
        if SYNTHETIC_NOTICE_MARK in str(data.get("text/html", "")):
            state["has_notice"] = True
        for mime in _DROPPED_MIMES:
            data.pop(mime, None)
        if not any(m in data for m in _VISIBLE_MIMES) and "show-text" not in tags:
            state["dropped"]["plain"] += 1
            return False
        return True
