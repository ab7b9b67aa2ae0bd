"""The final list of a round: the approved ranking's selection, changed only by the answers to
objections (撤销 takes the application out; 调整 may take it out and bring another in). The stored ranking
run is never edited: the list is computed from it and the answers, each change naming its objection."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, City, Objection, ObjectionStatus, RankingResult
from ..results import approval


@dataclass(frozen=True)
class ListEntry:
    """One application on the final list, and how it got there."""

    application: Application
    city: str
    rank: int | None  # in the approved ranking
    source: str  # "" from the ranking, else the objection's answer that brought it in


def answered_changes(session: Session, *, round_id: int) -> tuple[dict[int, int], dict[int, int]]:
    """The answered objections' changes: (application id → objection id) removed, and added."""
    removed, added = {}, {}
    for objection in session.exec(
        select(Objection)
        .where(Objection.round_id == round_id, Objection.status == ObjectionStatus.ANSWERED)
        .order_by(Objection.answered_at, Objection.id)
    ):
        if objection.removes:
            removed[objection.application_id] = objection.id
            added.pop(objection.application_id, None)
        if objection.adds_application_id:
            added[objection.adds_application_id] = objection.id
            removed.pop(objection.adds_application_id, None)
    return removed, added


def ranked_results(session: Session, *, round_id: int) -> list[tuple[RankingResult, Application, str]]:
    """The approved run's results in rank order, with each application and its city's name."""
    run = approval.approved_run(session, round_id=round_id)
    if run is None:
        return []
    return list(
        session.exec(
            select(RankingResult, Application, City.name)
            .join(Application, Application.id == RankingResult.application_id)
            .join(City, City.id == Application.city_id)
            .where(RankingResult.ranking_run_id == run.id)
            .order_by(RankingResult.rank, Application.code)
        ).all()
    )


def final_list(session: Session, *, round_id: int) -> list[ListEntry]:
    """The selected applications in rank order, after the answers to objections."""
    removed, added = answered_changes(session, round_id=round_id)
    entries = []
    for result, application, city in ranked_results(session, round_id=round_id):
        if application.id in added:
            source = _("Objection no. %(n)d", n=added[application.id])
            entries.append(ListEntry(application, city, result.rank, source))
        elif result.selected and application.id not in removed:
            entries.append(ListEntry(application, city, result.rank, ""))
    return entries
