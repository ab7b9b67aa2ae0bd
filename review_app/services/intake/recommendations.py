"""A city's recommendations in a round, in its order (好中选优), and its stamped summary.

A city ranks its recommendations 1..n (an application takes the next place when submitted and leaves
its place when withdrawn); the system prints the 推荐汇总表 (round, city, the applications in order with
the city's opinions on necessity and feasibility, a stamp and signature area) as a PDF; the city prints
it, stamps and signs it, scans it and uploads the scan (打印盖章后扫描). The city's submission of the
round is complete while the scan's order is still the city's order: a change after the upload asks for
a new scan. Applications sent back for correction keep their place.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, City, CitySubmission, Round, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform.pdfs import pdf_problem
from .access import ApplicationError, require_intake
from .attachments import clean_filename
from .summary_pdf import summary_document

#: Applications that count as the city's recommendations (quota, order, formal check).
RECOMMENDED = (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED)


def _order_key(application: Application) -> tuple:
    return (application.recommend_rank is None, application.recommend_rank or 0, application.code)


def orders(applications: Iterable[Application]) -> dict[int, list[str]]:
    """Each city's recommended applications' codes in the city's order, by city id."""
    found: dict[int, list[Application]] = defaultdict(list)
    for application in applications:
        if application.status in RECOMMENDED:
            found[application.city_id].append(application)
    return {city: [a.code for a in sorted(apps, key=_order_key)] for city, apps in found.items()}


def city_order(session: Session, *, round_id: int, city_id: int) -> list[Application]:
    """The city's recommendations in the round, in its order."""
    found = session.exec(
        select(Application).where(
            Application.round_id == round_id, Application.city_id == city_id, Application.status.in_(RECOMMENDED)
        )
    )
    return sorted(found, key=_order_key)


def summaries(session: Session, *, round_id: int) -> dict[int, CitySubmission]:
    """The round's stamped summaries, by city id."""
    return {s.city_id: s for s in session.exec(select(CitySubmission).where(CitySubmission.round_id == round_id))}


def place_last(session: Session, application: Application) -> None:
    """A newly submitted application takes the last place of its city's order."""
    others = [a for a in city_order(session, round_id=application.round_id, city_id=application.city_id)
              if a.id != application.id]
    application.recommend_rank = max((a.recommend_rank or 0 for a in others), default=0) + 1


def leave_order(session: Session, application: Application) -> None:
    """A withdrawn application leaves the order; the ones after it move up."""
    application.recommend_rank = None
    session.flush()
    ranked = city_order(session, round_id=application.round_id, city_id=application.city_id)
    _renumber([a for a in ranked if a.recommend_rank is not None])


def _renumber(ordered: list[Application]) -> None:
    for place, application in enumerate(ordered, start=1):
        application.recommend_rank = place


# Changing the order ------------------------------------------------------------------------------


def set_order(
    session: Session, *, review_round: Round, city_id: int, places: dict[int, int], by: User | None
) -> list[str]:
    """The city's order: `places` gives each of its recommendations in the round (by id) its place, 1..n,
    each place once. Returns the codes in order (audited)."""
    require_intake(review_round)
    current = city_order(session, round_id=review_round.id, city_id=city_id)
    if not current:
        raise ApplicationError(_("Your city has no recommendation in this round yet."))
    if set(places) != {a.id for a in current} or sorted(places.values()) != list(range(1, len(current) + 1)):
        raise ApplicationError(_("Give each of your recommendations one place, 1 to %(n)d.", n=len(current)))
    by_id = {a.id: a for a in current}
    ordered = [by_id[i] for i in sorted(places, key=places.get)]
    _renumber(ordered)
    for application in ordered:
        session.add(application)
    codes = [a.code for a in ordered]
    audit.record(session, action="recommendations.order", by=by, target=review_round, round_id=review_round.id,
                 details={"city_id": city_id, "order": codes})
    return codes


# The stamped summary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CityRecommendations:
    """A city's recommendations in a round, in order, and where its stamped summary stands."""

    round: Round
    city: City
    applications: list[Application]
    summary: CitySubmission | None

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.applications]

    @property
    def complete(self) -> bool:
        """The stamped scan is uploaded and shows the order the city has now."""
        summary = self.summary
        return bool(self.applications) and summary is not None and summary.order_codes.split(";") == self.codes


def city_recommendations(session: Session, *, review_round: Round, city_id: int) -> CityRecommendations:
    summary = session.exec(
        select(CitySubmission).where(CitySubmission.round_id == review_round.id, CitySubmission.city_id == city_id)
    ).first()
    return CityRecommendations(
        review_round, session.get(City, city_id), city_order(session, round_id=review_round.id, city_id=city_id),
        summary,
    )


def round_recommendations(session: Session, *, review_round: Round) -> list[CityRecommendations]:
    """Every city's recommendations in the round (the centre's view), cities in their order."""
    return [
        city_recommendations(session, review_round=review_round, city_id=city.id)
        for city in session.exec(select(City).order_by(City.code))
    ]


def summary_pdf(session: Session, *, review_round: Round, city_id: int) -> bytes:
    """The city's 推荐汇总表 to print, stamp, sign and scan: the round, the city, its recommendations in
    order with its opinions on necessity and feasibility, and the stamp and signature area."""
    found = city_recommendations(session, review_round=review_round, city_id=city_id)
    if not found.applications:
        raise ApplicationError(_("Your city has no recommendation in this round yet."))
    return summary_document(found)


def upload_summary(
    session: Session, *, review_round: Round, city_id: int, filename: str, data: bytes, store, max_bytes: int,
    by: User | None,
) -> CitySubmission:
    """Keep the stamped scan of the summary, with the order it shows (the city's current order)."""
    require_intake(review_round)
    found = city_recommendations(session, review_round=review_round, city_id=city_id)
    if not found.applications:
        raise ApplicationError(_("Your city has no recommendation in this round yet."))
    if len(data) > max_bytes:
        limit = "%g" % (max_bytes / 1024 / 1024)
        raise ApplicationError(_("The file is too large: at most %(max)s MB.", max=limit))
    problem = pdf_problem(data)
    if problem:
        raise ApplicationError(problem)
    digest = store.put(data)
    summary = found.summary or CitySubmission(round_id=review_round.id, city_id=city_id, filename="", sha256="",
                                              size=0)
    summary.order_codes, summary.filename, summary.sha256 = ";".join(found.codes), clean_filename(filename), digest
    summary.size, summary.uploaded_by_id, summary.uploaded_at = len(data), by.id if by else None, utcnow()
    session.add(summary)
    session.flush()
    audit.record(session, action="recommendations.summary", by=by, target=review_round, round_id=review_round.id,
                 details={"city_id": city_id, "order": found.codes, "filename": summary.filename, "sha256": digest})
    return summary
