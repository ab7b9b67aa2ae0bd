"""The annual self-evaluation reports of existing consortia: one report per consortium and annual round,
opened by its city on first use."""

from sqlmodel import Session, select

from ...models import Application, Consortium, Organisation, Round, RoundKind, User
from ..compliance import audit
from . import notice
from .access import require_intake
from .organisations import lead_from_register


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
    require_intake(review_round)
    lead = session.get(Organisation, consortium.lead_org_id)
    application = Application(
        round_id=review_round.id,
        code=f"ZP{review_round.year}{consortium.id:04d}",
        title=consortium.name,
        field=consortium.field,
        city_id=consortium.city_id,
        consortium_id=consortium.id,
        lead_kind=lead.kind or "",
        **lead_from_register(lead),
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
