"""The notification channels against real endpoints on loopback: an SMTP server (aiosmtpd),
a directory, and a stand-in for the GOV.UK Notify API (stdlib ``http.server``)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from config.settings import Settings
from tests.support.smtp import MailCatcher
from workflow.notifications import (
    REFERENCE_HEADER,
    Channel,
    DeliveryFailed,
    FileChannel,
    LogChannel,
    Message,
    NotifyChannel,
    SmtpChannel,
    channel_from_settings,
    render,
)

pytest_plugins = ["tests.support.fixtures_smtp"]

SENDER = "cjji-workflow@cjji.example.gov.uk"
SIGNOFF = Message(
    to=("signatory@hmcpsi.example.gov.uk", "deputy@hmcpsi.example.gov.uk"),
    subject="Decision needed: report for Rape (two-part report) (JI-2021-07)",
    body="Please approve version 9c1e4f2 of the report.\n",
    reference="outbox-42",
)
WELSH = Message(
    to=("arolygydd@estyn.example.gov.uk",),
    subject="Adolygiad ar y cyd: ieuenctid yng Nghymru – ŵyr",
    body="Cyfraniadau ysgrifenedig: £0, ‘dyfynodau’, ŵ ŷ.\n",
    reference="outbox-43",
)


def _text(message: EmailMessage) -> str:
    """The body as text; on the wire (and in an .eml file) lines end in CRLF."""
    content = message.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


# --- SMTP ---------------------------------------------------------------------------------


def test_smtp_channel_delivers_to_a_real_smtp_server(mail_catcher: MailCatcher) -> None:
    channel = SmtpChannel("127.0.0.1", mail_catcher.port, SENDER)
    delivery = channel.send(SIGNOFF)

    [received] = mail_catcher.wait_for(1)
    assert received["To"] == ", ".join(SIGNOFF.to)
    assert received["From"] == SENDER
    assert received["Subject"] == SIGNOFF.subject
    assert received[REFERENCE_HEADER] == "outbox-42"
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert _text(received) == SIGNOFF.body
    assert mail_catcher.envelopes == [(SENDER, SIGNOFF.to)]
    assert delivery.channel == "smtp"
    assert delivery.to == SIGNOFF.to
    assert delivery.provider_id == received["Message-ID"]


def test_smtp_channel_keeps_non_ascii_text_intact(mail_catcher: MailCatcher) -> None:
    SmtpChannel("127.0.0.1", mail_catcher.port, SENDER).send(WELSH)
    [received] = mail_catcher.wait_for(1)
    assert received["Subject"] == WELSH.subject
    assert _text(received) == WELSH.body


def test_a_resent_message_keeps_its_message_id(mail_catcher: MailCatcher) -> None:
    channel = SmtpChannel("127.0.0.1", mail_catcher.port, SENDER)
    channel.send(SIGNOFF)
    channel.send(SIGNOFF)
    first, second = mail_catcher.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@cjji.example.gov.uk>")


def test_smtp_channel_sends_a_rendered_template(mail_catcher: MailCatcher) -> None:
    subject, body = render(
        "published",
        stream_title="Joint inspection of youth offending services",
        ref="JI-2022-03",
        url=None,
        public_url="http://127.0.0.1:8000",
    )
    message = Message(("lead@hmiprobation.example.gov.uk",), subject, body, "outbox-7")
    SmtpChannel("127.0.0.1", mail_catcher.port, SENDER).send(message)
    [received] = mail_catcher.wait_for(1)
    assert (
        received["Subject"]
        == "Published: Joint inspection of youth offending services (JI-2022-03)"
    )
    assert "http://127.0.0.1:8000/streams/JI-2022-03" in _text(received)


def test_mail_catcher_wait_for_says_what_arrived(mail_catcher: MailCatcher) -> None:
    SmtpChannel("127.0.0.1", mail_catcher.port, SENDER).send(SIGNOFF)
    with pytest.raises(AssertionError, match=r"expected 2 message\(s\).*got 1.*Decision needed"):
        mail_catcher.wait_for(2, timeout=0.2)
    mail_catcher.clear()
    assert mail_catcher.messages == []


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: a connection to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_smtp_channel_to_a_closed_port_raises_delivery_failed(closed_port: int) -> None:
    channel = SmtpChannel("127.0.0.1", closed_port, SENDER, timeout=2)
    with pytest.raises(DeliveryFailed, match=rf"127\.0\.0\.1:{closed_port}.*will retry") as info:
        channel.send(SIGNOFF)
    assert "outbox-42" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


# --- files and log ------------------------------------------------------------------------


def _read_eml(path: Path) -> EmailMessage:
    parsed = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_file_channel_writes_an_eml_that_parses_back(tmp_path: Path) -> None:
    directory = tmp_path / "outbox-mail"
    delivery = FileChannel(directory, sender=SENDER).send(WELSH)

    path = directory / "outbox-43.eml"
    assert delivery.provider_id == str(path)
    parsed = _read_eml(path)
    assert parsed["To"] == "arolygydd@estyn.example.gov.uk"
    assert parsed["From"] == SENDER
    assert parsed["Subject"] == WELSH.subject
    assert parsed[REFERENCE_HEADER] == "outbox-43"
    assert _text(parsed) == WELSH.body
    assert "ŵ ŷ" in path.read_text(encoding="utf-8")  # readable as it stands


def test_file_channel_is_idempotent_on_the_reference(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path)
    channel.send(SIGNOFF)
    channel.send(Message(SIGNOFF.to, SIGNOFF.subject, "Second attempt.\n", SIGNOFF.reference))
    channel.send(WELSH)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["outbox-42.eml", "outbox-43.eml"]
    assert _text(_read_eml(tmp_path / "outbox-42.eml")) == "Second attempt.\n"


def test_file_channel_reports_an_unwritable_directory_as_delivery_failed(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(DeliveryFailed, match="will retry"):
        FileChannel(blocker).send(SIGNOFF)


def test_a_reference_that_is_no_file_name_is_refused() -> None:
    for reference in ("", "..", "../escape", "a\nb"):
        with pytest.raises(ValueError, match="reference"):
            Message(("a@example.org",), "s", "b", reference)
    with pytest.raises(ValueError, match="recipient"):
        Message((), "s", "b", "r")


def test_log_channel_logs_who_and_what_about_never_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="cjji.notifications"):
        delivery = LogChannel().send(SIGNOFF)
    [record] = caplog.records
    assert record.name == "cjji.notifications"
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert SIGNOFF.subject in text
    assert SIGNOFF.body.strip() not in text
    assert "signatory@hmcpsi.example.gov.uk" in text
    assert delivery == type(delivery)("log", SIGNOFF.to, None)


# --- GOV.UK Notify ------------------------------------------------------------------------

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"cjji_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify:
    """Just enough of ``POST /v2/notifications/email`` to see what the client sends."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self.fail_after = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length))
                with fake._lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "authorization": self.headers.get("Authorization", ""),
                            "json": payload,
                        }
                    )
                    failing = fake.fail_with is not None and len(fake.requests) > fake.fail_after
                if failing:
                    self._reply(
                        fake.fail_with or 500,
                        {
                            "status_code": fake.fail_with,
                            "errors": [{"error": "Exception", "message": "Internal server error"}],
                        },
                    )
                elif self.path != "/v2/notifications/email":
                    self._reply(404, {"errors": [{"error": "NotFound", "message": "no route"}]})
                else:
                    self._reply(
                        201,
                        {
                            "id": str(uuid.uuid4()),
                            "reference": payload.get("reference"),
                            "content": {"subject": "…", "body": "…", "from_email": SENDER},
                            "uri": "…",
                            "template": {"id": payload["template_id"], "version": 1, "uri": "…"},
                        },
                    )

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@pytest.fixture
def fake_notify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNotify]:
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, "127.0.0.1,localhost")
    server = FakeNotify()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_notify_channel_sends_one_request_per_recipient(fake_notify: FakeNotify) -> None:
    channel = NotifyChannel(API_KEY, TEMPLATE_ID, base_url=fake_notify.base_url)
    delivery = channel.send(SIGNOFF)

    assert [r["json"]["email_address"] for r in fake_notify.requests] == list(SIGNOFF.to)
    for request in fake_notify.requests:
        assert request["path"] == "/v2/notifications/email"
        assert request["json"]["template_id"] == TEMPLATE_ID
        assert request["json"]["reference"] == "outbox-42"
        assert request["json"]["personalisation"] == {
            "subject": SIGNOFF.subject,
            "body": SIGNOFF.body,
        }
        scheme, _, token = request["authorization"].partition(" ")
        assert scheme == "Bearer"
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        assert claims["iss"] == SERVICE_ID
    assert delivery.channel == "notify"
    assert delivery.to == SIGNOFF.to
    assert delivery.provider_id is not None
    assert len(delivery.provider_id.split(",")) == 2


def test_a_server_error_from_notify_raises_delivery_failed(fake_notify: FakeNotify) -> None:
    fake_notify.fail_with = 500
    channel = NotifyChannel(API_KEY, TEMPLATE_ID, base_url=fake_notify.base_url)
    with pytest.raises(DeliveryFailed, match=r"500.*will retry") as info:
        channel.send(SIGNOFF)
    assert info.value.delivered == ()
    assert len(fake_notify.requests) == 1


def test_a_failure_part_way_says_who_was_already_served(fake_notify: FakeNotify) -> None:
    fake_notify.fail_with = 500
    fake_notify.fail_after = 1
    channel = NotifyChannel(API_KEY, TEMPLATE_ID, base_url=fake_notify.base_url)
    with pytest.raises(DeliveryFailed, match="deputy@hmcpsi") as info:
        channel.send(SIGNOFF)
    assert info.value.delivered == ("signatory@hmcpsi.example.gov.uk",)


def test_notify_unreachable_raises_delivery_failed(
    closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(variable, "127.0.0.1,localhost")
    channel = NotifyChannel(
        API_KEY, TEMPLATE_ID, base_url=f"http://127.0.0.1:{closed_port}", timeout=2
    )
    with pytest.raises(DeliveryFailed, match="will retry"):
        channel.send(SIGNOFF)


def test_a_malformed_notify_key_is_refused_and_never_shown() -> None:
    with pytest.raises(ValueError, match="API key looks like"):
        NotifyChannel("not-a-key", TEMPLATE_ID)
    assert SECRET not in repr(NotifyChannel(API_KEY, TEMPLATE_ID))


# --- choosing a channel from the settings ------------------------------------------------


def _settings(tmp_path: Path, **values: Any) -> Settings:
    defaults: dict[str, Any] = {
        "data_dir": tmp_path,
        "mail_from": SENDER,
        "smtp_host": "127.0.0.1",
        "smtp_port": 2525,
        "notify_api_key": None,
        "notify_template_id": None,
    }
    return Settings(_env_file=None, **{**defaults, **values})


def test_channel_from_settings_picks_each_channel(tmp_path: Path) -> None:
    file_channel = channel_from_settings(_settings(tmp_path, mail_channel="file"))
    assert isinstance(file_channel, FileChannel)
    assert file_channel.directory == tmp_path / "outbox-mail"

    assert isinstance(channel_from_settings(_settings(tmp_path, mail_channel="log")), LogChannel)

    smtp = channel_from_settings(_settings(tmp_path, mail_channel="SMTP"))
    assert isinstance(smtp, SmtpChannel)
    assert (smtp.host, smtp.port, smtp.sender) == ("127.0.0.1", 2525, SENDER)

    notify = channel_from_settings(
        _settings(
            tmp_path,
            mail_channel="notify",
            notify_api_key=SecretStr(API_KEY),
            notify_template_id=TEMPLATE_ID,
        )
    )
    assert isinstance(notify, NotifyChannel)
    assert notify.template_id == TEMPLATE_ID

    for channel in (file_channel, smtp, notify):
        assert isinstance(channel, Channel)


def test_the_default_file_channel_writes_under_the_data_dir(tmp_path: Path) -> None:
    channel = channel_from_settings(_settings(tmp_path))
    channel.send(SIGNOFF)
    assert _read_eml(tmp_path / "outbox-mail" / "outbox-42.eml")["From"] == SENDER


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "CJJI_NOTIFY_API_KEY and CJJI_NOTIFY_TEMPLATE_ID"),
        ({"notify_template_id": TEMPLATE_ID}, "needs CJJI_NOTIFY_API_KEY to be set"),
        ({"notify_api_key": SecretStr(API_KEY)}, "needs CJJI_NOTIFY_TEMPLATE_ID to be set"),
    ],
)
def test_channel_from_settings_refuses_notify_without_its_key(
    tmp_path: Path, values: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        channel_from_settings(_settings(tmp_path, mail_channel="notify", **values))


def test_channel_from_settings_refuses_an_unknown_channel(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CJJI_MAIL_CHANNEL='pigeon' is not one of"):
        channel_from_settings(_settings(tmp_path, mail_channel="pigeon"))
