"""Papermill engines that run notebooks in kernels started and warmed ahead of time.

Starting a kernel and importing pandas, matplotlib, seaborn, duckdb and the project takes
longer than running a short report notebook. :class:`WarmKernelPool` keeps one kernel per
worker process started and *warmed* (heavy imports done).

The runner's engine ``reuse`` (the default at both levels) hands a kernel back after its
notebook (:meth:`WarmKernelPool.release`): the kernel is cleared as by ``%reset -f`` and the
global settings of the libraries a notebook may touch are put back
(:func:`analysis.notebook.clear_kernel`: names, outputs, figures, matplotlib rcParams, pandas
display options), its working directory and execution count restored, and it runs the next
notebook of the same worker, up to :data:`MAX_USES` notebooks. Imported modules (and their
caches of reference tables) stay, as in a warmed kernel. A kernel after a failed cell is
cleared like any other; one whose notebook raised out of the engine (a dead kernel, a time
limit, an interrupt) is never reused. Measured on a month's
70 reports, this halves the run's time against a kernel per notebook (see
``benchmarks/monthly_run``), and the reports are the same either way (tested).

The engine ``warm`` (registered by entry point, so ``papermill --engine warm in.ipynb
out.ipynb`` works too) uses each kernel for exactly one notebook, warming the next one while
the current notebook runs: no state can pass from one report to the next.

A kernel inherits its environment when it starts, and the project's ``VNDX_*`` variables say
which data it reads (a run's pinned store, ``VNDX_DATABASE``, changes from run to run): kernels
are therefore kept per kernel name, working directory *and* those variables, so a long-lived
Dask worker never hands a kernel warmed for one run to the next.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import threading

from jupyter_client import KernelManager

log = logging.getLogger(__name__)

WARM_CODE = "import analysis.notebook  # noqa: F401  (pre-imports the heavy libraries)"
MAX_USES = 200
"""Notebooks one reused kernel runs before it is replaced (bounds what modules accumulate)."""
RESET_CODE = """\
import analysis.notebook
analysis.notebook.clear_kernel({cwd!r})
"""


Key = tuple[str, str | None, tuple[tuple[str, str], ...]]


def _project_env() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("VNDX_")))


def _start_warm_kernel(
    kernel_name: str, cwd: str | None, env: tuple[tuple[str, str], ...] = ()
) -> KernelManager:
    km = KernelManager(kernel_name=kernel_name)
    # The kernel's own stderr only carries start-up chatter and, for a warmed kernel left
    # unused when its worker exits, "parent appears to have exited"; cell errors reach the
    # notebook through the messaging channels, not through stderr.
    km.start_kernel(
        cwd=cwd,
        extra_arguments=["--HistoryManager.enabled=False"],
        stderr=subprocess.DEVNULL,
        env={**os.environ, **dict(env)},
    )
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(
            WARM_CODE, timeout=180, store_history=False, output_hook=lambda msg: None
        )
        if reply["content"]["status"] != "ok":
            log.warning("warm-up failed in a kernel: %s", reply["content"].get("evalue"))
    finally:
        kc.stop_channels()
    return km


def _reset(km: KernelManager, cwd: str | None) -> bool:
    """Clear a used kernel for its next notebook; ``False`` if it did not answer properly."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        code = RESET_CODE.format(cwd=cwd or os.getcwd())
        reply = kc.execute_interactive(
            code, timeout=30, store_history=False, output_hook=lambda msg: None
        )
        return bool(reply["content"]["status"] == "ok")
    except Exception as exc:  # A kernel that cannot be reset is replaced, not reused
        log.warning("a used kernel could not be reset (%s): starting a new one", exc)
        return False
    finally:
        kc.stop_channels()


class _Resetting:
    """:func:`_reset` of a handed-back kernel, run in a thread; :meth:`wait` gives its answer."""

    def __init__(self, km: KernelManager, cwd: str | None) -> None:
        self._ok = False
        self._thread = threading.Thread(target=self._run, args=(km, cwd), daemon=True)
        self._thread.start()

    def _run(self, km: KernelManager, cwd: str | None) -> None:
        self._ok = _reset(km, cwd)

    def wait(self) -> bool:
        self._thread.join()
        return self._ok


class WarmKernelPool:
    """One warmed kernel kept ready per process (per kernel name and working directory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[Key, threading.Thread] = {}
        self._ready: dict[Key, KernelManager] = {}
        self._errors: dict[Key, BaseException] = {}
        # One lock per key around "join the warm-up, take its kernel": two threads of one
        # process (a multi-threaded Dask worker) must not both wait for the same kernel.
        self._acquire_locks: dict[Key, threading.Lock] = {}
        # Kernels handed back by the engine ``reuse``, being cleared for their next notebook.
        self._reusable: dict[Key, tuple[KernelManager, _Resetting]] = {}
        self._uses: dict[int, int] = {}
        # Every kernel started and not yet stopped, ready, handed back or running a notebook.
        self._started: dict[int, KernelManager] = {}
        atexit.register(self.shutdown)

    def _warm(self, key: Key) -> None:
        try:
            km = _start_warm_kernel(*key)
            with self._lock:
                self._started[id(km)] = km
                self._ready[key] = km
        except BaseException as exc:  # Reported when the kernel is asked for
            with self._lock:
                self._errors[key] = exc

    def prefetch(self, kernel_name: str = "python3", cwd: str | None = None) -> None:
        key = (kernel_name, cwd, _project_env())
        with self._lock:
            if key in self._ready or (key in self._pending and self._pending[key].is_alive()):
                return
            thread = threading.Thread(target=self._warm, args=(key,), daemon=True)
            self._pending[key] = thread
            thread.start()

    def acquire(
        self, kernel_name: str = "python3", cwd: str | None = None, reuse: bool = False
    ) -> KernelManager:
        """A started, warmed kernel for one notebook; warming of the next one starts now.

        With ``reuse``, a kernel handed back by :meth:`release` is taken first.
        """
        key = (kernel_name, cwd, _project_env())
        self._discard_other_envs(key)
        if reuse:
            with self._lock:
                handed_back = self._reusable.pop(key, None)
            if handed_back is not None:
                used, resetting = handed_back
                if resetting.wait() and used.is_alive():
                    return used
                self.stop(used)
        with self._lock:
            key_lock = self._acquire_locks.setdefault(key, threading.Lock())
        with key_lock:
            self.prefetch(kernel_name, cwd)
            self._pending[key].join()
            with self._lock:
                km = self._ready.pop(key, None)
                err = self._errors.pop(key, None)
            if km is None:
                raise RuntimeError(f"could not start a warm kernel: {err}") from err
            if not reuse:
                # The next notebook needs a kernel of its own: warm it while this one runs. A
                # reused kernel comes back instead, so warming another would be wasted.
                self.prefetch(kernel_name, cwd)
        return km

    def release(
        self, km: KernelManager, kernel_name: str = "python3", cwd: str | None = None
    ) -> None:
        """Reset ``km`` after its notebook and keep it for the next one (or stop it when it has
        run :data:`MAX_USES` notebooks or cannot be reset)."""
        uses = self._uses.pop(id(km), 0) + 1
        if uses >= MAX_USES or not km.is_alive():
            self.stop(km)
            return
        # The reset runs while the worker renders the report just made (HTML and PDF, in this
        # process): the next acquire waits for it, and stops the kernel if it failed.
        resetting = _Resetting(km, cwd)
        key = (kernel_name, cwd, _project_env())
        with self._lock:
            previous = self._reusable.pop(key, None)
            self._reusable[key] = (km, resetting)
            self._uses[id(km)] = uses
        if previous is not None:  # another thread of this process handed one back first
            previous[1].wait()
            self.stop(previous[0])

    def kill_all(self) -> None:
        """Kill every kernel this process started, at once, and remove their connection files.

        For a worker whose run has ended: no kernel is asked to shut down politely (that needs
        the event loop the worker may be stuck in), each is killed with its process group.
        """
        for km in list(self._started.values()):
            process = getattr(km.provisioner, "process", None)
            pid = getattr(process, "pid", None)
            # poll() reaps a kernel that already ended, so a reused process id is never hit.
            if process is not None and pid and process.poll() is None:
                try:
                    os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session
                except OSError:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                km.cleanup_connection_file()
        self._started.clear()

    def stop(self, km: KernelManager) -> None:
        """Shut ``km`` down (a kernel not to be used again)."""
        self._uses.pop(id(km), None)
        self._started.pop(id(km), None)
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # The kernel may already be gone
            log.debug("kernel already stopped")

    def _discard_other_envs(self, key: Key) -> None:
        """Shut down ready kernels warmed for the same notebooks under other project variables."""
        with self._lock:
            stale = [k for k in self._ready if k[:2] == key[:2] and k != key]
            kms = [self._ready.pop(k) for k in stale]
            stale = [k for k in self._reusable if k[:2] == key[:2] and k != key]
            kms += [self._reusable.pop(k)[0] for k in stale]
        for km in kms:
            self.stop(km)

    def shutdown(self) -> None:
        for thread in list(self._pending.values()):
            thread.join(timeout=30)
        for _, resetting in list(self._reusable.values()):
            resetting.wait()
        with self._lock:
            kms = list(self._ready.values()) + [km for km, _ in self._reusable.values()]
            self._ready.clear()
            self._reusable.clear()
        for km in kms:
            self.stop(km)  # best effort at exit: a kernel already gone is skipped


POOL = WarmKernelPool()
