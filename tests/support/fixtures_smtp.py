"""The ``mail_catcher`` fixture: a real SMTP server on loopback for one test.

Use it with ``pytest_plugins = ["tests.support.fixtures_smtp"]`` in a test module (or the
root conftest).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.smtp import MailCatcher


@pytest.fixture
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    try:
        yield catcher
    finally:
        catcher.stop()
