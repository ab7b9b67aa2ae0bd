"""The demo's materials: every demo application gets each document its round requires, as a generated PDF
(review_app.demo.documents) in the upload store, so that an expert opening a sheet has something to read.

Idempotent: only the documents an application lacks are made, so a demo database seeded before this
existed gains them on the next `flask seed-demo`.
"""

from sqlmodel import Session, select

from ..models import Application, ApplicationMember, Attachment, City, Round
from ..services.intake.attachments import REQUIRED_ATTACHMENTS, TEXT_KINDS
from ..services.platform.pdfs import cjk_font, first_pages_text
from ..services.platform.storage import FolderStore
from .documents import Facts, document


def attach_all(session: Session, store: FolderStore, round_names: list[str]) -> int:
    """Give every application of the named rounds the documents it lacks; the number of files made."""
    if cjk_font() is None:  # no Chinese font on this machine: the demo runs without materials
        return 0
    made = 0
    rounds = session.exec(select(Round).where(Round.name.in_(round_names))).all()
    for review_round in rounds:
        required = REQUIRED_ATTACHMENTS[review_round.kind]
        applications = session.exec(select(Application).where(Application.round_id == review_round.id)).all()
        have = {
            (a.application_id, a.kind)
            for a in session.exec(
                select(Attachment).join(Application).where(Application.round_id == review_round.id)
            )
        }
        for application in applications:
            facts = None
            for kind in required:
                if (application.id, kind) in have:
                    continue
                facts = facts or _facts(session, application)
                filename, data = document(kind, facts)
                session.add(
                    Attachment(
                        application_id=application.id,
                        kind=kind,
                        filename=filename,
                        sha256=store.put(data),
                        size=len(data),
                        text=first_pages_text(data) if kind in TEXT_KINDS else "",
                    )
                )
                made += 1
    session.flush()
    return made


def _facts(session: Session, application: Application) -> Facts:
    members = session.exec(
        select(ApplicationMember)
        .where(ApplicationMember.application_id == application.id)
        .order_by(ApplicationMember.position)
    ).all()
    return Facts(
        code=application.code,
        title=application.title,
        field=application.field,
        topic=application.title.removeprefix("江苏省").removesuffix("创新联合体") or application.field,
        city=session.get(City, application.city_id).name,
        lead_name=application.lead_name,
        lead_kind=application.lead_kind,
        revenue=application.revenue_2025,
        rd_intensity=application.rd_intensity_2025,
        keywords=[k for k in application.keywords.split(";") if k],
        abstract=application.abstract,
        necessity=application.necessity,
        feasibility=application.feasibility,
        city_opinion=application.city_opinion,
        clauses=[c for c in application.agreement_clauses.split(";") if c],
        members=[(m.name, m.unit_type) for m in members],
    )
