"""Offline scoring (issue 18, step 3): a panel's signed score workbook out (bounds as data validation, locked
cells, a hidden signature), filled workbooks in, all or nothing, every bad cell named in Chinese; imported
sheets are submitted with the source 线下 in the audit trail; the flask score-sheets commands."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from review_app.models import AuditEvent, Expert, ScoreSheet, SheetStatus
from review_app.services.assign import panel_groups
from review_app.services.platform.storage import store_for
from tests.factories import make_panel_round

pytestmark = pytest.mark.demo

COMMENT = "该联合体技术路线清晰，产学研分工明确，攻关任务与产业需求结合紧密，建议予以支持。"


@pytest.fixture
def panel_round(app, session):
    return make_panel_round(session, store_for(app.config))


def _workbook(client, rid: int, number: int = 1, expert: str | None = None):
    url = f"/admin/rounds/{rid}/panels/groups/{number}/workbook" + (f"-{expert}" if expert else "") + ".xlsx"
    response = client.get(url)
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.data))


def _fill(ws, row: int, points: list, recommend="推荐", comment=COMMENT):
    for i, value in enumerate(points):
        ws.cell(row=row, column=5 + i).value = value
    ws.cell(row=row, column=5 + len(points) + 1).value = recommend
    ws.cell(row=row, column=5 + len(points) + 2).value = comment


def _bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(auth, rid: int, *files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return auth.post(f"/admin/rounds/{rid}/panels/offline/import", data, content_type="multipart/form-data",
                     follow_redirects=True).text


def _submitted(session, rid: int) -> int:
    session.expire_all()
    return len(session.exec(select(ScoreSheet).where(ScoreSheet.round_id == rid,
                                                     ScoreSheet.status == SheetStatus.SUBMITTED)).all())


def test_the_workbook_validates_locks_and_signs(client, auth, users, session, panel_round):
    auth.login("admin1")
    book = _workbook(client, panel_round.id)
    ws = book["评分表"]
    criteria = [c.value for c in ws[2]][4:-3]
    assert [c.value for c in ws[2]][:4] == ["专家编号", "专家姓名", "申报编号", "创新联合体名称"]
    assert [c.value for c in ws[2]][-3:] == ["总分", "推荐意见", "评审意见"] and criteria
    assert ws.max_row == 2 + 3 * 3  # three experts × three applications
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert any(dv.type == "decimal" and dv.formula1 == "0" for dv in rules.values())
    assert any(dv.type == "list" and "不推荐" in dv.formula1 for dv in rules.values())
    assert ws.protection.sheet and ws["A3"].protection.locked and not ws["E3"].protection.locked
    assert book["签名"].sheet_state == "veryHidden"
    assert json.loads(book["签名"]["A1"].value)["round"] == panel_round.id
    one = _workbook(client, panel_round.id, expert=ws["A3"].value)["评分表"]
    assert one.max_row == 2 + 3 and {one.cell(row=r, column=1).value for r in range(3, 6)} == {ws["A3"].value}


def test_a_filled_workbook_is_imported_and_submitted_offline(client, auth, users, session, panel_round):
    auth.login("admin1")
    rid = panel_round.id
    book = _workbook(client, rid)
    ws = book["评分表"]
    n = len([c for c in ws[2]]) - 7
    offline_expert = ws["A3"].value
    for row in range(3, 6):  # the first expert's three applications; the others score online
        _fill(ws, row, [1] * n)
    page = _import(auth, rid, ("第1组.xlsx", _bytes(book)))
    assert "已导入并提交 3 份评分表（来源：线下）" in page
    assert _submitted(session, rid) == 3
    expert = session.exec(select(Expert).where(Expert.code == offline_expert)).one()
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == expert.id, ScoreSheet.round_id == rid)).all()
    assert all(s.status == SheetStatus.SUBMITTED and s.total == n and s.recommend for s in sheets)
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "sheet.submit",
                                                   AuditEvent.round_id == rid)).all()
    assert len(events) == 3 and all(json.loads(e.details)["source"] == "线下" for e in events)
    again = _import(auth, rid, ("第1组.xlsx", _bytes(book)))
    assert "未导入任何评分表" in again and "或其评分表已提交" in again


def test_a_bad_workbook_changes_nothing_and_names_every_bad_cell(client, auth, users, session, panel_round):
    auth.login("admin1")
    rid = panel_round.id
    book = _workbook(client, rid)
    ws = book["评分表"]
    n = len([c for c in ws[2]]) - 7
    _fill(ws, 3, [999] + [1] * (n - 1))  # out of bounds
    _fill(ws, 4, [1] * n, comment="太短")  # comment too short
    _fill(ws, 5, [1] * n, recommend="")  # no recommendation
    _fill(ws, 6, [None] + [1] * (n - 1))  # a missing score
    _fill(ws, 7, [1] * n)
    ws["A7"] = "E9999"  # an altered key
    page = _import(auth, rid, ("坏.xlsx", _bytes(book)))
    assert "未导入任何评分表：共 5 处问题" in page
    assert "第 3 行 E 列" in page and "不是 0 至" in page
    assert "第 4 行" in page and "评审意见至少需要 30 个字" in page
    assert "第 5 行" in page and "推荐意见须为" in page
    assert "第 6 行 E 列" in page and "缺少分数" in page
    assert "第 7 行：专家编号或申报编号被改动" in page
    assert _submitted(session, rid) == 0

    good = _workbook(client, rid)
    _fill(good["评分表"], 3, [1] * n)
    good["签名"]["A1"] = good["签名"]["A1"].value.replace(f'"round": {rid}', '"round": 1')  # a forged round
    page = _import(auth, rid, ("改.xlsx", _bytes(good)))
    assert "签名校验失败" in page and _submitted(session, rid) == 0


def test_a_workbook_of_another_round_is_refused(app, client, auth, users, session, panel_round):
    auth.login("admin1")
    other = make_panel_round(session, store_for(app.config), name="另一分组评审轮次")
    book = _workbook(client, other.id)
    n = len([c for c in book["评分表"][2]]) - 7
    _fill(book["评分表"], 3, [1] * n)
    page = _import(auth, panel_round.id, ("别的轮次.xlsx", _bytes(book)))
    assert f"该工作簿属于轮次 {other.id}，不属于本轮次（{panel_round.id}）" in page
    assert _submitted(session, panel_round.id) == 0 and _submitted(session, other.id) == 0


def test_the_command_line_exports_and_imports(app, runner, session, panel_round, tmp_path):
    tmp_path = tmp_path / "workbooks"
    result = runner.invoke(args=["score-sheets", "export", "--round", str(panel_round.id), "--out", str(tmp_path),
                                 "--panel", "1"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "第1组.xlsx" in names and len(names) == 1 + 3
    book = load_workbook(tmp_path / "第1组.xlsx")
    n = len([c for c in book["评分表"][2]]) - 7
    _fill(book["评分表"], 3, [1] * n)
    book.save(tmp_path / "filled.xlsx")
    filled = str(tmp_path / "filled.xlsx")
    result = runner.invoke(args=["score-sheets", "import", "--round", str(panel_round.id), filled])
    assert result.exit_code == 0 and "1 score sheet(s) imported" in result.output
    result = runner.invoke(args=["score-sheets", "export", "--round", str(panel_round.id), "--out", str(tmp_path),
                                 "--panel", "99"])
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert "no panel 99" in result.output
    result = runner.invoke(args=["score-sheets", "import", "--round", "99999", str(tmp_path / "filled.xlsx")])
    assert result.exit_code == 1 and "no round with id 99999" in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    result = runner.invoke(args=["score-sheets", "import", "--round", str(panel_round.id), str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 1 and result.output.strip() == f"Error: no such file: {tmp_path / 'nope.xlsx'}"
    assert panel_groups.group_by_number(session, panel_round.id, 1) is not None
