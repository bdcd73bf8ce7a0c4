"""A real Jupyter server (what `make lab` starts) executes a notebook through its REST and
websocket API, as JupyterLab does."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import nbformat
import pytest
from tornado.websocket import websocket_connect

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
TOKEN = uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(use_demo_store, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={ROOT / 'notebooks'}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("jupyter server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def _api(base, path, method="GET", body=None):
    req = urllib.request.Request(
        f"{base}{path}?token={TOKEN}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


async def _run_cells(ws_url, sources, timeout=600):
    """Execute cells one after another over ONE websocket (one session, as JupyterLab does)."""
    ws = await websocket_connect(ws_url)
    session = uuid.uuid4().hex
    results = []
    try:
        for code in sources:
            msg_id = uuid.uuid4().hex
            ws.write_message(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": "test",
                            "session": session,
                            "msg_type": "execute_request",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "buffers": [],
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    }
                )
            )
            outputs, status, idle = [], None, False
            deadline = time.time() + timeout
            while not (status and idle):
                assert time.time() < deadline, f"no reply within {timeout} s to: {code[:60]}"
                raw = await asyncio.wait_for(ws.read_message(), timeout=timeout)
                assert raw is not None, "the server closed the websocket"
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind in ("execute_result", "display_data", "stream", "error"):
                    outputs.append(msg["content"])
                elif kind == "execute_reply":
                    status = msg["content"]["status"]
                elif kind == "status":
                    idle = msg["content"]["execution_state"] == "idle"
            results.append((status, outputs))
    finally:
        ws.close()
    return results


def test_a_notebook_executes_through_a_jupyter_server(server):
    assert "python3" in _api(server, "/api/kernelspecs")["kernelspecs"]
    kernel = _api(server, "/api/kernels", "POST", {"name": "python3"})
    ws_url = server.replace("http", "ws") + f"/api/kernels/{kernel['id']}/channels?token={TOKEN}"
    nb = nbformat.read(ROOT / "notebooks" / "00_explore.ipynb", as_version=4)
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    texts = []
    for status, outputs in asyncio.run(_run_cells(ws_url, sources)):
        assert status == "ok", outputs
        texts += [o.get("data", {}).get("text/plain", "") for o in outputs]
    joined = "\n".join(texts)
    assert "3743" in joined and "3806" in joined
    _api(server, f"/api/kernels/{kernel['id']}", "DELETE")
