"""The final decision: once the notice period is over and every objection is answered, the centre records
the decision's document number (文号) and date; the final list is copied into the decision as it stands,
the round moves to its last stage (decided) and nothing of it changes any more; in a new-consortium round
each application on the list becomes a consortium of the registry (its name, lead unit, members, city,
field, a new 联合体编号 and the decision's year as its recognition year; `registry.consortia.found`), which
later annual evaluations find. The cities are told."""

from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Decision,
    DecisionEntry,
    Objection,
    ObjectionStatus,
    Round,
    RoundKind,
    RoundStage,
    User,
)
from ..compliance import audit
from ..registry import consortia
from . import final_list, notices, publicity, workdays
from .publicity import DecisionError

MAX_DOCUMENT_NO = 100


def decision_of(session: Session, *, round_id: int) -> Decision | None:
    return session.exec(select(Decision).where(Decision.round_id == round_id)).first()


def decided_list(session: Session, *, decision: Decision) -> list[DecisionEntry]:
    return list(
        session.exec(select(DecisionEntry).where(DecisionEntry.decision_id == decision.id).order_by(
            DecisionEntry.position))
    )


def blockers(session: Session, *, review_round: Round, today: date | None = None) -> list[str]:
    """Why the decision cannot be recorded now (empty when it can)."""
    if review_round.stage == RoundStage.DECIDED:
        return [_("The final decision of this round is recorded already.")]
    notice = publicity.notice_of(session, round_id=review_round.id)
    if review_round.stage != RoundStage.PUBLISHED or notice is None:
        return [_("The decision follows the public notice: start the notice first.")]
    found = []
    if publicity.phase(notice, today=today) != "ended":
        found.append(_("The notice period ends on %(day)s: the decision comes after it.",
                       day=notice.ends_on.isoformat()))
    open_objections = session.exec(
        select(Objection.id).where(Objection.round_id == review_round.id,
                                   Objection.status != ObjectionStatus.ANSWERED).order_by(Objection.id)
    ).all()
    if open_objections:
        found.append(_("Answer every objection first (open: %(ids)s).",
                       ids="、".join(f"{n}" for n in open_objections)))
    return found


def record(
    session: Session,
    *,
    review_round: Round,
    document_no: str,
    decided_on: date,
    by: User | None,
    today: date | None = None,
) -> Decision:
    """Record the final decision and lock the round; returns it."""
    today = today or workdays.today()
    problems = blockers(session, review_round=review_round, today=today)
    document_no = (document_no or "").strip()
    if not document_no:
        problems.append(_("Give the decision's document number (文号)."))
    elif len(document_no) > MAX_DOCUMENT_NO:
        problems.append(_("The document number is too long."))
    notice = publicity.notice_of(session, round_id=review_round.id)
    if notice is not None and not notice.ends_on < decided_on <= today:
        problems.append(_("The decision's date must be after the notice period (%(end)s) and not in the future.",
                          end=notice.ends_on.isoformat()))
    if problems:
        raise DecisionError("；".join(problems))
    entries = final_list.final_list(session, round_id=review_round.id)
    decision = Decision(round_id=review_round.id, document_no=document_no, decided_on=decided_on,
                        recorded_by_id=by.id if by else None)
    session.add(decision)
    session.flush()
    founded = 0
    for position, entry in enumerate(entries, start=1):
        application = entry.application
        consortium = None
        if review_round.kind == RoundKind.NEW_CONSORTIUM:
            consortium = consortia.found(session, application=application, year=decided_on.year, by=by)
            founded += 1
        session.add(DecisionEntry(
            decision_id=decision.id, position=position, application_id=application.id, code=application.code,
            title=application.title, lead=application.lead_name, city=entry.city, field=application.field,
            source=entry.source, consortium_id=consortium.id if consortium else None,
        ))
    review_round.stage = RoundStage.DECIDED
    audit.record(session, action="round.stage", by=by, target=review_round, round_id=review_round.id,
                 details={"from": RoundStage.PUBLISHED, "to": RoundStage.DECIDED})
    audit.record(
        session,
        action="decision.record",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"document_no": document_no, "decided_on": decided_on.isoformat(),
                 "applications": [e.application.code for e in entries], "consortia": founded},
    )
    session.flush()
    notices.decision_recorded(session, review_round=review_round, decision=decision, entries=entries)
    return decision

