"""Every handler: one per command, and the handlers of each event, in the order they run.

The bus (:mod:`workflow.application.messagebus`) is built with these two tables by
:mod:`workflow.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow.application.commands import Command
from workflow.application.handlers import (
    deadline_events,
    deadlines,
    documents,
    participants,
    people,
    plans,
    programme,
    reactions,
    report,
    streams,
    witness,
)
from workflow.domain.events import (
    DecisionRecorded,
    DocumentRegistered,
    Event,
    FactualAccuracyChanged,
    ParticipantsProposalChanged,
    PublicationChanged,
    Transitioned,
    WorkStreamCreated,
    WorkStreamEdited,
)

COMMAND_HANDLERS: Mapping[type[Command], Any] = {
    **streams.HANDLERS,
    **documents.HANDLERS,
    **participants.HANDLERS,
    **report.HANDLERS,
    **deadlines.HANDLERS,
    **people.HANDLERS,
    **programme.HANDLERS,
    **plans.HANDLERS,
    **witness.HANDLERS,
}

EVENT_HANDLERS: Mapping[type[Event], Sequence[Any]] = {
    WorkStreamCreated: [deadline_events.on_created],
    WorkStreamEdited: [deadline_events.on_edited],
    Transitioned: [
        reactions.request_decisions_at_signoff,
        reactions.notify_team,
        deadline_events.on_moved,
        participants.lapse_on_ending,
    ],
    DocumentRegistered: [
        reactions.request_decisions_on_new_version,
        deadline_events.on_new_version,
    ],
    DecisionRecorded: [deadline_events.on_decided],
    FactualAccuracyChanged: [deadline_events.on_journey],
    PublicationChanged: [deadline_events.on_journey],
    ParticipantsProposalChanged: [participants.withdraw_requests_of_dropped_bodies],
}
