"""The one organisation upsert: by normalised credit code, last declared wins, undeclared values kept,
and what one run of upserts created or changed."""

from review_app.models import CreditStanding
from review_app.services.intake.organisations import Organisations, normalise_code, upsert_organisation

CODE = "91320500MA1XXXXXXX"


def test_codes_are_normalised_as_people_type_them():
    assert normalise_code(" 9132 0500ma1xxxxxxx ") == CODE
    assert normalise_code("９１３２０５００ＭＡ１ＸＸＸＸＸＸＸ") == CODE
    assert normalise_code(None) == ""


def test_last_declared_wins_and_undeclared_values_are_kept(session):
    first = upsert_organisation(session, credit_code=CODE.lower(), name=" 苏州华芯 ", kind="企业", city="苏州市")
    assert (first.credit_code, first.name, first.kind, first.city) == (CODE, "苏州华芯", "企业", "苏州市")
    again = upsert_organisation(session, credit_code=CODE, name="苏州华芯股份有限公司", standing=CreditStanding.BAD)
    assert again.id == first.id
    assert (again.name, again.kind, again.city, again.credit_standing) == (
        "苏州华芯股份有限公司",
        "企业",
        "苏州市",
        CreditStanding.BAD,
    )
    assert upsert_organisation(session, credit_code=CODE, name="  ").name == "苏州华芯股份有限公司"


def test_a_run_of_upserts_knows_what_it_created_and_changed(session):
    upsert_organisation(session, credit_code=CODE, name="苏州华芯", kind="企业")
    orgs = Organisations(session)
    same = orgs.upsert(credit_code=CODE, name="苏州华芯", kind="企业")
    new = orgs.upsert(credit_code="12320000466007613E", name="苏州大学")
    assert (orgs.created, orgs.changed(same), orgs.changed(new)) == (1, False, True)
    orgs.upsert(credit_code=CODE, name="苏州华芯", kind="高校")
    assert orgs.changed(same)
