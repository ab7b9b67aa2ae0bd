"""Applications as the city bureaus keep them: create, edit, members, PDFs, submit within the quota,
withdraw; and the annual self-evaluation reports of existing consortia.

A city sees and changes only its own city's applications (the loaders take the city and return None
for anyone else's, which the views turn into 404). Edits are possible while the round is in city
intake and its city deadline has not passed; a submitted application is locked until withdrawn.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    Organisation,
    Round,
    RoundKind,
    RoundStage,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from . import dossier, notice
from .dossier import Dossier
from .organisations import STANDING, normalise_code, set_members, upsert_organisation

REQUIRED_ATTACHMENTS = {
    RoundKind.NEW_CONSORTIUM: (
        AttachmentKind.APPLICATION_FORM,
        AttachmentKind.CONSTRUCTION_PLAN,
        AttachmentKind.AGREEMENT,
        AttachmentKind.RECOMMENDATION,
    ),
    RoundKind.ANNUAL_EVALUATION: (AttachmentKind.SELF_EVALUATION,),
}
ATTACHMENT_KIND_LABEL = {
    AttachmentKind.APPLICATION_FORM: _l("Application form (申请书)"),
    AttachmentKind.CONSTRUCTION_PLAN: _l("Construction plan (建设方案)"),
    AttachmentKind.AGREEMENT: _l("Co-construction agreement (共建协议)"),
    AttachmentKind.RECOMMENDATION: _l("City review and recommendation (审核推荐意见)"),
    AttachmentKind.SELF_EVALUATION: _l("Annual self-evaluation report (自评报告)"),
}
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ApplicationError(ServiceError):
    """A request about an application that cannot be honoured; the message is shown to the user."""


@dataclass
class MemberInput:
    name: str
    credit_code: str
    unit_type: str
    province: str = "江苏省"
    city: str = ""
    credit_standing: str = notice.CREDIT_GOOD


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


@dataclass(frozen=True)
class ApplicationView(Dossier):
    """Everything an application's page shows: its dossier, and where it stands in its round."""

    round: Round
    required: tuple[AttachmentKind, ...]
    checks: list[CheckResult]
    editable: bool
    missing: list[str]


@dataclass(frozen=True)
class CityRound:
    round: Round
    applications: list[Application]
    submitted: int
    quota: int
    editable: bool
    # Annual rounds: the city's existing consortia, each with its report once opened.
    consortia: list[tuple[Consortium, Application | None]] = field(default_factory=list)


# Loading ---------------------------------------------------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def intake_open(review_round: Round, now: datetime | None = None) -> bool:
    """Cities may edit: the round takes applications and its city deadline has not passed."""
    now = now or utcnow()
    deadline = _aware(review_round.city_deadline)
    return review_round.stage == RoundStage.INTAKE and (deadline is None or now < deadline)


def for_city(session: Session, *, application_id: int, city_id: int) -> Application | None:
    """The application if it belongs to the city (and its round is open to cities), else None."""
    application = session.get(Application, application_id)
    if application is None or application.city_id != city_id:
        return None
    review_round = session.get(Round, application.round_id)
    return application if review_round.stage != RoundStage.DRAFT else None


def round_for_city(session: Session, *, round_id: int) -> Round | None:
    review_round = session.get(Round, round_id)
    return review_round if review_round is not None and review_round.stage != RoundStage.DRAFT else None


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
        submitted = sum(a.status == ApplicationStatus.SUBMITTED for a in apps)
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
        session.exec(select(CheckResult).where(CheckResult.application_id == application.id).order_by(CheckResult.rule))
    )
    return ApplicationView(
        **vars(found),
        round=review_round,
        required=REQUIRED_ATTACHMENTS[review_round.kind],
        checks=checks,
        editable=intake_open(review_round) and application.status == ApplicationStatus.DRAFT,
        missing=_missing_for_submission(application, review_round, found.attachments),
    )


def attachment_for(session: Session, *, attachment_id: int, city_id: int | None) -> Attachment | None:
    """The attachment if the caller may read it (a city: only its own city's; None: the centre)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    if city_id is not None and for_city(session, application_id=attachment.application_id, city_id=city_id) is None:
        return None
    return attachment


# Editing ---------------------------------------------------------------------------------------


def _require_intake(review_round: Round) -> None:
    if review_round.stage != RoundStage.INTAKE:
        raise ApplicationError(_("This round is not taking applications."))
    if not intake_open(review_round):
        raise ApplicationError(_("The deadline for cities has passed; applications can no longer change."))


def _require_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(_("A submitted application is locked; withdraw it first to change it."))


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


def _input_problems(data: ApplicationInput) -> list[str]:
    problems = []
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
    return problems


def _apply(session: Session, application: Application, data: ApplicationInput, city: City) -> None:
    problems = _input_problems(data)
    if problems:
        raise ApplicationError("；".join(problems))
    lead = upsert_organisation(
        session,
        credit_code=data.lead_credit_code,
        name=data.lead_name,
        kind=notice.lead_org_kind(data.lead_kind),
        province="江苏省",
        city=city.name,
    )
    application.title, application.field = data.title.strip(), data.field.strip()
    application.lead_org_id, application.lead_kind = lead.id, data.lead_kind
    application.revenue_2025, application.rd_intensity_2025 = data.revenue_2025, data.rd_intensity_2025
    application.agreement_clauses = ";".join(c for c in notice.AGREEMENT_CLAUSES if c in data.agreement_clauses)
    application.city_opinion = data.city_opinion.strip()
    application.necessity, application.feasibility = data.necessity.strip(), data.feasibility.strip()
    application.updated_at = utcnow()
    session.add(application)
    session.flush()
    orgs = [
        upsert_organisation(
            session,
            credit_code=m.credit_code,
            name=m.name,
            kind=m.unit_type,
            province=m.province or None,
            city=m.city or None,
            standing=STANDING.get(m.credit_standing),
        )
        for m in data.members
    ]
    set_members(
        session, application=application, members=[(o, m.unit_type) for o, m in zip(orgs, data.members, strict=True)]
    )


def create(
    session: Session, *, review_round: Round, city_id: int, data: ApplicationInput, by: User | None
) -> Application:
    """A new draft application of the city in a new-consortium round."""
    _require_intake(review_round)
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
        details={"code": application.code, "title": application.title, "members": len(data.members)},
    )
    return application


def update(session: Session, *, application: Application, data: ApplicationInput, by: User | None) -> Application:
    review_round = session.get(Round, application.round_id)
    _require_intake(review_round)
    _require_draft(application)
    if application.consortium_id is not None:
        raise ApplicationError(_("An annual report's consortium details are kept by the provincial centre."))
    before = {"title": application.title, "lead": application.lead_org_id, "kind": application.lead_kind}
    _apply(session, application, data, session.get(City, application.city_id))
    audit.record(
        session,
        action="application.update",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "before": before, "members": len(data.members)},
    )
    return application


def update_opinion(
    session: Session, *, application: Application, necessity: str, feasibility: str, by: User | None
) -> None:
    """The city's opinion on necessity and feasibility (for annual reports too)."""
    review_round = session.get(Round, application.round_id)
    _require_intake(review_round)
    _require_draft(application)
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
    _require_intake(review_round)
    _require_draft(application)
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


# Attachments -----------------------------------------------------------------------------------


def pdf_problem(data: bytes) -> str | None:
    """Why `data` is not a PDF, judged by content (the name and the browser's type prove nothing)."""
    if not data:
        return _("The file is empty.")
    if b"%PDF-" not in data[:1024]:
        return _("The file is not a PDF (its content does not start like one).")
    if b"%%EOF" not in data[-2048:]:
        return _("The PDF is incomplete (no end-of-file marker); it may have been cut off.")
    return None


def clean_filename(name: str) -> str:
    """The name as the user gave it, Chinese and all, without folders or control characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".")
    if not name:
        return "attachment.pdf"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name


def add_attachment(
    session: Session,
    *,
    application: Application,
    kind: AttachmentKind,
    filename: str,
    data: bytes,
    store,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    by: User | None,
) -> Attachment:
    """Store a PDF under its content hash; it replaces the application's earlier file of that kind."""
    review_round = session.get(Round, application.round_id)
    _require_intake(review_round)
    _require_draft(application)
    if kind not in REQUIRED_ATTACHMENTS[review_round.kind]:
        raise ApplicationError(_("This kind of document does not belong to this round."))
    if len(data) > max_bytes:
        raise ApplicationError(_("The file is too large: at most %(max)s MB.", max=_mb(max_bytes)))
    problem = pdf_problem(data)
    if problem:
        raise ApplicationError(problem)
    digest = store.put(data)
    for old in session.exec(
        select(Attachment).where(Attachment.application_id == application.id, Attachment.kind == kind)
    ):
        session.delete(old)
    attachment = Attachment(
        application_id=application.id,
        kind=kind,
        filename=clean_filename(filename),
        sha256=digest,
        size=len(data),
        uploaded_by_id=by.id if by else None,
    )
    session.add(attachment)
    application.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        action="attachment.upload",
        by=by,
        target=attachment,
        round_id=review_round.id,
        details={"code": application.code, "kind": kind, "filename": attachment.filename, "sha256": digest},
    )
    return attachment


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


# Submission ------------------------------------------------------------------------------------


def _missing_for_submission(application: Application, review_round: Round, attachments: dict) -> list[str]:
    missing = [str(ATTACHMENT_KIND_LABEL[k]) for k in REQUIRED_ATTACHMENTS[review_round.kind] if k not in attachments]
    if review_round.kind == RoundKind.NEW_CONSORTIUM:
        if not application.necessity.strip():
            missing.append(_("the opinion on necessity"))
        if not application.feasibility.strip():
            missing.append(_("the opinion on feasibility"))
    return missing


def submit(session: Session, *, application: Application, by: User | None) -> Application:
    """Recommend the application to the province, within the city's quota for the round."""
    review_round = session.exec(select(Round).where(Round.id == application.round_id).with_for_update()).one()
    _require_intake(review_round)
    if application.status == ApplicationStatus.SUBMITTED:
        raise ApplicationError(_("The application has been submitted already."))
    attachments = {
        a.kind: a for a in session.exec(select(Attachment).where(Attachment.application_id == application.id))
    }
    missing = _missing_for_submission(application, review_round, attachments)
    if missing:
        raise ApplicationError(_("Before submitting, add: %(list)s.", list="、".join(missing)))
    if review_round.kind == RoundKind.NEW_CONSORTIUM:
        submitted = session.execute(
            select(sa.func.count()).where(
                Application.round_id == review_round.id,
                Application.city_id == application.city_id,
                Application.status == ApplicationStatus.SUBMITTED,
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
    _require_intake(review_round)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted application can be withdrawn."))
    application.status = ApplicationStatus.DRAFT
    application.submitted_at = None
    application.updated_at = utcnow()
    audit.record(
        session,
        action="application.withdraw",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code},
    )
    return application


# Annual self-evaluation ------------------------------------------------------------------------


def annual_report(
    session: Session, *, review_round: Round, consortium_id: int, city_id: int, by: User | None
) -> Application | None:
    """The consortium's report in this annual round, opened on first use (an application row bound to
    the consortium, so the same check, assignment and scoring machinery reviews it). None when the
    consortium is not the city's."""
    consortium = session.get(Consortium, consortium_id)
    if consortium is None or consortium.city_id != city_id or review_round.kind != RoundKind.ANNUAL_EVALUATION:
        return None
    existing = session.exec(
        select(Application).where(Application.round_id == review_round.id, Application.consortium_id == consortium_id)
    ).first()
    if existing is not None:
        return existing
    _require_intake(review_round)
    lead = session.get(Organisation, consortium.lead_org_id)
    application = Application(
        round_id=review_round.id,
        code=f"ZP{review_round.year}{consortium.id:04d}",
        title=consortium.name,
        field=consortium.field,
        city_id=consortium.city_id,
        consortium_id=consortium.id,
        lead_org_id=consortium.lead_org_id,
        lead_kind=lead.kind or "",
        agreement_clauses=";".join(notice.AGREEMENT_CLAUSES),
    )
    session.add(application)
    session.flush()
    audit.record(
        session,
        action="annual.open",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "consortium": consortium.name},
    )
    return application


# The centre's view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRow:
    application: Application
    city: str
    lead: str
    worst: str | None  # the worst effective verdict of the formal check, None before it ran


@dataclass(frozen=True)
class RoundListing:
    round: Round
    rows: list[ListingRow]
    cities: list[City]


def round_listing(session: Session, *, round_id: int, city_id: int | None = None) -> RoundListing | None:
    """Every application of the round (failing ones too), with its city, lead and check outcome."""
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    query = (
        select(Application, City.name, Organisation.name)
        .join(City, City.id == Application.city_id)
        .join(Organisation, Organisation.id == Application.lead_org_id)
        .where(Application.round_id == round_id)
        .order_by(Application.code)
    )
    if city_id:
        query = query.where(Application.city_id == city_id)
    found = list(session.exec(query))
    effective = sa.func.coalesce(CheckResult.override_verdict, CheckResult.verdict)
    verdicts: dict[int, set[str]] = {}
    for app_id, verdict in session.execute(
        select(CheckResult.application_id, effective).where(
            CheckResult.application_id.in_([row[0].id for row in found])
        )
    ):
        verdicts.setdefault(app_id, set()).add(verdict)
    rows = []
    for application, city, lead in found:
        seen = verdicts.get(application.id)
        worst = None if not seen else next(v for v in ("fail", "warn", "pass") if v in seen)
        rows.append(ListingRow(application, city, lead, worst))
    return RoundListing(review_round, rows, list(session.exec(select(City).order_by(City.code))))


def view_by_id(session: Session, *, application_id: int) -> ApplicationView | None:
    application = session.get(Application, application_id)
    return view(session, application) if application is not None else None
