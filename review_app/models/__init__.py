"""All tables. Importing this package registers every table on `SQLModel.metadata`."""

from .applications import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    CheckResult,
    Consortium,
    Verdict,
)
from .audit import AuditEvent, AuditHead
from .entry import CitySubmission, SendBack
from .experts import Conflict, ConflictSource, Expert
from .jobs import Job, JobStatus, Notification, RateCounter
from .orgs import City, CreditListEntry, CreditStanding, Organisation
from .panels import PanelApplication, PanelGroup, PanelPin, PanelSeat, PanelSettings, SignedScan
from .rankings import RankingCriterionMean, RankingExpert, RankingSheet
from .reviews import (
    Assignment,
    AssignmentPin,
    AssignmentRun,
    AssignmentState,
    ConflictDeclaration,
    PinKind,
    PledgeAcceptance,
    RankingResult,
    RankingRun,
    RunStatus,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from .rounds import Criterion, Round, RoundKind, RoundStage
from .users import Role, User, UserToken

__all__ = [
    "Application",
    "ApplicationMember",
    "ApplicationStatus",
    "Assignment",
    "AssignmentPin",
    "AssignmentRun",
    "AssignmentState",
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "AuditHead",
    "CheckResult",
    "City",
    "CitySubmission",
    "Conflict",
    "ConflictDeclaration",
    "ConflictSource",
    "Consortium",
    "CreditListEntry",
    "CreditStanding",
    "Criterion",
    "Expert",
    "Job",
    "RateCounter",
    "JobStatus",
    "Notification",
    "Organisation",
    "PanelApplication",
    "PanelGroup",
    "PanelPin",
    "PanelSeat",
    "PanelSettings",
    "PinKind",
    "PledgeAcceptance",
    "RankingCriterionMean",
    "RankingExpert",
    "RankingResult",
    "RankingRun",
    "RankingSheet",
    "Role",
    "Round",
    "RoundKind",
    "RoundStage",
    "RunStatus",
    "ScoreItem",
    "SendBack",
    "ScoreSheet",
    "SheetStatus",
    "SignedScan",
    "User",
    "UserToken",
    "Verdict",
]
