"""E-mail under faults: a server failing at each SMTP step, hostile recipients files.

A message the server accepted (250 after DATA) is sent, whatever happens next; only failures
before that are retried; a second ``send`` never delivers a message again.
"""

from __future__ import annotations

import json
import ssl

import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.running.delivery import send
from tests.running.delivery.servers import (
    BusyFront,
    FailingHandler,
    FailingServer,
    free_port,
    self_signed,
)

PERIOD = "2026-10"
VERSION = "0123456789ab"
ONE = """\
recipients:
  - unit: Nghệ An
    name: Văn phòng UBND tỉnh Nghệ An
    address: vanphong@nghean.example.vn
"""


@pytest.fixture
def made(tmp_path, monkeypatch):
    """A period folder as a run leaves it, with one briefing PDF (no notebook is run)."""
    reports = tmp_path / "reports"
    pdf = reports / PERIOD / "nghe_an" / "30_leadership_briefing.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7\n% a briefing\n%%EOF\n")
    row = {
        "notebook": "30_leadership_briefing",
        "unit": "nghe_an",
        "commune": "",
        "lang": "vi",
        "format": "pdf",
        "path": f"{PERIOD}/nghe_an/30_leadership_briefing.pdf",
        "status": "ok",
        "data_version": VERSION,
    }
    manifest = {"period": PERIOD, "dataset": "demo", "data_version": VERSION, "outputs": [row]}
    (reports / PERIOD / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    monkeypatch.setenv("VNDX_DATA_DIR", str(tmp_path / "data"))
    recipients = tmp_path / "recipients.yml"
    recipients.write_text(ONE, encoding="utf-8")
    return recipients


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


def _smtp_env(monkeypatch, port: int, starttls: bool, retries: int = 2) -> None:
    for key, value in {
        "VNDX_SMTP_HOST": "127.0.0.1",
        "VNDX_SMTP_PORT": str(port),
        "VNDX_SMTP_FROM": "briefings@vndx.example.vn",
        "VNDX_SMTP_STARTTLS": "1" if starttls else "0",
        "VNDX_SMTP_RETRIES": str(retries),
        "VNDX_SMTP_BACKOFF": "0.01",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def server(monkeypatch, certificate):
    """Start a server failing at a step; returns its handler (messages it accepted)."""
    running = []

    def start(step: str, times: int | None = 1, reply: str = "451 4.3.0 Try again later"):
        cert, key = certificate
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server only
        handler = FailingHandler(step if step != "connect" else None, reply, times)
        backend = free_port()
        smtp = FailingServer(handler, backend, tls)
        smtp.start()
        running.append(smtp)
        port = backend
        if step == "connect":
            port = free_port()
            front = BusyFront(port, backend, times=times)
            front.start()
            running.append(front)
        _smtp_env(monkeypatch, port, starttls=True)
        return handler

    yield start
    for item in reversed(running):
        item.stop()


def _send(recipients, *args: str):
    args = ("--recipients", str(recipients), *args)
    return CliRunner().invoke(main, ["send", "--period", PERIOD, *args])


@pytest.mark.slow
@pytest.mark.parametrize("step", ["connect", "starttls", "mail", "rcpt", "data"])
def test_a_failure_before_acceptance_is_retried_and_the_message_arrives_once(made, server, step):
    handler = server(step, times=1)
    first = _send(made)
    assert first.exit_code == 0, first.output
    assert len(handler.messages) == 1
    (line,) = send.read_log(PERIOD)
    assert line["outcome"] == "sent" and line["attempts"] == 2
    assert line["message_id"] == handler.messages[0]["Message-ID"]
    again = _send(made)
    assert again.exit_code == 0 and "1 already sent" in again.output
    assert len(handler.messages) == 1 and len(send.read_log(PERIOD)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("step", ["connect", "starttls", "mail", "rcpt", "data"])
def test_a_server_that_keeps_failing_before_acceptance_gets_nothing_and_is_logged_failed(
    made, server, step
):
    handler = server(step, times=None)
    first = _send(made)
    assert first.exit_code == 1
    assert "vanphong@nghean.example.vn: failed (" in first.output
    assert handler.messages == []
    (line,) = send.read_log(PERIOD)
    assert line["outcome"] == "failed" and line["attempts"] == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "reply", "what"),
    [
        ("after_data", "", "SMTPServerDisconnected"),
        ("quit", "421 4.4.2 Closing connection", "QUIT answered 421"),
    ],
)
def test_a_message_the_server_accepted_is_sent_whatever_happens_after(
    made, server, step, reply, what
):
    handler = server(step, times=None, reply=reply or "unused")
    first = _send(made)
    assert first.exit_code == 0, first.output
    assert len(handler.messages) == 1  # never three copies
    (line,) = send.read_log(PERIOD)
    assert line["outcome"] == "sent" and line["attempts"] == 1 and line["error"] is None
    assert what in line["note"] and what in first.output
    again = _send(made)
    assert again.exit_code == 0 and "0 message(s) sent" in again.output
    assert len(handler.messages) == 1 and len(send.read_log(PERIOD)) == 1


@pytest.mark.slow
def test_a_permanent_refusal_at_rcpt_is_not_retried(made, server):
    handler = server("rcpt", times=None, reply="550 5.1.1 No such user")
    first = _send(made)
    assert first.exit_code == 1 and "rejected (550 5.1.1 No such user)" in first.output
    assert handler.tries["rcpt"] == 1 and handler.messages == []


def test_a_recipient_address_with_a_path_writes_no_file_outside_the_outbox(made, tmp_path):
    made.write_text(
        ONE + "  - unit: Hà Tĩnh\n    name: Evil\n"
        "    address: x/../../../../elsewhere/escaped@evil.example\n",
        encoding="utf-8",
    )
    result = _send(made, "--dry-run")
    assert result.exit_code == 1
    assert "entry 2 (Evil), address: 'x/../../../../elsewhere/escaped@evil.example'" in (
        result.output
    )
    assert not list(tmp_path.rglob("*.eml"))  # refused before anything was written
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path.parent / "elsewhere").exists()


def test_an_address_with_a_slash_is_written_under_a_safe_name_in_the_outbox(made, tmp_path):
    # A slash is allowed in an address (RFC 5322), never in a file name.
    made.write_text(ONE.replace("vanphong@", "van/phong@"), encoding="utf-8")
    result = _send(made, "--dry-run")
    assert result.exit_code == 0, result.output
    outbox = tmp_path / "reports" / PERIOD / "outbox"
    assert [p.name for p in outbox.iterdir()] == ["nghe_an__van_phong_at_nghean.example.vn.eml"]
    assert [p.name for p in tmp_path.rglob("*.eml")] == [
        "nghe_an__van_phong_at_nghean.example.vn.eml"
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            '{unit: nghe_an, name: "Văn phòng\\nBcc: all@evil.example", address: a@b.vn}',
            "entry 2 (Văn phòng\\nBcc: all@evil.example), name: contains a line break",
        ),
        ("{unit: nghe_an, name: Bad, address: 'a b@c.vn'}", "entry 2 (Bad), address: 'a b@c.vn'"),
        ("{unit: Atlantis, name: Lost, address: a@b.vn}", "entry 2 (Lost), unit: unknown province"),
        (
            "{unit: nghe_an, name: Fr, address: a@b.vn, language: fr}",
            "entry 2 (Fr), language: 'fr'",
        ),
        (
            "{unit: '40', name: Twice, address: VanPhong@nghean.example.vn}",
            "entry 2 (Twice), address: the same unit and address as entry 1",
        ),
    ],
)
def test_one_bad_entry_stops_the_send_before_anything_is_sent(made, monkeypatch, entry, expected):
    made.write_text(ONE + f"  - {entry}\n", encoding="utf-8")
    handler = FailingHandler()
    port = free_port()
    smtp = FailingServer(handler, port)
    smtp.start()
    try:
        _smtp_env(monkeypatch, port, starttls=False)
        result = _send(made)
    finally:
        smtp.stop()
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert handler.messages == [] and send.read_log(PERIOD) == []  # entry 1 was not sent either


def test_a_send_log_that_cannot_be_written_stops_the_send_and_says_what_was_sent(made, monkeypatch):
    made.write_text(ONE + "  - {unit: national, name: N, address: n@national.vn}\n", "utf-8")
    national = made.parent / "reports" / PERIOD / "national" / "40_national_overview.pdf"
    national.parent.mkdir()
    national.write_bytes(b"%PDF-1.7\n%%EOF\n")
    manifest_path = made.parent / "reports" / PERIOD / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    row = dict(manifest["outputs"][0], unit="national", notebook="40_national_overview")
    manifest["outputs"].append(dict(row, path=f"{PERIOD}/national/40_national_overview.pdf"))
    manifest_path.write_text(json.dumps(manifest))
    handler = FailingHandler()
    port = free_port()
    smtp = FailingServer(handler, port)
    smtp.start()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(send, "write_atomic", full)
    try:
        _smtp_env(monkeypatch, port, starttls=False)
        result = _send(made)
    finally:
        smtp.stop()
    assert result.exit_code == 1
    assert len(handler.messages) == 1  # the second is not tried while the log is broken
    assert "1 message(s) sent" in result.output
    assert "send stopped: nghe_an -> vanphong@nghean.example.vn: sent, but the send log" in (
        result.output
    )
    assert "1 message(s) not tried" in result.output
