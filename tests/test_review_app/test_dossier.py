"""The application dossier: one application with its city, lead, members in order and attachments by kind,
the same for one application as for many, in three queries whatever their number."""

import pytest
import sqlalchemy as sa

from review_app.models import Attachment, AttachmentKind
from review_app.services.intake import dossier
from tests.intake_factories import make_city_application, make_round, make_unit


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        yield make_round(session)


def _attach(session, application, kind, filename):
    session.add(Attachment(application_id=application.id, kind=kind, filename=filename, sha256="0" * 64, size=1))
    session.flush()


def test_a_dossier_holds_city_lead_members_in_order_and_the_latest_file_of_each_kind(app, session, rnd):
    institute = make_unit(session, "某研究所", kind="科研院所")
    company = make_unit(session, "配套企业有限公司")
    application = make_city_application(
        session, rnd, code="A1", city="苏州市", members=[(institute, "科研院所"), (company, "企业")], pledge=False
    )
    _attach(session, application, AttachmentKind.AGREEMENT, "旧协议.pdf")
    _attach(session, application, AttachmentKind.AGREEMENT, "协议.pdf")
    _attach(session, application, AttachmentKind.APPLICATION_FORM, "申请书.pdf")
    found = dossier.load(session, application)
    assert found.application is application and found.city.name == "苏州市"
    assert found.lead.credit_code == application.lead_credit_code
    members = [(m.org.name, m.unit_type) for m in found.members]
    assert members == [("某研究所", "科研院所"), ("配套企业有限公司", "企业")]
    assert {kind: a.filename for kind, a in found.attachments.items()} == {
        AttachmentKind.AGREEMENT: "协议.pdf",
        AttachmentKind.APPLICATION_FORM: "申请书.pdf",
    }
    assert found.agreement_clauses == ["责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"]
    with app.test_request_context():
        assert [org.name for _role, org in found.units()] == ["A1牵头股份有限公司", "某研究所", "配套企业有限公司"]


def test_many_dossiers_load_in_their_order_in_three_queries(app, session, rnd):
    applications = [make_city_application(session, rnd, code=f"B{n}", pledge=False) for n in range(5)]
    applications.reverse()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    sa.event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        found = dossier.load_all(session, applications)
    finally:
        sa.event.remove(session.get_bind(), "before_cursor_execute", listener)
    assert [d.application.code for d in found] == [a.code for a in applications]
    assert all(len(d.members) == 2 and d.attachments == {} for d in found)
    assert len(statements) == 3
