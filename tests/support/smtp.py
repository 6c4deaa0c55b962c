"""A real SMTP server on loopback for tests (aiosmtpd in a thread), keeping what it receives.

aiosmtpd 1.4's ``Controller`` cannot bind port 0 as such: after binding it opens a test
connection to ``self.port``. :class:`_EphemeralPortController` therefore reads the port the
system chose from the bound socket before that connection, so no free port is guessed.
"""

from __future__ import annotations

import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


class Collector:
    """The aiosmtpd handler: parses each message and stores it, with its envelope. A fault
    test may subclass it to act at a chosen moment of the conversation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        self._envelopes: list[tuple[str, tuple[str, ...]]] = []
        #: Answer QUIT with an error, as a server that drops the line after DATA would.
        self.fail_quit = False

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        return "421 Closing the line before saying goodbye" if self.fail_quit else "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        parsed = message_from_bytes(data, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._messages.append(parsed)
            self._envelopes.append((str(envelope.mail_from), tuple(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def envelopes(self) -> list[tuple[str, tuple[str, ...]]]:
        with self._lock:
            return list(self._envelopes)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._envelopes.clear()


class _EphemeralPortController(Controller):
    def _trigger_server(self) -> None:
        # Called once the server is bound and before aiosmtpd connects to self.port.
        sockets = getattr(self.server, "sockets", None)
        if self.port == 0 and sockets:
            self.port = int(sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd: no annotations


class MailCatcher:
    """An SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(
        self,
        host: str = HOST,
        port: int = 0,
        ready_timeout: float = 10.0,
        collector: Collector | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._ready_timeout = ready_timeout
        self._collector = collector or Collector()
        self._controller: _EphemeralPortController | None = None

    def start(self) -> MailCatcher:
        if self._controller is not None:
            raise RuntimeError("the mail catcher is already running")
        controller = _EphemeralPortController(
            self._collector,
            hostname=self.host,
            port=self._requested_port,
            ready_timeout=self._ready_timeout,
            # A fixed name: otherwise aiosmtpd asks socket.getfqdn(), which can be slow.
            server_hostname="mail-catcher.localhost",
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the mail catcher is not running")
        return int(self._controller.port)

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages received so far, oldest first."""
        return self._collector.messages()

    @property
    def envelopes(self) -> list[tuple[str, tuple[str, ...]]]:
        """``(MAIL FROM, RCPT TO addresses)`` for each message, oldest first."""
        return self._collector.envelopes()

    def clear(self) -> None:
        self._collector.clear()

    def fail_quit(self, fail: bool = True) -> None:
        """Answer QUIT with 421 after accepting each message (``smtplib`` then raises)."""
        self._collector.fail_quit = fail

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages have arrived, and return them all."""
        deadline = time.monotonic() + timeout
        while True:
            received = self.messages
            if len(received) >= count:
                return received
            if time.monotonic() >= deadline:
                arrived = [f"{m['To']}: {m['Subject']}" for m in received] or ["nothing"]
                raise AssertionError(
                    f"expected {count} message(s) within {timeout}s, got {len(received)}: "
                    + "; ".join(arrived)
                )
            time.sleep(0.02)
