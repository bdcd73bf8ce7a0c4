"""``reports/<period>/manifest.json``: every output of a period with its status and versions.

Runs of the same period may overlap (two operators, or cron and a person), so every change is a
read-modify-write under a file lock, and the file itself is replaced atomically. A run records
its results in small batches (:class:`Recorder`): a commune run finishes thousands of jobs, and
rewriting a manifest of ~10,000 rows after each one would cost more than the jobs themselves.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock

from analysis import paths
from analysis.files import write_atomic
from analysis.running.jobs import JobKey, entry_key

Manifest = dict[str, Any]


def read_manifest(period: str) -> Manifest:
    """The period's manifest, or an empty one if no run has written it yet."""
    path = paths.manifest_path(period)
    if not path.exists():
        return {"period": period, "outputs": []}
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(period: str, update: Callable[[Manifest], Manifest]) -> Manifest:
    """Apply ``update`` to the period's manifest under its lock and write the result.

    ``update`` returns a new manifest and leaves the one it is given alone (the two are
    compared): nothing is written when they are equal, so a run with nothing to do leaves the
    file, and its modification time, as they were.
    """
    path = paths.manifest_path(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(paths.lock_path(path)), timeout=600):
        previous = read_manifest(period)
        manifest = update(previous)
        if manifest is previous or manifest != previous or not path.exists():
            write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    return manifest


def version_summary(outputs: Iterable[dict], current: str) -> dict[str, Any]:
    """The manifest's top-level versions, as its rows say them.

    ``data_versions`` counts the outputs made (status ok) from each data version;
    ``data_version`` is the one they all share, ``None`` when they differ (a partial run after
    an ingest: ``--province nghe_an`` remade one unit from the new data, the others are still
    from the old), and ``current`` (the run's) when no output was made.
    """
    counts = Counter(
        str(e["data_version"]) for e in outputs if e.get("status") == "ok" and e.get("data_version")
    )
    shared = next(iter(counts)) if len(counts) == 1 else None
    return {
        "data_version": shared if counts else current,
        "data_versions": dict(sorted(counts.items())),
    }


def data_version_text(manifest: Manifest) -> str:
    """The data version a reader is shown: the shared one, or every one, comma-separated."""
    if manifest.get("data_version"):
        return str(manifest["data_version"])
    return ", ".join(manifest.get("data_versions") or {})


def entries(result: dict, key: str, data_version: str, code: str) -> list[dict]:
    """The manifest rows of one job's result: one per file written (or one without a file)."""
    job = result["job"]
    base = {
        "notebook": job["notebook"],
        "unit": job["unit"],
        "commune": job.get("commune") or "",
        "lang": job["lang"],
        "parameters": job["parameters"],
        "dataset": job["parameters"].get("dataset"),
        "data_version": data_version,
        "code_version": code,
        "cache_key": key,
        "duration_s": result.get("duration_s"),
        "status": result["status"],
        "error": result.get("error"),
        "reused": result.get("reused", False),
        "finished_at": result.get("finished_at"),
    }
    files = result.get("files") or []
    if not files:
        return [{**base, "format": None, "path": None}]
    return [{**base, "format": Path(f).suffix.lstrip("."), "path": f} for f in files]


def record(period: str, job_key: JobKey, rows: list[dict]) -> None:
    """Replace the rows of one job (see :data:`~analysis.running.jobs.JobKey`) by ``rows``."""
    record_many(period, [(job_key, rows)])


def record_many(period: str, results: Iterable[tuple[JobKey, list[dict]]]) -> None:
    """Replace the rows of several jobs in one write of the manifest."""
    new = dict(results)
    if not new:
        return

    def update(m: Manifest) -> Manifest:
        keep = [e for e in m.get("outputs", []) if entry_key(e) not in new]
        return {**m, "outputs": keep + [row for rows in new.values() for row in rows]}

    write_manifest(period, update)


class Recorder:
    """Collects finished jobs' rows and writes them to the manifest every few seconds.

    The interval grows with the time a write takes (at least :attr:`COST_FACTOR` times it), so
    a manifest of thousands of rows is never rewritten more than about 5 % of the time. A job's
    files are already in place when its result arrives; a run killed between two writes loses
    only the claim in the manifest, so the next run redoes those jobs.
    """

    COST_FACTOR = 20.0

    def __init__(self, period: str, every_s: float = 2.0, max_pending: int = 500) -> None:
        self.period = period
        self.every_s = every_s
        self.max_pending = max_pending
        self._pending: dict[JobKey, list[dict]] = {}
        self._due = time.monotonic() + every_s

    def add(self, job_key: JobKey, rows: list[dict]) -> None:
        self._pending[job_key] = rows
        if time.monotonic() >= self._due or len(self._pending) >= self.max_pending:
            self.flush()

    def flush(self) -> None:
        start = time.monotonic()
        if self._pending:
            record_many(self.period, self._pending.items())
            self._pending = {}
        now = time.monotonic()
        self._due = now + max(self.every_s, self.COST_FACTOR * (now - start))
