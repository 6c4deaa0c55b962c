"""Every error the engine raises on purpose, each saying what was wrong and what to do.

Exception tree::

    WorkflowError
    ├── InvalidInput                 bad data from a person or a file (CLI exit 2, HTTP 422)
    │   └── UnknownBody
    ├── NotFound                     no such work stream, draft, user… (HTTP 404)
    ├── Refused                      the rules say no (HTTP 409)
    │   ├── TransitionRefused        a trigger that is not allowed, or whose guard is unmet
    │   ├── StaleVersion             a decision on a document version that is not current
    │   └── NotPermitted             the actor may not do this for that body (HTTP 403)
    └── Conflict                     someone else changed the same thing first; retry (HTTP 409)
"""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowError(Exception):
    """Base class: ``str(error)`` is one line a person can act on."""


class InvalidInput(WorkflowError):
    pass


class UnknownBody(InvalidInput):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown body {name!r}: use one of {', '.join(known)} (or an alias)")
        self.name = name


class NotFound(WorkflowError):
    pass


class Refused(WorkflowError):
    pass


class TransitionRefused(Refused):
    """A trigger refused for a work stream, naming its state, the trigger and the reason."""

    def __init__(self, stream: str, state: str, trigger: str, reason: str) -> None:
        super().__init__(f"{stream} is in {state}: cannot {trigger}: {reason}")
        self.stream, self.state, self.trigger, self.reason = stream, state, trigger, reason


class StaleVersion(Refused):
    pass


class NotPermitted(Refused):
    pass


class Conflict(WorkflowError):
    pass
