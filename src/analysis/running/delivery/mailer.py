"""SMTP: settings from the environment only, STARTTLS, and retries for transient failures.

Host, port, user, password and sender come ONLY from environment variables, never from a file
in the project or a command-line option (where they would end up in shell histories and logs):
``VNDX_SMTP_HOST``, ``VNDX_SMTP_PORT`` (default 587), ``VNDX_SMTP_USER`` and
``VNDX_SMTP_PASSWORD`` (both or neither), ``VNDX_SMTP_FROM``. The connection is upgraded with
STARTTLS and the server's certificate verified; ``VNDX_SMTP_STARTTLS=0`` is accepted only for a
server on this machine (a local test server).

A transient failure (a 4xx reply, a dropped or refused connection) is retried
``VNDX_SMTP_RETRIES`` times (default 3) after ``VNDX_SMTP_BACKOFF`` seconds (default 2),
doubling each time; a permanent one (5xx) is not retried.

A message is delivered once the server has answered 250 to its DATA: from then on it is the
server's, and it is sent, whatever happens next (a 421 to QUIT, a dropped connection). Only a
failure before that answer is retried, so a server that misbehaves after accepting a message
never gets it twice.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORT = 587
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 2.0
TIMEOUT = 60.0


class SettingsError(ValueError):
    """The SMTP environment variables are missing or inconsistent."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings({self.host}:{self.port}, from {self.sender}, user {self.user})"


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r}: expected a number") from None
    if value < 0:
        raise SettingsError(f"{name}={text!r}: expected a number of at least 0")
    return value


def settings_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """The SMTP settings from the environment; :class:`SettingsError` names what is wrong."""
    env = os.environ if env is None else env
    missing = [k for k in ("VNDX_SMTP_HOST", "VNDX_SMTP_FROM") if not env.get(k, "").strip()]
    if missing:
        raise SettingsError(
            f"set {' and '.join(missing)} (SMTP settings come from the environment)"
        )
    user, password = env.get("VNDX_SMTP_USER") or None, env.get("VNDX_SMTP_PASSWORD") or None
    if (user is None) != (password is None):
        raise SettingsError("set both VNDX_SMTP_USER and VNDX_SMTP_PASSWORD, or neither")
    host = env["VNDX_SMTP_HOST"].strip()
    starttls = env.get("VNDX_SMTP_STARTTLS", "1").strip() not in ("0", "false", "no")
    if not starttls and host not in LOCAL_HOSTS:
        raise SettingsError(
            f"VNDX_SMTP_STARTTLS=0 is allowed only for a server on this machine, not {host!r}"
        )
    return SmtpSettings(
        host=host,
        port=int(_number(env, "VNDX_SMTP_PORT", DEFAULT_PORT, int)),
        sender=env["VNDX_SMTP_FROM"].strip(),
        user=user,
        password=password,
        starttls=starttls,
        retries=int(_number(env, "VNDX_SMTP_RETRIES", DEFAULT_RETRIES, int)),
        backoff=float(_number(env, "VNDX_SMTP_BACKOFF", DEFAULT_BACKOFF, float)),
    )


@dataclass(frozen=True)
class Attempt:
    """How a message fared: ``sent``, ``rejected`` (permanent) or ``failed`` (transient).

    ``note`` says what went wrong after the server accepted a sent message (it stays sent).
    """

    outcome: str
    attempts: int
    error: str | None = None
    note: str | None = None


def _deliver_once(settings: SmtpSettings, message: EmailMessage) -> str | None:
    """Deliver ``message`` over one connection; raise if the server did not accept it.

    Returns ``None``, or what went wrong after the server accepted the message (its answer
    to QUIT, a dropped connection): a note, never a failure, since the message is delivered.
    """
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        # Returns once the server answered 250 to DATA (and raises on any other answer).
        smtp.send_message(message)
    except BaseException:
        smtp.close()
        raise
    try:
        reply = smtp.docmd("QUIT")
    except (smtplib.SMTPException, OSError) as exc:
        return f"accepted; then {_classify(exc)[1]}"
    finally:
        smtp.close()
    code, text = reply
    if code != 221:
        return f"accepted; then QUIT answered {code} {text.decode(errors='replace')}"
    return None


def _classify(exc: BaseException) -> tuple[int | None, str]:
    """The SMTP code of a failure (``None`` for a connection problem) and its text."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        code = max(int(c) for c, _ in replies) if replies else None
        text = "; ".join(f"{c} {m.decode(errors='replace')}" for c, m in replies)
        return code, text
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return exc.smtp_code, f"{exc.smtp_code} {text}"
    return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def deliver(settings: SmtpSettings, message: EmailMessage) -> Attempt:
    """Send ``message``, retrying failures before acceptance with backoff; never raises for
    SMTP or the network."""
    attempt, error, code = 0, None, None
    while attempt <= settings.retries:
        attempt += 1
        try:
            note = _deliver_once(settings, message)
            return Attempt("sent", attempt, note=note)
        except (smtplib.SMTPException, OSError) as exc:  # SMTPException is an OSError too
            code, error = _classify(exc)
        if code is not None and code >= 500:
            return Attempt("rejected", attempt, error)
        if attempt <= settings.retries:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
    return Attempt("failed", attempt, error)
