"""A run's processes and temporary files end with it, however it ends (``kill -9`` included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.files import atomic_path, host_name
from analysis.running import lifetime

PERIOD = "2026-10"


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> dict[int, int]:
    """Process id -> depth below ``pid`` (1: its workers, 2: their kernels ...)."""
    tree, found, todo = _children(), {}, [(pid, 0)]
    while todo:
        parent, depth = todo.pop()
        for child in tree.get(parent, []):
            found[child] = depth + 1
            todo.append((child, depth + 1))
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


@pytest.fixture
def run_env(demo_store, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **os.environ,
        "VNDX_DATA_DIR": str(demo_store),
        "VNDX_REPORTS_DIR": str(tmp_path / "reports"),
        "TMPDIR": str(temporary),  # the run's temporary files, where this test can see them
    }
    return env, tmp_path / "reports", temporary


RUN = [
    sys.executable, "-m", "analysis", "run", "--period", PERIOD, "--province", "40",
    "--province", "42", "--notebook", "30_leadership_briefing", "--notebook",
    "40_national_overview", "--to", "pdf", "--jobs", "2", "--no-progress",
]  # fmt: skip


@pytest.mark.slow
def test_a_killed_run_takes_its_workers_and_kernels_with_it_and_the_next_run_completes(run_env):
    env, reports, temporary = run_env
    log = open(temporary.parent / "run.log", "w")
    run = subprocess.Popen(RUN, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # two workers, each with its kernel
            found = _descendants(run.pid)
            kernels = [p for p, depth in found.items() if depth == 2 and "ipykernel" in _command(p)]
            if len(kernels) >= 2:
                break
            assert run.poll() is None, (temporary.parent / "run.log").read_text()
            time.sleep(0.2)
        else:
            pytest.fail("the run started no kernels in 300 s")
        time.sleep(2)  # jobs under way
        alive_then = _descendants(run.pid)
        os.kill(run.pid, signal.SIGKILL)  # the run's process only, not its group
        run.wait()
    finally:
        log.close()
        if run.poll() is None:
            run.kill()
    assert sum(depth == 1 for depth in alive_then.values()) >= 2  # the workers
    killed_at = {p for p in reports.rglob("*") if p.is_file()}
    gone_by = time.monotonic() + 10
    while time.monotonic() < gone_by and any(lifetime.alive(p) for p in alive_then):
        time.sleep(0.2)
    survivors = {p: _command(p) for p in alive_then if lifetime.alive(p)}
    assert not survivors, survivors
    assert not list(temporary.rglob("kernel-*.json"))  # no kernel connection file left
    time.sleep(5)  # nothing of the killed run appears afterwards (no report no manifest records)
    assert {p for p in reports.rglob("*") if p.is_file()} == killed_at

    again = subprocess.run(RUN, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (reports / PERIOD / "national" / "40_national_overview.pdf").exists()
    assert not [p for p in reports.rglob(".*.tmp*")]  # half-written files of the kill removed
    assert not list(temporary.glob("vndx-run-*"))  # the killed run's folder and this run's
    assert not list(temporary.glob("weasyprint-*")) and not list(temporary.rglob("kernel-*"))


def test_half_written_files_of_dead_processes_are_removed_and_those_of_live_ones_kept(tmp_path):
    folder = tmp_path / "2026-10" / "nghe_an"
    folder.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = host_name()
    stale = folder / f".30_leadership_briefing.ipynb.{mine}-{dead.pid}.k3j4h5.tmp.ipynb"
    other_host = folder / f".30_leadership_briefing.pdf.elsewhere-{dead.pid}.a1b2c3.tmp"
    stale.touch()
    other_host.touch()
    with atomic_path(folder / "30_leadership_briefing.html") as writing:
        assert writing.name.startswith(f".30_leadership_briefing.html.{mine}-{os.getpid()}.")
        assert lifetime.remove_stale_temporaries(tmp_path) == [stale]
        assert writing.exists() and other_host.exists()  # alive here, or another machine's
        writing.write_text("<html></html>")
    assert (folder / "30_leadership_briefing.html").exists()


def test_the_folders_of_dead_runs_are_removed_and_a_runs_own_when_it_ends(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"vndx-run-{dead.pid}-abc123"
    (stale / "worker-1" / "weasyprint-x").mkdir(parents=True)
    live = tmp_path / f"vndx-run-{os.getpid()}-def456"
    live.mkdir()
    with lifetime.run_folder() as folder:
        assert not stale.exists() and live.exists()
        assert folder.parent == tmp_path and folder.name.startswith(f"vndx-run-{os.getpid()}-")
    assert not folder.exists()


def test_a_worker_ends_with_its_parent_and_runs_its_cleanup_first(tmp_path):
    """A child process that asked to die with its parent: its parent is killed with -9."""
    marker = tmp_path / "cleaned"
    code = f"""
import os, sys, time
from pathlib import Path
from analysis.running import lifetime
pid = os.fork()
if pid == 0:
    lifetime.die_with(os.getppid(), lambda: Path({str(marker)!r}).write_text(str(os.getpid())))
    print(os.getpid(), flush=True)
    time.sleep(60)
    os._exit(0)
time.sleep(60)
"""
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and lifetime.alive(child):
        time.sleep(0.05)
    assert not lifetime.alive(child)
    assert marker.read_text() == str(child)
