"""The expert's three busiest requests (open the sheet, save, submit) cost few statements and keep every
check (issue 20): the seat, its round and the pledge in one query, held for the checks that follow; a save
and a submission in one UPDATE of the sheet; the audit head read by the UPDATE that takes it. Around them:
templates translate without looking the translations up for each text, WTForms' messages come from a
catalogue read once, and the session cookie is signed again only when the idle clock moves on."""

import re
import time
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from babel import support
from flask import render_template_string
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlmodel import select
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField

from review_app.models import AuditEvent, AuditHead, PledgeAcceptance, Round, ScoreSheet, SheetStatus
from review_app.models._base import utcnow
from review_app.services.compliance import audit
from review_app.services.platform.memo import hold, memo
from review_app.services.review import sheets
from review_app.web import SEEN_AT_STEP
from tests.conftest import csrf_token
from tests.test_review_app.test_review import COMMENT, actions, full_points, ready, version


@contextmanager
def statements(app):
    found: list[str] = []
    listener = lambda *args: found.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    sa.event.listen(app.extensions["db_engine"], "before_cursor_execute", listener)
    try:
        yield found
    finally:
        sa.event.remove(app.extensions["db_engine"], "before_cursor_execute", listener)


def _selects(found: list[str], table: str) -> int:
    return sum(1 for s in found if s.lstrip().upper().startswith("SELECT") and re.search(rf"\bFROM {table}\b", s))


def _writes(found: list[str], table: str) -> int:
    return sum(1 for s in found if re.match(rf"\s*(UPDATE|INSERT INTO|DELETE FROM) {table}\b", s))


def test_the_sheet_page_save_and_submit_read_and_write_each_row_once(app, client, auth, session, world):
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    with statements(app) as opened:
        page = client.get(url)
    assert page.status_code == 200 and world.criteria[0].title in page.text
    # The seat (sheet, assignment, round, pledge), the dossier ×3, the criteria with the sheet's scores, the
    # expert's other sheets (ids only), the inbox count (the tests' requests share one `g`: Flask-Login keeps
    # the user in it).
    assert len(opened) == 7, opened
    assert _selects(opened, "criteria") == 1 and _selects(opened, "score_items") == 0  # one query for both
    assert _selects(opened, "assignments") == 0 and _selects(opened, "pledge_acceptances") == 0
    assert _selects(opened, "rounds") == 0
    assert sum("JOIN assignments" in s for s in opened) == 2  # the seat, the expert's other sheets

    token = csrf_token(page.text)
    body = {"version": version(session, world.mine), "save": "1", "comment": COMMENT, "recommend": "yes",
            "csrf_token": token, **full_points(world)}
    with statements(app) as saved:
        assert client.post(url, data=body).status_code == 302
    assert _selects(saved, "assignments") == 0 and _selects(saved, "rounds") == 0
    assert _writes(saved, "score_items") == 1  # every score in one statement
    assert _writes(saved, "score_sheets") == 1  # the claim writes the comment, recommendation and total
    assert len(saved) == 7, saved  # seat, criteria with scores, claim, insert, audit ×3
    assert _writes(saved, "audit_events") == 1 and _writes(saved, "audit_head") == 2
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.comment == COMMENT and sheet.recommend is True and sheet.saved_at is not None
    assert sheet.total == sum(c.max_points - 2 for c in world.criteria)
    assert client.get(url).text.count(f'value="{world.criteria[0].max_points - 2}"') == 1  # shown as saved

    body = {"version": version(session, world.mine), "csrf_token": token}
    with statements(app) as submitted:
        response = client.post(f"{url}/submit", data=body)
    assert response.status_code == 302
    assert _writes(submitted, "score_sheets") == 1
    assert len(submitted) == 6, submitted  # seat, criteria with scores, claim (with total and time), audit ×3
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at is not None and sheet.total is not None
    assert [e.details for e in actions(session, "sheet.submit")] and "锁定" in client.get(url).text
    assert audit.verify(session) == []  # the chain, written through UPDATE … RETURNING, still holds


def test_a_second_save_changes_removes_and_keeps_scores_in_one_claim(app, client, auth, session, world):
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    token = csrf_token(client.get(url).text)
    first, second, third = world.criteria[:3]
    body = {"save": "1", "comment": COMMENT, "recommend": "no", "csrf_token": token, **full_points(world)}
    before = version(session, world.mine)
    assert client.post(url, data={**body, "version": before}).status_code == 302
    changed = {**full_points(world), f"points_{first.id}": "1.5", f"points_{second.id}": ""}
    body = {**body, **changed, "recommend": "yes", "version": version(session, world.mine)}
    assert client.post(url, data=body).status_code == 302
    session.expire_all()
    stored = sheets.stored_points(session, world.mine.id)
    assert stored[first.id] == sheets.parse_points("1.5", first)[0] and second.id not in stored
    assert stored[third.id] == third.max_points - 2
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.total == sum(stored.values()) and sheet.recommend is True and sheet.version == before + 2
    saves = actions(session, "sheet.save")
    assert len(saves) == 2 and f'"{second.id}"' not in saves[-1].details and '"1.50"' in saves[-1].details


def test_a_stale_save_changes_nothing(app, client, auth, session, world):
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    token = csrf_token(client.get(url).text)
    body = {"save": "1", "comment": COMMENT, "recommend": "yes", "csrf_token": token, **full_points(world)}
    before = version(session, world.mine)
    assert client.post(url, data={**body, "version": before}).status_code == 302
    stale = client.post(url, data={**body, "comment": "另一个窗口的意见" * 5, "version": before}, follow_redirects=True)
    assert "另一个窗口" in stale.text or "another window" in stale.text
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).comment == COMMENT
    assert len(actions(session, "sheet.save")) == 1


def test_another_experts_sheet_is_still_refused_by_the_one_query(client, auth, world):
    ready(auth, world)
    assert client.get(f"/expert/sheets/{world.theirs.id}").status_code == 404
    assert client.post(f"/expert/sheets/{world.theirs.id}/submit", data={"version": 0}).status_code in (400, 404)


def test_the_deadline_is_read_anew_by_each_request(app, client, auth, session, world):
    """The seat's round is held for one request only: a deadline moved in between is seen by the next one."""
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    assert 'id="sheet-form"' in client.get(url).text
    review_round = session.get(Round, world.round.id)
    review_round.scoring_deadline = utcnow() - timedelta(hours=1)
    session.commit()
    page = client.get(url).text
    assert 'id="sheet-form"' not in page and ("截止" in page or "deadline" in page)


def test_a_remembered_pledge_is_forgotten_when_the_transaction_ends(app, session, world):
    pledge = session.exec(select(PledgeAcceptance)).first()
    for end in (session.rollback, session.commit):
        sheets.remember_pledge(session, round_id=world.round.id, expert_id=world.mine.expert_id, pledge=pledge)
        hold(session, world.round)
        assert sheets.pledge_of(session, round_id=world.round.id, expert_id=world.mine.expert_id) is pledge
        end()
        assert memo(session) == {}
        assert sheets.pledge_of(session, round_id=world.round.id, expert_id=world.mine.expert_id) is None


def test_templates_translate_in_the_requests_language_and_under_force_locale(app):
    template = '{{ _("Draft saved.") }}|{{ _("0 to %(max)d points", max=20) }}|{{ _("2025 R&D intensity (%%)") }}'
    with app.test_request_context("/"):
        assert render_template_string(template) == "草稿已保存。|0–20 分|2025年研发投入强度（%）"
        with force_locale("en"):
            assert render_template_string(template) == "Draft saved.|0 to 20 points|2025 R&D intensity (%)"
        assert render_template_string(template) == "草稿已保存。|0–20 分|2025年研发投入强度（%）"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string('{{ _("Draft saved.") }}') == "Draft saved."


class VersionForm(FlaskForm):
    version = IntegerField()


def test_wtforms_messages_are_translated_from_a_catalogue_read_once(app, monkeypatch):
    loads = []
    original = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        classmethod(lambda cls, *args, **kwargs: loads.append(args) or original(*args, **kwargs)))

    def refusal(**headers) -> str:
        with app.test_request_context("/", method="POST", headers=headers):
            app.preprocess_request()
            form = VersionForm(formdata=MultiDict({"version": "x"}), meta={"csrf": False})
            assert not form.validate()
            return form.errors["version"][0]

    assert refusal() == refusal() == "不是有效的整数。"
    assert refusal(**{"Accept-Language": "en"}) == "Not a valid integer value."
    assert len([args for args in loads if "wtforms" in str(args)]) <= 2  # one per language, not per request


def test_a_request_within_the_minute_leaves_the_session_cookie_alone(app, client, auth, session, world):
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    client.get(url)  # takes the flashed messages, if any
    with client.session_transaction() as cookie:
        cookie["seen_at"] = seen = time.time() - SEEN_AT_STEP / 2
    response = client.get(url)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with client.session_transaction() as cookie:
        assert cookie["seen_at"] == seen

    with client.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - SEEN_AT_STEP - 1
    response = client.get(url)
    assert response.status_code == 200 and "review_session=" in response.headers["Set-Cookie"]
    with client.session_transaction() as cookie:
        assert time.time() - cookie["seen_at"] < 5  # the idle clock moved on


def test_the_idle_timeout_still_ends_a_session_that_was_left_alone(app, client, auth, session, world):
    ready(auth, world)
    with client.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - app.config["IDLE_TIMEOUT"].total_seconds() - 1
    response = client.get(f"/expert/sheets/{world.mine.id}")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert client.get("/expert/").status_code == 302
    assert actions(session, "logout.timeout")


def test_the_sheet_page_writes_its_fields_with_what_was_typed_escaped(app, client, auth, session, world):
    """The sheet's inputs are written by the page (not by WTForms): the same names and values, what was typed
    shown again after a refusal, a typed comment escaped, and the form still posts with its CSRF token."""
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    first, second = world.criteria[:2]
    typed = "<script>alert(1)</script>" + COMMENT
    body = {"version": version(session, world.mine), "save": "1", "comment": typed, "recommend": "no",
            f"points_{first.id}": "999", f"points_{second.id}": "3", "csrf_token": csrf_token(client.get(url).text)}
    page = client.post(url, data=body).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" + COMMENT in page
    assert re.search(rf'<input aria-invalid="true"[^>]* id="points_{first.id}"[^>]* value="999">', page)
    assert re.search(rf'<input aria-invalid="false"[^>]* data-saved="3" id="points_{second.id}"[^>]* value="3">', page)
    assert re.search(r'<input checked id="recommend-1" name="recommend" type="radio" value="no">', page)
    assert f'<input id="version" name="version" type="hidden" value="{version(session, world.mine)}">' in page
    assert '<input class="button primary" id="review" name="review" type="submit" value="检查并提交…">' in page

    again = {"version": version(session, world.mine), "save": "1", "comment": COMMENT, "recommend": "yes",
             "csrf_token": csrf_token(page), **full_points(world)}
    assert client.post(url, data=again).status_code == 302
    page = client.get(url).text
    assert re.search(r'<input checked id="recommend-0" name="recommend" type="radio" value="yes">', page)
    assert f">\n{COMMENT}</textarea>" in page
    assert client.post(url, data={**again, "csrf_token": "forged"}).status_code == 400  # CSRF still checked


def test_a_sheet_post_without_a_readable_version_stores_nothing(app, client, auth, session, world):
    """The sheet's posts are read without a WTForms form: a missing or malformed version is still refused with
    the page's message, for the form, autosave and submission alike, and nothing is stored."""
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    token = csrf_token(client.get(url).text)
    body = {"save": "1", "comment": COMMENT, "recommend": "yes", "csrf_token": token, **full_points(world)}
    for bad in ("", "x", "-1", "1.5", "²", "9" * 20):
        page = client.post(url, data={**body, "version": bad}, follow_redirects=True)
        assert page.status_code == 200 and "无法读取表单，请重试。" in page.text, bad
        answer = client.post(f"{url}/autosave", data={**body, "version": bad})
        assert answer.status_code == 400 and answer.json["status"] == "refused", bad
        page = client.post(f"{url}/submit", data={"version": bad, "csrf_token": token}, follow_redirects=True)
        assert "无法读取表单，请重试。" in page.text, bad
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).saved_at is None
    assert not actions(session, "sheet.save") and not actions(session, "sheet.submit")


def test_the_sheets_posts_still_check_their_csrf_token_and_read_every_field(app, client, auth, session, world):
    ready(auth, world)
    url = f"/expert/sheets/{world.mine.id}"
    token = csrf_token(client.get(url).text)
    body = {"version": version(session, world.mine), "comment": COMMENT, "recommend": "no", **full_points(world),
            "points_abc": "1", f"points_{'9' * 20}": "1"}  # no criterion has these ids: ignored
    assert client.post(f"{url}/autosave", data={**body, "csrf_token": "forged"}).status_code == 400
    assert client.post(f"{url}/submit", data={"version": body["version"], "csrf_token": "forged"}).status_code == 400
    assert client.post(f"{url}/submit", data={"version": body["version"]}).status_code == 400
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).saved_at is None

    answer = client.post(f"{url}/autosave", data={**body, "csrf_token": token})
    assert answer.status_code == 200 and answer.json["status"] == "saved" and answer.json["errors"] == {}
    response = client.post(url, data={**body, "version": answer.json["version"], "review": "1", "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith(f"{url}/confirm")  # "review" was read
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.recommend is False and sheet.comment == COMMENT
    assert sheets.stored_points(session, sheet.id) == {c.id: c.max_points - 2 for c in world.criteria}


def test_audit_events_written_as_rows_keep_the_chain_and_return_their_numbers(app, session, world):
    """Events are written by Core statements (no AuditEvent object in the session): `record` answers the new
    event's seq, `record_many` consecutive ones, each event links to the one before, and the head holds the
    newest hash, within the caller's transaction (a rollback leaves no trace)."""
    before = session.exec(select(sa.func.max(AuditEvent.seq))).one() or 0
    first = audit.record(session, action="test.one", target=world.mine, round_id=world.round.id, details={"n": 1})
    more = audit.record_many(session, [{"action": "test.many", "details": {"n": n}} for n in (2, 3)])
    assert [first, *more] == [before + 1, before + 2, before + 3] and not session.new
    session.commit()
    events = session.exec(select(AuditEvent).where(AuditEvent.seq > before).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["test.one", "test.many", "test.many"]
    assert events[0].target_type == "ScoreSheet" and events[0].target_id == str(world.mine.id)
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(audit.event_hash(e) == e.hash for e in events)
    assert session.get(AuditHead, 1, populate_existing=True).last_hash == events[-1].hash
    assert audit.verify(session) == []

    audit.record(session, action="test.undone")
    session.rollback()
    assert not actions(session, "test.undone") and audit.verify(session) == []
