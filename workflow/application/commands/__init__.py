"""Commands: what someone asks the engine to change, one small frozen dataclass each,
named in the imperative. Each is handled by exactly one handler
(:mod:`workflow.application.handlers`) and allowed or refused by one row of
:mod:`workflow.application.policy`.

A command that concerns a work stream names it by ``key`` (its id or ref); one that
is taken for a body names that body in ``body``.
"""

from workflow.application.commands.base import Command
from workflow.application.commands.deadlines import (
    ExtendDeadline,
    MarkDeadlineMet,
    OverrideDeadlineRule,
    RecordMilestone,
)
from workflow.application.commands.people import (
    AddUsers,
    CreateToken,
    ImportProgramme,
    LoadPeople,
    RevokeToken,
    SetActive,
    SetDemoPasswords,
    SetPassword,
)
from workflow.application.commands.plans import (
    CommissionWork,
    DeferWork,
    DropWork,
    MovePlan,
    RecordConsultationResponse,
    RecordPlanDecision,
    ReprioritiseWork,
)
from workflow.application.commands.report import (
    AddEmbargoRecipient,
    AddFactualAccuracyComment,
    AddRecommendation,
    CarryRecommendation,
    CloseRecommendation,
    DisposeFactualAccuracyComment,
    Publish,
    RecordRating,
    RecordUrgentNotification,
    RespondToRecommendation,
    ReviewRecommendation,
    SchedulePublication,
    SendEmbargoedCopy,
    SetFieldworkTeam,
    SignOffFactualAccuracy,
    StartFactualAccuracy,
)
from workflow.application.commands.streams import (
    CreateWorkStream,
    EditWorkStream,
    FireTrigger,
    MigrateLifecycle,
    NameKeyPeople,
    ProposeParticipants,
    RecordDecision,
    RecordParticipantsDecision,
    RegisterDocument,
)
from workflow.application.commands.witness import RegisterWitnessKey

__all__ = [
    "AddEmbargoRecipient",
    "AddFactualAccuracyComment",
    "AddRecommendation",
    "AddUsers",
    "CarryRecommendation",
    "CloseRecommendation",
    "Command",
    "CommissionWork",
    "CreateToken",
    "CreateWorkStream",
    "DeferWork",
    "DisposeFactualAccuracyComment",
    "DropWork",
    "EditWorkStream",
    "ExtendDeadline",
    "FireTrigger",
    "ImportProgramme",
    "LoadPeople",
    "MarkDeadlineMet",
    "MigrateLifecycle",
    "MovePlan",
    "NameKeyPeople",
    "OverrideDeadlineRule",
    "ProposeParticipants",
    "Publish",
    "RecordConsultationResponse",
    "RecordDecision",
    "RecordMilestone",
    "RecordParticipantsDecision",
    "RecordPlanDecision",
    "RecordRating",
    "RecordUrgentNotification",
    "RegisterDocument",
    "RegisterWitnessKey",
    "ReprioritiseWork",
    "RespondToRecommendation",
    "ReviewRecommendation",
    "RevokeToken",
    "SchedulePublication",
    "SendEmbargoedCopy",
    "SetActive",
    "SetDemoPasswords",
    "SetFieldworkTeam",
    "SetPassword",
    "SignOffFactualAccuracy",
    "StartFactualAccuracy",
]
