"""The registry import (issue 22): a good file registers consortia with their members; a bad file stores
nothing and lists every bad row in Chinese; the same file twice changes nothing; a changed row updates,
audited with before and after; `flask import-consortia` with its exit codes and one-line errors."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from review_app.models import AuditEvent, City, Consortium, ConsortiumMember, Organisation
from review_app.services.platform.tables import ImportRejected
from review_app.services.registry import importer, template
from tests.registry_factories import consortium_row, member_row, registry_workbook, small_registry


def _import(app, session, data: bytes, filename: str = "名录.xlsx"):
    with app.test_request_context():
        result = importer.import_file(session, filename=filename, data=data, by=None)
    session.commit()
    return result


def _state(session) -> list[tuple]:
    rows = []
    for c in session.exec(select(Consortium).order_by(Consortium.code)):
        members = session.exec(select(ConsortiumMember).where(ConsortiumMember.consortium_id == c.id)
                               .order_by(ConsortiumMember.position)).all()
        rows.append((c.code, c.name, c.field, c.city_id, c.lead_name, c.established_year, c.updated_at,
                     [(m.name, m.credit_code, m.unit_type, m.is_legal_person) for m in members]))
    return rows


def test_a_good_file_registers_the_consortia_with_their_members(app, session):
    consortia, members = small_registry(3, 2)
    result = _import(app, session, registry_workbook(consortia, members))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    stored = session.exec(select(Consortium).order_by(Consortium.code)).all()
    assert [c.code for c in stored] == ["LHT2024001", "LHT2024002", "LHT2024003"]
    first = stored[0]
    city = session.get(City, first.city_id)
    lead = session.get(Organisation, first.lead_org_id)
    assert (first.name, city.name, first.field, first.established_year, first.lead_name) == (
        "江苏省第1号创新联合体", "无锡市", "集成电路", 2024, "牵头企业1有限公司")
    assert lead.credit_code == consortia[0]["牵头单位统一社会信用代码"]
    members_of_first = session.exec(select(ConsortiumMember).where(ConsortiumMember.consortium_id == first.id)
                                    .order_by(ConsortiumMember.position)).all()
    assert [(m.name, m.unit_type, m.is_legal_person) for m in members_of_first] == [
        ("成员单位10", "高校", True), ("成员单位11", "高校", True)]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "consortia.import")).one()
    assert json.loads(event.details)["created"] == 3
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "consortium.create")).all()) == 3


def test_every_bad_row_is_listed_in_chinese_and_nothing_is_stored(app, session):
    consortia, members = small_registry(4, 1)
    consortia[0]["牵头单位统一社会信用代码"] = "91320500MA1XXXXXXX"  # wrong check characters
    consortia[1]["技术领域"] = "烹饪"
    consortia[2]["认定年度"] = "二〇二四"
    consortia[3]["联合体编号"] = consortia[2]["联合体编号"]
    members.append(member_row("LHT2099001", 99))  # no such consortium
    members.append(member_row("LHT2024001", 98, 单位类型="", 统一社会信用代码="123"))
    with pytest.raises(ImportRejected) as rejected:
        _import(app, session, registry_workbook(consortia, members))
    listed = [str(p) for p in rejected.value.problems]
    assert listed == [
        "“联合体”表第 2 行，牵头单位统一社会信用代码：统一社会信用代码无效：组织机构代码校验位错误。",
        "“联合体”表第 3 行，技术领域：“烹饪”不在技术领域列表中",
        "“联合体”表第 4 行，认定年度：“二〇二四”不是年份（如 2024）",
        "“联合体”表第 5 行，联合体编号：LHT2024003 重复（首次出现在第 4 行）",
        "“成员单位”表第 5 行，联合体编号：本文件和名录中都没有联合体 LHT2024004",  # its row now has another code
        "“成员单位”表第 6 行，联合体编号：本文件和名录中都没有联合体 LHT2099001",
        "“成员单位”表第 7 行，单位类型：必填项为空",
        "“成员单位”表第 7 行，统一社会信用代码：统一社会信用代码无效：长度不是18位。",
    ]
    assert session.exec(select(Consortium)).all() == []
    assert session.exec(select(ConsortiumMember)).all() == []


def test_importing_the_same_file_twice_changes_nothing(app, session):
    data = registry_workbook(*small_registry(3, 2))
    _import(app, session, data)
    before = _state(session)
    events = len(session.exec(select(AuditEvent)).all())
    result = _import(app, session, data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3) and not result.changed
    assert _state(session) == before
    # only the import itself is logged again
    assert len(session.exec(select(AuditEvent)).all()) == events + 1


def test_a_changed_row_updates_its_consortium_audited_with_before_and_after(app, session):
    consortia, members = small_registry(2, 2)
    _import(app, session, registry_workbook(consortia, members))
    consortia[0] = {**consortia[0], "联合体名称": "江苏省改名后的创新联合体", "认定年度": 2023}
    members = [m for m in members if m["单位名称"] != "成员单位11"]  # one member leaves
    result = _import(app, session, registry_workbook(consortia, members))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    changed = session.exec(select(Consortium).where(Consortium.code == "LHT2024001")).one()
    assert (changed.name, changed.established_year) == ("江苏省改名后的创新联合体", 2023)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "consortium.update")).one()
    details = json.loads(event.details)
    assert details["before"]["name"] == "江苏省第1号创新联合体"
    assert details["after"]["name"] == "江苏省改名后的创新联合体"
    assert (details["before"]["established_year"], details["after"]["established_year"]) == (2024, 2023)
    assert [m["name"] for m in details["before"]["members"]] == ["成员单位10", "成员单位11"]
    assert [m["name"] for m in details["after"]["members"]] == ["成员单位10"]


def test_a_file_without_the_member_sheet_leaves_the_members(app, session):
    consortia, members = small_registry(1, 2)
    _import(app, session, registry_workbook(consortia, members))
    workbook = load_workbook(io.BytesIO(registry_workbook(consortia, [])))
    del workbook[template.MEMBER_SHEET]
    out = io.BytesIO()
    workbook.save(out)
    result = _import(app, session, out.getvalue())
    assert result.unchanged == 1
    assert len(session.exec(select(ConsortiumMember)).all()) == 2


def test_the_template_has_both_sheets_with_their_headers():
    workbook = load_workbook(io.BytesIO(template.template_workbook()))
    assert [c.value for c in workbook["联合体"][1]] == [
        "联合体编号", "联合体名称", "技术领域", "所属设区市", "牵头单位名称", "牵头单位统一社会信用代码", "认定年度"]
    assert [c.value for c in workbook["成员单位"][1]][:3] == ["联合体编号", "单位名称", "统一社会信用代码"]
    assert "填写说明" in workbook.sheetnames


def test_the_command_imports_and_prints_a_summary(app, runner, session, tmp_path):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(registry_workbook(*small_registry(2, 1)))
    result = runner.invoke(args=["import-consortia", str(path)])
    assert result.exit_code == 0, result.output
    summary = "created 2, updated 0, unchanged 0 consortia; 4 new unit(s) in the register"
    assert result.output.splitlines()[-1] == summary
    again = runner.invoke(args=["import-consortia", str(path)])
    assert again.output.splitlines()[-1].startswith("created 0, updated 0, unchanged 2 consortia")


def test_the_command_refuses_a_bad_file_with_every_problem_and_exit_1(app, runner, session, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(registry_workbook([consortium_row(1, 所属设区市="上海市"), consortium_row(2, 联合体名称="")], []))
    result = runner.invoke(args=["import-consortia", str(bad)])
    assert result.exit_code == 1
    assert "“联合体”表第 2 行，所属设区市：“上海市”不是以下之一：南京市" in result.output
    assert "“联合体”表第 3 行，联合体名称：必填项为空" in result.output
    assert result.output.strip().splitlines()[-1] == "Error: 未导入任何数据：发现 2 处错误。"
    assert "Traceback" not in result.output
    assert session.exec(select(Consortium)).all() == []
    missing = runner.invoke(args=["import-consortia", str(tmp_path / "none.xlsx")])
    assert missing.exit_code == 2 and "does not exist" in missing.output and "Traceback" not in missing.output
    text = tmp_path / "名录.txt"
    text.write_text("hello")
    wrong = runner.invoke(args=["import-consortia", str(text)])
    assert wrong.exit_code == 1 and len(wrong.output.strip().splitlines()) == 2


def test_a_unit_in_the_register_keeps_its_entry(app, session):
    """The lead's credit code is the register's identity: an existing entry is used, not renamed."""
    consortia, _members = small_registry(1, 0)
    org = Organisation(credit_code=consortia[0]["牵头单位统一社会信用代码"], name="登记名", kind="企业")
    session.add(org)
    session.commit()
    _import(app, session, registry_workbook(consortia, []))
    consortium = session.exec(select(Consortium)).one()
    assert consortium.lead_org_id == org.id and consortium.lead_name == "牵头企业1有限公司"
    assert session.get(Organisation, org.id).name == "登记名"


def test_the_template_command_writes_the_workbook(runner, tmp_path):
    out = tmp_path / "模板.xlsx"
    result = runner.invoke(args=["consortia-template", "--out", str(out)])
    assert result.exit_code == 0 and load_workbook(out).sheetnames[:2] == ["联合体", "成员单位"]
    refused = runner.invoke(args=["consortia-template", "--out", str(tmp_path / "no" / "such" / "x.xlsx")])
    assert refused.exit_code == 1 and refused.output.strip().startswith("Error: cannot write")
    assert len(refused.output.strip().splitlines()) == 1
