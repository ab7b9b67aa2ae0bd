"""Personal information (个人信息保护法): experts' phone numbers, e-mail addresses and ID numbers are
shown masked; only an admin may reveal them, and every reveal is audited, as is every view of an
expert's identity by a non-expert. An expert can see everything stored about them."""

from dataclasses import dataclass

from sqlmodel import Session, func, select

from ...models import (
    Assignment,
    AssignmentRun,
    AuditEvent,
    Conflict,
    Expert,
    Organisation,
    PledgeAcceptance,
    Role,
    RunStatus,
    ScoreSheet,
    User,
)
from . import audit

MASK = "****"


def mask_phone(value: str | None) -> str:
    """13812341234 → 138****1234."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 7:
        return MASK
    return digits[:3] + MASK + digits[-4:]


def mask_email(value: str | None) -> str:
    """zhangwei@example.cn → z***@example.cn."""
    if not value:
        return ""
    local, at, domain = value.strip().partition("@")
    if not at:
        return MASK
    return (local[:1] or "") + "***@" + domain


def mask_id_number(value: str | None) -> str:
    """320102199001011234 → 3201**********1234."""
    if not value:
        return ""
    value = value.strip()
    if len(value) < 8:
        return MASK
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


@dataclass(frozen=True)
class Contact:
    phone: str
    email: str
    id_number: str
    masked: bool


def contact(expert: Expert) -> Contact:
    """What every screen shows: masked."""
    return Contact(mask_phone(expert.phone), mask_email(expert.email), mask_id_number(expert.id_number), True)


def may_reveal(user: User) -> bool:
    return user.role == Role.ADMIN


def reveal(session: Session, *, expert: Expert, by: User) -> Contact:
    """The unmasked details, for an admin only; audited (the caller commits)."""
    if not may_reveal(by):
        raise PermissionError("only an admin may see experts' personal details")
    audit.record(session, action="expert.pii_view", by=by, target=expert,
                 details={"expert": expert.code, "fields": ["phone", "email", "id_number"]})
    return Contact(expert.phone or "", expert.email or "", expert.id_number or "", False)


def record_identity_view(session: Session, *, by: User, experts: list[Expert] | None = None, what: str,
                         count: int | None = None, context: dict | None = None) -> None:
    """Audit a non-expert seeing who experts are (names, employers): one event per page view."""
    if by.role == Role.EXPERT:
        return
    details: dict = {"view": what, **(context or {})}
    if experts is not None:
        details["experts"] = [e.code for e in experts][:50]
        details["count"] = len(experts)
    if count is not None:
        details["count"] = count
    target = experts[0] if experts and len(experts) == 1 else None
    round_id = details.get("round_id") if isinstance(details.get("round_id"), int) else None
    audit.record(session, action="expert.identity_view", by=by, target=target, round_id=round_id, details=details)


@dataclass(frozen=True)
class MyData:
    user: User
    expert: Expert
    org_name: str
    assignments: int
    sheets_submitted: int
    sheets_total: int
    conflicts: list[Conflict]
    pledges: int
    login_events: int


def my_data(session: Session, *, user: User) -> MyData:
    """Everything the system stores about the logged-in expert, in one place."""
    expert = session.get(Expert, user.expert_id)
    org = session.get(Organisation, expert.org_id) if expert.org_id else None
    sheets = list(session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == expert.id)))
    return MyData(
        user=user,
        expert=expert,
        org_name=org.name if org else "",
        assignments=session.exec(select(func.count()).select_from(Assignment)
                                 .join(AssignmentRun, AssignmentRun.id == Assignment.run_id)
                                 .where(Assignment.expert_id == expert.id,
                                        AssignmentRun.status == RunStatus.PUBLISHED)).one(),
        sheets_submitted=sum(1 for s in sheets if s.submitted_at is not None),
        sheets_total=len(sheets),
        conflicts=list(session.exec(select(Conflict).where(Conflict.expert_id == expert.id))),
        pledges=session.exec(select(func.count()).select_from(PledgeAcceptance)
                             .where(PledgeAcceptance.expert_id == expert.id)).one(),
        login_events=session.exec(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.actor_id == user.id)).one(),
    )
