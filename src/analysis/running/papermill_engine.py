"""The papermill engines ``warm`` and ``reuse``: nbclient with a kernel warmed ahead of time.

``warm`` uses each kernel for one notebook; ``reuse`` hands it back to the pool, which clears
it for the next notebook (:meth:`analysis.running.kernels.WarmKernelPool.release`).

Papermill imports this module through its entry point while ``papermill.engines`` is being
initialised, so the project itself never imports it directly (that order would be circular);
the kernel pool lives in :mod:`analysis.running.kernels`.
"""

from __future__ import annotations

import os

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from analysis.running.kernels import POOL


def _execute_on(
    km,
    nb_man,
    kernel_name,
    log_output=False,
    stdout_file=None,
    stderr_file=None,
    start_timeout=60,
    execution_timeout=None,
    **kwargs,
):
    """papermill's ``NBClientEngine.execute_managed_notebook`` (papermill 2.6) on the kernel
    ``km``, closing the client that nbclient opens for it.

    nbclient leaves open the channels of a client it made for a kernel it does not own (a
    heartbeat thread and four sockets): one per notebook, so a worker that had run a few hundred
    commune scorecards held over a thousand threads, and every report after them was slower.
    The body is papermill's own, with the client kept to close it.
    """
    kwargs = remove_args(["input_path"], **kwargs)
    safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
    final_kwargs = merge_kwargs(
        safe_kwargs,
        timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
        startup_timeout=start_timeout,
        kernel_name=kernel_name,
        log=logger,
        log_output=log_output,
        stdout_file=stdout_file,
        stderr_file=stderr_file,
    )
    client = PapermillNotebookClient(nb_man, km=km, **final_kwargs)
    try:
        return client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, given a pre-started kernel that it uses once."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        # papermill has already changed into its ``cwd`` and does not pass it on: the current
        # directory is the key the runner's workers warmed their kernel for.
        cwd = kwargs.get("cwd") or os.getcwd()
        km = POOL.acquire(kernel_name or "python3", str(cwd))
        try:
            return _execute_on(km, nb_man, kernel_name, **kwargs)
        finally:
            POOL.stop(km)


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
            result = _execute_on(km, nb_man, kernel_name, **kwargs)
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
