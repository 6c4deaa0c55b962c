"""The roles a person can hold for their body, and what each allows."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"  # manages users; sees everything
    SIGNATORY = "signatory"  # decides for the body (usually the chief inspector's delegate)
    DEPUTY_SIGNATORY = "deputy_signatory"  # a deputy recorded for the signatory
    CHIEF_INSPECTOR = "chief_inspector"  # receives escalations
    INSPECTOR = "inspector"  # staff: the lead body's inspectors move its work streams
    CONTACT = "contact"  # receives the team's notifications for the body
    READ_ONLY = "read_only"  # sees, changes nothing


DECIDERS = frozenset({Role.SIGNATORY, Role.DEPUTY_SIGNATORY})
