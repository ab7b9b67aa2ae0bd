"""Issue 15's findings about files and personal data: PDFs parsed before they are kept (no look-alikes, no
active content, always stored and served as .pdf), replaced uploads leave the disk, the workbook unpack
cap, revealing contact details only by POST, and a recused expert no longer opening the application."""

import io
import zipfile

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlmodel import select

from review_app.models import Assignment, AssignmentState, Attachment, AuditEvent, Expert
from review_app.services.platform import storage
from tests.factories import make_scoring_round
from tests.intake_factories import make_city_application, pdf_bytes


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _open_action(kind: str, **entries):
    def build(writer):
        action = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, value in entries.items():
            action[NameObject(f"/{key}")] = TextStringObject(value)
        writer._root_object[NameObject("/OpenAction")] = action

    return build


def _document_script(writer):
    """A document-level script: /Names /JavaScript in the catalogue, run when the file opens."""
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('x');")})
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


HOSTILE = {
    "html-look-alike": b"<html><!-- %PDF-1.4 --><script>alert(document.cookie)</script><!-- %%EOF -->\n%%EOF\n",
    "pdf-header-html-body": b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
    "document-javascript": _pdf(_document_script),
    "open-action-javascript": _pdf(_open_action("/JavaScript", JS="app.alert('x');")),
    "launch": _pdf(_open_action("/Launch", F="calc.exe")),
    "embedded-file": _pdf(lambda w: w.add_attachment("setup.exe", b"MZ\x90\x00")),
}


def upload(auth, application, data, name="申请书.pdf", kind="application_form"):
    return auth.post(
        f"/city/applications/{application.id}/upload",
        {"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_pdfs_are_refused_and_nothing_is_stored(app, auth, session, draft, kind):
    auth.login("nanjing1")
    events = len(session.exec(select(AuditEvent)).all())
    page = upload(auth, draft, HOSTILE[kind])
    assert "已上传" not in page.text
    assert "不是 PDF" in page.text or "主动内容" in page.text or "无法作为 PDF" in page.text, kind
    assert session.exec(select(Attachment)).first() is None
    assert len(session.exec(select(AuditEvent)).all()) == events
    root = storage.store_for(app.config).root
    assert not [p for p in root.rglob("*") if p.is_file()] if root.exists() else True


def test_a_pdf_keeps_its_name_but_is_always_stored_and_served_as_pdf(app, client, auth, session, draft):
    auth.login("nanjing1")
    page = upload(auth, draft, pdf_bytes("共建协议"), name="setup.exe", kind="agreement")
    assert "setup.pdf" in page.text
    attachment = session.exec(select(Attachment)).one()
    assert attachment.filename == "setup.pdf"
    download = client.get(f"/city/attachments/{attachment.id}")
    assert download.mimetype == "application/pdf" and "setup.pdf" in download.headers["Content-Disposition"]
    download.close()


def test_a_replaced_upload_leaves_the_disk(app, auth, session, draft):
    store = storage.store_for(app.config)
    auth.login("nanjing1")
    upload(auth, draft, pdf_bytes("v1"), kind="agreement")
    first = session.exec(select(Attachment)).one().sha256
    assert store.exists(first)
    upload(auth, draft, pdf_bytes("v2"), kind="agreement")
    session.expire_all()
    second = session.exec(select(Attachment)).one().sha256
    assert store.exists(second) and not store.exists(first)


def test_a_file_another_application_keeps_is_not_removed(app, auth, session, draft):
    other = make_city_application(session, _round(session, draft), code="NJ2", status="draft", pledge=False)
    session.commit()
    store = storage.store_for(app.config)
    auth.login("nanjing1")
    shared = pdf_bytes("同一份文件")
    upload(auth, draft, shared, kind="agreement")
    upload(auth, other, shared, kind="agreement")
    digest = session.exec(select(Attachment)).first().sha256
    upload(auth, draft, pdf_bytes("新版本"), kind="agreement")
    assert store.exists(digest)  # still the other application's agreement


def _round(session, application):
    from review_app.models import Round

    return session.get(Round, application.round_id)


def _bomb(unpacked_mb: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(b"0" * (1024 * 1024))
    return buffer.getvalue()


def test_a_workbook_unpacking_to_tens_of_megabytes_is_refused_as_it_is(app):
    from review_app.services.platform import workbooks

    bomb = _bomb(40)  # the attack unpacked to 180 MB; a real import of 10,000 experts to 6.3 MB
    assert len(bomb) < 200 * 1024
    with app.test_request_context():
        assert "压缩炸弹" in workbooks.xlsx_problem(bomb)


# --- personal data ----------------------------------------------------------------------------------


@pytest.fixture
def contact(session, users):
    expert = session.get(Expert, users["expert"].expert_id)
    expert.phone, expert.email = "13812341234", "zhangwei@example.cn"
    session.commit()
    return expert


def _reveals(session):
    return session.exec(select(AuditEvent).where(AuditEvent.action == "expert.pii_view")).all()


def test_a_link_reveals_nothing_only_the_pages_post_does(client, auth, session, contact):
    auth.login("admin1")
    # what a link on another site can make the admin's browser do: GETs
    for url in (f"/admin/experts/{contact.id}?reveal=1", f"/admin/experts/{contact.id}/edit"):
        page = client.get(url, follow_redirects=True)
        assert page.status_code == 200 and "13812341234" not in page.text, url
    assert _reveals(session) == []
    revealed = auth.post(f"/admin/experts/{contact.id}/reveal")
    assert "13812341234" in revealed.text and len(_reveals(session)) == 1
    form = auth.post(f"/admin/experts/{contact.id}/edit", {"open": "1"})
    assert 'value="13812341234"' in form.text and len(_reveals(session)) == 2


# --- a recused expert --------------------------------------------------------------------------------


def test_a_recused_expert_no_longer_opens_the_application(app, client, auth, session, users):
    expert = session.get(Expert, users["expert"].expert_id)
    review_round, apps, sheets = make_scoring_round(session, experts=[expert])
    sheet = sheets[("E9001", apps[0].code)]
    session.commit()
    auth.login("expert1")
    auth.post(f"/expert/rounds/{review_round.id}/pledge", {"accept": "y"})
    assert client.get(f"/expert/sheets/{sheet.id}").status_code == 200
    auth.post(f"/expert/sheets/{sheet.id}/declare", {"declaration": "conflict", "reason": "曾与牵头单位合作"})
    session.expire_all()
    assert session.get(Assignment, sheet.assignment_id).state == AssignmentState.RECUSED
    page = client.get(f"/expert/sheets/{sheet.id}")
    assert page.status_code == 404 and apps[0].title not in page.text
    assert client.get(f"/expert/sheets/{sheet.id}/confirm").status_code == 404
