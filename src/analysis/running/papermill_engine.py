"""The papermill engine ``warm``: nbclient with a kernel started and warmed ahead of time.

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
