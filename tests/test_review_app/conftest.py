"""Fixtures several of the app's test modules share."""

from types import SimpleNamespace

import pytest
from sqlmodel import select

from review_app.models import Criterion, Expert
from tests.factories import make_scoring_round
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
def draft(app, session, users):
    """A draft application of 南京市 (nanjing1's city) in a round open for intake."""
    with app.test_request_context():
        review_round = make_round(session)
    application = make_city_application(session, review_round, code="NJ1", status="draft", pledge=False)
    session.commit()
    return application
