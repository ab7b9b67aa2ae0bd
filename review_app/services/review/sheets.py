"""The expert's review: the pledge, the conflict declaration, score sheets (drafts, submission, lock),
and the centre's reopening of a sheet and extension of the scoring deadline.

Never lose a score: every save is checked against the sheet's `version` (a conditional UPDATE), so a
stale tab cannot silently overwrite a newer draft; a refused entry is reported by field and the valid
rest of the save is kept. A submitted sheet is locked until the centre reopens it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ...models import (
    Application,
    ApplicationMember,
    Assignment,
    AssignmentState,
    Attachment,
    City,
    Conflict,
    ConflictDeclaration,
    ConflictSource,
    Criterion,
    Organisation,
    PledgeAcceptance,
    Round,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...models._base import utcnow
from .. import dashboard as dashboard_service
from ..compliance import audit
from ..errors import ServiceError
from ..platform import notify
from ..rounds import criteria_of

MIN_COMMENT_LENGTH = 30
MAX_COMMENT_LENGTH = 5000
MAX_REASON_LENGTH = 1000


class ReviewError(ServiceError):
    """A review request that cannot be honoured; the message is shown to the user."""


class StaleSheet(ReviewError):
    """The sheet was saved later elsewhere (another tab or device): the save was refused."""


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    sheet: ScoreSheet
    application: Application
    state: AssignmentState


@dataclass(frozen=True)
class RoundWork:
    """One round of the expert's work: the pledge, the sheets, the deadline."""

    round: Round
    pledge_accepted_at: datetime | None
    rows: list[SheetRow]
    deadline_passed: bool

    @property
    def active(self) -> list[SheetRow]:
        return [r for r in self.rows if r.state == AssignmentState.ACTIVE]

    @property
    def submitted(self) -> int:
        return sum(r.sheet.status == SheetStatus.SUBMITTED for r in self.active)


def workspace(session: Session, *, expert_id: int) -> list[RoundWork]:
    """The expert's rounds with their own sheets only, newest round first."""
    rows = session.exec(
        select(ScoreSheet, Application, Assignment.state)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == ScoreSheet.application_id)
        .where(ScoreSheet.expert_id == expert_id)
        .order_by(ScoreSheet.round_id.desc(), Application.code)
    ).all()
    by_round: dict[int, list[SheetRow]] = {}
    for sheet, application, state in rows:
        by_round.setdefault(sheet.round_id, []).append(SheetRow(sheet, application, state))
    work = []
    for round_id, sheet_rows in by_round.items():
        review_round = session.get(Round, round_id)
        pledge = _pledge(session, round_id=round_id, expert_id=expert_id)
        work.append(
            RoundWork(
                round=review_round,
                pledge_accepted_at=pledge.accepted_at if pledge else None,
                rows=sheet_rows,
                deadline_passed=deadline_passed(review_round),
            )
        )
    return work


@dataclass(frozen=True)
class Dashboard:
    summary: "dashboard_service.ExpertSummary"
    rounds: list[RoundWork]
    messages: list


def dashboard(session: Session, *, user: User) -> Dashboard:
    """The expert's landing page: counts, rounds with their sheets, and the newest messages."""
    return Dashboard(
        summary=dashboard_service.expert_overview(session, expert_id=user.expert_id),
        rounds=workspace(session, expert_id=user.expert_id),
        messages=notify.recent_for(session, user_id=user.id),
    )


def expert_round(session: Session, *, round_id: int, expert_id: int) -> Round | None:
    """The round when the expert has work in it, else None (the view answers 404)."""
    has_sheet = session.exec(
        select(ScoreSheet.id).where(ScoreSheet.round_id == round_id, ScoreSheet.expert_id == expert_id).limit(1)
    ).first()
    return session.get(Round, round_id) if has_sheet else None


def sheet_for_expert(session: Session, *, sheet_id: int, expert_id: int | None) -> ScoreSheet | None:
    """The sheet when it is this expert's own, else None (the view answers 404)."""
    sheet = session.get(ScoreSheet, sheet_id)
    if sheet is None or expert_id is None or sheet.expert_id != expert_id:
        return None
    return sheet


@dataclass(frozen=True)
class Member:
    org: Organisation
    unit_type: str


@dataclass(frozen=True)
class SheetContext:
    """Everything the sheet page shows: the application, its materials, the criteria and the scores."""

    sheet: ScoreSheet
    assignment: Assignment
    round: Round
    application: Application
    city: City
    lead: Organisation
    members: list[Member]
    attachments: list[Attachment]
    criteria: list[Criterion]
    points: dict[int, Decimal]
    pledge_accepted: bool
    blocked: str | None  # why the sheet cannot be edited now, or None

    @property
    def needs_pledge(self) -> bool:
        return not self.pledge_accepted

    @property
    def needs_declaration(self) -> bool:
        return self.sheet.declaration is None

    @property
    def withdrawn(self) -> bool:
        return self.assignment.state != AssignmentState.ACTIVE

    @property
    def agreement_clauses(self) -> list[str]:
        return [c for c in self.application.agreement_clauses.split(";") if c]

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)


def sheet_context(session: Session, sheet: ScoreSheet) -> SheetContext:
    """What the sheet page shows; the sheet, its panel seat, round, application, city and lead in one query
    (the page every expert opens most)."""
    assignment, review_round, application, city, lead = session.exec(
        select(Assignment, Round, Application, City, Organisation)
        .join(Round, Round.id == Assignment.round_id)
        .join(Application, Application.id == Assignment.application_id)
        .join(City, City.id == Application.city_id)
        .join(Organisation, Organisation.id == Application.lead_org_id)
        .where(Assignment.id == sheet.assignment_id)
    ).one()
    members = [
        Member(org, member.unit_type)
        for member, org in session.exec(
            select(ApplicationMember, Organisation)
            .join(Organisation, Organisation.id == ApplicationMember.org_id)
            .where(ApplicationMember.application_id == application.id)
            .order_by(ApplicationMember.position, ApplicationMember.id)
        )
    ]
    return SheetContext(
        sheet=sheet,
        assignment=assignment,
        round=review_round,
        application=application,
        city=city,
        lead=lead,
        members=members,
        attachments=list(
            session.exec(select(Attachment).where(Attachment.application_id == application.id).order_by(Attachment.id))
        ),
        criteria=criteria_of(session, review_round.id),
        points=stored_points(session, sheet.id),
        pledge_accepted=_pledge(session, round_id=sheet.round_id, expert_id=sheet.expert_id) is not None,
        blocked=edit_blocker(session, sheet),
    )


def attachment_for_expert(session: Session, *, sheet: ScoreSheet, attachment_id: int) -> Attachment | None:
    """An attachment of the sheet's application, while the expert is still on its panel."""
    attachment = session.get(Attachment, attachment_id)
    assignment = session.get(Assignment, sheet.assignment_id)
    if attachment is None or attachment.application_id != sheet.application_id:
        return None
    if assignment.state != AssignmentState.ACTIVE or sheet.declaration != ConflictDeclaration.NONE_DECLARED:
        return None
    return attachment


def stored_points(session: Session, sheet_id: int) -> dict[int, Decimal]:
    return {i.criterion_id: i.points for i in session.exec(select(ScoreItem).where(ScoreItem.sheet_id == sheet_id))}


def deadline_passed(review_round: Round, now: datetime | None = None) -> bool:
    return review_round.scoring_deadline is not None and (now or utcnow()) > review_round.scoring_deadline


def edit_blocker(session: Session, sheet: ScoreSheet) -> str | None:
    """Why the expert cannot change the sheet now (in Chinese), or None when they can."""
    assignment = session.get(Assignment, sheet.assignment_id)
    review_round = session.get(Round, sheet.round_id)
    if assignment.state != AssignmentState.ACTIVE:
        return _("You have withdrawn from this application; its sheet is closed.")
    if sheet.status == SheetStatus.SUBMITTED:
        return _("This sheet was submitted on %(when)s and is locked.", when=_when(sheet.submitted_at))
    if review_round.stage != RoundStage.SCORING:
        return _("Scoring is not open in this round.")
    if deadline_passed(review_round):
        return _(
            "The scoring deadline (%(when)s) has passed; the sheet can no longer be changed. "
            "Please contact the provincial centre if you need more time.",
            when=_when(review_round.scoring_deadline),
        )
    return None


def _when(moment: datetime | None) -> str:
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if moment else "—"


local_time = _when


def missing_for(session: Session, context: SheetContext) -> list[str]:
    """What the sheet, as saved, still needs before it can be submitted."""
    return _missing(context.criteria, context.points, context.sheet)


def _pledge(session: Session, *, round_id: int, expert_id: int) -> PledgeAcceptance | None:
    return session.exec(
        select(PledgeAcceptance).where(PledgeAcceptance.round_id == round_id, PledgeAcceptance.expert_id == expert_id)
    ).first()


# The pledge and the declaration -------------------------------------------------------------------


def accept_pledge(session: Session, *, review_round: Round, expert_id: int, by: User) -> PledgeAcceptance:
    """Record that the expert accepted the round's 评审承诺书 (once; accepting again changes nothing)."""
    existing = _pledge(session, round_id=review_round.id, expert_id=expert_id)
    if existing is not None:
        return existing
    pledge = PledgeAcceptance(round_id=review_round.id, expert_id=expert_id, accepted_at=utcnow())
    session.add(pledge)
    session.flush()
    audit.record(
        session,
        action="pledge.accept",
        by=by,
        target=pledge,
        round_id=review_round.id,
        details={"expert_id": expert_id, "pledge_text": review_round.pledge_text},
    )
    return pledge


def declare(session: Session, *, sheet: ScoreSheet, by: User, conflict: bool, reason: str = "") -> None:
    """The expert's declaration on opening the application: no conflict, or a conflict (申请回避).

    A declared conflict withdraws the expert: the assignment becomes RECUSED (the centre's replacement
    list), the conflict is recorded with source `declared`, and the sheet is closed.
    """
    if _pledge(session, round_id=sheet.round_id, expert_id=sheet.expert_id) is None:
        raise ReviewError(_("Please accept the review pledge first."))
    if sheet.declaration is not None:
        raise ReviewError(_("You have already made your declaration for this application."))
    blocker = edit_blocker(session, sheet)
    if blocker:
        raise ReviewError(blocker)
    reason = reason.strip()
    if conflict:
        if not reason:
            raise ReviewError(_("Please give the reason for your conflict of interest."))
        if len(reason) > MAX_REASON_LENGTH:
            raise ReviewError(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON_LENGTH))
        assignment = session.get(Assignment, sheet.assignment_id)
        assignment.state = AssignmentState.RECUSED
        sheet.declaration = ConflictDeclaration.CONFLICT
        sheet.declaration_reason = reason
        conflict_row = Conflict(
            expert_id=sheet.expert_id,
            application_id=sheet.application_id,
            source=ConflictSource.DECLARED,
            reason=reason,
            created_by_id=by.id,
        )
        session.add(conflict_row)
        session.flush()
        audit.record(
            session,
            action="sheet.declare_conflict",
            by=by,
            target=sheet,
            round_id=sheet.round_id,
            details={"application_id": sheet.application_id, "assignment_id": assignment.id, "reason": reason},
        )
    else:
        sheet.declaration = ConflictDeclaration.NONE_DECLARED
        audit.record(
            session,
            action="sheet.declare_none",
            by=by,
            target=sheet,
            round_id=sheet.round_id,
            details={"application_id": sheet.application_id},
        )
    sheet.version += 1


# Saving and submitting ----------------------------------------------------------------------------


@dataclass
class Entries:
    """What the expert typed: raw points by criterion id, the comment, and "yes"/"no"/"" for 推荐."""

    points: dict[int, str] = field(default_factory=dict)
    comment: str = ""
    recommend: str = ""


@dataclass
class SaveOutcome:
    sheet: ScoreSheet
    errors: dict[str, str]  # field name → why the entry was refused (it was not stored)
    missing: list[str]  # what a submission still needs

    @property
    def ready(self) -> bool:
        return not self.errors and not self.missing


def points_field(criterion_id: int) -> str:
    return f"points_{criterion_id}"


def parse_points(raw: str, criterion: Criterion) -> tuple[Decimal | None, str | None]:
    """(points, None), (None, None) for an empty entry, or (None, why) for a refused one."""
    text = (raw or "").strip().replace("，", ".").replace("。", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("%(title)s: “%(value)s” is not a number.", title=criterion.title, value=text[:20])
    if not value.is_finite() or value < 0 or value > criterion.max_points:
        return None, _(
            "%(title)s: %(value)s is outside 0–%(max)d points.",
            title=criterion.title,
            value=text[:20],
            max=criterion.max_points,
        )
    if value != value.quantize(Decimal("0.01")):
        return None, _("%(title)s: use at most two decimals.", title=criterion.title)
    return value.quantize(Decimal("0.01")), None


def save(session: Session, *, sheet: ScoreSheet, by: User, entries: Entries, version: int) -> SaveOutcome:
    """Save a draft: every valid entry is stored, every refused one is reported and left as it was.

    Raises StaleSheet when `version` is not the sheet's current version (saved later elsewhere),
    ReviewError when the sheet cannot be edited (submitted, withdrawn, past the deadline, no pledge).
    """
    _check_writable(session, sheet)
    criteria = criteria_of(session, sheet.round_id)
    errors: dict[str, str] = {}
    values: dict[int, Decimal | None] = {}
    for criterion in criteria:
        value, problem = parse_points(entries.points.get(criterion.id, ""), criterion)
        if problem:
            errors[points_field(criterion.id)] = problem
        else:
            values[criterion.id] = value
    comment = (entries.comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = _("The comment is too long (at most %(n)d characters).", n=MAX_COMMENT_LENGTH)
        comment = sheet.comment
    recommend = {"yes": True, "no": False}.get(entries.recommend or "")

    _claim_version(session, sheet, version, status=SheetStatus.DRAFT)
    stored = {i.criterion_id: i for i in session.exec(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id))}
    for criterion_id, value in values.items():
        item = stored.get(criterion_id)
        if value is None and item is not None:
            session.delete(item)
            del stored[criterion_id]
        elif value is not None and item is None:
            stored[criterion_id] = ScoreItem(sheet_id=sheet.id, criterion_id=criterion_id, points=value)
            session.add(stored[criterion_id])
        elif value is not None:
            item.points = value
    sheet.comment = comment
    sheet.recommend = recommend
    sheet.total = sum((i.points for i in stored.values()), Decimal(0)) if stored else None
    sheet.saved_at = utcnow()
    session.flush()
    audit.record(
        session,
        action="sheet.save",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={
            "version": sheet.version,
            "points": {str(k): str(v.points) for k, v in sorted(stored.items())},
            "recommend": recommend,
            "comment_length": len(comment),
            "refused": sorted(errors),
        },
    )
    return SaveOutcome(sheet, errors, _missing(criteria, stored, sheet))


def submit(session: Session, *, sheet: ScoreSheet, by: User, version: int) -> bool:
    """Lock the sheet as it was last saved. True when submitted now, False when it already was (a
    double submit records one submission). Raises ReviewError naming what is still missing."""
    if sheet.status == SheetStatus.SUBMITTED:
        return False
    _check_writable(session, sheet)
    criteria = criteria_of(session, sheet.round_id)
    stored = {i.criterion_id: i for i in session.exec(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id))}
    missing = _missing(criteria, stored, sheet)
    if missing:
        raise ReviewError(_("The sheet cannot be submitted yet: %(what)s", what="；".join(missing)))
    try:
        _claim_version(session, sheet, version, status=SheetStatus.SUBMITTED)
    except StaleSheet:
        session.refresh(sheet)
        if sheet.status == SheetStatus.SUBMITTED:
            return False
        raise
    sheet.total = sum((i.points for i in stored.values()), Decimal(0))
    sheet.submitted_at = utcnow()
    sheet.reopened_reason = None
    audit.record(
        session,
        action="sheet.submit",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={
            "version": sheet.version,
            "total": str(sheet.total),
            "points": {str(k): str(v.points) for k, v in sorted(stored.items())},
            "recommend": sheet.recommend,
        },
    )
    return True


def _missing(criteria: list[Criterion], stored: dict[int, ScoreItem], sheet: ScoreSheet) -> list[str]:
    missing = [_("no score for “%(title)s”", title=c.title) for c in criteria if c.id not in stored]
    if len(sheet.comment) < MIN_COMMENT_LENGTH:
        missing.append(
            _("the comment needs at least %(n)d characters (now %(m)d)", n=MIN_COMMENT_LENGTH, m=len(sheet.comment))
        )
    if sheet.recommend is None:
        missing.append(_("choose 推荐 or 不推荐"))
    return missing


def _check_writable(session: Session, sheet: ScoreSheet) -> None:
    if _pledge(session, round_id=sheet.round_id, expert_id=sheet.expert_id) is None:
        raise ReviewError(_("Please accept the review pledge first."))
    if sheet.declaration != ConflictDeclaration.NONE_DECLARED and sheet.status != SheetStatus.SUBMITTED:
        assignment = session.get(Assignment, sheet.assignment_id)
        if assignment.state == AssignmentState.ACTIVE:
            raise ReviewError(_("Please declare first whether you have a conflict of interest."))
    blocker = edit_blocker(session, sheet)
    if blocker:
        raise ReviewError(blocker)


def _claim_version(session: Session, sheet: ScoreSheet, version: int, *, status: SheetStatus) -> None:
    """Move the sheet from `version` to the next one, or raise StaleSheet: the UPDATE's condition
    makes this safe between processes (another tab, another device, a double click)."""
    result = session.execute(
        sa.update(ScoreSheet)
        .where(
            ScoreSheet.id == sheet.id,
            ScoreSheet.version == version,
            ScoreSheet.status != SheetStatus.SUBMITTED,
        )
        .values(version=version + 1, status=status)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(sheet)
        raise StaleSheet(
            _(
                "This sheet was saved later in another window or on another device (%(when)s). "
                "The latest saved version is shown; your entries of this window were not saved.",
                when=_when(sheet.saved_at),
            )
        )
    # The UPDATE bypassed the ORM: tell the loaded sheet its new state without reading it back.
    set_committed_value(sheet, "version", version + 1)
    set_committed_value(sheet, "status", status)
