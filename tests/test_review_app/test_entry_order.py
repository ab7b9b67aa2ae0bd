"""Issue 16, the city's order of its recommendations (好中选优) and its stamped summary (推荐汇总表): places
follow submission and withdrawal, the city reorders them, prints the summary as a PDF (round, city,
applications in order, the opinions, the stamp and signature area), uploads the stamped scan that completes
its submission, and the centre sees the order and the scan; R14 follows."""

import io

import pytest
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Application, AuditEvent, CitySubmission, Verdict
from review_app.services.check import runner as check_runner
from review_app.services.intake import applications as intake_apps
from review_app.services.intake import recommendations
from tests.intake_factories import make_city_application, make_round, pdf_bytes


@pytest.fixture
def ordered(app, session):
    """Three 南京市 applications submitted through the portal, in submission order."""
    with app.test_request_context():
        review_round = make_round(session)
        found = []
        for n in range(1, 4):
            application = make_city_application(session, review_round, code=f"202632010{n}", status="draft",
                                                necessity=f"必要性意见{n}", feasibility=f"可行性意见{n}")
            for kind in ("application_form", "construction_plan", "agreement", "recommendation"):
                from review_app.models import Attachment  # noqa: PLC0415

                session.add(Attachment(application_id=application.id, kind=kind, filename=f"{kind}.pdf",
                                       sha256="0" * 64, size=1))
            session.flush()
            intake_apps.submit(session, application=application, by=None)
            found.append(application)
    session.commit()
    return review_round, found


def test_submission_gives_the_next_place_and_withdrawal_closes_the_gap(app, session, ordered):
    review_round, (first, second, third) = ordered
    assert [a.recommend_rank for a in (first, second, third)] == [1, 2, 3]
    with app.test_request_context():
        intake_apps.withdraw(session, application=first, by=None)
    assert (first.recommend_rank, second.recommend_rank, third.recommend_rank) == (None, 1, 2)


def test_the_city_reorders_and_a_bad_order_is_refused(client, auth, users, session, ordered):
    review_round, (first, second, third) = ordered
    auth.login("nanjing1")
    page = client.get(f"/city/rounds/{review_round.id}/recommendations").text
    assert page.count('class="recommendation"') == 3 and "尚未上传盖章后的推荐汇总表扫描件" in page
    bad = {f"place-{first.id}": "1", f"place-{second.id}": "1", f"place-{third.id}": "2"}
    response = auth.post(f"/city/rounds/{review_round.id}/recommendations", bad, follow_redirects=True)
    assert "请为每个推荐项目填写一个不重复的排序号（1 至 3）" in response.text
    good = {f"place-{first.id}": "3", f"place-{second.id}": "1", f"place-{third.id}": "2"}
    response = auth.post(f"/city/rounds/{review_round.id}/recommendations", good, follow_redirects=True)
    assert "排序已保存" in response.text
    session.expire_all()
    assert [a.code for a in recommendations.city_order(session, round_id=review_round.id, city_id=first.city_id)] \
        == ["2026320102", "2026320103", "2026320101"]
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "recommendations.order"))
    assert event.actor == "nanjing1" and "2026320102" in event.details


def test_the_summary_pdf_lists_the_order_with_the_opinions_and_the_stamp_area(client, auth, users, session, ordered):
    review_round, (first, second, third) = ordered
    first.recommend_rank, third.recommend_rank = 3, 1
    session.commit()
    auth.login("nanjing1")
    response = client.get(f"/city/rounds/{review_round.id}/recommendations/summary.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    compact = "".join(text.split())
    assert review_round.name in compact and "南京市科技局推荐汇总表" in compact
    assert compact.index("2026320103") < compact.index("2026320102") < compact.index("2026320101")
    assert "必要性意见3" in compact and "可行性意见1" in compact
    assert "盖章" in compact and "负责人（签字）" in compact


def test_the_stamped_scan_completes_the_submission_until_the_order_changes(client, auth, users, session, ordered):
    review_round, (first, second, third) = ordered
    auth.login("nanjing1")
    response = auth.post(f"/city/rounds/{review_round.id}/recommendations/scan",
                         {"file": (io.BytesIO(b"not a pdf"), "汇总表.pdf")}, content_type="multipart/form-data",
                         follow_redirects=True)
    assert "文件不是 PDF" in response.text and session.exec(select(CitySubmission)).first() is None
    response = auth.post(f"/city/rounds/{review_round.id}/recommendations/scan",
                         {"file": (io.BytesIO(pdf_bytes("盖章")), "南京市推荐汇总表（盖章）.pdf")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "本市本轮次报送完成" in response.text and "报送已完成" in response.text
    scan = session.exec(select(CitySubmission)).one()
    assert scan.order_codes == "2026320101;2026320102;2026320103" and scan.filename == "南京市推荐汇总表（盖章）.pdf"
    with client.application.test_request_context():
        check_runner.run_check(session, review_round=review_round, by=None)
    session.commit()
    r14 = {r.application.code: (r.effective, r.result.message)
           for r in check_runner.table(session, round_id=review_round.id, rule="R14")}
    assert r14["2026320101"][0] == Verdict.PASS and "推荐排序第 1 位（共 3 项）" in r14["2026320101"][1]
    # the centre sees the order and the scan
    auth.logout()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/recommendations").text
    assert "南京市推荐汇总表（盖章）.pdf" in page and "已完成" in page
    assert page.index("2026320101") < page.index("2026320102") < page.index("2026320103")
    download = client.get(f"/admin/rounds/{review_round.id}/recommendations/{first.city_id}/scan.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()
    assert client.get(f"/admin/rounds/{review_round.id}/applications").text.count("<td>1</td>") >= 1
    auth.logout()
    # a change of order after the upload asks for a new scan
    auth.login("nanjing1")
    swap = {f"place-{first.id}": "2", f"place-{second.id}": "1", f"place-{third.id}": "3"}
    auth.post(f"/city/rounds/{review_round.id}/recommendations", swap)
    assert "上传扫描件后推荐项目或排序有变化" in client.get(f"/city/rounds/{review_round.id}/recommendations").text
    session.expire_all()
    with client.application.test_request_context():
        check_runner.run_check(session, review_round=review_round, by=None)
    session.commit()
    r14 = {r.application.code: r.effective for r in check_runner.table(session, round_id=review_round.id, rule="R14")}
    assert r14["2026320101"] == Verdict.WARN


def test_another_city_sees_neither_the_order_nor_the_scan(client, auth, users, session, ordered):
    review_round, _found = ordered
    auth.login("suzhou1")
    page = client.get(f"/city/rounds/{review_round.id}/recommendations").text
    assert "2026320101" not in page and "本市在本轮次尚无推荐项目" in page
    assert client.get(f"/city/rounds/{review_round.id}/recommendations/scan.pdf").status_code == 404
    response = client.get(f"/city/rounds/{review_round.id}/recommendations/summary.pdf", follow_redirects=True)
    assert "本市在本轮次尚无推荐项目" in response.text
    session.expire_all()
    assert {a.status for a in session.exec(select(Application))} == {"submitted"}
