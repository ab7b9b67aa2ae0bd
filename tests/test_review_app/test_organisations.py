"""Units as declared: codes normalised as people type them, the register entered only for a code it has
never seen and never changed by a declaration, members as declared with each one's outcome."""

from sqlmodel import select

from review_app.models import ApplicationMember, CreditStanding, Organisation
from review_app.services.intake.organisations import Declared, Register, declare_lead, normalise_code, set_members
from tests.intake_factories import make_city_application, make_round, make_unit

CODE = "91320500MA1XXXXXXX"


def test_codes_are_normalised_as_people_type_them():
    assert normalise_code(" 9132 0500ma1xxxxxxx ") == CODE
    assert normalise_code("９１３２０５００ＭＡ１ＸＸＸＸＸＸＸ") == CODE
    assert normalise_code(None) == ""
    assert Declared(credit_code=" 9132 0500ma1xxxxxxx", name=" 苏州华芯 ").credit_code == CODE


def test_a_declaration_enters_a_new_code_and_never_changes_an_existing_entry(session):
    register = Register(session)
    first = register.entry(Declared(credit_code=CODE.lower(), name=" 苏州华芯 ", kind="企业", city="苏州市"))
    assert (first.credit_code, first.name, first.kind, first.city, register.created) == (
        CODE,
        "苏州华芯",
        "企业",
        "苏州市",
        1,
    )
    again = register.entry(Declared(credit_code=CODE, name="别的名字", province="浙江省", standing=CreditStanding.BAD))
    assert again.id == first.id and register.created == 1
    stored = session.exec(select(Organisation).where(Organisation.credit_code == CODE)).one()
    assert (stored.name, stored.province, stored.city) == ("苏州华芯", None, "苏州市")


def test_members_are_stored_as_declared_with_each_ones_outcome(app, session):
    review_round = make_round(session)
    kept, dropped = make_unit(session, "某大学", kind="高校"), make_unit(session, "旧成员有限公司")
    application = make_city_application(session, review_round, code="A1", members=[(kept, "高校"), (dropped, "企业")])
    register = Register(session)
    declared = [
        Declared(credit_code=kept.credit_code, name="某大学（新名）", kind="高校", province="江苏省", city="南京市"),
        Declared(credit_code=CODE, name="新成员", kind="企业", province="浙江省", standing=CreditStanding.BAD),
    ]
    assert set_members(session, application=application, members=declared, register=register) == [
        "updated",
        "new",
        "removed",
    ]
    rows = session.exec(select(ApplicationMember).where(ApplicationMember.application_id == application.id)).all()
    assert sorted((m.position, m.name, m.province, m.credit_standing) for m in rows) == [
        (1, "某大学（新名）", "江苏省", CreditStanding.GOOD),
        (2, "新成员", "浙江省", CreditStanding.BAD),
    ]
    assert session.get(Organisation, kept.id).name == "某大学"  # the register keeps its own name
    assert set_members(session, application=application, members=declared, register=register) == [
        "unchanged",
        "unchanged",
    ]
    lead = Declared(credit_code=application.lead_credit_code, name="改名的牵头单位", kind="企业")
    assert declare_lead(session, application=application, lead=lead, register=register)
    assert not declare_lead(session, application=application, lead=lead, register=register)
    assert application.lead_name == "改名的牵头单位"
    assert session.get(Organisation, application.lead_org_id).name != "改名的牵头单位"
