"""Applications as the city bureaus keep them: the city's rounds and applications, an application's page,
create and edit (members included), the city's opinion, delete a draft, submit within the city's quota,
and withdraw. Who may do what and when is in `access`; the PDFs are in `attachments`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    CheckResult,
    City,
    Consortium,
    Round,
    RoundKind,
    RoundStage,
    SendBack,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..platform import tables
from . import dossier, fields, notice, recommendations
from .access import (
    ApplicationError,
    correction_open,
    intake_open,
    latest_send_back,
    require_draft,
    require_editable,
    require_intake,
)
from .attachments import REQUIRED_ATTACHMENTS, missing_for_submission, require_complete
from .dossier import Dossier
from .organisations import (
    Declared,
    Register,
    declare_lead,
    declared_lead,
    declared_member,
    normalise_code,
    set_members,
)


@dataclass
class MemberInput:
    name: str
    credit_code: str
    unit_type: str
    province: str = "江苏省"
    city: str = ""
    credit_standing: str = notice.CREDIT_GOOD
    is_legal_person: bool | None = None  # 独立法人 as declared
    qualification: str = ""  # a service body's CMA/CNAS number or its service capability


@dataclass
class ApplicationInput:
    title: str
    field: str
    lead_name: str
    lead_credit_code: str
    lead_kind: str
    revenue_2025: Decimal | None = None
    rd_intensity_2025: Decimal | None = None
    agreement_clauses: list[str] = field(default_factory=list)
    city_opinion: str = ""
    necessity: str = ""
    feasibility: str = ""
    members: list[MemberInput] = field(default_factory=list)
    keywords: str = ""  # 关键词 as typed (separated by ';', '、' or commas)
    abstract: str = ""  # 摘要


@dataclass(frozen=True)
class ApplicationView(Dossier):
    """Everything an application's page shows: its dossier, and where it stands in its round."""

    round: Round
    required: tuple[AttachmentKind, ...]
    checks: list[CheckResult]
    editable: bool
    missing: list[str]
    send_back: SendBack | None = None  # the centre's latest send-back for correction, if any


@dataclass(frozen=True)
class CityRound:
    round: Round
    applications: list[Application]
    submitted: int
    quota: int
    editable: bool
    # Annual rounds: the city's existing consortia, each with its report once opened.
    consortia: list[tuple[Consortium, Application | None]] = field(default_factory=list)


# Reading ---------------------------------------------------------------------------------------


def city_rounds(session: Session, *, city_id: int) -> tuple[City, list[CityRound]]:
    """The city's applications in every round past its draft, newest round first."""
    rounds = session.exec(
        select(Round).where(Round.stage != RoundStage.DRAFT).order_by(Round.year.desc(), Round.id.desc())
    )
    result = []
    for review_round in rounds:
        apps = list(
            session.exec(
                select(Application)
                .where(Application.round_id == review_round.id, Application.city_id == city_id)
                .order_by(Application.code)
            )
        )
        submitted = sum(a.status in recommendations.RECOMMENDED for a in apps)
        consortia = []
        if review_round.kind == RoundKind.ANNUAL_EVALUATION:
            reports = {a.consortium_id: a for a in apps}
            consortia = [
                (c, reports.get(c.id))
                for c in session.exec(select(Consortium).where(Consortium.city_id == city_id).order_by(Consortium.id))
            ]
        result.append(
            CityRound(review_round, apps, submitted, review_round.city_quota, intake_open(review_round), consortia)
        )
    return session.get(City, city_id), result


def view(session: Session, application: Application) -> ApplicationView:
    review_round = session.get(Round, application.round_id)
    found = dossier.load(session, application)
    checks = list(
        session.exec(
            select(CheckResult)
            .where(CheckResult.application_id == application.id)
            .order_by(sa.func.length(CheckResult.rule), CheckResult.rule)  # R2 before R10
        )
    )
    return ApplicationView(
        **vars(found),
        round=review_round,
        required=REQUIRED_ATTACHMENTS[review_round.kind],
        checks=checks,
        editable=(intake_open(review_round) and application.status == ApplicationStatus.DRAFT)
        or correction_open(session, application, review_round),
        missing=missing_for_submission(application, review_round, found.attachments),
        send_back=latest_send_back(session, application),
    )


# Editing ---------------------------------------------------------------------------------------


def _next_code(session: Session, review_round: Round, city: City) -> str:
    prefix = f"{review_round.year}{city.code[:4]}"
    codes = set(
        session.exec(
            select(Application.code).where(Application.round_id == review_round.id, Application.code.like(f"{prefix}%"))
        )
    )
    n = 1
    while f"{prefix}{n:02d}" in codes:
        n += 1
    return f"{prefix}{n:02d}"


def _input_problems(data: ApplicationInput, review_round: Round) -> list[str]:
    problems = []
    field_problem = fields.field_problem(review_round, data.field.strip())
    if field_problem:
        problems.append(field_problem)
    if data.lead_kind not in notice.LEAD_KINDS:
        problems.append(_("Choose the lead unit's kind from the list."))
    unknown = [c for c in data.agreement_clauses if c not in notice.AGREEMENT_CLAUSES]
    if unknown:
        problems.append(_("Unknown agreement clauses: %(list)s.", list="、".join(unknown)))
    lead = normalise_code(data.lead_credit_code)
    seen = set()
    for member in data.members:
        code = normalise_code(member.credit_code)
        if code == lead:
            problems.append(_("The lead unit %(name)s cannot also be a member.", name=member.name))
        elif code in seen:
            problems.append(_("The member %(name)s is listed twice.", name=member.name))
        seen.add(code)
        if member.unit_type not in notice.UNIT_TYPES:
            problems.append(_("Choose the type of member %(name)s from the list.", name=member.name))
        if member.is_legal_person is None:
            problems.append(_("Declare whether member %(name)s is an independent legal person.", name=member.name))
    return problems


def _declared(data: ApplicationInput, city: City) -> tuple[Declared, list[Declared]]:
    """The lead and the members as the form declares them."""
    lead = Declared.lead(
        credit_code=data.lead_credit_code, name=data.lead_name, lead_kind=data.lead_kind, city=city.name
    )
    members = [Declared.member(m) for m in data.members]
    return lead, members


def declared_units(session: Session, application: Application) -> dict:
    """The application's units as declared, in plain values (for audit details)."""
    members = session.exec(
        select(ApplicationMember)
        .where(ApplicationMember.application_id == application.id)
        .order_by(ApplicationMember.position, ApplicationMember.id)
    )
    return {
        "lead": declared_lead(application).as_dict() if application.lead_credit_code else None,
        "members": [declared_member(m).as_dict() for m in members],
    }


def _apply(session: Session, application: Application, data: ApplicationInput, city: City) -> None:
    """Store the form on the application; its units as declared go to its own snapshot, never to the
    centre's register (see `organisations`)."""
    problems = _input_problems(data, session.get(Round, application.round_id))
    if problems:
        raise ApplicationError("；".join(problems))
    lead, members = _declared(data, city)
    register = Register(session)
    application.title, application.field = data.title.strip(), data.field.strip()
    application.lead_kind = data.lead_kind
    declare_lead(session, application=application, lead=lead, register=register)
    application.revenue_2025, application.rd_intensity_2025 = data.revenue_2025, data.rd_intensity_2025
    application.agreement_clauses = ";".join(c for c in notice.AGREEMENT_CLAUSES if c in data.agreement_clauses)
    application.city_opinion = data.city_opinion.strip()
    application.necessity, application.feasibility = data.necessity.strip(), data.feasibility.strip()
    application.keywords, application.abstract = tables.list_text(data.keywords), data.abstract.strip()
    application.updated_at = utcnow()
    session.add(application)
    session.flush()
    set_members(session, application=application, members=members, register=register)


def create(
    session: Session, *, review_round: Round, city_id: int, data: ApplicationInput, by: User | None
) -> Application:
    """A new draft application of the city in a new-consortium round."""
    require_intake(review_round)
    if review_round.kind != RoundKind.NEW_CONSORTIUM:
        raise ApplicationError(_("An annual self-evaluation round takes reports of existing consortia only."))
    city = session.get(City, city_id)
    application = Application(
        round_id=review_round.id,
        code=_next_code(session, review_round, city),
        title=data.title.strip(),
        field=data.field.strip(),
        city_id=city_id,
        lead_org_id=0,
        lead_kind=data.lead_kind,
    )
    _apply(session, application, data, city)
    audit.record(
        session,
        action="application.create",
        by=by,
        target=application,
        round_id=review_round.id,
        details={
            "code": application.code,
            "title": application.title,
            "declared": declared_units(session, application),
        },
    )
    return application


def update(session: Session, *, application: Application, data: ApplicationInput, by: User | None) -> Application:
    review_round = session.get(Round, application.round_id)
    require_editable(session, application, review_round)
    if application.consortium_id is not None:
        raise ApplicationError(_("An annual report's consortium details are kept by the provincial centre."))
    before = {"title": application.title, "lead_kind": application.lead_kind, **declared_units(session, application)}
    _apply(session, application, data, session.get(City, application.city_id))
    after = {"title": application.title, "lead_kind": application.lead_kind, **declared_units(session, application)}
    audit.record(
        session,
        action="application.update",
        by=by,
        target=application,
        round_id=review_round.id,
        details={
            "code": application.code,
            "before": {k: v for k, v in before.items() if v != after[k]},
            "declared": after,
        },
    )
    return application


def update_opinion(
    session: Session, *, application: Application, necessity: str, feasibility: str, by: User | None
) -> None:
    """The city's opinion on necessity and feasibility (for annual reports too)."""
    review_round = session.get(Round, application.round_id)
    require_editable(session, application, review_round)
    application.necessity, application.feasibility = necessity.strip(), feasibility.strip()
    application.updated_at = utcnow()
    audit.record(
        session,
        action="application.opinion",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code},
    )


def delete_draft(session: Session, *, application: Application, by: User | None) -> None:
    review_round = session.get(Round, application.round_id)
    require_intake(review_round)
    require_draft(application)
    if application.consortium_id is not None:
        raise ApplicationError(_("An annual report cannot be deleted."))
    for model in (ApplicationMember, Attachment, CheckResult):
        for row in session.exec(select(model).where(model.application_id == application.id)):
            session.delete(row)
    session.flush()
    session.delete(application)
    audit.record(
        session,
        action="application.delete",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "title": application.title},
    )


# Submission ------------------------------------------------------------------------------------


def submit(session: Session, *, application: Application, by: User | None) -> Application:
    """Recommend the application to the province, within the city's quota for the round."""
    review_round = session.exec(select(Round).where(Round.id == application.round_id).with_for_update()).one()
    require_intake(review_round)
    if application.status == ApplicationStatus.SUBMITTED:
        raise ApplicationError(_("The application has been submitted already."))
    require_complete(session, application, review_round)
    if review_round.kind == RoundKind.NEW_CONSORTIUM:
        submitted = session.execute(
            select(sa.func.count()).where(
                Application.round_id == review_round.id,
                Application.city_id == application.city_id,
                Application.status.in_(recommendations.RECOMMENDED),
            )
        ).scalar_one()
        if submitted >= review_round.city_quota:
            raise ApplicationError(
                _(
                    "Your city has already recommended %(count)d applications in this round, the quota of "
                    "%(quota)d; withdraw one before submitting another.",
                    count=submitted,
                    quota=review_round.city_quota,
                )
            )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.updated_at = utcnow()
    if review_round.kind == RoundKind.NEW_CONSORTIUM:
        recommendations.place_last(session, application)
    audit.record(
        session,
        action="application.submit",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code},
    )
    return application


def withdraw(session: Session, *, application: Application, by: User | None) -> Application:
    """Take a submission back to draft (before the city deadline), freeing a place in the quota."""
    review_round = session.get(Round, application.round_id)
    require_intake(review_round)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted application can be withdrawn."))
    application.status = ApplicationStatus.DRAFT
    application.submitted_at = None
    application.updated_at = utcnow()
    recommendations.leave_order(session, application)
    audit.record(
        session,
        action="application.withdraw",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code},
    )
    return application
