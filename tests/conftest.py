"""Shared fixtures: an isolated data folder per test, and the demo store built once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo dataset (until 2026-10) generated and ingested once into a temporary folder.

    Returns the data folder; tests that use it set ``VNDX_DATA_DIR`` to it.
    """
    from analysis.data import demo
    from analysis.data.rebuild import rebuild

    data = tmp_path_factory.mktemp("demo") / "data"
    (data / "raw").mkdir(parents=True)
    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(data)
    try:
        demo.write_demo(out_dir=data / "raw" / "demo", until=DEMO_UNTIL)
        rebuild(ROOT / "data" / "raw" / "published")
    finally:
        if old is None:
            os.environ.pop("VNDX_DATA_DIR", None)
        else:
            os.environ["VNDX_DATA_DIR"] = old
    return data


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

    reports = tmp_path_factory.mktemp("small_run") / "reports"
    saved = {k: os.environ.get(k) for k in ("VNDX_DATA_DIR", "VNDX_REPORTS_DIR")}
    os.environ.update(VNDX_DATA_DIR=str(demo_store), VNDX_REPORTS_DIR=str(reports))
    try:
        summary = runner.run(DEMO_UNTIL, provinces=["nghe_an", "ha_tinh"], jobs=2, progress=False)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.update({key: value})
    assert summary.ok, summary.failed
    return reports


@pytest.fixture
def reports_copy(small_run, demo_store, tmp_path, monkeypatch):
    """A private copy of :func:`small_run`'s reports, used as the reports folder."""
    import shutil

    reports = tmp_path / "reports"
    shutil.copytree(small_run, reports)
    monkeypatch.setenv("VNDX_DATA_DIR", str(demo_store))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    return reports
