"""One notification interface with several channels.

Build a :class:`Message` (often from :func:`render`), pick a channel with
:func:`channel_from_settings` (``CJJI_MAIL_CHANNEL``: file, log, smtp or notify) and call
``channel.send(message)``: it returns a :class:`Delivery` or raises :class:`DeliveryFailed`,
which means "retry later".
"""

from workflow.notifications.channels import (
    CHANNEL_NAMES,
    REFERENCE_HEADER,
    Channel,
    DeliveryFailed,
    FileChannel,
    LogChannel,
    NotifyChannel,
    SmtpChannel,
    build_email,
    channel_from_settings,
)
from workflow.notifications.message import Delivery, Message
from workflow.notifications.templates import TEMPLATE_NAMES, render

__all__ = [
    "CHANNEL_NAMES",
    "REFERENCE_HEADER",
    "TEMPLATE_NAMES",
    "Channel",
    "Delivery",
    "DeliveryFailed",
    "FileChannel",
    "LogChannel",
    "Message",
    "NotifyChannel",
    "SmtpChannel",
    "build_email",
    "channel_from_settings",
    "render",
]
