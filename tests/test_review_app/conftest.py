"""Fixtures several of the app's test modules share."""

from types import SimpleNamespace

import pytest
from sqlmodel import select

from review_app.models import Criterion, Expert
from tests.factories import make_expert, make_scoring_round, make_user
from tests.intake_factories import make_city_application, make_round


@pytest.fixture
def scoring(app, session, users):
    """expert1 (E9001) on the two applications of a round in scoring; `sheet` is the first one's."""
    expert = session.get(Expert, users["expert"].expert_id)
    review_round, apps, sheets = make_scoring_round(session, experts=[expert])
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == review_round.id)))
    session.commit()
    return SimpleNamespace(round=review_round, apps=apps, sheet=sheets[("E9001", apps[0].code)], criteria=criteria)


@pytest.fixture
def intake_round(app, session):
    """A new-consortium round open for city intake (quota 5), committed."""
    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    return review_round


@pytest.fixture
def draft(app, session, users):
    """A draft application of 南京市 (nanjing1's city) in a round open for intake."""
    with app.test_request_context():
        review_round = make_round(session)
    application = make_city_application(session, review_round, code="NJ1", status="draft", pledge=False)
    session.commit()
    return application


@pytest.fixture
def world(app, session, users):
    """expert1 (E9001, 张伟) and expert2 (E9002, 李娜) both on two applications of a round in scoring."""
    other = make_expert(session, code="E9002", name="李娜")
    make_user(session, "expert2", "expert", expert_code="E9002")
    review_round, apps, sheets = make_scoring_round(
        session, experts=[session.get(Expert, users["expert"].expert_id), other]
    )
    criteria = list(
        session.exec(select(Criterion).where(Criterion.round_id == review_round.id).order_by(Criterion.position))
    )
    session.commit()
    return SimpleNamespace(
        round=review_round,
        apps=apps,
        criteria=criteria,
        mine=sheets[("E9001", apps[0].code)],
        mine2=sheets[("E9001", apps[1].code)],
        theirs=sheets[("E9002", apps[0].code)],
    )
