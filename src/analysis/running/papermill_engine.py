"""The papermill engines ``warm`` and ``reuse``: nbclient with a kernel warmed ahead of time.

``warm`` uses each kernel for one notebook; ``reuse`` hands it back to the pool, which clears
it for the next notebook (:meth:`analysis.running.kernels.WarmKernelPool.release`).

Papermill imports this module through its entry point while ``papermill.engines`` is being
initialised, so the project itself never imports it directly (that order would be circular);
the kernel pool lives in :mod:`analysis.running.kernels`.
"""

from __future__ import annotations

import logging
import os

from papermill.engines import NBClientEngine

from analysis.running.kernels import POOL

log = logging.getLogger(__name__)


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, given a pre-started kernel that it uses once."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        # papermill has already changed into its ``cwd`` and does not pass it on: the current
        # directory is the key the runner's workers warmed their kernel for.
        cwd = kwargs.get("cwd") or os.getcwd()
        km = POOL.acquire(kernel_name or "python3", str(cwd))
        try:
            return super().execute_managed_notebook(nb_man, kernel_name, km=km, **kwargs)
        finally:
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # The kernel may already be gone
                log.debug("kernel already stopped")


class ReusingKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a warmed kernel that runs several notebooks in turn.

    Registered by :func:`register` (not by entry point): the runner uses it for the commune
    level, where starting a kernel would cost more than the notebook itself.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        cwd = str(kwargs.get("cwd") or os.getcwd())
        name = kernel_name or "python3"
        km = POOL.acquire(name, cwd, reuse=True)
        try:
            result = super().execute_managed_notebook(nb_man, kernel_name, km=km, **kwargs)
        except BaseException:
            # A dead kernel, a time limit, an interrupt: this kernel is never used again.
            POOL.stop(km)
            raise
        POOL.release(km, name, cwd)
        return result


def register() -> None:
    """Make ``reuse`` known to papermill in this process (idempotent)."""
    from papermill.engines import papermill_engines

    papermill_engines.register("reuse", ReusingKernelEngine)
