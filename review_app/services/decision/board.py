"""What the centre's page of a round's close shows: the notice and where its period stands, the final list
as the answers leave it, the objections, the decision or what still blocks it, and the choices its forms
offer."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from ...models import Application, Decision, DecisionEntry, PublicityNotice, Role, Round, User
from ..results import approval
from . import decision, final_list, objections, publicity, workdays


@dataclass(frozen=True)
class CloseBoard:
    round: Round
    notice: PublicityNotice | None
    phase: str  # publicity.phase
    today: date
    default_period: publicity.Period
    entries: list[final_list.ListEntry]
    objections: list[objections.ObjectionRow]
    decision: Decision | None
    decided: list[DecisionEntry]
    blockers: list[str]  # of the decision
    approved: bool
    ranked: list[Application]  # the approved ranking's applications, in rank order
    owners: list[User]  # the centre's active accounts

    @property
    def open_objections(self) -> int:
        return sum(row.objection.status != "answered" for row in self.objections)


def close_board(session: Session, *, review_round: Round, today: date | None = None) -> CloseBoard:
    today = today or workdays.today()
    notice = publicity.notice_of(session, round_id=review_round.id)
    recorded = decision.decision_of(session, round_id=review_round.id)
    return CloseBoard(
        round=review_round,
        notice=notice,
        phase=publicity.phase(notice, today=today),
        today=today,
        default_period=publicity.plan_period(today),
        entries=final_list.final_list(session, round_id=review_round.id),
        objections=objections.objections_of(session, round_id=review_round.id),
        decision=recorded,
        decided=decision.decided_list(session, decision=recorded) if recorded else [],
        blockers=decision.blockers(session, review_round=review_round, today=today),
        approved=approval.approved_run(session, round_id=review_round.id) is not None,
        ranked=[a for _r, a, _c in final_list.ranked_results(session, round_id=review_round.id)],
        owners=list(session.exec(select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id))),
    )
