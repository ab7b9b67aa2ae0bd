"""Where each of a city's applications stands, from submission to the final decision, as the city
bureau's dashboard shows it: in the formal check, failed it, under review, results being approved, on the
public list or not (an objection open or answered), finally selected (with the 文号) or not."""

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, Objection, ObjectionStatus, Round, RoundStage
from ..check import runner as check_runner
from . import decision, final_list

STAGE_STATUS = {
    RoundStage.FORMAL_CHECK: _l("Submitted; in the formal check"),
    RoundStage.ASSIGNMENT: _l("Passed the formal check; experts are being assigned"),
    RoundStage.SCORING: _l("Under expert review"),
    RoundStage.CLOSED: _l("Review finished; the results are being approved"),
}
FAILED = _l("Did not pass the formal check")
LISTED = _l("On the list for public notice")
NOT_LISTED = _l("Not on the list for public notice")
OBJECTION_OPEN = _l("an objection is being handled")
REMOVED = _l("Taken off the list after an objection")
SELECTED = _l("Selected (%(number)s)")
NOT_SELECTED = _l("Not selected")


def statuses(session: Session, *, review_round: Round, applications: list[Application]) -> dict[int, str]:
    """Each submitted application's status in the round's current stage (drafts and withdrawn ones: none)."""
    stage = review_round.stage
    submitted = [a for a in applications if a.status == ApplicationStatus.SUBMITTED]
    if not submitted or stage in (RoundStage.DRAFT, RoundStage.INTAKE):
        return {}
    failed = check_runner.failing_application_ids(session, round_id=review_round.id)
    found = {}
    if stage == RoundStage.DECIDED:
        recorded = decision.decision_of(session, round_id=review_round.id)
        chosen = {e.application_id for e in decision.decided_list(session, decision=recorded)}
        for a in submitted:
            found[a.id] = str(SELECTED % {"number": recorded.document_no}) if a.id in chosen else str(NOT_SELECTED)
    elif stage == RoundStage.PUBLISHED:
        listed = {e.application.id for e in final_list.final_list(session, round_id=review_round.id)}
        removed, _added = final_list.answered_changes(session, round_id=review_round.id)
        open_ids = set(session.exec(select(Objection.application_id).where(
            Objection.round_id == review_round.id, Objection.status != ObjectionStatus.ANSWERED)))
        for a in submitted:
            text = str(LISTED) if a.id in listed else str(REMOVED if a.id in removed else NOT_LISTED)
            found[a.id] = f"{text}（{OBJECTION_OPEN}）" if a.id in open_ids else text
    else:
        for a in submitted:
            found[a.id] = str(STAGE_STATUS[stage])
    for a in submitted:
        if a.id in failed and stage != RoundStage.FORMAL_CHECK:
            found[a.id] = str(FAILED)
    return found


def for_city(session: Session, rounds) -> dict[int, str]:
    """The statuses of every application in the city's rounds (`rounds`: the dashboard's CityRound rows)."""
    found = {}
    for city_round in rounds:
        found |= statuses(session, review_round=city_round.round, applications=city_round.applications)
    return found
