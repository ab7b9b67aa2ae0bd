"""What leaves the centre once a round is published: a city bureau's own results, from the approved
ranking only."""

from sqlmodel import Session

from ...models import City, Round, User
from ..compliance import audit
from . import approval, export, selection


def city_results(session: Session, *, round_id: int, city_id: int, by: User) -> tuple[Round, bytes] | None:
    """The published results of a round for one city bureau: its own applications' rank, score and
    selection as CSV (nothing about the experts), audited as an export. None until the round is published."""
    review_round = session.get(Round, round_id)
    if review_round is None or review_round.stage not in approval.PUBLIC_STAGES:
        return None
    run = selection.final_run(session, round_id=round_id)
    if run is None:
        return None
    city = session.get(City, city_id)
    data = export.city_results_csv(session, run=run, city=city.name)
    details = {"list": "city_results", "city": city.name}
    audit.record(session, action="export", by=by, target=run, round_id=round_id, details=details)
    return review_round, data
