"""What is sent (:class:`Message`) and what a channel reports back (:class:`Delivery`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One plain-text e-mail to one or more recipients.

    ``reference`` is the idempotency key (for instance the outbox row id): channels pass it
    on where they can, so a retried send can be recognised, and the file channel names its
    file after it. It must therefore be usable as a file name and a header value.
    """

    to: tuple[str, ...]
    subject: str
    body: str
    reference: str

    def __post_init__(self) -> None:
        if not isinstance(self.to, tuple):
            raise TypeError("Message.to must be a tuple of addresses")
        if not self.to or not all(address.strip() for address in self.to):
            raise ValueError("a message needs at least one non-empty recipient address")
        if any(_has_line_break(address) for address in self.to):
            raise ValueError("a recipient address may not contain a line break")
        if _has_line_break(self.subject):
            raise ValueError("a subject may not contain a line break")
        if (
            not self.reference
            or self.reference in {".", ".."}
            or any(char in self.reference for char in "/\\\0")
            or _has_line_break(self.reference)
        ):
            raise ValueError(
                f"reference {self.reference!r} is not usable as an idempotency key: it must be "
                "non-empty, on one line, and contain no '/', '\\' or NUL"
            )


@dataclass(frozen=True)
class Delivery:
    """What a channel did with a message.

    ``to`` lists the recipients the provider accepted; ``provider_id`` is what to search
    for in the provider's records (a Message-ID, a Notify notification id, a file path),
    comma-separated when the provider gives one per recipient, or ``None``.
    """

    channel: str
    to: tuple[str, ...]
    provider_id: str | None


def _has_line_break(text: str) -> bool:
    return "\n" in text or "\r" in text
