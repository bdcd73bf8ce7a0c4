"""The store rebuilt from ``data/raw``: the one recipe the ``ingest`` command and tests follow.

Read and harmonize the inputs, read the published figures (the older facts and the real files
under ``published/real``), then write the store atomically. Errors are raised before anything
is written: :class:`~analysis.data.ingest.IngestError` for the inputs,
:class:`~analysis.data.published_real.PublishedFileError` for a real published file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.data import (
    across_merger,
    ingest,
    published_press,
    published_real,
    revisions,
    store,
    submissions,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild stored: its data version, the ingest's result and the published tables."""

    version: str
    result: ingest.IngestResult
    facts: pd.DataFrame | None
    real: pd.DataFrame | None
    set_aside: Path | None = None
    """Where a damaged store found before the rebuild was moved (kept), if there was one."""


def rebuild(published_folder: Path | None = None) -> Rebuilt:
    """Rebuild ``data/processed`` from ``data/raw``.

    ``published_folder`` defaults to ``data/raw/published``; a folder that does not exist means
    no published figures.
    """

    folder = Path(published_folder) if published_folder is not None else paths.published_dir()
    set_aside = store.set_aside_if_damaged()
    if set_aside is not None:
        log.warning(
            "the store %s could not be read (%s): moved to %s; it is rebuilt from %s",
            paths.build_database_path(),
            set_aside[1],
            set_aside[0],
            paths.raw_dir(),
        )
    seen = submissions.previous_first_seen()
    result = ingest.ingest()
    facts = published_press.read_published(folder) if folder.exists() else None
    real_folder = folder / "real"
    real = (
        across_merger.with_derived(published_real.read_real_published(real_folder))
        if real_folder.exists()
        else None
    )
    now = submissions.now_utc()
    extra = {
        **submissions.build_tables(result, seen, now),
        revisions.TABLE: revisions.build_table(result, seen, now),
    }
    submissions.record_first_seen(extra["submission_files"])
    version = store.write_store(
        result.observations,
        result.harmonized,
        result.harmonization_log,
        result.files,
        facts,
        real,
        extra=extra,
        communes=result.communes,
    )
    return Rebuilt(version, result, facts, real, set_aside[0] if set_aside else None)
