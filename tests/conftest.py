"""Shared fixtures: an isolated data folder per test, and the demo store built once.

The expensive session fixtures (the demo store, the small run of reports) are built once per
test session, not once per pytest-xdist worker: the first worker to need one builds it in the
session's shared temporary folder under a file lock, the others wait and reuse it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
DEMO_UNTIL = "2026-10"
# Pin "today" so period checks and the demo's default month never depend on the run date.
os.environ.setdefault("VNDX_TODAY", "2026-11-23")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty data folder (raw/ and processed/) used instead of the project's own."""
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    (data / "processed").mkdir()
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    return data


def write_csv(path: Path, text: str, meta: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if meta is not None:
        path.with_name(path.name + ".meta.yml").write_text(meta, encoding="utf-8")
    return path


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable) -> Path:
    """``build(folder)`` run once per test session, whichever xdist worker asks first.

    Under xdist every worker's temporary folder sits in the session's own folder, which is
    shared by the workers and new for each session; without xdist the session's folder is
    used. A marker file says the build finished, so a build that failed is not reused.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / name
    with FileLock(str(shared / f"{name}.lock")):
        if not (folder / ".built").exists():
            folder.mkdir(parents=True, exist_ok=True)
            build(folder)
            (folder / ".built").touch()
    return folder


def _with_env(values: dict[str, str], action: Callable[[], object]) -> object:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return action()
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.update({key: value})


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo dataset (until 2026-10) generated and ingested once into a temporary folder.

    Returns the data folder; tests that use it set ``VNDX_DATA_DIR`` to it.
    """
    from analysis.data import demo
    from analysis.data.rebuild import rebuild

    def build(folder: Path) -> None:
        data = folder / "data"
        (data / "raw").mkdir(parents=True, exist_ok=True)
        demo.write_demo(out_dir=data / "raw" / "demo", until=DEMO_UNTIL)
        _with_env({"VNDX_DATA_DIR": str(data)}, lambda: rebuild(ROOT / "data/raw/published"))

    return built_once(tmp_path_factory, "demo", build) / "data"


@pytest.fixture
def use_demo_store(demo_store, monkeypatch):
    monkeypatch.setenv("VNDX_DATA_DIR", str(demo_store))
    return demo_store


@pytest.fixture(scope="session")
def small_run(demo_store, tmp_path_factory):
    """Reports of 2026-10 for two provinces (Nghệ An, Hà Tĩnh) and the national overview.

    Made once per session from the demo store (HTML and PDF); tests copy the folder before
    writing into it (see :func:`reports_copy`).
    """
    from analysis.running import runner

    def build(folder: Path) -> None:
        env = {"VNDX_DATA_DIR": str(demo_store), "VNDX_REPORTS_DIR": str(folder / "reports")}
        summary = _with_env(
            env,
            lambda: runner.run(
                DEMO_UNTIL, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False
            ),
        )
        assert summary.ok, summary.failed  # type: ignore[attr-defined]

    return built_once(tmp_path_factory, "small_run", build) / "reports"


@pytest.fixture
def reports_copy(small_run, demo_store, tmp_path, monkeypatch):
    """A private copy of :func:`small_run`'s reports, used as the reports folder."""
    import shutil

    reports = tmp_path / "reports"
    shutil.copytree(small_run, reports)
    monkeypatch.setenv("VNDX_DATA_DIR", str(demo_store))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    return reports
