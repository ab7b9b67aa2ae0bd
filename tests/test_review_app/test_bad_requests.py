"""Issue 15's web findings: redirects that leave the site, form bodies that cost a worker seconds, and
bad input that ended in a 500. Each must be a clear 4xx, leave the site never, and store nothing."""

import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest
from sqlmodel import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from review_app.models import AuditEvent, ScoreSheet
from tests.conftest import csrf_token
from tests.intake_factories import make_round, pdf_bytes
from tests.test_review_app.test_hardening import _ready

HOSTILE_TARGETS = [
    "/\t/evil.example",
    "/\t/evil.example/path",
    "/\n/evil.example",
    "\t//evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/%09/evil.example",
]


def _leaves_the_site(location: str) -> bool:
    """As a browser reads a Location: tabs and line breaks removed, backslashes as slashes."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    return bool(parts.scheme or parts.netloc) and parts.netloc not in ("", "localhost")


def _events(session) -> int:
    return len(session.exec(select(AuditEvent)).all())


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_login_never_redirects_off_site(client, auth, users, target):
    page = client.get("/auth/login", query_string={"next": target})
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"username": "admin1", "password": "Passw0rd-test", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    assert not _leaves_the_site(response.location), response.location


@pytest.mark.parametrize("target", [*HOSTILE_TARGETS, "/auth/login\r\nSet-Cookie: x=1", "/auth/login\r\n"])
def test_the_language_switch_never_redirects_off_site_nor_fails(client, target):
    page = client.get("/auth/login")
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert not _leaves_the_site(response.location), response.location
    assert "\n" not in response.location and "\r" not in response.location


def test_local_targets_are_still_followed(client, auth, users):
    page = client.get("/auth/login")
    token = csrf_token(page.text)
    response = client.post("/language", data={"lang": "en", "next": "/auth/login?x=1", "csrf_token": token})
    assert response.location == "/auth/login?x=1"
    response = client.post(
        "/auth/login",
        query_string={"next": "/admin/experts?q=1"},
        data={"username": "admin1", "password": "Passw0rd-test", "csrf_token": csrf_token(page.text)},
    )
    assert response.location == "/admin/experts?q=1"


# --- form bodies ---------------------------------------------------------------------------------


def test_a_huge_urlencoded_body_is_refused_before_it_is_parsed(client):
    body = "&".join(f"f{n}=1" for n in range(400_000)).encode()  # 3.4 MB of fields, to a page that takes none
    response = client.post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "过大" in response.text


def test_too_many_multipart_parts_are_refused(client):
    data = {f"f{n}": "1" for n in range(2_000)}
    response = client.post("/auth/login", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "过大" in response.text


def test_uploads_still_take_large_files_on_the_upload_routes(client, auth, draft):
    application = draft
    auth.login("nanjing1")
    token = csrf_token(client.get(f"/city/applications/{application.id}").text)
    big = pdf_bytes(pad=3 * 1024 * 1024)
    # encoded here, in memory: the test client spools a body this large to a file it never closes
    boundary, body = encode_multipart(
        {"kind": "agreement", "csrf_token": token, "file": FileStorage(io.BytesIO(big), "共建协议.pdf")}
    )
    response = client.post(
        f"/city/applications/{application.id}/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "已上传" in page, re.findall(r"flash[^>]*>([^<]*)", page)


# --- bad input: a clear 4xx, nothing stored ------------------------------------------------------


def test_an_opinion_without_feasibility_is_a_clear_refusal_or_saved_empty(client, auth, draft):
    auth.login("nanjing1")
    response = auth.post(f"/city/applications/{draft.id}/opinion", {"necessity": "必要"})
    assert response.status_code == 302
    assert "意见已保存" in client.get(response.location).text


@pytest.mark.parametrize(
    "extra",
    [
        {"points_²": "5"},
        {"points_" + "9" * 5000: "5"},
        {"points_" + str(2**63): "5"},
        {"version": "²"},
        {"version": str(2**63)},
        {"version": "9" * 5000},
    ],
    ids=["superscript-key", "5000-digit-key", "2^63-key", "superscript-version", "2^63-version", "5000-digit-version"],
)
def test_odd_sheet_fields_are_refused_without_a_500(session, auth, scoring, extra):
    _ready(auth, scoring)
    session.expire_all()
    before = session.get(ScoreSheet, scoring.sheet.id)
    events = _events(session)
    data = {"version": before.version, "comment": "", "recommend": "yes", **extra}
    autosave = auth.post(f"/expert/sheets/{scoring.sheet.id}/autosave", data)
    assert autosave.status_code in (200, 400, 409), autosave.status_code
    page = auth.post(f"/expert/sheets/{scoring.sheet.id}", data)
    assert page.status_code in (200, 302, 400)
    submit = auth.post(f"/expert/sheets/{scoring.sheet.id}/submit", {"version": extra.get("version", "x")})
    assert submit.status_code in (302, 400)
    session.expire_all()
    if "version" in extra:  # a version no sheet has: nothing stored at all
        assert session.get(ScoreSheet, scoring.sheet.id).version == before.version
        assert _events(session) == events


BIG = str(2**63)


def _int_rules(app, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix) and "GET" in rule.methods and any(
            type(c).__name__ == "DatabaseId" or "int" in type(c).__name__.lower() for c in rule._converters.values()
        ):
            yield rule


@pytest.mark.parametrize("who,prefix", [("admin1", "/admin/"), ("nanjing1", "/city/"), ("expert1", "/expert/")])
def test_integers_too_large_for_the_database_are_not_found(app, client, auth, users, who, prefix):
    auth.login(who)
    tried = 0
    for rule in _int_rules(app, prefix):
        values = {name: BIG for name in rule.arguments}
        values.update({k: v for k, v in {"which": "ranking", "fmt": "csv"}.items() if k in rule.arguments})
        url = rule.build(values, append_unknown=False)[1]
        response = client.get(url)
        assert response.status_code == 404, f"GET {url}: {response.status_code}"
        tried += 1
    assert tried >= 1


@pytest.mark.demo
def test_integers_too_large_in_the_query_are_ignored(app, client, auth, session):
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import Round

    round_id = session.exec(select(Round)).first().id
    auth.login("admin", DEMO_PASSWORD)
    for url in (f"/admin/rounds/{round_id}/applications", f"/admin/rounds/{round_id}/check"):
        response = client.get(url, query_string={"city": BIG})
        assert response.status_code in (200, 400), url
    auth.logout()
    auth.login("auditor", DEMO_PASSWORD)
    for query in ({"round": BIG}, {"before": BIG}, {"round": "²"}):
        response = client.get("/audit/events", query_string=query)
        assert response.status_code in (200, 400), query


# --- hostile XML inside an application workbook ---------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)
HOSTILE_SHEETS = {
    "malformed": "<worksheet><sheetData><row r='1'><c r='A1'>",
    "xxe": (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
    ),
    "billion-laughs": LAUGHS,
}


def _workbook_with_sheet_xml(xml: str) -> bytes:
    from openpyxl import Workbook

    from review_app.services.intake import template

    book = Workbook()
    book.active.title = "申请"
    book.active.append([c.header for c in template.APPLICATION_COLUMNS])
    plain = io.BytesIO()
    book.save(plain)
    hostile = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = xml.encode() if member.filename == "xl/worksheets/sheet1.xml" else source.read(member)
            target.writestr(member, data)
    return hostile.getvalue()


@pytest.mark.parametrize("kind", sorted(HOSTILE_SHEETS))
def test_the_application_import_refuses_hostile_xml_and_stores_nothing(app, client, auth, users, session, kind):
    from review_app.models import Application

    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    auth.login("admin1")
    events = _events(session)
    response = auth.post(
        f"/admin/rounds/{review_round.id}/import",
        {"file": (io.BytesIO(_workbook_with_sheet_xml(HOSTILE_SHEETS[kind])), "申报.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Excel" in response.text
    assert "root:" not in response.text
    assert session.exec(select(Application)).first() is None and _events(session) == events
