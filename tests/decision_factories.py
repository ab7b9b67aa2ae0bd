"""Builders for the close of a round (issue 17): a closed round whose ranking is approved, with city
accounts for its applications' cities and an account of the centre."""

from sqlmodel import Session, select

from review_app.models import City, Criterion, RoundStage, ScoreItem, SheetStatus
from review_app.models._base import utcnow
from review_app.services.results import rank, selection
from tests.factories import make_expert, make_scoring_round, make_user

CITIES = ("南京市", "苏州市", "无锡市", "南京市")


def approved_round(session: Session, *, applications: int = 4, cutoff: int = 2, name: str = "公示测试轮次"):
    """Applications in 南京/苏州/无锡 scored by three experts, ranked, cut at `cutoff`, approved; scoring
    closed. City accounts nj/sz/wx (with e-mail and mobile), the centre's account `centre`. Returns
    (round, applications in code order, the approved run)."""
    experts = [make_expert(session, code=f"E66{n}", name=f"专家{n}", city="扬州市") for n in range(3)]
    review_round, apps, sheets = make_scoring_round(session, experts=experts, applications=applications, name=name)
    cities = {c.name: c for c in session.exec(select(City))}
    for application, city in zip(apps, CITIES * 3, strict=False):
        application.city_id = cities[city].id
    criteria = session.exec(select(Criterion).where(Criterion.round_id == review_round.id)).all()
    for index, sheet in enumerate(sheets.values()):
        total = 0
        for criterion in criteria:
            # the first application scores best, the last worst
            position = next(i for i, a in enumerate(apps) if a.id == sheet.application_id)
            points = max(criterion.max_points - 1 - position - index % 2, 0)
            session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
            total += points
        sheet.total, sheet.status, sheet.submitted_at, sheet.recommend = total, SheetStatus.SUBMITTED, utcnow(), True
    review_round.stage = RoundStage.CLOSED
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=cutoff, by=None)
    selection.approve(session, run=run, by=None)
    for n, (username, city) in enumerate((("nj", "南京市"), ("sz", "苏州市"), ("wx", "无锡市")), start=1):
        user = make_user(session, username, "city", city=city)
        user.email, user.phone = f"{username}@kjj.example.cn", f"1390000000{n}"
    make_user(session, "centre", "admin")
    session.commit()
    return review_round, sorted(apps, key=lambda a: a.code), run
