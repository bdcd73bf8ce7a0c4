"""SMTP servers that fail at one step, started by the tests on 127.0.0.1.

aiosmtpd does the protocol; its handler hooks fail MAIL, RCPT, DATA and QUIT, a subclass fails
STARTTLS and drops the connection after accepting a message. A failed greeting (the connect
step) is what aiosmtpd cannot do: :class:`BusyFront` is a small asyncio server in front of it
that answers the first connections with ``421`` and passes the others through.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import subprocess
import threading
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

STEPS = ("connect", "starttls", "mail", "rcpt", "data", "after_data", "quit")
"""The steps of one delivery, in order."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the client trusts it through SSL_CERT_FILE)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class FailingHandler:
    """Accepts messages, except at ``step``: there it answers ``reply`` for the first
    ``times`` sessions (every session when ``times`` is None).

    ``after_data`` accepts the message and then drops the connection; ``quit`` accepts it and
    answers QUIT with ``reply``.
    """

    def __init__(self, step: str | None = None, reply: str = "451 4.3.0 Try again later",
                 times: int | None = 1) -> None:  # fmt: skip
        self.step, self.reply, self.times = step, reply, times
        self.tries: dict[str, int] = {}
        self.messages: list[email.message.EmailMessage] = []

    def failing(self, step: str) -> bool:
        if step != self.step:
            return False
        self.tries[step] = self.tries.get(step, 0) + 1
        return self.times is None or self.tries[step] <= self.times

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.failing("mail"):
            return self.reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.failing("rcpt"):
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.failing("data"):
            return self.reply
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if self.failing("after_data"):
            # The 250 below is written first; the connection closes once it is sent.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if self.failing("quit"):
            return self.reply
        return "221 Bye"


class _FlakyTLS(SMTP):
    """aiosmtpd's server whose STARTTLS fails while its handler says so."""

    async def smtp_STARTTLS(self, arg: str):
        if self.event_handler.failing("starttls"):
            await self.push(self.event_handler.reply)
            return
        await super().smtp_STARTTLS(arg)


class FailingServer(Controller):
    """An aiosmtpd server (STARTTLS offered when ``tls`` is a context) with a
    :class:`FailingHandler`."""

    def __init__(self, handler: FailingHandler, port: int, tls: ssl.SSLContext | None = None):
        super().__init__(handler, hostname="127.0.0.1", port=port, tls_context=tls)

    def factory(self):
        return _FlakyTLS(self.handler, **self.SMTP_kwargs)


class BusyFront:
    """A server on ``port`` that greets the first ``times`` connections with ``reply`` and
    closes them, and relays every later connection to the SMTP server on ``backend``."""

    def __init__(self, port: int, backend: int, reply: str = "421 4.3.2 Too busy, try later",
                 times: int | None = 1) -> None:  # fmt: skip
        self.port, self.backend, self.reply, self.times = port, backend, reply, times
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _relay(self, reader, writer):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _client(self, reader, writer):
        self.connections += 1
        if self.times is None or self.connections <= self.times:
            writer.write(self.reply.encode() + b"\r\n")
            await writer.drain()
            writer.close()
            return
        back_reader, back_writer = await asyncio.open_connection("127.0.0.1", self.backend)
        await asyncio.gather(self._relay(reader, back_writer), self._relay(back_reader, writer))

    def start(self) -> None:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._client, "127.0.0.1", self.port), self._loop
        )
        self._server = started.result(timeout=10)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
