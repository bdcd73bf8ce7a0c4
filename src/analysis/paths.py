"""Every path the project uses, built from one project-root constant.

The root can be moved with the ``VNDX_ROOT`` environment variable (tests use it to work on a
temporary copy); data and report folders can be moved separately with ``VNDX_DATA_DIR`` and
``VNDX_REPORTS_DIR``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=64)
def _resolve(text: str, cwd: str) -> Path:
    return (Path(cwd) / text).resolve()


def _from_env(text: str) -> Path:
    """``Path(text).resolve()``, remembered: a report asks for its paths thousands of times
    (every catalog lookup), and resolving walks the file system each time. A relative value is
    resolved against the current directory, which is part of the key."""
    return _resolve(text, "" if os.path.isabs(text) else os.getcwd())


def project_root() -> Path:
    """The project's root folder (the one holding ``pyproject.toml``)."""
    env = os.environ.get("VNDX_ROOT")
    if env:
        return _from_env(env)
    return PACKAGE_DIR.parent.parent


def data_dir() -> Path:
    env = os.environ.get("VNDX_DATA_DIR")
    return _from_env(env) if env else project_root() / "data"


def raw_dir() -> Path:
    """Immutable inputs, exactly as received."""
    return data_dir() / "raw"


SHIPPED_REFERENCE_DIR = PACKAGE_DIR.parent.parent / "data" / "raw" / "reference"


def reference_dir() -> Path:
    """Reference tables: provinces, crosswalk, regions, indicator catalog.

    They ship with the code (``data/raw/reference`` in the repository); a data folder moved
    with ``VNDX_DATA_DIR`` may carry its own copy, which then wins.
    """
    own = raw_dir() / "reference"
    # os.path on purpose: this runs for every catalog lookup, thousands of times a report.
    if os.path.exists(os.path.join(own, "indicators.yml")):
        return own
    return SHIPPED_REFERENCE_DIR


def demo_dir() -> Path:
    return raw_dir() / "demo"


def published_dir() -> Path:
    return raw_dir() / "published"


def collection_dir() -> Path:
    """Where ``collect`` writes the workbooks sent to provinces (``data/collection/<period>``)."""
    return data_dir() / "collection"


def processed_dir() -> Path:
    return data_dir() / "processed"


def build_database_path() -> Path:
    """Where ``ingest`` puts the store: ``data/processed/dx.duckdb``."""
    return processed_dir() / "dx.duckdb"


def first_seen_path() -> Path:
    """When an ingest first saw each file of your own (``data/first_seen.csv``).

    Kept beside the store, not in it: a store rebuilt from ``data/raw`` (after damage, or after
    ``data/processed`` was deleted) finds every file's first-seen time again here.
    """
    return data_dir() / "first_seen.csv"


def analytics_cache_path() -> Path:
    """The period's cached comparison and forecasts (:mod:`analysis.analyses.results_cache`)."""
    return processed_dir() / "analytics.duckdb"


def database_path() -> Path:
    """The store readers open: the one a run pinned (``VNDX_DATABASE``), else the built one.

    A monthly run sets ``VNDX_DATABASE`` to its snapshot (:mod:`analysis.running.snapshot`) so
    its workers and kernels read one data version even if an ingest replaces the store meanwhile.
    """
    env = os.environ.get("VNDX_DATABASE")
    return _from_env(env) if env else build_database_path()


def snapshots_dir() -> Path:
    """Stores pinned by runs in progress (hard links, removed when each run ends)."""
    return processed_dir() / "snapshots"


def snapshot_path(version: str) -> Path:
    """The snapshot of data ``version`` taken by this process."""
    # The version is read from the store itself: a hex hash, but kept to safe characters.
    safe = "".join(c for c in str(version) if c.isascii() and c.isalnum())[:64] or "unknown"
    return snapshots_dir() / f"{safe}-{os.getpid()}.duckdb"


def reports_dir() -> Path:
    env = os.environ.get("VNDX_REPORTS_DIR")
    return _from_env(env) if env else project_root() / "reports"


def lock_path(of: Path) -> Path:
    """The lock file guarding ``of`` (a file or folder under the reports folder), kept in
    ``reports/.locks/`` so that the report folders people open, bundle and publish hold only
    reports. Lock files stay after release (removing a lock another process may be waiting on
    would let two processes hold it), so they live apart."""
    root = reports_dir()
    try:
        relative = Path(of).resolve().relative_to(root)
    except ValueError:
        relative = Path(Path(of).name)
    path = root / ".locks" / relative.parent / f"{relative.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def manifest_path(period: str) -> Path:
    """``reports/<period>/manifest.json``: every output of a period, its status and versions."""
    return reports_dir() / period / "manifest.json"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def assets_dir() -> Path:
    """Fonts, CSS and templates used by the renderers (ship inside the package)."""
    return PACKAGE_DIR / "reporting" / "render"
