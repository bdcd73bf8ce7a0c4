"""``reports/<period>/manifest.json``: every output of a period with its status and versions.

Runs of the same period may overlap (two operators, or cron and a person), so every change is a
read-modify-write under a file lock, and the file itself is replaced atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

from analysis import paths
from analysis.files import write_atomic

Manifest = dict[str, Any]


def read_manifest(period: str) -> Manifest:
    """The period's manifest, or an empty one if no run has written it yet."""
    path = paths.manifest_path(period)
    if not path.exists():
        return {"period": period, "outputs": []}
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(period: str, update: Callable[[Manifest], Manifest]) -> Manifest:
    """Apply ``update`` to the period's manifest under its lock and write the result."""
    path = paths.manifest_path(period)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=600):
        manifest = update(read_manifest(period))
        write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    return manifest


def entries(result: dict, key: str, data_version: str, code: str) -> list[dict]:
    """The manifest rows of one job's result: one per file written (or one without a file)."""
    job = result["job"]
    base = {
        "notebook": job["notebook"],
        "unit": job["unit"],
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


def record(period: str, job_key: tuple[str, str, str], rows: list[dict]) -> None:
    """Replace the rows of one (notebook, unit, lang) by ``rows``."""

    def update(m: Manifest) -> Manifest:
        keep = [e for e in m.get("outputs", []) if (e["notebook"], e["unit"], e["lang"]) != job_key]
        return {**m, "outputs": keep + rows}

    write_manifest(period, update)
