"""The registry (issue 22): applications selected in a new-consortium round become consortia at the
decision, with their members, a code and the link to the application, once only."""

from datetime import date

import pytest
from sqlmodel import select

from review_app.models import ApplicationMember, AuditEvent, City, Consortium, ConsortiumMember
from review_app.services.decision import decision, publicity
from review_app.services.intake.organisations import member_from_register
from review_app.services.registry import consortia
from tests.decision_factories import approved_round
from tests.factories import make_org

MONDAY, AFTER = date(2026, 9, 28), date(2026, 10, 12)


def test_the_decision_founds_consortia_with_members_code_and_link(app, session):
    with app.test_request_context():
        review_round, apps, _run = approved_round(session, applications=4, cutoff=2)
        for position, name in enumerate(("东南大学", "南京某检测中心有限公司"), start=1):
            session.add(ApplicationMember(application_id=apps[0].id, unit_type="高校", position=position,
                                          **member_from_register(make_org(session, name))))
        publicity.start(session, review_round=review_round, by=None, starts_on=MONDAY, today=MONDAY, contact="省中心")
        decision.record(session, review_round=review_round, document_no="苏科高发〔2026〕88号", decided_on=AFTER,
                        by=None, today=AFTER)
    session.commit()
    founded = session.exec(select(Consortium).order_by(Consortium.code)).all()
    assert [(c.code, c.application_id, c.established_year) for c in founded] == [
        ("LHT2026001", apps[0].id, 2026), ("LHT2026002", apps[1].id, 2026)]
    first = founded[0]
    assert (first.name, first.lead_name, first.lead_org_id) == (apps[0].title, apps[0].lead_name, apps[0].lead_org_id)
    declared = session.exec(select(ApplicationMember).where(ApplicationMember.application_id == apps[0].id)
                            .order_by(ApplicationMember.position)).all()
    members = session.exec(select(ConsortiumMember).where(ConsortiumMember.consortium_id == first.id)
                           .order_by(ConsortiumMember.position)).all()
    assert len(declared) == 2 and [(m.org_id, m.name, m.unit_type) for m in members] == [
        (m.org_id, m.name, m.unit_type) for m in declared]
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "consortium.create")).all()
    assert len(created) == 2 and apps[0].code in created[0].details
    # once only: founding again finds the consortium the application founded
    with app.test_request_context():
        again = consortia.found(session, application=apps[0], year=2027, by=None)
    assert again.id == first.id and len(session.exec(select(Consortium)).all()) == 2


@pytest.mark.demo
def test_the_demo_registry_is_imported_with_consortia_in_every_city(session):
    registered = session.exec(select(Consortium)).all()
    assert len(registered) >= 30
    assert len({c.city_id for c in registered}) == len(session.exec(select(City)).all()) == 13
    assert {c.established_year for c in registered} >= {2023, 2024, 2025}
    assert all(c.code.startswith(f"LHT{c.established_year}") for c in registered)
    members = session.exec(select(ConsortiumMember)).all()
    assert {m.consortium_id for m in members} == {c.id for c in registered}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "consortia.import")).first() is not None
