"""The city portal: its own city only (GET and POST), applications with member rows, PDF uploads,
submission within the quota, the deadline, and annual self-evaluation reports."""

import io
from datetime import timedelta

import pytest
from sqlmodel import select

from review_app.models import Application, ApplicationMember, Attachment, AuditEvent, Consortium, RoundStage
from review_app.models._base import utcnow
from review_app.services import rounds
from review_app.services.intake import attachments
from tests.intake_factories import make_city_application, make_round, make_unit, pdf_bytes, valid_code

KINDS = ("application_form", "construction_plan", "agreement", "recommendation", "pledge")


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    return review_round


def new_application_form(**over):
    form = {
        "title": "江苏省车规级芯片创新联合体",
        "field": "集成电路",
        "lead_name": "南京芯华半导体股份有限公司",
        "lead_credit_code": valid_code(),
        "lead_kind": "龙头企业",
        "revenue_2025": "10",
        "rd_intensity_2025": "3",
        "agreement_clauses": ["责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"],
        "necessity": "车规级芯片是本市重点产业链短板。",
        "feasibility": "牵头单位研发基础扎实。",
        "members-0-name": "东南大学",
        "members-0-credit_code": valid_code(),
        "members-0-unit_type": "高校",
        "members-0-province": "江苏省",
        "members-0-city": "南京市",
        "members-0-credit_standing": "良好",
        "members-0-is_legal_person": "是",
    }
    form.update(over)
    return form


def upload(auth, application_id, kind, data, name="申请书.pdf"):
    return auth.post(
        f"/city/applications/{application_id}/upload",
        {"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_city_creates_edits_and_submits_an_application(client, auth, users, session, rnd):
    auth.login("nanjing1")
    page = client.get("/city/").text
    assert "新建申报" in page
    # add a member row without saving
    response = auth.post(f"/city/rounds/{rnd.id}/applications/new", new_application_form(add_member="y"))
    assert response.status_code == 200 and response.text.count('class="member-row"') == 2
    assert session.exec(select(Application)).first() is None
    response = auth.post(
        f"/city/rounds/{rnd.id}/applications/new",
        new_application_form(
            **{
                "members-1-name": "南京配套有限公司",
                "members-1-credit_code": valid_code(),
                "members-1-unit_type": "企业",
                "members-1-credit_standing": "良好",
                "members-1-is_legal_person": "是",
            }
        ),
    )
    application = session.exec(select(Application)).one()
    assert response.location == f"/city/applications/{application.id}"
    assert application.code == "2026320101" and application.status == "draft"
    assert len(session.exec(select(ApplicationMember)).all()) == 2

    # remove the second member row through the edit form
    edit = new_application_form(
        **{
            "members-1-name": "南京配套有限公司",
            "members-1-credit_code": valid_code(),
            "members-1-unit_type": "企业",
            "members-1-credit_standing": "良好",
            "members-1-is_legal_person": "是",
        }
    )
    response = auth.post(f"/city/applications/{application.id}/edit", {**edit, "remove_member": "1"})
    assert response.text.count('class="member-row"') == 1
    for key in [k for k in edit if k.startswith("members-1-")]:
        del edit[key]
    assert auth.post(f"/city/applications/{application.id}/edit", edit).status_code == 302
    session.expire_all()
    assert len(session.exec(select(ApplicationMember)).all()) == 1

    # submission needs the four PDFs
    response = auth.post(f"/city/applications/{application.id}/submit", follow_redirects=True)
    assert "提交前请补充：申请书、建设方案、共建协议、审核推荐意见、申报单位真实性承诺（盖章扫描件）" in response.text
    for kind in KINDS:
        assert upload(auth, application.id, kind, pdf_bytes(kind)).status_code == 302
    response = auth.post(f"/city/applications/{application.id}/submit", follow_redirects=True)
    assert "已提交省中心" in response.text
    session.expire_all()
    assert session.get(Application, application.id).status == "submitted"
    # submitted applications are locked until withdrawn
    response = auth.post(f"/city/applications/{application.id}/edit", edit, follow_redirects=True)
    assert "已提交的申报已锁定" in response.text
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions.count("attachment.upload") == len(KINDS) and "application.submit" in actions


def test_a_bad_credit_code_is_a_clear_form_error(client, auth, users, session, rnd):
    auth.login("nanjing1")
    response = auth.post(
        f"/city/rounds/{rnd.id}/applications/new", new_application_form(lead_credit_code="914403001922038217")
    )
    assert response.status_code == 200 and "统一社会信用代码无效：校验位错误" in response.text
    assert session.exec(select(Application)).first() is None


def test_a_city_cannot_read_or_change_another_citys_application(client, auth, users, session, rnd):
    suzhou = make_city_application(session, rnd, code="SZ1", city="苏州市", status="draft")
    session.add(Attachment(application_id=suzhou.id, kind="agreement", filename="x.pdf", sha256="0" * 64, size=1))
    session.commit()
    attachment = session.exec(select(Attachment).where(Attachment.kind == "agreement")).one()
    auth.login("nanjing1")
    for path in (
        f"/city/applications/{suzhou.id}",
        f"/city/applications/{suzhou.id}/edit",
        f"/city/attachments/{attachment.id}",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("edit", "submit", "withdraw", "delete", "opinion"):
        response = auth.post(f"/city/applications/{suzhou.id}/{action}", new_application_form())
        assert response.status_code == 404, action
    assert upload(auth, suzhou.id, "agreement", pdf_bytes()).status_code == 404
    session.expire_all()
    assert session.get(Application, suzhou.id).title == "江苏省SZ1创新联合体"
    assert session.get(Application, suzhou.id).status == "draft"
    assert "SZ1" not in client.get("/city/").text
    # and the province's pages are not the city's
    assert client.get(f"/admin/applications/{suzhou.id}").status_code == 403


def test_uploads_are_checked_by_content_and_size_and_keep_chinese_names(app, client, auth, users, session, rnd):
    application = make_city_application(session, rnd, code="NJ1", status="draft", pledge=False)
    session.commit()
    auth.login("nanjing1")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
    response = upload(auth, application.id, "application_form", png, name="申请书.pdf")
    assert response.status_code == 302
    assert "文件不是 PDF" in client.get(response.location).text
    app.config["UPLOAD_MAX_BYTES"] = 10_000
    response = upload(auth, application.id, "application_form", pdf_bytes(pad=20_000))
    assert "文件过大：最大" in client.get(response.location).text
    assert session.exec(select(Attachment)).first() is None

    data = pdf_bytes("共建协议")
    name = "南京芯华·共建协议（2026年盖章版）.pdf"
    response = upload(auth, application.id, "agreement", data, name=name)
    attachment = session.exec(select(Attachment)).one()
    assert attachment.filename == name and attachment.size == len(data)
    download = client.get(f"/city/attachments/{attachment.id}")
    assert download.data == data
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert "%E5%85%B1%E5%BB%BA%E5%8D%8F%E8%AE%AE" in download.headers["Content-Disposition"]  # 共建协议
    download.close()
    # a replacement of the same kind replaces the attachment, the store keeps both files by hash
    upload(auth, application.id, "agreement", pdf_bytes("v2"), name="v2.pdf")
    session.expire_all()
    assert [a.filename for a in session.exec(select(Attachment))] == ["v2.pdf"]


def test_the_quota_is_enforced_at_submission(app, auth, users, session, rnd):
    rnd.city_quota = 2
    drafts = [make_city_application(session, rnd, code=f"NJ{n}", status="draft") for n in range(3)]
    for application in drafts:
        for kind in KINDS:
            session.add(Attachment(application_id=application.id, kind=kind, filename="a.pdf", sha256="0" * 64, size=1))
    make_city_application(session, rnd, code="SZ1", city="苏州市")  # another city's submissions do not count
    session.commit()
    auth.login("nanjing1")
    for application in drafts[:2]:
        auth.post(f"/city/applications/{application.id}/submit")
    response = auth.post(f"/city/applications/{drafts[2].id}/submit", follow_redirects=True)
    assert "本市在本轮次已推荐 2 项，已达限额 2 项，不能再提交" in response.text
    session.expire_all()
    assert session.get(Application, drafts[2].id).status == "draft"
    # withdrawing one frees a place
    auth.post(f"/city/applications/{drafts[0].id}/withdraw")
    auth.post(f"/city/applications/{drafts[2].id}/submit")
    session.expire_all()
    assert [session.get(Application, a.id).status for a in drafts] == ["draft", "submitted", "submitted"]


def test_after_the_city_deadline_nothing_changes(app, client, auth, users, session, rnd):
    application = make_city_application(session, rnd, code="NJ1", status="draft")
    rnd.city_deadline = utcnow() - timedelta(minutes=1)
    session.commit()
    auth.login("nanjing1")
    assert "新建申报" not in client.get("/city/").text
    assert "截止时间已过" in client.get("/city/").text
    response = auth.post(f"/city/applications/{application.id}/submit", follow_redirects=True)
    assert "设区市报送截止时间已过" in response.text
    response = upload(auth, application.id, "agreement", pdf_bytes())
    assert "设区市报送截止时间已过" in client.get(response.location).text
    response = auth.post(f"/city/rounds/{rnd.id}/applications/new", new_application_form(), follow_redirects=True)
    assert "设区市报送截止时间已过" in response.text
    session.expire_all()
    assert session.get(Application, application.id).status == "draft"
    assert len(session.exec(select(Application)).all()) == 1


def test_annual_reports_are_uploaded_and_submitted_by_the_consortiums_city(app, client, auth, users, session):
    from review_app.models import City

    city_id = session.exec(select(City.id).where(City.name == "南京市")).one()
    lead = make_unit(session, "已建联合体牵头集团有限公司")
    session.add(
        Consortium(
            code="LHT2024001", name="江苏省某创新联合体", city_id=city_id, lead_org_id=lead.id, field="新材料",
            established_year=2024,
        )
    )
    with app.test_request_context():
        annual = make_round(session, name="2026年度自评", kind="annual_evaluation", stage="draft")
        rounds.advance(session, review_round=annual, to_stage=RoundStage.INTAKE, by=users["admin"])
    session.commit()
    consortium = session.exec(select(Consortium)).one()
    auth.logout()
    auth.login("suzhou1")  # another city cannot open it
    assert auth.post(f"/city/rounds/{annual.id}/consortia/{consortium.id}/report").status_code == 404
    auth.logout()
    auth.login("nanjing1")
    page = client.get("/city/").text
    assert "江苏省某创新联合体" in page and "准备自评报告" in page
    response = auth.post(f"/city/rounds/{annual.id}/consortia/{consortium.id}/report")
    report = session.exec(select(Application).where(Application.round_id == annual.id)).one()
    assert response.location == f"/city/applications/{report.id}"
    assert report.consortium_id == consortium.id and report.status == "draft"
    # opening it again finds the same report
    assert auth.post(f"/city/rounds/{annual.id}/consortia/{consortium.id}/report").location == response.location
    page = client.get(f"/city/applications/{report.id}").text
    assert "年度自评报告" in page and "未上传" in page
    response = auth.post(f"/city/applications/{report.id}/submit", follow_redirects=True)
    assert "提交前请补充：年度自评报告" in response.text
    upload(auth, report.id, "self_evaluation", pdf_bytes("自评"), name="2026年度自评报告.pdf")
    upload(auth, report.id, "application_form", pdf_bytes())  # not a document of this round
    response = auth.post(f"/city/applications/{report.id}/submit", follow_redirects=True)
    assert "提交前请补充：必要性意见、可行性意见" in response.text  # the city's opinion, as for a new application
    auth.post(f"/city/applications/{report.id}/opinion", data={"necessity": "运行良好", "feasibility": "计划可行"})
    response = auth.post(f"/city/applications/{report.id}/submit", follow_redirects=True)
    assert "已提交省中心" in response.text
    session.expire_all()
    assert session.get(Application, report.id).status == "submitted"
    assert [a.kind for a in session.exec(select(Attachment))] == ["self_evaluation"]
    auth.logout()
    auth.login("suzhou1")
    assert client.get(f"/city/applications/{report.id}").status_code == 404


def test_pdf_problem_and_filename_cleaning(app):
    with app.test_request_context():
        assert attachments.pdf_problem(pdf_bytes()) is None
        assert attachments.pdf_problem(b"") == "文件为空。"
        assert "不完整" in attachments.pdf_problem(b"%PDF-1.7\n1 0 obj")
    assert attachments.clean_filename("C:\\Users\\张三\\申请书.pdf") == "申请书.pdf"
    assert attachments.clean_filename("../../etc/passwd") == "passwd.pdf"  # always stored and served as .pdf
    assert attachments.clean_filename("\x00\n") == "attachment.pdf"


@pytest.mark.demo
def test_a_city_downloads_its_own_results_once_the_round_is_published(client, auth, session):
    import csv

    from review_app.demo import DEMO_PASSWORD, DEMO_ROUND_NAME
    from review_app.models import City, Expert, RankingRun, Round, User
    from review_app.services.results import rank
    from tests.factories import publish_ranking

    review_round = session.exec(select(Round).where(Round.name == DEMO_ROUND_NAME)).one()
    nanjing = session.exec(select(City).where(City.name == "南京市")).one()
    bureau = session.exec(select(User).where(User.city_id == nanjing.id)).first()
    auth.login(bureau.username, DEMO_PASSWORD)
    url = f"/city/rounds/{review_round.id}/results.csv"
    assert client.get(url).status_code == 404  # still scoring: nothing to publish

    run = publish_ranking(session, review_round, cutoff=20)

    assert "下载本市申报项目的评审结果（CSV）" in client.get("/city/").text
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    own = {
        a.code
        for a in session.exec(
            select(Application).where(Application.round_id == review_round.id, Application.city_id == nanjing.id)
        )
    }
    ranked = {r.application.code for r in rank.results(session, run=run)}
    assert rows[0][:3] == ["排名", "申报编号", "创新联合体名称"]
    assert {row[1] for row in rows[1:]} == own & ranked and all(row[3] == "南京市" for row in rows[1:])
    names = {e.name for e in session.exec(select(Expert))}
    assert not names & {cell for row in rows for cell in row}
    session.expire_all()
    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.target_id) for e in exported] == [(bureau.id, str(run.id))]
    assert session.get(RankingRun, run.id).is_final
