"""Issue 15 (High): one city never changes another city's units. Each application keeps its units as
declared; the centre's register changes only by the centre, audited before/after; rule R7 reads the
centre's own 失信 list beside what the application declared; the migration fills the snapshots."""

import io
import json
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from review_app import db
from review_app.models import Application, AuditEvent, City, CreditListEntry, Organisation, Round
from review_app.services.check import runner as check_runner
from review_app.services.intake import rules
from review_app.services.results import export
from tests.factories import publish_ranking
from tests.intake_factories import make_city_application, make_round, make_unit, valid_code


def _r7(session, review_round, code):
    dossiers, facts = rules.load(session, review_round)
    found = next(d for d in dossiers if d.application.code == code)
    return rules.rule_r7(found, facts)


def _draft(**over):
    form = {
        "title": "江苏省冒名创新联合体",
        "field": "集成电路",
        "lead_name": "苏州某某科技有限公司",
        "lead_credit_code": valid_code("320500"),
        "lead_kind": "龙头企业",
        "revenue_2025": "12",
        "rd_intensity_2025": "4",
        "agreement_clauses": ["责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"],
        "necessity": "必要",
        "feasibility": "可行",
        "members-0-name": "苏州大学",
        "members-0-credit_code": valid_code("320500"),
        "members-0-unit_type": "高校",
        "members-0-province": "江苏省",
        "members-0-city": "苏州市",
        "members-0-credit_standing": "良好",
        "members-0-is_legal_person": "是",
    }
    form.update(over)
    return form


def _content(html: str) -> str:
    """The page from its heading on, without the per-session CSRF tokens."""
    return re.sub(r'name="csrf_token"[^>]*', "", html.split("<h1", 1)[1])


def _views(client, auth, session, review_round, run, target):
    """Everything that shows 南京's application: its city's page, the centre's list and page, the ranking
    export, the published CSV of 南京, R7."""
    auth.login("nanjing1")
    city_page = client.get(f"/city/applications/{target.id}").text
    published = client.get(f"/city/rounds/{review_round.id}/results.csv").data
    auth.logout()
    auth.login("admin1")
    listing = client.get(f"/admin/rounds/{review_round.id}/applications?city={target.city_id}").text
    centre_page = client.get(f"/admin/applications/{target.id}").text
    auth.logout()
    sheet = load_workbook(io.BytesIO(export.ranking_xlsx(session, run=run)))["排名"]
    ranking_rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return {
        "city page": _content(city_page),
        "listing": _content(listing),
        "centre page": _content(centre_page),
        "ranking csv": export.ranking_csv(session, run=run),
        "ranking xlsx": ranking_rows,
        "published csv": published,
        "R7": _r7(session, review_round, target.code),
    }


@pytest.mark.demo
def test_one_city_cannot_change_another_citys_units(app, client, auth, users, session):
    from review_app.demo import DEMO_ROUND_NAME

    review_round = session.exec(select(Round).where(Round.name == DEMO_ROUND_NAME)).one()
    nanjing = session.exec(select(City).where(City.name == "南京市")).one()
    target = session.exec(
        select(Application)
        .where(Application.round_id == review_round.id, Application.city_id == nanjing.id)
        .order_by(Application.code)
    ).first()
    lead_code, lead_name = target.lead_credit_code, target.lead_name
    register_before = session.exec(select(Organisation).where(Organisation.credit_code == lead_code)).one()
    register_before = (register_before.name, register_before.province, register_before.city)
    run = publish_ranking(session, review_round, cutoff=20)
    before = _views(client, auth, session, review_round, run, target)
    assert before["R7"].verdict == "pass" and lead_name in before["listing"]
    assert lead_name in before["published csv"].decode("utf-8-sig")

    with app.test_request_context():
        intake_round = make_round(session, name="2027年度申报")
    session.commit()
    auth.login("suzhou1")
    # one draft names 南京's lead unit as its own lead with another name, another as a member in 浙江 and 失信
    as_lead = _draft(lead_name="冒名顶替有限公司", lead_credit_code=lead_code)
    as_member = _draft(
        **{
            "members-1-name": "冒名顶替有限公司",
            "members-1-credit_code": lead_code,
            "members-1-unit_type": "企业",
            "members-1-province": "浙江省",
            "members-1-city": "杭州市",
            "members-1-credit_standing": "失信",
            "members-1-is_legal_person": "是",
        }
    )
    for form in (as_lead, as_member):
        response = auth.post(f"/city/rounds/{intake_round.id}/applications/new", form)
        assert response.status_code == 302, response.text
    auth.logout()
    session.expire_all()

    after = _views(client, auth, session, review_round, run, target)
    for what in before:
        assert after[what] == before[what], what
    assert "冒名" not in after["published csv"].decode("utf-8-sig") and "浙江省" not in after["centre page"]
    org = session.exec(select(Organisation).where(Organisation.credit_code == lead_code)).one()
    assert (org.name, org.province, org.city) == register_before
    # the audit event says what 苏州 declared
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "application.create")).all()
    declared = [json.loads(e.details)["declared"] for e in events[-2:]]
    assert declared[0]["lead"]["name"] == "冒名顶替有限公司" and declared[0]["lead"]["credit_code"] == lead_code
    member = declared[1]["members"][1]
    assert (member["credit_code"], member["name"], member["province"], member["credit_standing"]) == (
        lead_code,
        "冒名顶替有限公司",
        "浙江省",
        "bad",
    )


def test_the_centre_corrects_the_register_audited_before_and_after(app, client, auth, users, session):
    with app.test_request_context():
        review_round = make_round(session)
    unit = make_unit(session, "南京华瑞半导体股份有限公司", city="南京市")
    application = make_city_application(session, review_round, code="A1", lead=unit)
    session.commit()
    auth.login("auditor1")
    assert "南京华瑞半导体股份有限公司" in client.get("/admin/units?q=华瑞").text
    assert auth.post(f"/admin/units/{unit.id}", {"name": "改名"}).status_code == 403
    auth.logout()
    auth.login("admin1")
    page = client.get(f"/admin/units/{unit.id}").text
    assert 'value="南京华瑞半导体股份有限公司"' in page
    response = auth.post(
        f"/admin/units/{unit.id}",
        {"name": "南京华瑞半导体集团有限公司", "kind": "企业", "province": "江苏省", "city": "南京市"},
    )
    assert response.status_code == 302
    session.expire_all()
    org = session.get(Organisation, unit.id)
    assert (org.name, org.is_legal_person) == ("南京华瑞半导体集团有限公司", False)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "organisation.update")).one()
    details = json.loads(event.details)
    assert details["before"] == {"name": "南京华瑞半导体股份有限公司", "is_legal_person": True}
    assert details["after"] == {"name": "南京华瑞半导体集团有限公司", "is_legal_person": False}
    assert details["credit_code"] == unit.credit_code
    # the application keeps the unit as declared; the register's legal-person flag is the centre's (R7)
    assert session.get(Application, application.id).lead_name == "南京华瑞半导体股份有限公司"
    assert "南京华瑞半导体股份有限公司" in client.get(f"/admin/applications/{application.id}").text
    again = auth.post(
        f"/admin/units/{unit.id}",
        {"name": "南京华瑞半导体集团有限公司", "kind": "企业", "province": "江苏省", "city": "南京市"},
        follow_redirects=True,
    )
    assert "没有改动" in again.text
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "organisation.update")).all()) == 1


def _list_file(rows, header=("统一社会信用代码", "单位名称", "失信原因", "列入日期")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "失信名单"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_r7_reads_the_centres_credit_list_beside_the_declaration(app, runner, client, auth, users, session, tmp_path):
    with app.test_request_context():
        review_round = make_round(session, stage="formal_check")
    listed = make_unit(session, "被列入名单有限公司")
    declared_bad = make_unit(session, "自报失信有限公司")
    make_city_application(session, review_round, code="A1", members=[(listed, "企业")])
    make_city_application(
        session, review_round, code="A2", members=[(declared_bad, "企业")], declared_bad=(declared_bad.credit_code,)
    )
    session.commit()
    with app.test_request_context():
        assert _r7(session, review_round, "A1").verdict == "pass"

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_list_file([(listed.credit_code, "x", "", "2026-13-01"), ("123", "y", "", ""), ("", "z", "", "")]))
    result = runner.invoke(args=["import-credit-list", str(bad)])
    assert result.exit_code == 1
    assert "第 2 行，列入日期" in result.output and "第 3 行，统一社会信用代码" in result.output
    assert "第 4 行，统一社会信用代码：必填项为空" in result.output
    assert session.exec(select(CreditListEntry)).all() == []

    good = tmp_path / "失信名单.xlsx"
    good.write_bytes(_list_file([(listed.credit_code.lower(), "被列入名单有限公司", "拖欠税款", "2026-03-01")]))
    result = runner.invoke(args=["import-credit-list", str(good)])
    assert result.exit_code == 0 and "added 1" in result.output
    assert "unchanged 1" in runner.invoke(args=["import-credit-list", str(good)]).output

    with app.test_request_context():
        found = {(r.application.code, r.result.rule): r.result for r in _checked(session, review_round)}
    assert found[("A1", "R7")].verdict == "fail"
    assert "列入中心失信名单（拖欠税款，2026-03-01）" in found[("A1", "R7")].message
    assert "被列入名单有限公司" in found[("A1", "R7")].message
    assert found[("A2", "R7")].verdict == "fail" and "在申报中填报的信用状况为失信" in found[("A2", "R7")].message
    assert "中心失信名单" not in found[("A2", "R7")].message

    # the admin page shows the list; an empty list (header only) is refused, a CSV replaces the list
    auth.login("admin1")
    assert "拖欠税款" in client.get("/admin/credit-list").text
    empty = auth.post(
        "/admin/credit-list", {"file": (io.BytesIO(_list_file([])), "空.xlsx")}, content_type="multipart/form-data"
    )
    assert empty.status_code == 400 and "表为空" in empty.text
    assert empty.text.count('class="problem"') == 1 and "<th>理由</th>" in empty.text and "未导入任何数据" in empty.text
    replacement = "统一社会信用代码,失信原因\n" + declared_bad.credit_code + ",虚假申报\n"
    response = auth.post(
        "/admin/credit-list",
        {"file": (io.BytesIO(replacement.encode("utf-8-sig")), "名单.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "新增 1 家" in response.text and "移除 1 家" in response.text and "虚假申报" in response.text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "credit_list.import")).all()[-1]
    assert json.loads(event.details)["removed"] == [listed.credit_code]


def _checked(session, review_round):
    check_runner.run_check(session, review_round=review_round, by=None)
    session.commit()
    return check_runner.table(session, round_id=review_round.id)


def test_the_migration_fills_each_applications_snapshot_from_the_organisation_rows(app):
    engine = app.extensions["db_engine"]
    db.downgrade(engine, "0002")
    with engine.begin() as connection:
        run = connection.execute
        run(
            sa.text(
                "INSERT INTO organisations (credit_code, name, kind, province, city, credit_standing, "
                "is_legal_person) VALUES ('91320100MA1M11103J', '南京华瑞', '企业', '江苏省', '南京市', 'good', "
                "true), ('12330000MB0A1234XY', '浙江某研究院', '科研院所', '浙江省', '杭州市', 'bad', true)"
            )
        )
        run(
            sa.text(
                "INSERT INTO rounds (name, year, kind, stage, pledge_text, city_quota, experts_per_application, "
                "max_load, min_load, avoid_same_city, org_diverse, created_at) VALUES ('旧轮次', 2026, "
                "'new_consortium', 'intake', '', 5, 5, 8, 0, false, true, CURRENT_TIMESTAMP)"
            )
        )
        round_id = run(sa.text("SELECT id FROM rounds")).scalar_one()
        lead, member = run(sa.text("SELECT id FROM organisations ORDER BY id")).scalars().all()
        run(
            sa.text(
                "INSERT INTO applications (round_id, code, title, field, city_id, lead_org_id, lead_kind, "
                "agreement_clauses, city_opinion, necessity, feasibility, status, created_at, updated_at) "
                f"SELECT {round_id}, 'A1', '联合体', '集成电路', id, {lead}, '龙头企业', '', '', '', '', 'draft', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM cities WHERE name = '南京市'"
            )
        )
        app_id = run(sa.text("SELECT id FROM applications")).scalar_one()
        run(
            sa.text(
                "INSERT INTO application_members (application_id, org_id, unit_type, position) "
                f"VALUES ({app_id}, {member}, '科研院所', 1)"
            )
        )
    db.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT lead_name, lead_credit_code, lead_province, lead_city, lead_credit_standing FROM applications"
            )
        ).one()
        assert tuple(row) == ("南京华瑞", "91320100MA1M11103J", "江苏省", "南京市", "good")
        row = connection.execute(
            sa.text("SELECT name, credit_code, province, city, credit_standing FROM application_members")
        ).one()
        assert tuple(row) == ("浙江某研究院", "12330000MB0A1234XY", "浙江省", "杭州市", "bad")
