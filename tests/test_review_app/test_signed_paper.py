"""Signed paper (issue 18, step 4): each member's 专家签字评分表 and each panel's 专家组意见表 as PDF (text read
back with pypdf), the signed scans uploaded back and put into the round archive, with the panel solve's
input and a replay command that re-runs it."""

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Expert, SignedScan
from review_app.services.assign import panel_groups, panel_runs
from review_app.services.compliance import archive, archive_signing
from review_app.services.meeting import offline
from review_app.services.platform.storage import store_for
from tests.factories import make_panel_round

pytestmark = pytest.mark.demo

COMMENT = "技术路线清晰，产学研分工明确，攻关任务与产业需求结合紧密，建议予以支持。"


@pytest.fixture
def scored(app, session):
    """A published panel round whose first member of group 1 scored all three applications offline."""
    review_round = make_panel_round(session, store_for(app.config))
    group = panel_groups.group_by_number(session, review_round.id, 1)
    key = offline.signing_key(app.config["SECRET_KEY"])
    book = load_workbook(io.BytesIO(offline.export_workbook(session, group=group, key=key)))
    ws = book["评分表"]
    n = ws.max_column - 7
    for row in range(3, 6):
        for col in range(5, 5 + n):
            ws.cell(row=row, column=col).value = 2
        ws.cell(row=row, column=6 + n).value = "推荐"
        ws.cell(row=row, column=7 + n).value = COMMENT
    buffer = io.BytesIO()
    book.save(buffer)
    offline.import_workbooks(session, review_round=review_round, files=[("第1组.xlsx", buffer.getvalue())], key=key,
                             by=None)
    session.commit()
    expert = session.exec(select(Expert).where(Expert.code == ws["A3"].value)).one()
    return review_round, group, expert, n


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_signed_sheets_say_what_was_scored(client, auth, users, session, scored):
    review_round, group, expert, n = scored
    auth.login("admin1")
    response = client.get(f"/admin/rounds/{review_round.id}/panels/groups/1/signed-{expert.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    assert "专家签字评分表" in text and expert.code in text and expert.name in text
    codes = [a.code for g, apps in panel_groups.groups(session, review_round.id) if g.id == group.id for a in apps]
    assert all(code in text for code in codes)
    assert f"{2 * n:.2f}" in text and "推荐" in text and COMMENT[:12] in text
    assert "专家签字：" in text and "日期：" in text
    opinion = _text(client.get(f"/admin/rounds/{review_round.id}/panels/groups/1/opinion.pdf").data)
    leader = next(s for s, g, e in panel_runs.members(session, run_id=panel_runs.published_run(
        session, review_round.id).id) if g.id == group.id and s.is_leader)
    leader_name = session.get(Expert, leader.expert_id).name
    assert "专家组意见表" in opinion and f"专家组组长（{leader_name}）签字：" in opinion
    assert f"{2 * n:.2f}" in opinion  # the one submitted total is the mean so far
    outsider = session.exec(select(Expert).where(Expert.code == "E0300")).one()
    refused = client.get(f"/admin/rounds/{review_round.id}/panels/groups/1/signed-{outsider.code}.pdf",
                         follow_redirects=True).text
    assert "不是第 1 组专家组成员" in refused or outsider.code in text


def test_scans_go_into_the_archive_with_a_replayable_panel_solve(app, client, auth, users, session, scored, tmp_path):
    review_round, group, expert, _n = scored
    auth.login("admin1")
    scan = client.get(f"/admin/rounds/{review_round.id}/panels/groups/1/signed-{expert.code}.pdf").data
    page = auth.post(f"/admin/rounds/{review_round.id}/panels/groups/1/scans",
                     {"expert_code": expert.code, "file": (io.BytesIO(scan), "签字评分表.pdf")},
                     content_type="multipart/form-data", follow_redirects=True).text
    assert "签字扫描件已保存" in page
    refused = auth.post(f"/admin/rounds/{review_round.id}/panels/groups/1/scans",
                        {"expert_code": "", "file": (io.BytesIO(b"not a scan"), "x.txt")},
                        content_type="multipart/form-data", follow_redirects=True).text
    assert "扫描件须为 PDF、JPEG 或 PNG 文件" in refused
    assert len(session.exec(select(SignedScan)).all()) == 1

    data = archive.build(session, review_round=review_round, store=store_for(app.config), by=None,
                         key=archive_signing.instance_key(app.instance_path))
    session.commit()
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        names = zipped.namelist()
        assert any(n.startswith("signed/第1组/" + expert.code) for n in names)
        assert {"assignment/groups.csv", "assignment/panel_seats.csv", "meeting/lots.csv"} <= set(names)
        zipped.extractall(tmp_path)
    command = (tmp_path / "assignment/replay.sh").read_text().splitlines()[-1]
    assert command.startswith("python -m assignment panels") and "--seed 7" in command
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "assignment", *command.split()[3:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    replayed = sorted(tuple(r[:2]) for r in csv.reader((tmp_path / "replayed.csv").read_text().splitlines()[1:]))
    seats = sorted(tuple(r[:2]) for r in csv.reader(
        (tmp_path / "assignment/panel_seats.csv").read_text(encoding="utf-8-sig").splitlines()[1:]))
    assert replayed == seats
