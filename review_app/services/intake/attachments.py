"""The PDFs of an application: which documents a round requires, checking an upload is a PDF, storing it
under its content hash, reading it back for those allowed, and what is still missing before submission."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import Application, Attachment, AttachmentKind, Round, RoundKind, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform import storage
from ..platform.pdfs import first_pages_text, pdf_problem
from .access import ApplicationError, for_city, require_editable

REQUIRED_ATTACHMENTS = {
    RoundKind.NEW_CONSORTIUM: (
        AttachmentKind.APPLICATION_FORM,
        AttachmentKind.CONSTRUCTION_PLAN,
        AttachmentKind.AGREEMENT,
        AttachmentKind.RECOMMENDATION,
        AttachmentKind.PLEDGE,
    ),
    RoundKind.ANNUAL_EVALUATION: (AttachmentKind.SELF_EVALUATION,),
}
ATTACHMENT_KIND_LABEL = {
    AttachmentKind.APPLICATION_FORM: _l("Application form (申请书)"),
    AttachmentKind.CONSTRUCTION_PLAN: _l("Construction plan (建设方案)"),
    AttachmentKind.AGREEMENT: _l("Co-construction agreement (共建协议)"),
    AttachmentKind.RECOMMENDATION: _l("City review and recommendation (审核推荐意见)"),
    AttachmentKind.SELF_EVALUATION: _l("Annual self-evaluation report (自评报告)"),
    AttachmentKind.PLEDGE: _l("Applicant's pledge of truthfulness (真实性承诺, stamped scan)"),
}
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Documents whose first pages' text tells what the application is about (the assignment's text affinity).
TEXT_KINDS = (AttachmentKind.APPLICATION_FORM, AttachmentKind.CONSTRUCTION_PLAN)


def clean_filename(name: str) -> str:
    """The name as the user gave it, Chinese and all, without folders or control characters, and always
    ending in .pdf (what it is stored and served as: `setup.exe` becomes `setup.pdf`)."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*').strip().lstrip(".")
    stem = name[:-4] if name.lower().endswith(".pdf") else name.rpartition(".")[0] or name
    stem = stem.strip().rstrip(".")[:190]
    return (stem or "attachment") + ".pdf"


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
    require_editable(session, application, review_round)
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
        if old.sha256 != digest and _only_user(session, old):
            storage.discard_after_commit(session, store, old.sha256)  # the replaced file leaves the disk
    attachment = Attachment(
        application_id=application.id,
        kind=kind,
        filename=clean_filename(filename),
        sha256=digest,
        size=len(data),
        uploaded_by_id=by.id if by else None,
        text=first_pages_text(data) if kind in TEXT_KINDS else "",
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


def _only_user(session: Session, attachment: Attachment) -> bool:
    """Whether no other attachment (of any application) keeps the same file."""
    return session.exec(
        select(Attachment.id).where(Attachment.sha256 == attachment.sha256, Attachment.id != attachment.id)
    ).first() is None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def attachment_for(session: Session, *, attachment_id: int, city_id: int | None) -> Attachment | None:
    """The attachment if the caller may read it (a city: only its own city's; None: the centre)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        return None
    if city_id is not None and for_city(session, application_id=attachment.application_id, city_id=city_id) is None:
        return None
    return attachment


def require_complete(session: Session, application: Application, review_round: Round) -> None:
    """Refuse a submission (or a resubmission) that still lacks a document or the city's opinion."""
    attachments = {
        a.kind: a for a in session.exec(select(Attachment).where(Attachment.application_id == application.id))
    }
    missing = missing_for_submission(application, review_round, attachments)
    if missing:
        raise ApplicationError(_("Before submitting, add: %(list)s.", list="、".join(missing)))


def missing_for_submission(application: Application, review_round: Round, attachments: dict) -> list[str]:
    """What the city must still add before submitting: the round's documents and its opinion on necessity
    and feasibility (a new consortium's and an annual report's alike). An annual report's structured
    content may be incomplete here: the formal check reports it (R15, R16) and the centre sends it back."""
    missing = [str(ATTACHMENT_KIND_LABEL[k]) for k in REQUIRED_ATTACHMENTS[review_round.kind] if k not in attachments]
    if not application.necessity.strip():
        missing.append(_("the opinion on necessity"))
    if not application.feasibility.strip():
        missing.append(_("the opinion on feasibility"))
    return missing
