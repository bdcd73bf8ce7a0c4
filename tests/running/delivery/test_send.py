"""E-mail delivery end to end against a local SMTP server (aiosmtpd) the tests start."""

from __future__ import annotations

import email
import json
import socket
from collections import Counter
from email import policy

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from analysis.cli import main
from analysis.running.delivery import mailer, recipients, send
from analysis.running.manifest import read_manifest, write_manifest

pytestmark = pytest.mark.slow
PERIOD = "2026-10"
RECIPIENTS = """\
recipients:
  - unit: Nghệ An
    name: Văn phòng UBND tỉnh Nghệ An
    address: vanphong@nghean.example
  - unit: "42"
    name: Hà Tĩnh office
    address: flaky@hatinh.example
    language: en
  - unit: national
    name: Văn phòng quốc gia
    address: gone@national.example
"""


class Handler:
    """Accepts everything except: ``flaky@`` gets 451 on its first ``fail_times`` tries,
    ``gone@`` always 550."""

    def __init__(self, fail_times: int = 1):
        self.fail_times = fail_times
        self.tries: Counter[str] = Counter()
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.tries[address] += 1
        if address.startswith("flaky@") and self.tries[address] <= self.fail_times:
            return "451 4.3.0 Try again later"
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, prefix: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"].addresses[0].addr_spec.startswith(prefix)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """Start a local SMTP server; yields a function that sets its handler's behaviour."""
    started = []

    def start(handler: Handler, retries: int = 2) -> Handler:
        port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        for key, value in {
            "VNDX_SMTP_HOST": "127.0.0.1",
            "VNDX_SMTP_PORT": str(port),
            "VNDX_SMTP_FROM": "briefings@vndx.example",
            "VNDX_SMTP_STARTTLS": "0",
            "VNDX_SMTP_RETRIES": str(retries),
            "VNDX_SMTP_BACKOFF": "0.01",
        }.items():
            monkeypatch.setenv(key, value)
        return handler

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def recipients_file(tmp_path):
    path = tmp_path / "recipients.yml"
    path.write_text(RECIPIENTS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def english_run(small_run, demo_store, tmp_path_factory):
    """The small run's reports, and Hà Tĩnh's briefing in English (its recipient asks for it):
    made once for this module as the run makes it for a recipients file that asks."""
    import shutil

    from analysis.running import runner

    reports = tmp_path_factory.mktemp("english") / "reports"
    shutil.copytree(small_run, reports)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VNDX_DATA_DIR", str(demo_store))
        mp.setenv("VNDX_REPORTS_DIR", str(reports))
        summary = runner.run(
            PERIOD,
            provinces=["ha_tinh"],
            notebooks=["30_leadership_briefing"],
            langs=["en"],
            formats=["pdf"],
            jobs=1,
            progress=False,
        )
    assert summary.ok, summary.failed
    return reports


@pytest.fixture
def english_copy(english_run, demo_store, tmp_path, monkeypatch):
    """A private copy of :func:`english_run`'s reports, used as the reports folder."""
    import shutil

    reports = tmp_path / "reports"
    shutil.copytree(english_run, reports)
    monkeypatch.setenv("VNDX_DATA_DIR", str(demo_store))
    monkeypatch.setenv("VNDX_REPORTS_DIR", str(reports))
    return reports


def _send(*args: str):
    return CliRunner().invoke(main, ["send", "--period", PERIOD, *args])


def test_messages_arrive_retries_recover_and_a_rejection_does_not_stop_the_rest(
    english_copy, recipients_file, smtp
):
    server = smtp(Handler(fail_times=1), retries=2)
    result = _send("--recipients", str(recipients_file))
    assert result.exit_code == 1, result.output  # gone@ was rejected
    assert "gone@national.example: rejected (550" in result.output
    assert "2 message(s) sent" in result.output

    version = read_manifest(PERIOD)["data_version"]
    (vi,) = server.to("vanphong@")
    assert vi["Subject"] == "Báo cáo chuyển đổi số tháng 10/2026 — Nghệ An"
    body = vi.get_body(("plain",)).get_content()
    assert "Kính gửi Văn phòng UBND tỉnh Nghệ An" in body and version in body
    assert "DỮ LIỆU MẪU" in body
    (pdf,) = list(vi.iter_attachments())
    expected = (english_copy / PERIOD / "nghe_an" / "30_leadership_briefing.pdf").read_bytes()
    assert pdf.get_content() == expected and pdf.get_content_type() == "application/pdf"
    (en,) = server.to("flaky@")  # 451 first, accepted on the retry
    assert en["Subject"] == "Digital-transformation briefing, October 2026 — Hà Tĩnh"
    assert "Dear Hà Tĩnh office" in en.get_body(("plain",)).get_content()
    (pdf,) = list(en.iter_attachments())  # the English briefing, not the Vietnamese one
    english = english_copy / PERIOD / "ha_tinh" / "30_leadership_briefing.en.pdf"
    assert pdf.get_content() == english.read_bytes()
    assert pdf.get_filename() == "2026-10_ha_tinh_30_leadership_briefing.en.pdf"

    log = send.read_log(PERIOD)
    assert {(e["unit"], e["outcome"]) for e in log} == {
        ("nghe_an", "sent"),
        ("ha_tinh", "sent"),
        ("national", "rejected"),
    }
    assert {e["message_id"] for e in log if e["outcome"] == "sent"} == {
        vi["Message-ID"],
        en["Message-ID"],
    }
    flaky = next(e for e in log if e["unit"] == "ha_tinh")
    assert flaky["attempts"] == 2 and flaky["data_version"] == version and flaky["time"]

    again = _send("--recipients", str(recipients_file), "--province", "40", "--province", "42")
    assert again.exit_code == 0, again.output
    assert "0 message(s) sent" in again.output and "2 already sent" in again.output
    assert len(server.messages) == 2  # nothing delivered twice

    nobody = _send("--recipients", str(recipients_file), "--province", "Cao Bằng")
    assert nobody.exit_code == 1 and f"cao_bang: no recipient in {recipients_file}" in nobody.output


def test_a_second_run_after_a_transient_failure_sends_only_what_is_missing(
    english_copy, recipients_file, smtp
):
    server = smtp(Handler(fail_times=1), retries=0)
    args = ["--recipients", str(recipients_file), "--province", "nghe_an", "--province", "42"]
    first = _send(*args)
    assert first.exit_code == 1 and "flaky@hatinh.example: failed (451" in first.output
    assert [m["To"].addresses[0].addr_spec for m in server.messages] == ["vanphong@nghean.example"]
    second = _send(
        "--recipients", str(recipients_file), "--province", "nghe_an", "--province", "42"
    )
    assert second.exit_code == 0, second.output
    assert [m["To"].addresses[0].addr_spec for m in server.messages] == [
        "vanphong@nghean.example",
        "flaky@hatinh.example",
    ]
    outcomes = [(e["recipient"], e["outcome"]) for e in send.read_log(PERIOD)]
    assert outcomes == [
        ("vanphong@nghean.example", "sent"),
        ("flaky@hatinh.example", "failed"),
        ("flaky@hatinh.example", "sent"),
    ]


def test_a_new_data_version_is_reported_and_sent_only_when_asked(
    reports_copy, recipients_file, smtp
):
    server = smtp(Handler(fail_times=0))
    args = ["--recipients", str(recipients_file), "--province", "Nghe An"]
    assert _send(*args).exit_code == 0
    old = read_manifest(PERIOD)["data_version"]

    def new_version(m):
        for e in m["outputs"]:
            e["data_version"] = "f00dfeed0001"
        return {**m, "data_version": "f00dfeed0001"}

    write_manifest(PERIOD, new_version)
    changed = _send(*args)
    assert changed.exit_code == 1
    assert f"sent version {old}, current version f00dfeed0001" in changed.output
    assert len(server.messages) == 1
    resent = _send(*args, "--resend-changed")
    assert resent.exit_code == 0, resent.output
    assert len(server.messages) == 2
    assert server.messages[1]["X-VNDX-Data-Version"] == "f00dfeed0001"


def test_a_dry_run_writes_eml_files_and_sends_nothing(
    english_copy, recipients_file, smtp, monkeypatch
):
    server = smtp(Handler(fail_times=0))
    monkeypatch.delenv("VNDX_SMTP_HOST")  # a dry run needs no server
    result = _send("--recipients", str(recipients_file), "--dry-run")
    assert result.exit_code == 0, result.output
    outbox = english_copy / PERIOD / "outbox"
    files = sorted(p.name for p in outbox.iterdir())
    assert files == [
        "ha_tinh__flaky_at_hatinh.example.eml",
        "national__gone_at_national.example.eml",
        "nghe_an__vanphong_at_nghean.example.eml",
    ]
    msg = email.message_from_bytes((outbox / files[1]).read_bytes(), policy=policy.default)
    assert msg["Subject"] == "Báo cáo chuyển đổi số tháng 10/2026 — Cả nước"
    # Mid-sentence the country is "cả nước"; the date carries Viet Nam's offset, not -0000.
    assert "báo cáo chuyển đổi số tháng 10/2026 của cả nước" in msg.get_body().get_content()
    assert msg["Date"].endswith("+0700") and msg["Date"].datetime.utcoffset().seconds == 7 * 3600
    pdf, annex = list(msg.iter_attachments())  # the overview and its spreadsheet annex
    overview = english_copy / PERIOD / "national" / "40_national_overview.pdf"
    assert pdf.get_content() == overview.read_bytes()
    sheet = english_copy / PERIOD / "national" / "40_national_overview.xlsx"
    assert annex.get_content() == sheet.read_bytes()
    assert annex.get_filename() == "2026-10_national_40_national_overview.xlsx"
    # The English recipient's .eml carries the English PDF.
    en = email.message_from_bytes((outbox / files[0]).read_bytes(), policy=policy.default)
    assert en["Subject"] == "Digital-transformation briefing, October 2026 — Hà Tĩnh"
    (attached,) = list(en.iter_attachments())
    english = english_copy / PERIOD / "ha_tinh" / "30_leadership_briefing.en.pdf"
    vietnamese = english_copy / PERIOD / "ha_tinh" / "30_leadership_briefing.pdf"
    assert attached.get_content() == english.read_bytes() != vietnamese.read_bytes()
    assert server.messages == [] and not send.send_log_path(PERIOD).exists()
    # Nothing to write (Cà Mau has no recipient): said so, no "0 message(s) written to -".
    again = _send("--recipients", str(recipients_file), "--dry-run", "--province", "Cà Mau")
    assert "dry run: no message written, none sent" in again.output
    assert "written to -" not in again.output


def test_a_recipient_whose_language_was_not_made_is_told_how_to_make_it(
    reports_copy, recipients_file, smtp, monkeypatch
):
    smtp(Handler(fail_times=0))
    monkeypatch.delenv("VNDX_SMTP_HOST")
    result = _send("--recipients", str(recipients_file), "--dry-run", "--province", "42")
    assert result.exit_code == 1
    assert (
        "ha_tinh -> flaky@hatinh.example: no en PDF report for 2026-10 (the recipient asks for "
        "en); make it with `python -m analysis run --period 2026-10 --province ha_tinh "
        "--lang vi,en`"
    ) in " ".join(result.output.split())
    assert not (reports_copy / PERIOD / "outbox").exists()  # never the Vietnamese one instead


def test_smtp_settings_come_from_the_environment_and_tls_is_required_off_this_machine():
    env = {"VNDX_SMTP_HOST": "smtp.example.gov.vn", "VNDX_SMTP_FROM": "a@b.vn"}
    assert mailer.settings_from_env(env).starttls and mailer.settings_from_env(env).port == 587
    with pytest.raises(mailer.SettingsError, match="only for a server on this machine"):
        mailer.settings_from_env({**env, "VNDX_SMTP_STARTTLS": "0"})
    with pytest.raises(mailer.SettingsError, match="VNDX_SMTP_HOST"):
        mailer.settings_from_env({"VNDX_SMTP_FROM": "a@b.vn"})
    with pytest.raises(mailer.SettingsError, match="both"):
        mailer.settings_from_env({**env, "VNDX_SMTP_USER": "u"})
    secret = mailer.settings_from_env({**env, "VNDX_SMTP_USER": "u", "VNDX_SMTP_PASSWORD": "pw!"})
    assert "pw!" not in repr(secret)


def test_a_bad_recipients_file_is_refused_with_every_problem(reports_copy, tmp_path):
    path = tmp_path / "r.yml"
    path.write_text(
        "recipients:\n"
        "  - {unit: Atlantis, name: X, address: x@y.vn}\n"
        "  - {unit: nghe_an, name: Y, address: not-an-address, language: fr}\n",
        encoding="utf-8",
    )
    with pytest.raises(recipients.RecipientsError) as info:
        recipients.load_recipients(path)
    text = str(info.value)
    assert "entry 1 (X), unit: unknown province: 'Atlantis'" in text
    assert "entry 2 (Y), language: 'fr'" in text
    assert "entry 2 (Y), address: 'not-an-address'" in text
    result = _send("--recipients", str(path))
    assert result.exit_code == 1 and "Atlantis" in result.output


def test_a_period_without_reports_exits_1_with_one_line(workspace, recipients_file):
    result = _send("--recipients", str(recipients_file))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"send: no reports for {PERIOD} in {workspace.parent / 'reports' / PERIOD}: "
        f"run `python -m analysis run --period {PERIOD}` first"
    ]


def test_the_example_recipients_file_is_valid():
    from tests.conftest import ROOT

    example = recipients.load_recipients(ROOT / "data" / "recipients.example.yml")
    assert {r.language for r in example} == {"vi", "en"}
    assert "national" in {r.unit for r in example}
    json.dumps([r.__dict__ for r in example])


def test_a_server_that_cannot_be_reached_is_retried_then_reported_as_failed():
    from email.message import EmailMessage

    settings = mailer.SmtpSettings(
        "127.0.0.1", _free_port(), "a@b.vn", starttls=False, retries=2, backoff=0.01
    )
    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = "x@y.vn", "a@b.vn", "t"
    attempt = mailer.deliver(settings, msg)
    assert attempt.outcome == "failed" and attempt.attempts == 3
    assert "ConnectionRefusedError" in attempt.error
