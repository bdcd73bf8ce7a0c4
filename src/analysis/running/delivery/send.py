"""E-mailing each unit's PDF briefing to its readers, once per data version.

``python -m analysis send --period 2026-10`` sends one message per recipient of
``data/recipients.yml`` (:mod:`.recipients`): subject and body in the recipient's language
(``messages.yml``), the unit's PDF in that language attached (the run makes the languages
recipients ask for; a recipient whose language was not made is reported, never sent another
language), and for the national office the overview's spreadsheet annex as well. Every
message sent or given up is a JSON line of ``reports/<period>/send-log.jsonl`` (message id,
recipient, period, unit, data version, time, outcome), and the log decides what is left to do:

- the same (period, unit, recipient, data version) is never sent twice, so a second run after
  a partial failure sends only what is missing;
- a recipient who got another data version is reported ("sent version X, current version Y")
  and sent the current one only with ``resend_changed``;
- a transient failure is retried (:mod:`.mailer`), a permanent one reported, and the others
  go on; a message the server accepted is logged as sent whatever happens after, so it is
  never sent again.

Every message is decided and built before the first one is sent (a recipients file with a
problem stops the send before anything goes out, :mod:`.recipients`). ``dry_run`` writes each
message to ``reports/<period>/outbox/`` as an ``.eml`` file instead, named from the unit and
address reduced to safe characters. Two sends of one period at once are serialized by a lock on
the log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from filelock import FileLock

from analysis import paths
from analysis.core import i18n
from analysis.files import inside, safe_name, write_atomic
from analysis.running import faults
from analysis.running.delivery import mailer
from analysis.running.delivery.outputs import (
    NATIONAL,
    Output,
    is_synthetic,
    main_notebook,
    require_outputs,
    resolve_unit,
    unit_name,
)
from analysis.running.delivery.recipients import (
    Recipient,
    default_recipients_path,
    load_recipients,
)

DRY_RUN_SENDER = "vn-dx@localhost"
"""The From of ``.eml`` files written without SMTP settings."""


def send_log_path(period: str) -> Path:
    return paths.reports_dir() / period / "send-log.jsonl"


def outbox_dir(period: str) -> Path:
    return paths.reports_dir() / period / "outbox"


@dataclass
class SendReport:
    """What a send did; each list holds one line per message."""

    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    """Sent before with the current data version: nothing to do."""
    changed: list[str] = field(default_factory=list)
    """Sent before with another data version, not re-sent."""
    written: list[Path] = field(default_factory=list)
    """``.eml`` files of a dry run."""
    problems: list[str] = field(default_factory=list)
    """Rejected, failed after retries, or no PDF for the unit."""
    notes: list[str] = field(default_factory=list)
    """Sent, with something the server did wrong after accepting the message."""
    interrupted: str | None = None
    """Why the send stopped before the end (the messages not tried are not sent)."""

    @property
    def ok(self) -> bool:
        """Everything asked for was sent (or, in a dry run, written)."""
        return not self.problems and not self.changed and self.interrupted is None


def read_log(period: str) -> list[dict]:
    path = send_log_path(period)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _append_log(period: str, record: dict) -> None:
    """Add one line to the log (rewritten atomically: a crash never leaves half a line)."""
    path = send_log_path(period)
    before = path.read_bytes() if path.exists() else b""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    write_atomic(path, before + line.encode("utf-8"))


def _file_for(made: list[Output], unit: str, lang: str, fmt: str = "pdf") -> Output | None:
    """The unit's main report in ``lang`` and format ``fmt``, if the run made it."""
    for o in made:
        if o.unit == unit and o.notebook == main_notebook(unit) and o.format == fmt:
            if o.lang == lang:
                return o
    return None


def build_message(
    r: Recipient, period: str, pdf: Output, sender: str, annex: Output | None = None
) -> EmailMessage:
    """The e-mail for one recipient: words in their language, the PDF attached (and the
    overview's spreadsheet annex, for the national office)."""
    lang = r.language
    unit, when = unit_name(r.unit, lang), i18n.fmt_period(period, lang)
    msg = EmailMessage()
    msg["Subject"] = i18n.t("delivery.mail_subject", lang, period=when, unit=unit)
    msg["From"] = sender
    msg["To"] = formataddr((r.name, r.address))
    # Viet Nam time with its real offset ("... +0700"), not UTC written as "-0000" (unknown).
    msg["Date"] = format_datetime(dt.datetime.now(ZoneInfo(i18n.TIMEZONE)))
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg["X-VNDX-Period"] = period
    msg["X-VNDX-Unit"] = r.unit
    msg["X-VNDX-Data-Version"] = pdf.data_version
    body = [
        i18n.t("delivery.mail_greeting", lang, name=r.name),
        "",
        i18n.t(
            "delivery.mail_body",
            lang,
            period=when,
            unit=unit_name(r.unit, lang, inline=True),
            version=pdf.data_version,
        ),
    ]
    if is_synthetic(period):
        body += ["", i18n.t("notice.synthetic", lang), i18n.t("notice.synthetic_detail", lang)]
    msg.set_content("\n".join([*body, "", i18n.t("delivery.mail_closing", lang), ""]))
    filename = safe_name(f"{period}_{r.unit}_{pdf.path.name}")
    msg.add_attachment(
        pdf.path.read_bytes(), maintype="application", subtype="pdf", filename=filename
    )
    if annex is not None:
        msg.add_attachment(
            annex.path.read_bytes(),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=safe_name(f"{period}_{r.unit}_{annex.path.name}"),
        )
    return msg


def _missing(period: str, r: Recipient) -> str:
    """Why a recipient gets nothing: no PDF in their language, and the command that makes it."""
    where = "" if r.unit == NATIONAL else f" --province {r.unit}"
    if r.language == "vi":
        return f"{_label(r)}: no PDF report for {period}"
    return (
        f"{_label(r)}: no {r.language} PDF report for {period} (the recipient asks for "
        f"{r.language}); make it with `python -m analysis run --period {period}{where} "
        f"--lang vi,{r.language}` (a run makes the languages of data/recipients.yml) and send "
        "again"
    )


def _label(r: Recipient) -> str:
    return f"{r.unit} -> {r.address}"


def _previous(log: list[dict], period: str, r: Recipient) -> set[str]:
    """Data versions of the unit's briefing already delivered to the recipient."""
    return {
        e["data_version"]
        for e in log
        if e.get("outcome") == "sent"
        and e.get("period") == period
        and e.get("unit") == r.unit
        and str(e.get("recipient", "")).lower() == r.address.lower()
    }


def _record(period: str, r: Recipient, msg: EmailMessage, attempt: mailer.Attempt) -> dict:
    return {
        "message_id": msg["Message-ID"],
        "recipient": r.address,
        "name": r.name,
        "period": period,
        "unit": r.unit,
        "data_version": msg["X-VNDX-Data-Version"],
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "outcome": attempt.outcome,
        "attempts": attempt.attempts,
        "error": attempt.error,
        **({"note": attempt.note} if attempt.note else {}),
    }


def _chosen(
    recipients: list[Recipient], provinces: Sequence[str] | None
) -> tuple[list[Recipient], list[str]]:
    """The recipients of the units asked for, and the units asked for that have none."""
    if not provinces:
        return recipients, []
    wanted = {resolve_unit(p) for p in provinces}
    chosen = [r for r in recipients if r.unit in wanted]
    return chosen, sorted(wanted - {r.unit for r in chosen})


def eml_name(r: Recipient) -> str:
    """The ``.eml`` file of a dry run: unit and address in safe characters only."""
    return safe_name(f"{r.unit}__{r.address.replace('@', '_at_')}", max_length=200) + ".eml"


@dataclass
class _Planned:
    """One message to send (or write), decided and built before anything goes out."""

    recipient: Recipient
    message: EmailMessage


def _plan(
    period: str, r: Recipient, made: list[Output], options: dict, report: SendReport
) -> _Planned | None:
    """Decide about one recipient: already sent, sent another version, no PDF, or a message."""
    pdf = _file_for(made, r.unit, r.language)
    if pdf is None:
        report.problems.append(_missing(period, r))
        return None
    annex = _file_for(made, r.unit, r.language, "xlsx") if r.unit == NATIONAL else None
    previous = _previous(options["log"], period, r)
    if pdf.data_version in previous:
        report.already.append(_label(r))
        return None
    if previous and not options["resend_changed"]:
        report.changed.append(
            f"{_label(r)}: sent version {', '.join(sorted(previous))}, current version "
            f"{pdf.data_version} (use --resend-changed to send it)"
        )
        return None
    settings = options["settings"]
    msg = build_message(r, period, pdf, settings.sender if settings else DRY_RUN_SENDER, annex)
    return _Planned(r, msg)


def _deliver(period: str, planned: _Planned, options: dict, report: SendReport) -> None:
    """Send (or write) one planned message and log the outcome."""
    r, msg = planned.recipient, planned.message
    if options["dry_run"]:
        path = inside(outbox_dir(period), eml_name(r))
        report.written.append(write_atomic(path, msg.as_bytes()))
        return
    settings = options["settings"]
    assert settings is not None, "send_period reads the settings before a real send"
    attempt = mailer.deliver(settings, msg)
    try:
        _append_log(period, _record(period, r, msg, attempt))
    except OSError as exc:
        if attempt.outcome == "sent":
            report.sent.append(_label(r))
            raise _Unlogged(
                f"{_label(r)}: sent, but the send log {send_log_path(period)} could not be "
                f"written ({exc.strerror or exc}); add the line yourself or this message "
                "will be sent again by the next send"
            ) from exc
        raise
    if attempt.outcome == "sent":
        report.sent.append(_label(r))
        if attempt.note:
            report.notes.append(f"{_label(r)}: {attempt.note}")
    else:
        report.problems.append(f"{_label(r)}: {attempt.outcome} ({attempt.error})")


class _Unlogged(RuntimeError):
    """A message was sent but its line could not be added to the send log."""


def send_period(
    period: str,
    provinces: Sequence[str] | None = None,
    recipients_file: Path | None = None,
    dry_run: bool = False,
    resend_changed: bool = False,
    settings: mailer.SmtpSettings | None = None,
) -> SendReport:
    """E-mail the period's PDFs; see the module docstring.

    ``settings`` default to the environment (:func:`.mailer.settings_from_env`); a dry run
    uses them only for the sender, when they are set. Raises
    :class:`~analysis.running.delivery.outputs.NoReports`,
    :class:`~analysis.running.delivery.recipients.RecipientsError` or
    :class:`~analysis.running.delivery.mailer.SettingsError` before anything is sent.
    """
    made = require_outputs(period)
    file = recipients_file or default_recipients_path()
    recipients, unlisted = _chosen(load_recipients(file), provinces)
    if settings is None and not dry_run:
        settings = mailer.settings_from_env()
    elif settings is None:
        try:
            settings = mailer.settings_from_env()
        except mailer.SettingsError:
            settings = None
    report = SendReport(problems=[f"{unit}: no recipient in {file}" for unit in unlisted])
    log_path = send_log_path(period)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(paths.lock_path(log_path)), timeout=600):
        options = {
            "log": read_log(period),
            "settings": settings,
            "dry_run": dry_run,
            "resend_changed": resend_changed,
        }
        # Every message is built before the first is sent: a problem stops the send whole.
        planned = [p for r in recipients if (p := _plan(period, r, made, options, report))]
        for done, item in enumerate(planned, start=1):
            try:
                _deliver(period, item, options, report)
            except (_Unlogged, OSError) as exc:
                # The log or the outbox cannot be written: stop here, say what was done.
                why = str(exc) if isinstance(exc, _Unlogged) else faults.describe(exc)
                report.interrupted = f"{why}; {len(planned) - done} message(s) not tried"
                break
    return report
