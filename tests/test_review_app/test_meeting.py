"""The panel meeting (issue 18, step 2): date, room, slots; the order of defence drawn by lot with a recorded
seed (replayable); the schedule per panel and the notice per city as PDFs (text extracted with pypdf)."""

import io

import numpy as np
import pytest
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import AuditEvent, City, PanelApplication
from review_app.services.assign import panel_groups
from tests.factories import make_round_for_assignment

pytestmark = pytest.mark.demo


@pytest.fixture
def grouped(session):
    review_round = make_round_for_assignment(session, n_applications=6, k=3)
    panel_groups.save_settings(session, review_round=review_round,
                               choice=panel_groups.SettingsChoice(True, 3, 4, True, False, 3), by=None)
    panel_groups.propose(session, review_round=review_round, by=None)
    session.commit()
    return review_round


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_meeting_lot_schedule_and_city_notice(client, auth, users, session, grouped):
    auth.login("admin1")
    rid = grouped.id
    saved = auth.post(f"/admin/rounds/{rid}/panels/groups/1/meeting",
                      {"meeting_date": "2026-07-08", "room": "省科技会堂 3 楼会议室", "start_time": "09:00",
                       "slot_minutes": "25"}, follow_redirects=True).text
    assert "2026-07-08" in saved and "省科技会堂 3 楼会议室" in saved
    drawn = auth.post(f"/admin/rounds/{rid}/panels/groups/1/lot", {"seed": "20260708"}, follow_redirects=True).text
    assert "答辩顺序已抽签确定（随机种子 20260708）" in drawn
    group = panel_groups.group_by_number(session, rid, 1)
    session.refresh(group)
    places = session.exec(select(PanelApplication).where(PanelApplication.group_id == group.id)).all()
    codes = sorted(a.code for g, apps in panel_groups.groups(session, rid) if g.id == group.id for a in apps)
    expected = [codes[i] for i in np.random.default_rng(20260708).permutation(len(codes))]  # anyone can replay it
    by_position = {p.defence_position: p.application_id for p in places}
    from review_app.models import Application

    assert [session.get(Application, by_position[n]).code for n in range(1, len(codes) + 1)] == expected
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "panels.lot")).one()
    assert '"seed": 20260708' in event.details and expected[0] in event.details

    pdf = client.get(f"/admin/rounds/{rid}/panels/groups/1/schedule.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text(pdf.data)
    assert "第 1 组答辩日程" in text and "2026-07-08" in text and "随机种子 20260708" in text
    assert f"{expected[0]}" in text and "09:00–09:25" in text and "09:25–09:50" in text

    first = session.exec(select(Application).where(Application.code == expected[0])).one()
    city = session.get(City, first.city_id)
    notice = client.get(f"/admin/rounds/{rid}/panels/cities/{city.id}/notice.pdf")
    text = _text(notice.data)
    assert f"致{city.name}的答辩通知" in text and expected[0] in text and "09:00–09:25" in text

    refused = auth.post(f"/admin/rounds/{rid}/panels/groups/1/meeting",
                        {"meeting_date": "2026-07-08", "room": "", "start_time": "9点", "slot_minutes": "25"},
                        follow_redirects=True).text
    assert "开始时间的格式为 HH:MM" in refused
    session.refresh(group)
    assert group.start_time == "09:00"
