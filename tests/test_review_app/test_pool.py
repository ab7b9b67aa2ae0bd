"""The expert pool: import (good, bad, twice), the CLI, add/edit/inactive, conflicts, and the admin pages."""

import io

import pytest
from openpyxl import Workbook
from sqlmodel import select

from review_app.models import AuditEvent, Conflict, ConflictSource, Expert, Organisation, User
from review_app.services.intake import credit_codes
from review_app.services.review import pool_import
from tests.factories import make_application, make_org, make_scoring_round

HEADER = [
    "专家编号",
    "姓名",
    "工作单位",
    "单位统一社会信用代码",
    "所在城市",
    "专业领域",
    "职称",
    "最大评审数",
    "手机",
    "邮箱",
]
CODE_A = credit_codes.make("1", "2", "320100", "12345678")
CODE_B = credit_codes.make("1", "2", "320500", "87654321")
GOOD_ROWS = [
    ["P001", "王强", "东南大学", CODE_A, "南京市", "集成电路;人工智能", "教授", 6, 13812345678, "wq@seu.example.cn"],
    ["P002", "陈静", "苏州大学", CODE_B, "苏州市", "生物医药、医疗器械", "研究员", None, "13900000001", None],
    ["P003", "刘洋", "东南大学", CODE_A, "南京市", "新材料", "", 8.0, None, "ly@seu.example.cn"],
]


def workbook(rows, header=HEADER, sheet="专家库") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts(session):
    session.expire_all()
    return (
        len(session.exec(select(Expert)).all()),
        len(session.exec(select(Organisation)).all()),
    )


def test_a_good_sheet_imports_every_expert_and_a_second_import_changes_nothing(session):
    result = pool_import.import_experts(session, filename="专家库.xlsx", data=workbook(GOOD_ROWS), by=None)
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    experts = {e.code: e for e in session.exec(select(Expert))}
    assert experts["P001"].field_list == ["集成电路", "人工智能"]
    assert experts["P002"].field_list == ["生物医药", "医疗器械"]
    assert experts["P001"].phone == "13812345678" and experts["P001"].max_load == 6
    assert experts["P003"].max_load == 8 and experts["P002"].max_load is None
    assert experts["P001"].org_id == experts["P003"].org_id  # one employer, by credit code
    before = counts(session)
    again = pool_import.import_experts(session, filename="专家库.xlsx", data=workbook(GOOD_ROWS), by=None)
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(session) == before
    changed = [list(r) for r in GOOD_ROWS]
    changed[1][6] = "正高级工程师"
    third = pool_import.import_experts(session, filename="专家库.xlsx", data=workbook(changed), by=None)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "experts.import")).all()) == 3


def test_a_bad_sheet_imports_nothing_and_names_every_bad_row_in_chinese(session):
    bad_check = CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1")
    rows = GOOD_ROWS + [
        ["P004", "", "南京大学", CODE_A, "南京市", "软件与信息服务", "", "", "", ""],  # row 5: no name
        ["P005", "赵敏", "南京大学", bad_check, "南京市", "软件与信息服务", "", "八", "", "not-an-email"],  # row 6
        ["P001", "重复", "东南大学", CODE_A, "南京市", "软件与信息服务", "", "", "", ""],  # row 7: code again
    ]
    with pytest.raises(pool_import.ImportRejected) as caught:
        pool_import.import_experts(session, filename="专家库.xlsx", data=workbook(rows), by=None)
    session.rollback()
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(5, "姓名"), (6, "单位统一社会信用代码"), (6, "最大评审数"), (6, "邮箱"), (7, "专家编号")}
    messages = [pool_import.problem_line(p) for p in caught.value.problems]
    assert "工作表 专家库，第 5 行，“姓名”列：必填项为空" in messages
    assert any("第 6 行" in m and "校验码错误" in m for m in messages)
    assert any("第 7 行" in m and "第 2 行" in m for m in messages)
    assert counts(session) == (0, 0)


def test_a_missing_column_or_sheet_is_reported(session):
    header = [h for h in HEADER if h != "专业领域"]
    with pytest.raises(pool_import.ImportRejected) as caught:
        pool_import.import_experts(session, filename="x.xlsx", data=workbook([], header=header), by=None)
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "专业领域")]
    with pytest.raises(pool_import.ImportRejected) as caught:
        pool_import.import_experts(session, filename="x.xlsx", data=workbook(GOOD_ROWS, sheet="Sheet1"), by=None)
    assert "没有名为“专家库”的表" in str(caught.value.problems[0])
    with pytest.raises(pool_import.ImportRejected):
        pool_import.import_experts(session, filename="x.xlsx", data=b"not a workbook", by=None)


def test_a_csv_with_the_same_header_imports_too(session):
    row = "P010,周杰,南京大学," + CODE_A + ",南京市,软件与信息服务;人工智能,教授,5,13800000000,\n"
    text = ",".join(HEADER) + "\n" + row
    result = pool_import.import_experts(session, filename="pool.csv", data=text.encode("gb18030"), by=None)
    assert result.created == 1


def test_the_cli_imports_and_fails_with_a_non_zero_exit(runner, tmp_path, session):
    good = tmp_path / "专家库.xlsx"
    good.write_bytes(workbook(GOOD_ROWS))
    result = runner.invoke(args=["import-experts", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([["P009", "", "南京大学", CODE_A, "", "软件与信息服务", "", "", "", ""]]))
    result = runner.invoke(args=["import-experts", str(bad)])
    assert result.exit_code != 0
    assert "第 2 行" in result.output and "未导入任何数据" in result.output
    missing = runner.invoke(args=["import-experts", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_the_admin_imports_through_the_page(client, auth, session, users):
    auth.login("admin1")
    assert "专家库" in client.get("/admin/experts").text
    ok = auth.post(
        "/admin/experts/import",
        {"file": (io.BytesIO(workbook(GOOD_ROWS)), "专家库.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "新增 3" in ok.text and "P001" in ok.text and "王强" in ok.text
    bad = auth.post(
        "/admin/experts/import",
        {"file": (io.BytesIO(workbook([["P099", "", "x", CODE_A, "", "软件与信息服务", "", "", "", ""]])), "bad.xlsx")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "未导入任何数据" in bad.text and "必填项为空" in bad.text
    assert bad.text.count('class="problem"') == 1 and "<th>理由</th>" in bad.text
    auth.logout()
    auth.login("auditor1")
    assert client.get("/admin/experts").status_code == 200
    assert auth.post("/admin/experts/import", {}).status_code == 403


def test_add_edit_and_mark_an_expert_inactive(client, auth, session, users):
    auth.login("admin1")
    form = {
        "code": "P100",
        "name": "孙丽",
        "org_name": "江南大学",
        "org_credit_code": CODE_B,
        "city": "无锡市",
        "fields": "新材料；节能环保",
        "title": "教授",
        "max_load": "5",
        "phone": "",
        "email": "sl@jiangnan.example.cn",
    }
    created = auth.post("/admin/experts/new", form, follow_redirects=True)
    assert "孙丽" in created.text and "新材料、节能环保" in created.text
    expert = session.exec(select(Expert).where(Expert.code == "P100")).one()
    bad = auth.post(f"/admin/experts/{expert.id}/edit", {**form, "org_credit_code": "123"}, follow_redirects=True)
    assert "不是 18 位" in bad.text
    edited = auth.post(f"/admin/experts/{expert.id}/edit", {**form, "title": "研究员"}, follow_redirects=True)
    assert "研究员" in edited.text
    auth.post(f"/admin/experts/{expert.id}/active", {})
    session.expire_all()
    assert session.get(Expert, expert.id).is_active is False
    assert "P100" not in client.get("/admin/experts").text
    assert "P100" in client.get("/admin/experts?show=inactive").text
    actions = [e.action for e in session.exec(select(AuditEvent))]
    assert {"expert.create", "expert.update", "expert.deactivate"} <= set(actions)
    duplicate = auth.post("/admin/experts/new", form, follow_redirects=True)
    assert "已被使用" in duplicate.text


def test_an_inactive_expert_can_no_longer_log_in(client, auth, session, users):
    auth.login("admin1")
    auth.post(f"/admin/experts/{users['expert'].expert_id}/active", {})
    auth.logout()
    assert "用户名或密码错误" in auth.login("expert1", follow_redirects=True).text


def test_conflicts_are_recorded_and_shown_per_expert_and_per_application(client, auth, session, users):
    university = make_org(session, "东南大学", kind="高校")
    expert = session.get(Expert, users["expert"].expert_id)
    colleague = Expert(code="E9100", name="周同事", org_id=university.id, fields="集成电路")
    session.add(colleague)
    review_round, apps, _sheets = make_scoring_round(session, experts=[expert], applications=2)
    member_app = make_application(session, review_round, code="2026MEM01", members=[university])
    session.commit()
    auth.login("admin1")
    response = auth.post(
        f"/admin/experts/{expert.id}/conflicts",
        {"application_code": apps[0].code, "source": "applicant_named", "reason": "申报单位提出回避"},
        follow_redirects=True,
    )
    assert "已登记" in response.text and apps[0].code in response.text and "申报单位提出回避" in response.text
    by_org = auth.post(
        f"/admin/experts/{expert.id}/conflicts",
        {"org_credit_code": university.credit_code, "source": "manual", "reason": "近三年合作"},
        follow_redirects=True,
    )
    assert "2026MEM01" in by_org.text
    rows = session.exec(select(Conflict).where(Conflict.expert_id == expert.id)).all()
    assert {(r.application_id, r.source) for r in rows} == {
        (apps[0].id, ConflictSource.APPLICANT_NAMED),
        (member_app.id, ConflictSource.MANUAL),
        (None, ConflictSource.MANUAL),
    }
    again = auth.post(
        f"/admin/experts/{expert.id}/conflicts",
        {"application_code": apps[0].code, "source": "manual", "reason": "再次"},
        follow_redirects=True,
    )
    assert "已登记过" in again.text
    unknown = auth.post(
        f"/admin/experts/{expert.id}/conflicts",
        {"application_code": "NOPE", "source": "manual", "reason": "x"},
        follow_redirects=True,
    )
    assert "没有申报编号为 NOPE 的申请" in unknown.text
    page = client.get(f"/admin/conflicts/applications/{member_app.id}").text
    assert "张伟" in page and "周同事" in page and "本单位" in page  # recorded, and implied by the employer
    listing = client.get(f"/admin/conflicts?application={apps[0].code}").text
    assert "申报单位提出回避" in listing and "近三年合作" not in listing
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "conflict.record")).all()


def test_the_pool_pages_need_the_admin(client, auth, users):
    auth.login("expert1")
    assert client.get("/admin/experts").status_code == 403
    assert auth.post("/admin/experts/new", {"code": "X"}).status_code == 403


def test_accounts_are_created_from_the_pool(client, auth, session, users):
    pool_import.import_experts(session, filename="p.xlsx", data=workbook(GOOD_ROWS), by=None)
    session.commit()
    auth.login("admin1")
    expert = session.exec(select(Expert).where(Expert.code == "P001")).one()
    page = auth.post(f"/admin/experts/{expert.id}/activation", {})
    assert page.status_code == 200 and "/auth/activate#" in page.text
    account = session.exec(select(User).where(User.expert_id == expert.id)).one()
    assert account.username == "p001" and account.password_hash is None
    exported = auth.post("/admin/experts/activations.csv", {})
    assert exported.mimetype == "text/csv"
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("专家编号,姓名,用户名")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["P001", "P002", "P003"]  # not activated ones
    assert all("/auth/activate#" in line for line in lines[1:])
