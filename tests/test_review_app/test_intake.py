"""The application import: the template, .xlsx and CSV (UTF-8, BOM, GBK), all-or-nothing with every
bad row listed in Chinese, idempotence, the CLI and the admin page."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from review_app.models import Application, ApplicationMember, AuditEvent, Organisation
from review_app.services.intake import importer, template
from tests.intake_factories import ALL_CLAUSES, make_round

APP_HEADER = [c.header for c in template.APPLICATION_COLUMNS]
MEMBER_HEADER = [c.header for c in template.MEMBER_COLUMNS]
LEAD_A, LEAD_B = "914403001922038216", "91330100799655058B"
UNI, FIRM, BAD_CODE = "9144030071526726XG", "91110108551385082Q", "91110108551385082R"


def app_row(code, lead_code=LEAD_A, **over):
    row = {
        "申报编号": code,
        "创新联合体名称": f"江苏省{code}创新联合体",
        "技术领域": "集成电路",
        "所属设区市": "苏州市",
        "牵头单位名称": f"牵头{code}股份有限公司",
        "牵头单位统一社会信用代码": lead_code,
        "牵头单位类型": "龙头企业",
        "2025年销售收入(亿元)": 12.5,
        "2025年研发投入强度(%)": 4.2,
        "共建协议条款": ALL_CLAUSES,
        "市科技局推荐意见": "同意推荐",
    }
    row.update(over)
    return [row.get(h, "") for h in APP_HEADER]


def member_row(code, credit_code, name, unit_type="高校", **over):
    row = {
        "申报编号": code,
        "单位名称": name,
        "统一社会信用代码": credit_code,
        "单位类型": unit_type,
        "所在省份": "江苏省",
        "所在城市": "苏州市",
        "信用状况": "良好",
        "是否独立法人": "是",
        "资质或服务能力": "",
    }
    row.update(over)
    return [row[h] for h in MEMBER_HEADER]


GOOD_APPS = [app_row("2026320501", LEAD_A), app_row("2026320502", LEAD_B, 所属设区市="无锡")]
GOOD_MEMBERS = [
    member_row("2026320501", UNI, "苏州大学"),
    member_row("2026320501", FIRM, "苏州配套有限公司", "企业"),
    member_row("2026320502", UNI, "苏州大学"),
    member_row("2026320502", BAD_CODE, "上海某研究所", "科研院所", 所在省份="上海"),
]


def workbook(apps, members) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "申请"
    ws.append(APP_HEADER)
    for row in apps:
        ws.append(row)
    ws2 = wb.create_sheet("成员单位")
    ws2.append(MEMBER_HEADER)
    for row in members:
        ws2.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    return review_round


def do_import(app, session, rnd, files):
    with app.test_request_context():
        result = importer.import_files(session, review_round=rnd, files=files, by=None)
    session.commit()
    return result


def snapshot(session):
    apps = session.exec(select(Application).order_by(Application.code)).all()
    return (
        [
            (a.code, a.title, a.city_id, a.lead_org_id, a.lead_name, a.revenue_2025, a.status, a.updated_at)
            for a in apps
        ],
        sorted(
            (m.application_id, m.org_id, m.unit_type, m.position, m.name, m.province, m.credit_standing)
            for m in session.exec(select(ApplicationMember))
        ),
        sorted((o.credit_code, o.name, o.province, o.city) for o in session.exec(select(Organisation))),
    )


def test_the_template_has_the_contract_headers_and_dropdowns(app):
    with app.test_request_context():
        data = template.template_workbook()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["申请", "成员单位"]
    assert [c.value for c in wb["申请"][1]] == APP_HEADER
    assert [c.value for c in wb["成员单位"][1]] == MEMBER_HEADER
    offered = dropdowns(wb, "申请")
    assert "龙头企业" in offered["G2:G1000"] and "省制造业创新中心" in offered["G2:G1000"]
    assert "宿迁市" in offered["D2:D1000"]
    assert "集成电路" in offered["C2:C1000"] and "量子科技" in offered["C2:C1000"]  # the 技术领域 list
    member_offered = dropdowns(wb, "成员单位")
    assert "科技金融机构" in member_offered["D2:D1000"] and "失信" in member_offered["G2:G1000"]
    assert member_offered["H2:H1000"] == ["是", "否"]  # 是否独立法人


def dropdowns(wb, sheet) -> dict[str, list[str]]:
    """Each dropdown's values, read from the hidden list sheet its formula points at."""
    found = {}
    for dv in wb[sheet].data_validations.dataValidation:
        source, cells = dv.formula1.split("!")
        values = wb[source.strip("'")][cells.replace("$", "")]
        found[str(dv.sqref)] = [row[0].value for row in values]
    return found


def test_the_template_downloads_from_the_admin_page(client, auth, users):
    auth.login("admin1")
    response = client.get("/admin/import-template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "spreadsheetml" in response.headers["Content-Type"]


def test_an_xlsx_import_stores_applications_members_and_units(app, session, rnd):
    result = do_import(app, session, rnd, [("申报.xlsx", workbook(GOOD_APPS, GOOD_MEMBERS))])
    assert (result.applications_created, result.organisations_created) == (2, 5)
    apps = {a.code: a for a in session.exec(select(Application))}
    assert apps["2026320501"].status == "submitted" and str(apps["2026320501"].revenue_2025) == "12.5000"
    assert apps["2026320502"].agreement_clauses == ALL_CLAUSES
    members = session.exec(select(func.count()).select_from(ApplicationMember)).one()
    assert members == 4
    delta = session.exec(select(Organisation).where(Organisation.credit_code == BAD_CODE)).one()
    assert delta.province == "上海市"  # stored even with a wrong check character: R0 judges it


def test_the_same_file_twice_changes_nothing(app, session, rnd):
    data = workbook(GOOD_APPS, GOOD_MEMBERS)
    do_import(app, session, rnd, [("申报.xlsx", data)])
    before = snapshot(session)
    result = do_import(app, session, rnd, [("申报.xlsx", data)])
    assert not result.changed and result.applications_unchanged == 2
    session.expire_all()
    assert snapshot(session) == before


def test_two_applications_naming_one_unit_differently_import_twice_as_unchanged(app, session, rnd):
    """Issue 14: one lead unit named two ways (and a member declared 失信 by one application only) no
    longer flips on every import: each application keeps its own declaration, every row says 未变."""
    apps = [
        app_row("2026320501", LEAD_A),
        app_row("2026320502", LEAD_A, 牵头单位名称="牵头公司（简称）", 所属设区市="无锡"),
    ]
    members = GOOD_MEMBERS[:3] + [member_row("2026320502", FIRM, "苏州配套公司", "企业", 信用状况="失信")]
    data = workbook(apps, members)
    first = do_import(app, session, rnd, [("申报.xlsx", data)])
    assert [r.outcome for r in first.rows] == ["new"] * 2 + ["new"] * 4
    before = snapshot(session)
    second = do_import(app, session, rnd, [("申报.xlsx", data)])
    assert [(r.sheet, r.row, r.outcome) for r in second.rows] == [
        ("申请", 2, "unchanged"),
        ("申请", 3, "unchanged"),
        ("成员单位", 2, "unchanged"),
        ("成员单位", 3, "unchanged"),
        ("成员单位", 4, "unchanged"),
        ("成员单位", 5, "unchanged"),
    ]
    assert (second.applications_updated, second.members_changed, second.changed) == (0, 0, False)
    session.expire_all()
    assert snapshot(session) == before
    leads = dict(session.exec(select(Application.code, Application.lead_name)).all())
    assert leads == {"2026320501": "牵头2026320501股份有限公司", "2026320502": "牵头公司（简称）"}
    standings = session.exec(
        select(Application.code, ApplicationMember.credit_standing)
        .join(Application, Application.id == ApplicationMember.application_id)
        .where(ApplicationMember.credit_code == FIRM)
    ).all()
    assert sorted(standings) == [("2026320501", "good"), ("2026320502", "bad")]


def test_the_second_import_page_says_unchanged_for_every_row(client, auth, users, rnd):
    auth.login("admin1")
    data = workbook(GOOD_APPS, GOOD_MEMBERS)
    for _time in range(2):
        response = auth.post(
            f"/admin/rounds/{rnd.id}/import",
            {"file": (io.BytesIO(data), "申报.xlsx")},
            content_type="multipart/form-data",
        )
    outcomes = re.findall(r'<tr class="outcome [^"]*">(.*?)</tr>', response.text)
    assert len(outcomes) == 6 and all(row.endswith("<td>未变</td>") for row in outcomes)


def test_a_file_with_several_bad_rows_imports_nothing_and_lists_each(app, session, rnd):
    apps = GOOD_APPS + [
        app_row("2026320503", 牵头单位类型="大型企业"),  # outside the enumeration
        app_row("2026320504", **{"2025年销售收入(亿元)": "十二亿"}),  # not a number
        app_row("2026320505", 创新联合体名称=None),  # a required cell is empty
        app_row("2026320501"),  # the same 申报编号 twice
    ]
    members = GOOD_MEMBERS + [
        member_row("2026329999", UNI, "不存在申报的成员"),  # no such application
        member_row("2026320501", UNI, "苏州大学", 信用状况="一般"),  # outside the enumeration, and twice
    ]
    with app.test_request_context(), pytest.raises(importer.ImportRejected) as caught:
        importer.import_files(session, review_round=rnd, files=[("坏.xlsx", workbook(apps, members))], by=None)
    session.rollback()
    problems = caught.value.problems
    where = {(p.sheet, p.row, p.column) for p in problems}
    assert ("申请", 4, "牵头单位类型") in where
    assert ("申请", 5, "2025年销售收入(亿元)") in where
    assert ("申请", 6, "创新联合体名称") in where
    assert ("申请", 7, "申报编号") in where
    assert ("成员单位", 6, "申报编号") in where
    assert ("成员单位", 7, "信用状况") in where
    assert ("成员单位", 7, "统一社会信用代码") in where
    reasons = {(p.row, p.column): p.reason for p in problems if p.sheet == "申请"}
    assert reasons[(4, "牵头单位类型")].startswith("“大型企业”不是以下之一：龙头企业")
    assert reasons[(5, "2025年销售收入(亿元)")] == "“十二亿”不是数字"
    assert reasons[(6, "创新联合体名称")] == "必填项为空"
    with app.test_request_context():
        assert str(problems[0]).startswith("“申请”表第 4 行，牵头单位类型：")
    assert session.exec(select(func.count()).select_from(Application)).one() == 0
    assert session.exec(select(func.count()).select_from(Organisation)).one() == 0


def test_a_gbk_csv_pair_imports(app, session, rnd):
    files = [
        ("申请.csv", csv_bytes(APP_HEADER, GOOD_APPS, "gbk")),
        ("成员单位.csv", csv_bytes(MEMBER_HEADER, GOOD_MEMBERS, "gbk")),
    ]
    result = do_import(app, session, rnd, files)
    assert result.applications_created == 2 and result.members_changed == 2
    title = session.exec(select(Application.title).where(Application.code == "2026320501")).one()
    assert title == "江苏省2026320501创新联合体"
    assert session.exec(select(Organisation.name).where(Organisation.credit_code == UNI)).one() == "苏州大学"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(app, session, rnd, encoding):
    result = do_import(app, session, rnd, [("apps.csv", csv_bytes(APP_HEADER, GOOD_APPS, encoding))])
    assert result.applications_created == 2
    lead = session.exec(select(Organisation).where(Organisation.credit_code == LEAD_B)).one()
    assert lead.name == "牵头2026320502股份有限公司" and lead.city == "无锡市"


def test_a_members_csv_alone_refers_to_applications_already_imported(app, session, rnd):
    do_import(app, session, rnd, [("apps.csv", csv_bytes(APP_HEADER, GOOD_APPS))])
    result = do_import(app, session, rnd, [("members.csv", csv_bytes(MEMBER_HEADER, GOOD_MEMBERS[:2]))])
    assert result.members_changed == 1
    with app.test_request_context(), pytest.raises(importer.ImportRejected) as caught:
        importer.import_files(
            session,
            review_round=rnd,
            files=[("m.csv", csv_bytes(MEMBER_HEADER, [member_row("X1", UNI, "x")]))],
            by=None,
        )
    assert caught.value.problems[0].sheet == "成员单位（m.csv）" and "X1" in caught.value.problems[0].reason


def test_a_file_missing_columns_or_unreadable_is_named(app, session, rnd):
    with app.test_request_context():
        with pytest.raises(importer.ImportRejected) as caught:
            importer.import_files(session, review_round=rnd, files=[("x.xlsx", b"PK not a zip")], by=None)
        assert "无法作为 Excel 工作簿" in caught.value.problems[0].reason
        with pytest.raises(importer.ImportRejected) as caught:
            header = [h for h in APP_HEADER if h != "牵头单位类型"]
            importer.import_files(session, review_round=rnd, files=[("a.csv", csv_bytes(header, []))], by=None)
        assert [(p.row, p.column) for p in caught.value.problems] == [(1, "牵头单位类型")]


def test_the_cli_imports_and_lists_every_bad_row_on_failure(app, runner, session, rnd, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(GOOD_APPS, GOOD_MEMBERS))
    result = runner.invoke(args=["import-applications", str(good), "--round", str(rnd.id)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    again = runner.invoke(args=["import-applications", str(good), "--round", str(rnd.id)])
    assert again.exit_code == 0 and "created 0, updated 0, unchanged 2" in again.output
    rows = [line for line in again.output.splitlines() if line.startswith(("申请", "成员单位"))]
    assert len(rows) == 6 and all(line.endswith(": 未变") for line in rows)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(APP_HEADER, [app_row("X1", 牵头单位类型="大企业"), app_row("X2", 所属设区市="上海市")], "gbk")
    )
    result = runner.invoke(args=["import-applications", str(bad), "--round", str(rnd.id)])
    assert result.exit_code == 1
    assert "第 2 行，牵头单位类型" in result.output and "第 3 行，所属设区市" in result.output
    assert result.output.strip().splitlines()[-1] == "Error: 未导入任何数据：发现 2 处错误。"
    assert session.exec(select(func.count()).select_from(Application)).one() == 2
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "applications.import")).all()
    assert len(events) == 2 and all(e.ip == "cli" for e in events)


def test_the_admin_import_page_shows_every_problem(client, auth, users, rnd):
    auth.login("admin1")
    bad = workbook([app_row("X1", 牵头单位类型="大企业"), app_row("X2", 所属设区市="上海市")], [])
    response = auth.post(
        f"/admin/rounds/{rnd.id}/import", {"file": (io.BytesIO(bad), "坏.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.text.count('class="problem"') == 2 and "未导入任何数据" in response.text
    assert 'id="import-problems"' in response.text and "<th>问题</th>" in response.text  # this page's heading
    good = workbook(GOOD_APPS, GOOD_MEMBERS)
    response = auth.post(
        f"/admin/rounds/{rnd.id}/import", {"file": (io.BytesIO(good), "好.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and response.text.count('class="outcome outcome-new"') == 6
    listing = client.get(f"/admin/rounds/{rnd.id}/applications").text
    assert listing.count('class="app-row"') == 2
