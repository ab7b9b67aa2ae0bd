"""Issue 16, the controlled list of 技术领域 and complete declarations at entry: the round's list (default,
edited by the centre, audited), the city form's select and declarations, the applications template and
import (new columns; older files still import), the expert pool's import and form checked against it."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from review_app.models import Application, ApplicationMember, AuditEvent, Expert
from review_app.services.check import runner as check_runner
from review_app.services.intake import fields, importer
from review_app.services.platform.tables import ImportRejected
from review_app.services.review import pool_import
from tests.intake_factories import make_city_application, make_round
from tests.test_review_app.test_city import new_application_form
from tests.test_review_app.test_intake import APP_HEADER, GOOD_APPS, MEMBER_HEADER, app_row, member_row, workbook
from tests.test_review_app.test_pool import CODE_A, HEADER
from tests.test_review_app.test_pool import workbook as pool_workbook


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    return review_round


def test_a_round_starts_with_the_notices_default_list_and_the_centre_edits_it(app, client, auth, users, session, rnd):
    assert fields.round_fields(rnd) == fields.DEFAULT_FIELDS
    assert "新能源汽车" in fields.EMERGING_FIELDS and "量子科技" in fields.FUTURE_FIELDS
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{rnd.id}/fields").text
    assert "集成电路\n人工智能" in page and "未来产业" in page
    response = auth.post(f"/admin/rounds/{rnd.id}/fields", {"fields": "集成电路\n智能网联汽车\n集成电路\n 量子科技 "})
    assert response.status_code == 302
    session.expire_all()
    assert fields.round_fields(session.get(type(rnd), rnd.id)) == ("集成电路", "智能网联汽车", "量子科技")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "round.fields")).one()
    assert "智能网联汽车" in event.details and event.actor == "admin1"
    assert "3 个领域" in client.get(f"/admin/rounds/{rnd.id}").text


def test_a_field_in_use_cannot_leave_the_list(app, client, auth, users, session, rnd):
    make_city_application(session, rnd, code="A1")  # 集成电路
    session.commit()
    auth.login("admin1")
    response = auth.post(f"/admin/rounds/{rnd.id}/fields", {"fields": "人工智能"})
    assert response.status_code == 200 and "本轮次仍有申报使用：集成电路（A1）" in response.text
    assert "人工智能" in response.text  # what was typed stays in the form
    session.expire_all()
    assert session.get(type(rnd), rnd.id).tech_fields == ""


def test_a_city_cannot_edit_the_list(client, auth, users, rnd):
    auth.login("nanjing1")
    assert client.get(f"/admin/rounds/{rnd.id}/fields").status_code == 403


def test_the_city_form_offers_the_list_and_asks_each_members_declarations(client, auth, users, session, rnd):
    auth.login("nanjing1")
    page = client.get(f"/city/rounds/{rnd.id}/applications/new").text
    assert '<select id="field" name="field"' in page and '<option value="量子科技">' in page
    assert 'name="members-0-is_legal_person"' in page and 'name="members-0-qualification"' in page
    response = auth.post(f"/city/rounds/{rnd.id}/applications/new", new_application_form(field="智能网联汽车"))
    assert response.status_code == 200 and "不是有效的选择" in response.text
    form = new_application_form(**{"members-0-is_legal_person": ""})
    response = auth.post(f"/city/rounds/{rnd.id}/applications/new", form)
    assert "请声明该单位是否为独立法人" in response.text
    assert session.exec(select(Application)).first() is None
    form = new_application_form(**{
        "field": "新能源汽车",
        "members-0-unit_type": "检验检测机构",
        "members-0-is_legal_person": "否",
        "members-0-qualification": "CNAS L12345",
    })
    assert auth.post(f"/city/rounds/{rnd.id}/applications/new", form).status_code == 302
    member = session.exec(select(ApplicationMember)).one()
    assert (member.is_legal_person, member.qualification) == (False, "CNAS L12345")
    application = session.exec(select(Application)).one()
    assert application.field == "新能源汽车"
    page = client.get(f"/city/applications/{application.id}").text
    assert "CNAS L12345" in page and "申报单位真实性承诺（盖章扫描件）" in page
    edit = client.get(f"/city/applications/{application.id}/edit").text
    assert '<option selected value="否">' in edit and 'value="CNAS L12345"' in edit


def test_the_template_has_the_new_columns_and_the_rounds_fields(client, auth, users, session, rnd):
    rnd.tech_fields = "集成电路;量子科技"
    session.commit()
    assert MEMBER_HEADER[-2:] == ["是否独立法人", "资质或服务能力"]
    auth.login("admin1")
    data = client.get(f"/admin/import-template.xlsx?round={rnd.id}").data
    book = load_workbook(io.BytesIO(data))
    dv = next(v for v in book["申请"].data_validations.dataValidation if str(v.sqref) == "C2:C1000")
    source, cells = dv.formula1.split("!")
    assert [r[0].value for r in book[source.strip("'")][cells.replace("$", "")]] == ["集成电路", "量子科技"]
    help_text = "\n".join(c.value or "" for c in book["填写说明"]["A"])
    assert "是否独立法人" in help_text and "CMA" in help_text and "量子科技" in help_text


def test_an_import_refuses_a_field_outside_the_list_in_chinese(app, session, rnd):
    bad = [app_row("2026320501", 技术领域="智能网联汽车")]
    with pytest.raises(ImportRejected) as caught, app.test_request_context():
        importer.import_files(session, review_round=rnd, files=[("申报.xlsx", workbook(bad, []))], by=None)
    session.rollback()
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "技术领域") and "“智能网联汽车”不是以下之一" in problem.reason
    assert session.exec(select(Application)).first() is None


def test_an_import_stores_declarations_and_an_older_file_still_imports(app, session, rnd):
    lab = member_row("2026320501", "9144030071526726XG", "江苏检测院", "检验检测机构",
                     是否独立法人="是", 资质或服务能力="CMA 201019000123")
    with app.test_request_context():
        importer.import_files(session, review_round=rnd, files=[("申报.xlsx", workbook(GOOD_APPS[:1], [lab]))],
                              by=None)
    session.commit()
    member = session.exec(select(ApplicationMember)).one()
    assert (member.is_legal_person, member.qualification) == (True, "CMA 201019000123")
    # a file made with the older template (no 是否独立法人, no 资质或服务能力) imports and keeps them
    old = Workbook()
    old.active.title = "申请"
    old.active.append(APP_HEADER[:11])
    old.active.append(GOOD_APPS[0][:11])
    sheet = old.create_sheet("成员单位")
    sheet.append(MEMBER_HEADER[:7])
    sheet.append(lab[:7])
    sheet.append(member_row("2026320501", "91110108551385082Q", "苏州大学")[:7])
    buffer = io.BytesIO()
    old.save(buffer)
    with app.test_request_context():
        result = importer.import_files(session, review_round=rnd, files=[("旧模板.xlsx", buffer.getvalue())], by=None)
        session.commit()
        check_runner.run_check(session, review_round=rnd, by=None)
    assert result.organisations_created == 1
    kept = {m.name: (m.is_legal_person, m.qualification) for m in session.exec(select(ApplicationMember))}
    assert kept == {"江苏检测院": (True, "CMA 201019000123"), "苏州大学": (None, "")}
    r10 = {r.result.rule: r.result.message for r in check_runner.table(session, round_id=rnd.id)}["R10"]
    assert "未声明是否为独立法人：苏州大学" in r10


def test_the_pool_import_accepts_only_listed_fields(app, session):
    rows = [["P001", "王强", "东南大学", CODE_A, "南京市", "集成电路;智能网联汽车", "教授", 6, "", ""]]
    with pytest.raises(pool_import.ImportRejected) as caught, app.test_request_context():
        pool_import.import_experts(session, filename="专家库.xlsx", data=pool_workbook(rows, HEADER), by=None)
    session.rollback()
    [problem] = caught.value.problems
    assert problem.column == "专业领域" and "智能网联汽车 不在技术领域列表中" in problem.reason
    with app.test_request_context():
        make_round(session, name="加了领域的轮次").tech_fields = "智能网联汽车"
        session.flush()
        result = pool_import.import_experts(session, filename="专家库.xlsx", data=pool_workbook(rows, HEADER), by=None)
    assert result.created == 1
    assert session.exec(select(Expert)).one().field_list == ["集成电路", "智能网联汽车"]
