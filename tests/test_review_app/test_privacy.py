"""Personal information: masked contact details per role, audited reveals and identity views, the
expert's own data page, and exports for cities and the public without any expert's personal data."""

import io

import pytest
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import AuditEvent, Expert, Round
from review_app.services.compliance import privacy
from review_app.services.results import export, rank, selection


def test_masks():
    assert privacy.mask_phone("13812341234") == "138****1234"
    assert privacy.mask_email("zhangwei@example.cn") == "z***@example.cn"
    assert privacy.mask_id_number("320102199001011234") == "3201**********1234"
    assert privacy.mask_phone(None) == "" and privacy.mask_phone("123") == "****"


@pytest.fixture
def expert(session, users):
    expert = session.get(Expert, users["expert"].expert_id)
    expert.phone, expert.email, expert.id_number = "13812341234", "zhangwei@example.cn", "320102199001011234"
    session.commit()
    return expert


def _events(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_admin_sees_masked_details_and_each_reveal_is_audited(client, auth, session, expert):
    auth.login("admin1")
    page = client.get(f"/admin/experts/{expert.id}").text
    assert "138****1234" in page and "13812341234" not in page
    assert "z***@example.cn" in page and "3201**********1234" in page
    assert len(_events(session, "expert.identity_view")) == 1
    assert "13812341234" not in client.get(f"/admin/experts/{expert.id}?reveal=1").text  # a link reveals nothing
    assert not _events(session, "expert.pii_view")
    revealed = auth.post(f"/admin/experts/{expert.id}/reveal").text
    assert "13812341234" in revealed and "zhangwei@example.cn" in revealed
    events = _events(session, "expert.pii_view")
    assert len(events) == 1 and events[0].actor == "admin1" and events[0].target_id == str(expert.id)
    client.get("/admin/experts")
    assert len(_events(session, "expert.identity_view")) == 3


def test_the_auditor_sees_masked_details_only(client, auth, session, expert):
    auth.login("auditor1")
    page = client.get(f"/admin/experts/{expert.id}?reveal=1").text
    assert "138****1234" in page and "13812341234" not in page
    assert auth.post(f"/admin/experts/{expert.id}/reveal").status_code == 403
    assert not _events(session, "expert.pii_view")
    assert _events(session, "expert.identity_view")[0].actor == "auditor1"
    assert client.get(f"/admin/experts/{expert.id}/edit").status_code == 403


def test_a_city_cannot_see_experts(client, auth, expert):
    auth.login("nanjing1")
    assert client.get(f"/admin/experts/{expert.id}").status_code == 403


def test_the_expert_sees_everything_stored_about_them(client, auth, session, expert):
    auth.login("expert1")
    page = client.get("/expert/my-data").text
    assert "13812341234" in page and "zhangwei@example.cn" in page and "320102199001011234" in page
    assert expert.code in page
    assert not _events(session, "expert.identity_view")


@pytest.mark.demo
def test_city_and_public_exports_hold_no_personal_data_of_experts(session):
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=20, by=None)
    session.commit()
    experts = session.exec(select(Expert)).all()
    personal = {e.name for e in experts} | {e.code for e in experts} | {e.phone for e in experts if e.phone} | {
        e.email for e in experts if e.email}
    city = export.city_results_csv(session, run=run, city="南京市").decode("utf-8-sig")
    public = export.city_results_csv(session, run=run).decode("utf-8-sig")
    pdf = export.publication_pdf(session, run=run)
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    ranked = len(rank.results(session, run=run))
    assert len(public.splitlines()) == 1 + ranked and 1 < len(city.splitlines()) < 1 + ranked
    for text in (city, public, pdf_text):
        cells = set(text.replace("\n", ",").replace(" ", ",").split(","))
        assert not cells & personal
        for value in personal:
            if len(value) > 3:  # two-character names may occur inside a consortium's title
                assert value not in text


@pytest.mark.demo
def test_console_pages_that_name_experts_are_audited_for_non_experts(client, auth, session):
    from review_app.models import User

    review_round = session.exec(select(Round).order_by(Round.id)).first()
    auditor = session.exec(select(User).where(User.role == "auditor")).first()
    from review_app.demo import DEMO_PASSWORD

    auth.login(auditor.username, DEMO_PASSWORD)
    assert client.get(f"/admin/rounds/{review_round.id}/progress").status_code == 200
    event = _events(session, "expert.identity_view")[-1]
    assert event.actor == auditor.username and event.round_id == review_round.id
    assert "admin.round_progress" in event.details
