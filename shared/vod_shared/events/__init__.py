"""Every event's data model, and the registry of CloudEvent ``type`` -> model."""
from vod_shared.events.audit import AuditRecorded
from vod_shared.events.base import EventData, UnknownEventType, model_for, registered_types
from vod_shared.events.case import (
    CLOSED_NOT_SUITABLE,
    CLOSED_OFFENDER_DECLINED,
    SCREENING_DECLINED,
    WITHDRAWAL_PENDING,
    WITHDRAWAL_UNDONE,
    ActedBy,
    CaseClosed,
    CasePaused,
    CaseResumed,
    CaseWithdrawn,
)
from vod_shared.events.custody import CustodyChange, CustodyStatus, CustodyStatusChanged
from vod_shared.events.intake import (
    Channel,
    CustodyNoticeKind,
    DuplicateOverlap,
    Language,
    PossibleDuplicateFound,
    RegistrationCancelled,
    RegistrationChanged,
    RegistrationReceived,
    Relationship,
    RequestReceived,
    RequestRepeated,
    RequestSource,
    SupportPersonAdded,
    SupportPersonRemovalReason,
    SupportPersonRemoved,
)
from vod_shared.events.letters import (
    LetterDelivered,
    LetterHandover,
    LetterKept,
    LetterReceived,
    LetterReview,
    LetterReviewed,
)
from vod_shared.events.notifications import NotificationFailed, NotificationSent
from vod_shared.events.people import (
    PersonErased,
    PersonRegistered,
    PersonUpdated,
    SealedDetails,
    SubjectKeyGranted,
)
from vod_shared.events.scheduling import (
    CasesLinked,
    CaseUnlinked,
    ClearanceRequested,
    FacilitatorAssigned,
    MeetingCancelled,
    MeetingMode,
    MeetingScheduled,
    Party,
    PartyReady,
    SessionCancelled,
    SessionCompleted,
    SessionScheduled,
    SurveyDue,
    SurveyStage,
    Venue,
)
from vod_shared.events.screening import (
    ClearanceDenied,
    ClearanceGranted,
    ClearanceVoided,
    DuplicateDecision,
    DuplicateResolved,
    EligibilityDetermined,
    EligibilityOutcome,
    ScreeningCompleted,
    ScreeningOutcome,
    VisitorRole,
)

__all__ = [name for name in dir() if not name.startswith("_")]
