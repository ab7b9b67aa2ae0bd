"""A supervisor's audit trail (issue 15): refused requests are events (not a flood of them), the auditor
reads every event in Chinese with its object named, searches with filters of the page's own words, opens
an event among its neighbours, and gets a tamper report that points at the altered or missing event; the
command line names the operating-system user; the formal-check CSV download is audited."""

import io
import json
import os
import pwd
import re

import flask_babel
import pytest
import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, Expert
from review_app.services.compliance import refusals
from tests.conftest import csrf_token
from tests.intake_factories import make_city_application, make_round
from tests.test_review_app.test_access_matrix import EXPECTED, _url, world  # noqa: F401  (world: a fixture)


def _events(session, action):
    """The events of `action` (of every action when None), oldest first."""
    session.expire_all()
    query = select(AuditEvent) if action is None else select(AuditEvent).where(AuditEvent.action == action)
    return list(session.exec(query.order_by(AuditEvent.seq)))


def _listed(page: str) -> str:
    """The events table of a page (not the search form, whose choices name every action)."""
    return page.split('<table class="table audit-events">', 1)[1]


def test_a_refused_request_is_one_audit_event_per_user_and_path_per_minute(client, auth, users, session):
    auth.login("nanjing1")
    for _ in range(3):
        assert client.get("/admin/experts").status_code == 403
    assert auth.post("/admin/rounds/new", data={"name": "x"}).status_code == 403
    events = _events(session, refusals.ACTION)
    assert [(json.loads(e.details)["method"], json.loads(e.details)["path"]) for e in events] == [
        ("GET", "/admin/experts"), ("POST", "/admin/rounds/new")]
    assert {e.actor for e in events} == {"nanjing1"} and json.loads(events[0].details)["status"] == 403
    # An ownership refusal (404: not theirs, or not there) is one too, with its object named when it exists.
    auth.logout()
    auth.login("admin1")
    assert client.get("/admin/experts/999999").status_code == 404
    assert json.loads(_events(session, refusals.ACTION)[-1].details)["status"] == 404


def test_refusals_cannot_flood_the_log(client, auth, users, session):
    auth.login("suzhou1")
    for n in range(1, 41):
        assert client.get(f"/admin/experts/{n}").status_code == 403
    events = _events(session, refusals.ACTION)
    assert len(events) == refusals.PER_USER_PER_MINUTE
    assert json.loads(events[-1].details).get("limit_reached") is True
    assert not any(json.loads(e.details).get("limit_reached") for e in events[:-1])
    # Another user's refusals are still written.
    auth.logout()
    auth.login("expert1")
    client.get("/admin/experts")
    assert _events(session, refusals.ACTION)[-1].actor == "expert1"


def test_the_auditor_reads_events_in_chinese_with_their_objects_named(app, client, auth, users, session):
    from review_app.services.intake import applications

    review_round = make_round(session, name="2026年度监督测试轮次")
    application = make_city_application(session, review_round, code="2026320101")
    applications.withdraw(session, application=application, by=users["nanjing"])
    session.commit()
    expert = session.get(Expert, users["expert"].expert_id)
    auth.login("admin1")
    client.get(f"/admin/experts/{expert.id}")  # an identity view of one expert
    client.get("/audit/nothing-here")
    auth.logout()
    auth.login("nanjing1")
    client.get("/admin/")  # refused
    auth.logout()
    auth.login("auditor1")

    page = _listed(client.get("/audit/events").text)
    assert "撤回申报" in page and "申报 2026320101" in page and "轮次 2026年度监督测试轮次" in page
    assert "查看专家身份" in page and f"专家 {expert.code}" in page
    assert "请求被拒绝" in page and "路径: /admin/" in page
    assert "Application " not in page and "CheckResult" not in page and f"Expert {expert.id}" not in page
    # The event's own page: every field, details in Chinese, the hashes.
    withdrawn = _events(session, "application.withdraw")[0]
    detail = client.get(f"/audit/events/{withdrawn.seq}").text
    assert "申报 2026320101" in detail and withdrawn.hash in detail and "编号" in detail
    # In English when English is chosen.
    auth.post("/language", data={"lang": "en", "next": "/audit/events"})
    flask_babel.refresh()  # the `session` fixture's app context outlives requests: forget its cached locale
    english = _listed(client.get("/audit/events").text)
    assert "Application withdrawn" in english and "Application 2026320101" in english
    assert "Request refused" in english


def test_the_filters_use_the_words_of_the_page(client, auth, users, session):
    from review_app.services.intake import applications

    review_round = make_round(session, name="筛选测试轮次")
    first = make_city_application(session, review_round, code="2026320111")
    second = make_city_application(session, review_round, code="2026320112")
    for application in (first, second):
        applications.withdraw(session, application=application, by=users["nanjing"])
    session.commit()
    auth.login("auditor1")
    form = client.get("/audit/events").text
    assert '<select name="action">' in form and "被拒绝的请求" in form and "筛选测试轮次" in form
    by_code = _listed(client.get("/audit/events?target=2026320111").text)
    assert "申报 2026320111" in by_code and "2026320112" not in by_code
    by_area = _listed(client.get("/audit/events?action=area:applications").text)
    assert "撤回申报" in by_area and "登录" not in by_area
    by_round = _listed(client.get(f"/audit/events?round={review_round.id}").text)
    assert by_round.count("撤回申报") == 2 and "登录" not in by_round


def _auditor_in(auth, session) -> list[int]:
    """The auditor logged in (after a login and a logout: events enough); the events' sequence numbers."""
    auth.login("auditor1")
    auth.logout()
    auth.login("auditor1")
    return [e.seq for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]


def test_the_tamper_report_points_at_the_changed_event_and_its_neighbours(client, auth, users, session, runner):
    seqs = _auditor_in(auth, session)
    changed = seqs[1]
    session.execute(sa.update(AuditEvent).where(AuditEvent.seq == changed).values(actor="someone else"))
    session.commit()
    report = client.get("/audit/verify").text
    assert f'href="/audit/events/{changed}"' in report
    assert f'href="/audit/events/{seqs[0]}"' in report and f'href="/audit/events/{seqs[2]}"' in report
    assert "写入后被修改" in report
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"event {changed}: was changed") and f"/audit/events/{changed}" in lines[0]
    assert lines[1].lstrip().startswith(f"#{seqs[0]} ") and lines[2].startswith(f"  > #{changed} ")
    assert lines[3].lstrip().startswith(f"#{seqs[2]} ")


def test_a_deleted_event_is_shown_between_its_neighbours(client, auth, users, session, runner):
    seqs = _auditor_in(auth, session)
    gone = seqs[1]
    session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == gone))
    session.commit()
    report = client.get("/audit/verify").text
    assert f"缺失：事件 {gone} 至 {gone}" in report
    assert f'href="/audit/events/{gone}"' in report
    assert f'href="/audit/events/{seqs[0]}"' in report and f'href="/audit/events/{seqs[2]}"' in report
    missing = client.get(f"/audit/events/{gone}").text
    assert f"审计日志中没有事件 {gone}" in missing
    assert f'href="/audit/events/{seqs[0]}"' in missing and f'href="/audit/events/{seqs[2]}"' in missing
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and f"(event {gone})" in result.output


def test_command_line_events_name_the_operating_system_user(runner, session):
    account = pwd.getpwuid(os.geteuid()).pw_name
    result = runner.invoke(args=["create-round", "--name", "命令行轮次", "--kind", "new_consortium"])
    assert result.exit_code == 0, result.output
    event = _events(session, "round.create")[0]
    assert event.actor == f"cli:{account}" and event.ip == "cli"
    assert json.loads(event.details)["os_user"] == account


def test_the_formal_check_csv_download_is_audited(client, auth, users, session):
    review_round = make_round(session, name="形式审查下载轮次", stage="formal_check")
    make_city_application(session, review_round, code="2026320121")
    session.commit()
    auth.login("admin1")
    response = client.get(f"/admin/rounds/{review_round.id}/check.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    event = _events(session, "export")[-1]
    assert event.actor == "admin1" and event.round_id == review_round.id
    assert json.loads(event.details) == {"list": "formal_check", "format": "csv",
                                         "rows": len(response.data.decode("utf-8-sig").splitlines()) - 1}


# The forms every page has: logging out and choosing the language.
SHELL_FORMS = re.compile(r'<form method="post" action="/(?:auth/logout|language)".*?</form>', re.S)


@pytest.mark.demo
def test_the_auditor_sees_no_live_forms_and_each_page_view_is_one_identity_event(app, client, world, session):  # noqa: F811
    from review_app.admin.accounts import IDENTITY_VIEWS

    page = client.get("/auth/login")
    client.post("/auth/login", data={"username": world["users"]["auditor"], "password": world["password"],
                                     "csrf_token": csrf_token(page.text)})
    live, views = [], {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        may_get, _ = EXPECTED.get(rule.endpoint, ((), ()))
        if "GET" not in rule.methods or "auditor" not in may_get or not rule.endpoint.startswith(("admin.", "audit.")):
            continue
        before = len(_events(session, "expert.identity_view"))
        response = client.get(_url(app, rule, world))
        response.close()
        views[rule.endpoint] = len(_events(session, "expert.identity_view")) - before
        if response.mimetype == "text/html":
            html = SHELL_FORMS.sub("", response.get_data(as_text=True))
            if re.search(r'<form[^>]*method="post"', html, re.I):
                live.append(rule.endpoint)
    assert live == [], f"pages offering the auditor forms that would be refused: {live}"
    shown = IDENTITY_VIEWS | {"admin.expert", "admin.experts"}
    assert {endpoint: n for endpoint, n in views.items() if n != (1 if endpoint in shown else 0)} == {}


def _visible(html: str) -> str:
    """The events table as the eye reads it (no tags, so no `title` attributes)."""
    return re.sub(r"<[^>]+>", " ", _listed(html))


def _keys(value) -> set[str]:
    """Every key of an event's details, nested ones too (before/after, declared units)."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_register_the_credit_list_and_imports_read_in_chinese(app, client, auth, users, session):
    """The events of the units declared per application (the register's corrections, the 失信 list, the
    import's report), of a wrong current password, and refusals on the register's pages: the auditor reads
    each action by name, the unit named, every detail key in Chinese; a refusal names the unit."""
    from tests.intake_factories import make_unit
    from tests.test_review_app.test_intake import GOOD_APPS, GOOD_MEMBERS, do_import, workbook

    with app.test_request_context():
        review_round = make_round(session, name="单位名录审计轮次")
    unit = make_unit(session, "南京审计半导体股份有限公司", city="南京市")
    make_city_application(session, review_round, code="2026320131", lead=unit)
    session.commit()
    do_import(app, session, review_round, [("申报.xlsx", workbook(GOOD_APPS, GOOD_MEMBERS))])
    auth.login("admin1")
    assert auth.post(f"/admin/units/{unit.id}", {"name": "南京审计半导体集团有限公司", "kind": "企业",
                                                  "province": "江苏省", "city": "南京市"}).status_code == 302
    listed = f"统一社会信用代码,失信原因\n{unit.credit_code},虚假申报\n".encode("utf-8-sig")
    assert auth.post("/admin/credit-list", {"file": (io.BytesIO(listed), "名单.csv")},
                     content_type="multipart/form-data").status_code == 302
    assert client.get("/admin/units/999999").status_code == 404
    auth.post("/auth/password", {"old_password": "wrong", "new_password": "Xq7-Lq9-Zr2", "confirm": "Xq7-Lq9-Zr2"})
    auth.logout()
    auth.login("nanjing1")
    assert client.get(f"/admin/units/{unit.id}").status_code == 403
    auth.logout()
    auth.login("auditor1")
    assert auth.post("/admin/credit-list", {}).status_code == 403

    page = _visible(client.get("/audit/events").text)
    assert "更正单位名录" in page and "单位 南京审计半导体集团有限公司" in page and "独立法人: 否" in page
    assert "导入失信名单" in page and f"新增: {unit.credit_code}" in page
    assert "导入申报" in page and "新增申报: 2" in page and "修改密码时当前密码错误" in page
    refused = [json.loads(e.details) for e in _events(session, refusals.ACTION)]
    assert {(r["method"], r["path"], r["status"]) for r in refused} >= {
        ("GET", "/admin/units/999999", 404), ("GET", f"/admin/units/{unit.id}", 403),
        ("POST", "/admin/credit-list", 403)}
    by_unit = _visible(client.get(f"/audit/events?target={unit.credit_code}").text)
    assert "请求被拒绝" in by_unit and "更正单位名录" in by_unit and "单位 南京审计半导体集团有限公司" in by_unit
    # No raw codes: neither an action nor a key of any event's details shows as it is stored.
    events = _events(session, None)
    raw = sorted({e.action for e in events if e.action in page}
                 | {k for e in events for k in _keys(json.loads(e.details or "{}")) if f"{k}:" in page})
    assert raw == []


def test_every_recorded_action_has_a_name_on_the_auditor_pages():
    """Each action the code writes (`action="…"`, with the f-string ones spelt out) is named in labels."""
    from pathlib import Path

    from review_app import labels

    source = Path(labels.__file__).parent
    written = {m for path in source.rglob("*.py") for m in re.findall(r'action="([a-z_]+(?:\.[a-z_]+)*)"',
                                                                        path.read_text(encoding="utf-8"))}
    written |= {"job.assignment", "assignment.pin", "assignment.forbid", "expert.update", "expert.deactivate",
                "job.panels", "panels.pin", "panels.forbid"}
    assert written - set(labels.AUDIT_ACTION) == set()
