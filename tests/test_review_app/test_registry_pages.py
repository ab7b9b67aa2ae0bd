"""The registry's pages (issue 22): the centre's list (filters, search, pages), its import and template, a
consortium added and corrected with its members (audited, input kept on error); a city reads its own
consortia and never another city's; each consortium's history."""

import io
import json
import re

from openpyxl import load_workbook
from sqlmodel import select

from review_app.models import (
    Application,
    AuditEvent,
    City,
    Consortium,
    ConsortiumMember,
    RankingResult,
    RankingRun,
    RoundKind,
)
from review_app.services import rounds
from review_app.services.registry import consortia, importer
from tests.factories import make_application
from tests.registry_factories import consortium_row, registry_workbook, small_registry, unit_code


def _registry(app, session, consortia, members):
    with app.test_request_context():
        importer.import_file(session, filename="名录.xlsx", data=registry_workbook(consortia, members), by=None)
    session.commit()


def _form(**changes) -> dict:
    form = {
        "code": "LHT2025009", "name": "江苏省新建创新联合体", "field": "人工智能", "city": "南京市",
        "lead_name": "南京智算科技有限公司", "lead_credit_code": unit_code(900, "320100"), "established_year": "2025",
        "members-0-name": "东南大学", "members-0-credit_code": unit_code(901), "members-0-unit_type": "高校",
        "members-0-province": "江苏省", "members-0-city": "南京市", "members-0-credit_standing": "良好",
        "members-0-is_legal_person": "是", "members-0-qualification": "",
    }
    form.update(changes)
    return form


def test_the_centre_lists_filters_searches_and_pages_the_registry(app, client, auth, session, users):
    rows = [consortium_row(n, city="苏州市" if n % 2 else "无锡市", year=2023 + n % 3) for n in range(1, 61)]
    _registry(app, session, rows, [])
    auth.login("admin1")
    first = client.get("/admin/consortia").text
    assert "60 个联合体" in first and "第 1–50 条，共 60 条" in first and "page=2" in first
    assert len(re.findall(r'class="consortium-row"', first)) == 50
    second = client.get("/admin/consortia?page=2").text
    assert len(re.findall(r'class="consortium-row"', second)) == 10
    suzhou = session.exec(select(City).where(City.name == "苏州市")).one()
    filtered = client.get(f"/admin/consortia?city={suzhou.id}&year=2024").text
    assert "10 个联合体" in filtered and "无锡市</td>" not in filtered
    found = client.get("/admin/consortia?q=第7号").text
    assert "1 个联合体" in found and "江苏省第7号创新联合体" in found
    by_code = client.get("/admin/consortia?q=LHT2025002").text
    assert "江苏省第2号创新联合体" in by_code and "1 个联合体" in by_code


def test_the_centre_imports_through_the_page_and_downloads_the_template(app, client, auth, session, users):
    auth.login("admin1")
    template = client.get("/admin/consortia/template.xlsx")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.data)).sheetnames[:2] == ["联合体", "成员单位"]
    bad = auth.post("/admin/consortia", {"file": (io.BytesIO(registry_workbook(
        [consortium_row(1, 认定年度="2099"), consortium_row(2, 技术领域="烹饪")], [])), "名录.xlsx")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "未导入任何数据" in bad.text
    assert "认定年度" in bad.text and "“2099”超出合理范围" in bad.text
    assert "“烹饪”不在技术领域列表中" in bad.text
    assert session.exec(select(Consortium)).all() == []
    ok = auth.post("/admin/consortia", {"file": (io.BytesIO(registry_workbook(*small_registry(2, 1))), "名录.xlsx")},
                   content_type="multipart/form-data", follow_redirects=True)
    assert "新增 2" in ok.text and "江苏省第1号创新联合体" in ok.text
    auth.logout()
    auth.login("auditor1")
    assert client.get("/admin/consortia").status_code == 200
    assert auth.post("/admin/consortia", {}).status_code == 403


def test_the_centre_adds_and_edits_a_consortium_audited(app, client, auth, session, users):
    auth.login("admin1")
    created = auth.post("/admin/consortia/new", _form(), follow_redirects=True)
    assert "已保存" in created.text and "江苏省新建创新联合体" in created.text and "东南大学" in created.text
    consortium = session.exec(select(Consortium)).one()
    assert (consortium.code, consortium.established_year) == ("LHT2025009", 2025)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "consortium.create")).one()
    assert event.actor == "admin1"
    edited = auth.post(f"/admin/consortia/{consortium.id}/edit",
                       _form(name="江苏省改名创新联合体", **{"members-0-name": "东南大学（九龙湖）"}),
                       follow_redirects=True)
    assert "江苏省改名创新联合体" in edited.text
    update = session.exec(select(AuditEvent).where(AuditEvent.action == "consortium.update")).one()
    details = json.loads(update.details)
    assert (details["before"]["name"], details["after"]["name"]) == ("江苏省新建创新联合体", "江苏省改名创新联合体")
    assert details["after"]["members"][0]["name"] == "东南大学（九龙湖）"
    member = session.exec(select(ConsortiumMember)).one()
    assert member.name == "东南大学（九龙湖）"


def test_a_refused_entry_keeps_what_was_typed_and_stores_nothing(app, client, auth, session, users):
    auth.login("admin1")
    bad_code = auth.post("/admin/consortia/new", _form(lead_credit_code="91320100ABC", name="保留的名称"))
    assert bad_code.status_code == 200 and "统一社会信用代码无效" in bad_code.text
    assert 'value="保留的名称"' in bad_code.text and 'value="东南大学"' in bad_code.text
    _registry(app, session, [consortium_row(1)], [])
    taken = auth.post("/admin/consortia/new", _form(code="LHT2024001", name="另一个联合体"))
    assert "联合体编号 LHT2024001 已被另一个联合体使用" in taken.text and 'value="另一个联合体"' in taken.text
    assert len(session.exec(select(Consortium)).all()) == 1
    missing_token = client.post("/admin/consortia/new", data=_form(code="LHT2025010"))
    assert missing_token.status_code == 400


def test_a_city_reads_its_own_consortia_only(app, client, auth, session, users):
    _registry(app, session, *small_registry(3, 1))  # 无锡市, 南京市, 苏州市
    own = session.exec(select(Consortium).where(Consortium.code == "LHT2024002")).one()  # 南京市
    other = session.exec(select(Consortium).where(Consortium.code == "LHT2024003")).one()  # 苏州市
    auth.login("nanjing1")
    listing = client.get("/city/consortia").text
    assert "LHT2024002" in listing and "LHT2024003" not in listing and "LHT2024001" not in listing
    # the centre's filters, within the city's own consortia; a malformed year is ignored
    assert "1 个联合体" in client.get(f"/city/consortia?year={own.established_year}&q=LHT2024002").text
    assert 'class="consortium-row"' not in client.get(f"/city/consortia?year={own.established_year + 1}").text
    assert 'class="consortium-row"' not in client.get("/city/consortia?q=LHT2024003").text
    assert "LHT2024002" in client.get("/city/consortia?year=２０２４x").text
    page = client.get(f"/city/consortia/{own.id}").text
    assert own.name in page and "成员单位" in page and "编辑" not in page
    assert client.get(f"/city/consortia/{other.id}").status_code == 404
    assert client.get("/admin/consortia").status_code == 403
    assert client.get(f"/admin/consortia/{own.id}").status_code == 403
    assert auth.post(f"/admin/consortia/{own.id}/edit", _form()).status_code == 403


def test_the_history_shows_the_application_it_came_from_and_each_annual_report(app, client, auth, session, users):
    with app.test_request_context():
        origin_round = rounds.create_round(session, name="2024年度新建申报", kind=RoundKind.NEW_CONSORTIUM, year=2024)
        origin = make_application(session, origin_round, code="2024010101", title="江苏省历史联合体")
        annual = rounds.create_round(session, name="2025年度年度自评", kind=RoundKind.ANNUAL_EVALUATION, year=2025)
        consortium = consortia.found(session, application=origin, year=2024, by=None)
        report = make_application(session, annual, code="ZP20250001", title=consortium.name)
        report.consortium_id = consortium.id
        run = RankingRun(round_id=annual.id, method="calibrated", is_final=True)
        session.add(run)
        session.flush()
        session.add(RankingResult(ranking_run_id=run.id, application_id=report.id, rank=2, score=86.5, ci_low=1,
                                  ci_high=3, n_reviews=5))
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/consortia/{consortium.id}").text
    rows = re.findall(r'<tr class="history-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert "2024年度新建申报" in rows[0] and "来源申报" in rows[0] and f"/admin/applications/{origin.id}" in rows[0]
    assert "2025年度年度自评" in rows[1] and "年度自评报告" in rows[1] and "86.50" in rows[1] and "2 / 1" in rows[1]
    assert f'href="/admin/applications/{origin.id}"' in page  # 来源
    auth.logout()
    auth.login("nanjing1")
    city_page = client.get(f"/city/consortia/{consortium.id}").text
    assert f"/city/applications/{report.id}" in city_page
    assert session.get(Application, report.id).consortium_id == consortium.id
