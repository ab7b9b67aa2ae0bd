"""Web hardening: CSRF on every POST, cookie flags, proxy settings, escaping, formula injection in exports,
and hostile inputs (control characters, very long strings, SQL metacharacters, broken and bomb workbooks)
refused with a clear message and nothing stored."""

import csv
import io
import zipfile

import pytest
import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, Expert, ScoreSheet
from tests.factories import make_expert

COMMENT = "该联合体牵头单位实力雄厚，攻关任务明确，技术路线可行，共建协议完备，建议支持。"
SCRIPT = "<script>alert('x')</script>"


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def _fill(rule) -> str:
    values = {name: 1 for name in rule.arguments}
    values.update({k: v for k, v in {"token": "t", "which": "ranking", "fmt": "csv"}.items() if k in rule.arguments})
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("who", ["anonymous", "admin", "expert"])
def test_every_post_without_a_csrf_token_is_refused(app, client, auth, users, who):
    if who != "anonymous":
        auth.login(users[who].username)
    checked = 0
    for rule in _post_rules(app):
        response = client.post(_fill(rule), data={"anything": "1"})
        assert response.status_code == 400, f"POST {rule.rule} without a CSRF token gave {response.status_code}"
        assert "表单已失效" in response.text, rule.rule
        checked += 1
    assert checked > 40


def test_session_cookie_flags(app, client, users):
    response = client.get("/auth/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https_behind_the_gateway(database_url, tmp_path):
    from review_app import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "k",
            "SESSION_COOKIE_SECURE": True,
            "PROXY_FIX_HOPS": 1,
        },
        instance_path=str(tmp_path / "i"),
    )
    # Through the WSGI stack the forwarded scheme and address are believed (one proxy hop).
    from flask import request, url_for

    seen = {}

    @app.route("/_probe")
    def _probe():
        seen["scheme"], seen["addr"] = request.scheme, request.remote_addr
        seen["link"] = url_for("auth.login", _external=True)
        return "ok"

    client = app.test_client()
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    client.get("/_probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert seen["scheme"] == "https" and seen["addr"] == "203.0.113.9" and seen["link"].startswith("https://")
    app.extensions["db_engine"].dispose()


def test_security_headers_on_pages_errors_and_downloads(client, auth, users):
    auth.login("admin1")
    for url in ("/admin/", "/admin/experts", "/no-such-page", "/admin/import-template.xlsx", "/healthz"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"], url
        assert "frame-ancestors" in headers["Content-Security-Policy"], url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["X-Frame-Options"] == "SAMEORIGIN", url
        assert headers["Referrer-Policy"] == "same-origin", url


def _ready(auth, scoring):
    auth.login("expert1")
    assert auth.post(f"/expert/rounds/{scoring.round.id}/pledge", {"accept": "y"}).status_code == 302
    assert auth.post(f"/expert/sheets/{scoring.sheet.id}/declare", {"declaration": "none"}).status_code == 302


def _sheet(session, scoring) -> ScoreSheet:
    session.expire_all()
    return session.get(ScoreSheet, scoring.sheet.id)


@pytest.mark.parametrize(
    "comment",
    [COMMENT + "\x00", COMMENT + "\x1b[31m", COMMENT + "\x7f", "长" * 20_001],
    ids=["nul", "escape", "delete", "very-long"],
)
def test_hostile_text_is_refused_and_nothing_is_stored(session, auth, scoring, comment):
    _ready(auth, scoring)
    before = _sheet(session, scoring)
    events = len(session.exec(select(AuditEvent)).all())
    data = {"version": before.version, "comment": comment, "recommend": "yes"}
    data.update({f"points_{c.id}": "10" for c in scoring.criteria})
    page = auth.post(f"/expert/sheets/{scoring.sheet.id}", data)
    assert page.status_code == 400
    assert "控制字符" in page.text or "过长" in page.text or "太长" in page.text, page.text[:500]
    autosave = auth.post(f"/expert/sheets/{scoring.sheet.id}/autosave", data)
    assert autosave.status_code == 400 and autosave.json["status"] == "refused"
    after = _sheet(session, scoring)
    assert (after.version, after.comment, after.total) == (before.version, before.comment, before.total)
    assert len(session.exec(select(AuditEvent)).all()) == events


def test_sql_metacharacters_are_stored_as_plain_text(app, session, auth, scoring):
    _ready(auth, scoring)
    comment = COMMENT + "'; DROP TABLE users; -- \" OR 1=1 /* %_ \\"
    data = {"version": _sheet(session, scoring).version, "comment": comment, "recommend": "yes"}
    assert auth.post(f"/expert/sheets/{scoring.sheet.id}", data).status_code == 302
    assert _sheet(session, scoring).comment == comment
    assert session.execute(sa.text("SELECT COUNT(*) FROM users")).scalar() == 5
    # and a search box given the same is just a search
    auth.logout()
    auth.login("admin1")
    assert auth.client.get("/admin/experts", query_string={"q": "' OR 1=1 --"}).status_code == 200


def test_user_text_is_escaped_everywhere_it_is_shown(app, session, auth, users, scoring):
    application = scoring.apps[0]
    application.title = SCRIPT
    expert = session.get(Expert, users["expert"].expert_id)
    expert.name = SCRIPT
    sheet = session.get(ScoreSheet, scoring.sheet.id)
    sheet.comment = SCRIPT
    session.commit()
    auth.login("admin1")
    pages = [
        f"/admin/applications/{application.id}",
        f"/admin/experts/{expert.id}",
        "/admin/experts",
        f"/admin/rounds/{scoring.round.id}/applications",
        f"/admin/rounds/{scoring.round.id}/sheets",
        f"/admin/rounds/{scoring.round.id}/progress",
    ]
    shown = 0
    for url in pages:
        page = auth.client.get(url)
        assert page.status_code == 200, url
        assert SCRIPT not in page.text, url
        shown += "&lt;script&gt;" in page.text
    assert shown >= 3
    auth.logout()
    _ready(auth, scoring)
    page = auth.client.get(f"/expert/sheets/{scoring.sheet.id}")
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(unpacked_mb: int) -> bytes:
    """A small .xlsx-looking zip whose worksheet unpacks to `unpacked_mb` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(block)
    return buffer.getvalue()


def test_the_zip_bomb_check(app, monkeypatch):
    from review_app.services.platform import workbooks

    monkeypatch.setattr(workbooks, "MAX_UNPACKED_BYTES", 16 * 1024 * 1024)
    bomb = _bomb(workbooks.MAX_UNPACKED_BYTES // (1024 * 1024) + 1)
    assert len(bomb) < 100 * 1024  # a few dozen kilobytes on the wire
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert workbooks.xlsx_problem(b"not a zip at all") is not None
        assert "zip bomb" in workbooks.xlsx_problem(bomb)
        assert workbooks.xlsx_problem(_zip({"[Content_Types].xml": b"<Types/>"})) is None


@pytest.mark.parametrize("kind", ["garbage", "truncated", "bomb"])
def test_hostile_workbooks_are_refused_and_nothing_is_stored(app, session, auth, users, monkeypatch, kind):
    from openpyxl import Workbook

    from review_app.services.platform import workbooks

    monkeypatch.setattr(workbooks, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    good = io.BytesIO()
    Workbook().save(good)
    data = {
        "garbage": b"PK\x03\x04" + b"\xff" * 2000,
        "truncated": good.getvalue()[: len(good.getvalue()) // 2],
        "bomb": _bomb(8),
    }[kind]
    experts_before = session.execute(sa.text("SELECT COUNT(*) FROM experts")).scalar()
    auth.login("admin1")
    response = auth.post(
        "/admin/experts/import", {"file": (io.BytesIO(data), "专家库.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    expected = "压缩炸弹" if kind == "bomb" else "无法作为 Excel"
    assert expected in response.text or "Excel" in response.text
    assert session.execute(sa.text("SELECT COUNT(*) FROM experts")).scalar() == experts_before


def test_the_application_import_refuses_a_bomb(app, session, auth, users):
    from review_app.services.intake import importer

    app.config["IMPORT_MAX_UNPACKED_MB"] = 4  # the application import's own bound (IMPORT_MAX_UNPACKED_MB)
    problems = []
    with app.test_request_context():
        assert importer.read_files([("申报.xlsx", _bomb(8))], problems) == {}
    assert len(problems) == 1 and "压缩炸弹" in str(problems[0])


@pytest.mark.demo
def test_formula_injection_is_neutralised_in_the_check_report(app, session):
    from review_app.models import Application, CheckResult, Verdict
    from review_app.services.check import report

    result = session.exec(select(CheckResult)).first()
    result.override_verdict = list(Verdict)[0]
    result.override_reason = '=HYPERLINK("http://evil.example","点此")'
    round_id = session.get(Application, result.application_id).round_id
    session.commit()
    with app.test_request_context():
        text = report.report_csv(session, round_id=round_id)
    assert "HYPERLINK" in text.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_formula_injection_is_neutralised_in_the_activation_links_export(app, session, auth, users):
    expert = make_expert(session, code="E7001", name='=HYPERLINK("http://evil.example","点此")')
    expert.email = "@SUM(A1)"
    session.commit()
    auth.login("admin1")
    exported = auth.post("/admin/experts/activations.csv", {})
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == "E7001")
    assert row[1].startswith("'=HYPERLINK") and row[4] == "'@SUM(A1)"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
