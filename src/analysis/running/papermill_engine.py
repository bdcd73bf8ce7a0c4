"""The papermill engines ``warm`` and ``reuse``: nbclient with a kernel warmed ahead of time.

``warm`` uses each kernel for one notebook; ``reuse`` hands it back to the pool, which clears
it for the next notebook (:meth:`analysis.running.kernels.WarmKernelPool.release`).

Papermill imports this module through its entry point while ``papermill.engines`` is being
initialised, so the project itself never imports it directly (that order would be circular);
the kernel pool lives in :mod:`analysis.running.kernels`.
"""

from __future__ import annotations

import os
import time
from queue import Empty
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.util import run_hook
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
    client = _ClientOfStartedKernel(nb_man, km=km, **final_kwargs)
    try:
        return client.execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()


class _ClientOfStartedKernel(PapermillNotebookClient):
    """papermill's client, connected to a started, warmed kernel without a final pause.

    nbclient connects with jupyter_client's ``wait_for_ready``, which ends by reading IOPub
    until it has been silent for 0.2 s: a pause before every notebook, as long as a commune
    scorecard's cells. What proves the connection is kept (a ``kernel_info`` reply on the shell
    channel, then a message on IOPub, else ask again); what the pause would have drained
    belongs to no cell of the notebook (nbclient takes a cell's outputs by its request id).
    """

    async def async_start_new_kernel_client(self) -> Any:
        assert self.km is not None
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        deadline = time.monotonic() + float(self.startup_timeout)
        while True:
            self.kc.kernel_info()
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.2))
                except Empty:
                    pass  # IOPub not connected yet: ask again
                else:
                    break
            if not await ensure_async(self.km.is_alive()):
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {self.startup_timeout} seconds")
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    # What papermill's synchronous ``execute`` calls (nbclient binds it to its own method).
    start_new_kernel_client = run_sync(async_start_new_kernel_client)


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
