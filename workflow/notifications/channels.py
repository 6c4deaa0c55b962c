"""Channels deliver a :class:`~workflow.notifications.message.Message`: SMTP, GOV.UK Notify,
``.eml`` files in a directory (the embedded default) or the log.

A channel either returns a :class:`Delivery` or raises :class:`DeliveryFailed`, which the
calling task treats as "try again later". Errors that retrying cannot cure (a malformed
message, a bad setting) are raised as ``ValueError``/``TypeError`` instead.
"""

from __future__ import annotations

import logging
import os
import smtplib
import tempfile
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import quote

from workflow.notifications.message import Delivery, Message

if TYPE_CHECKING:
    from config.settings import Settings

#: The header that carries :attr:`Message.reference` in SMTP and ``.eml`` messages.
REFERENCE_HEADER = "X-CJJI-Reference"
#: The channel names understood by :func:`channel_from_settings` (``CJJI_MAIL_CHANNEL``).
CHANNEL_NAMES = ("file", "log", "smtp", "notify")
#: Where the file channel writes, under ``settings.data_dir``.
FILE_OUTBOX_DIR = "outbox-mail"

logger = logging.getLogger("cjji.notifications")


class DeliveryFailed(Exception):
    """A channel could not deliver a message now; the task that sent it will retry.

    ``delivered`` lists the recipients that were served before the failure (a channel
    that sends one request per recipient may fail part-way), so a caller can tell.
    """

    def __init__(self, what: str, *, delivered: tuple[str, ...] = ()) -> None:
        super().__init__(f"{what}; the task will retry")
        self.delivered = delivered


@runtime_checkable
class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Delivery: ...


def build_email(message: Message, sender: str, *, eight_bit: bool = True) -> EmailMessage:
    """The RFC 5322 form of ``message``: plain text in UTF-8, with the reference headers.

    ``eight_bit`` keeps non-ASCII text readable (for files); without it such a body is
    quoted-printable, which every SMTP server accepts.
    """
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.to)
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id(message.reference, sender)
    email[REFERENCE_HEADER] = message.reference
    if eight_bit or message.body.isascii():
        email.set_content(message.body, subtype="plain", charset="utf-8")
    else:
        email.set_content(message.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return email


def message_id(reference: str, sender: str) -> str:
    """A Message-ID derived from the reference, so a re-sent message keeps its identity."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "cjji-workflow"
    # quote() leaves letters, digits and "_.-~"; "%" and those are all valid in a msg-id,
    # except a dot, which may not lead, trail or repeat, so it is escaped too.
    local = quote(reference, safe="").replace(".", "%2E")
    return f"<cjji-{local}@{domain}>"


class SmtpChannel:
    """Sends through an SMTP server, one connection per message (no pool to go stale)."""

    name: str = "smtp"
    #: ``send`` takes ``on_accepted``, called once the server has accepted the message.
    reports_acceptance: bool = True

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(
        self, message: Message, on_accepted: Callable[[Delivery], None] | None = None
    ) -> Delivery:
        """Send ``message``; ``on_accepted`` runs right after the server accepts it (its
        reply to the data), before QUIT: so a record of it is not lost if QUIT fails."""
        email = build_email(message, self.sender, eight_bit=False)
        recipients = [address for _, address in getaddresses(list(message.to))]
        where = f"{self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                refused = smtp.send_message(email, to_addrs=recipients)
                delivery = self._delivery(message, email, recipients, refused)
                if on_accepted is not None:
                    on_accepted(delivery)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(
                f"SMTP server {where} refused every recipient of {message.reference} "
                f"({', '.join(error.recipients)})"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(
                f"could not send {message.reference} through SMTP server {where}: "
                f"{type(error).__name__}: {error}"
            ) from error
        return delivery

    def _delivery(
        self, message: Message, email: EmailMessage, recipients: list[str], refused: Any
    ) -> Delivery:
        if refused:
            logger.warning(
                "SMTP server %s:%s refused %s for %s",
                self.host,
                self.port,
                ", ".join(refused),
                message.reference,
            )
        accepted = tuple(
            original
            for original, address in zip(message.to, recipients, strict=True)
            if address not in refused
        )
        return Delivery(self.name, accepted, str(email["Message-ID"]))


class NotifyChannel:
    """Sends through GOV.UK Notify, one request per recipient.

    The Notify e-mail template (``template_id``) must consist of the two placeholders
    ``((subject))`` (its subject line) and ``((body))`` (its content). ``base_url`` points
    the client elsewhere than the live service (a test double).
    """

    name: str = "notify"

    def __init__(
        self,
        api_key: str,
        template_id: str,
        *,
        base_url: str | None = None,
        timeout: float = 30,
    ) -> None:
        _check_notify_key(api_key)
        if not template_id:
            raise ValueError("a Notify template id is required")
        self._api_key = api_key
        self.template_id = template_id
        self.base_url = base_url
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the key
        return f"NotifyChannel(template_id={self.template_id!r}, base_url={self.base_url!r})"

    def send(self, message: Message) -> Delivery:
        from notifications_python_client.errors import APIError
        from notifications_python_client.notifications import NotificationsAPIClient

        options: dict[str, Any] = {"timeout": self.timeout}
        if self.base_url is not None:
            options["base_url"] = self.base_url
        # The client ships py.typed but no annotations, hence the ignores below.
        client = NotificationsAPIClient(self._api_key, **options)  # type: ignore[no-untyped-call]
        delivered: list[str] = []
        ids: list[str] = []
        try:
            for address in message.to:
                try:
                    response = client.send_email_notification(  # type: ignore[no-untyped-call]
                        email_address=parseaddr(address)[1] or address,
                        template_id=self.template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                        reference=message.reference,
                    )
                except (APIError, OSError) as error:
                    raise DeliveryFailed(
                        f"GOV.UK Notify did not accept {message.reference} for {address}: "
                        f"{type(error).__name__}: {error}",
                        delivered=tuple(delivered),
                    ) from error
                delivered.append(address)
                if isinstance(response, dict) and response.get("id"):
                    ids.append(str(response["id"]))
        finally:
            client.request_session.close()
        return Delivery(self.name, tuple(delivered), ",".join(ids) or None)


def _check_notify_key(api_key: str) -> None:
    # The format is "{key name}-{service id (uuid)}-{secret (uuid)}"; the client slices it.
    problem = "a GOV.UK Notify API key looks like '{name}-{service uuid}-{secret uuid}'"
    if len(api_key) < 74 or api_key[-37] != "-" or api_key[-74] != "-":
        raise ValueError(problem)
    try:
        uuid.UUID(api_key[-73:-37])
        uuid.UUID(api_key[-36:])
    except ValueError:
        raise ValueError(problem) from None


class FileChannel:
    """Writes each message as ``<reference>.eml`` in ``directory`` (created if needed).

    The same reference overwrites the same file, so a retried send leaves one file.
    """

    name: str = "file"

    def __init__(self, directory: Path, sender: str = "cjji-workflow@localhost") -> None:
        self.directory = Path(directory)
        self.sender = sender

    def path_for(self, message: Message) -> Path:
        return self.directory / f"{message.reference}.eml"

    def send(self, message: Message) -> Delivery:
        email = build_email(message, self.sender)
        target = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Write beside the target, then rename: a reader never sees half a message.
            handle, temporary = tempfile.mkstemp(
                dir=self.directory, prefix=f".{message.reference}.", suffix=".tmp"
            )
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(email.as_bytes(policy=SMTP_POLICY))
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise DeliveryFailed(f"could not write {target}: {error}") from error
        return Delivery(self.name, message.to, str(target))


class LogChannel:
    """Logs each message's reference, recipients and subject at INFO on the
    ``cjji.notifications`` logger; never its body (it may hold a signed link)."""

    name: str = "log"

    def send(self, message: Message) -> Delivery:
        logger.info(
            "mail %s to %s, subject %r (%d characters, not logged)",
            message.reference,
            ", ".join(message.to),
            message.subject,
            len(message.body),
        )
        return Delivery(self.name, message.to, None)


def channel_from_settings(settings: Settings) -> Channel:
    """The channel named by ``CJJI_MAIL_CHANNEL`` (file, log, smtp or notify)."""
    choice = settings.mail_channel.strip().lower()
    if choice == "file":
        return FileChannel(settings.data_dir / FILE_OUTBOX_DIR, sender=settings.mail_from)
    if choice == "log":
        return LogChannel()
    if choice == "smtp":
        return SmtpChannel(settings.smtp_host, settings.smtp_port, settings.mail_from)
    if choice == "notify":
        api_key = settings.notify_api_key.get_secret_value() if settings.notify_api_key else ""
        template_id = settings.notify_template_id or ""
        missing = [
            variable
            for variable, value in (
                ("CJJI_NOTIFY_API_KEY", api_key),
                ("CJJI_NOTIFY_TEMPLATE_ID", template_id),
            )
            if not value.strip()
        ]
        if missing:
            raise ValueError(
                f"CJJI_MAIL_CHANNEL=notify needs {' and '.join(missing)} to be set "
                "(the API key from GOV.UK Notify, and the id of a template made of "
                "((subject)) and ((body)))"
            )
        return NotifyChannel(api_key.strip(), template_id.strip())
    raise ValueError(
        f"CJJI_MAIL_CHANNEL={settings.mail_channel!r} is not one of {', '.join(CHANNEL_NAMES)}"
    )
