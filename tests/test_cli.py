"""The command line under faults: one line that says what failed, where, and what to do."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analysis import cli
from analysis.running import jobs, worker
from tests.conftest import ROOT


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made unwritable, also for root (which ignores modes): immutable attribute."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder read-only for root on this file system")
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def _one_error_line(stderr: str, command: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if f"{command} failed:" in ln]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def data_copy(demo_store, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(demo_store / "raw", data / "raw")
    shutil.copytree(
        demo_store / "processed",
        data / "processed",
        ignore=shutil.ignore_patterns("analytics.duckdb*", "snapshots"),
    )
    monkeypatch.setenv("VNDX_DATA_DIR", str(data))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(tmp_path / "reports"))
    return data


@pytest.mark.slow
def test_ingest_into_a_read_only_store_folder_says_so_in_one_line(data_copy):
    with read_only(data_copy / "processed"):
        done = _cli("ingest")
    assert done.returncode != 0
    line = _one_error_line(done.stderr, "ingest")
    assert "permission denied" in line and str(data_copy / "processed") in line


def test_run_with_a_read_only_store_folder_says_so_in_one_line(data_copy):
    with read_only(data_copy / "processed"):
        done = _cli("run", "--period", "2026-10", "--province", "nghe_an", "--no-progress")
    assert done.returncode != 0
    line = _one_error_line(done.stderr, "run")
    assert "permission denied" in line and str(data_copy / "processed") in line
    assert "VNDX_DATA_DIR" in line  # what to do


def test_run_with_a_read_only_reports_folder_says_so_in_one_line(data_copy, tmp_path):
    (tmp_path / "reports").mkdir()
    with read_only(tmp_path / "reports"):
        done = _cli("run", "--period", "2026-10", "--province", "nghe_an", "--no-progress")
        debug = _cli("--debug", "run", "--period", "2026-10", "--province", "nghe_an")
    assert done.returncode != 0
    assert "permission denied" in _one_error_line(done.stderr, "run")
    assert debug.returncode != 0 and "Traceback" in debug.stderr  # for whoever debugs it


def test_a_report_that_cannot_be_written_is_a_permission_error_not_a_dead_worker(
    data_copy, tmp_path
):
    reports = tmp_path / "reports"
    reports.mkdir()
    job = jobs.Job(
        "30_leadership_briefing",
        "nghe_an",
        "2026-10",
        "vi",
        ("html",),
        {"period": "2026-10", "province": "nghe_an", "lang": "vi"},
    )
    with read_only(reports):
        result = worker.run_job(job, timeout=60)
    assert result["status"] == "failed"
    assert "permission denied" in result["error"] and str(reports) in result["error"]


def test_a_full_disk_is_one_line_and_a_late_key_error_is_not_a_refusal(monkeypatch):
    from analysis.running import runner

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/reports/2026-10/x.pdf")

    monkeypatch.setattr(runner, "run", full)
    monkeypatch.delenv("VNDX_DEBUG", raising=False)
    done = CliRunner().invoke(cli.main, ["run", "--period", "2026-10"])
    assert done.exit_code == 1 and done.exc_info[0] is SystemExit
    assert done.output.strip().splitlines() == [
        "run failed: no space left on the disk holding /srv/reports/2026-10: free some space "
        "on that disk, then run again"
    ]

    def late(*args, **kwargs):
        raise KeyError("row_order")  # a bug after the kernels started, not a bad parameter

    monkeypatch.setattr(runner, "run", late)
    done = CliRunner().invoke(cli.main, ["run", "--period", "2026-10"])
    assert done.exit_code == 1
    assert "refused before any kernel started" not in done.output
    assert "run failed: 'row_order' (run with --debug for the details)" in done.output


@pytest.mark.parametrize("given", ["2026-10 ", " 2026-10", "2026-10\t"])
def test_a_period_is_written_canonical(given):
    from analysis.running import params

    assert params.canonical_period(given) == "2026-10"
    for bad in ("2026-1", "2026-13", "2026/10", "Oct 2026", "2026-10x"):
        with pytest.raises(params.ParameterError, match="--period"):
            params.canonical_period(bad)


@pytest.mark.parametrize("command", ["run", "bundle", "send", "index", "status", "collect"])
def test_a_bad_period_is_named_once(command):
    result = CliRunner().invoke(cli.main, [command, "--period", "2026-13"])
    assert result.exit_code == 2
    assert "period '2026-13' is not a month (write YYYY-MM, e.g. 2026-10)" in result.output
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert line.count("--period") == 1, line  # never "--period: --period: ..."
    assert "failed" not in result.output


def _guide_command_row(command: str) -> str:
    guide = (ROOT / "docs" / "operator.md").read_text(encoding="utf-8")
    rows = [ln for ln in guide.splitlines() if re.match(rf"\|\s*`{command}\b", ln)]
    assert len(rows) == 1, f"docs/operator.md's command table has {len(rows)} row(s) for {command}"
    return rows[0]


@pytest.mark.parametrize("command", sorted(cli.main.commands))
def test_every_option_of_every_command_is_in_the_operators_command_table(command):
    row = _guide_command_row(command)
    options = [
        max(p.opts, key=len)
        for p in cli.main.commands[command].params
        if isinstance(p, click.Option) and "--help" not in p.opts
    ]
    missing = [o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", row)]
    assert not missing, f"docs/operator.md's `{command}` row lacks {missing}"


def test_a_job_stuck_where_no_alarm_reaches_has_its_worker_killed(monkeypatch):
    import contextlib as cl
    import time

    from analysis.running import pool

    def stuck(*args, **kwargs):
        time.sleep(3600)  # as if blocked inside C code, where the job's alarm cannot reach

    # Workers are forked, so they inherit these replacements.
    monkeypatch.setattr(worker, "_run", stuck)
    monkeypatch.setattr(worker, "time_limit", lambda *a: cl.nullcontext())
    monkeypatch.setattr(pool, "worker_init", lambda *args: None)
    monkeypatch.setattr(pool, "KILL_GRACE", 1.0)
    job = jobs.Job("30_leadership_briefing", "nghe_an", "2026-10", "vi", ("html",), {})
    started = time.perf_counter()
    [result] = list(pool.run_local([job], {}, 1, "warm", timeout=1))
    assert time.perf_counter() - started < 30
    assert result["status"] == "failed"
    assert "time limit of 1 s exceeded" in result["error"] and "killed" in result["error"]
