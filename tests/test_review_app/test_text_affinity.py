"""Texts for the assignment's text affinity (issue 19): the applications' 关键词 and 摘要 (city form, template,
import), the text of the uploaded 申请书, the experts' 研究方向, 代表性成果 and 关键词 (pool import, the expert's own
page, audited), and the solve using them: shared terms in the preview, panels ordered by affinity, the
archive keeping affinity.csv."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from review_app.models import Application, Assignment, AssignmentRun, Attachment, AuditEvent, Expert, Round
from review_app.services.assign import proposals
from review_app.services.assign.problem import RunChoices, build_pool
from review_app.services.intake import importer, template
from review_app.services.platform.storage import store_for
from review_app.services.review import pool_import
from tests.factories import make_round_for_assignment
from tests.intake_factories import ALL_CLAUSES, make_round, valid_code

LEAD = "914403001922038216"


def _pdf_with_text(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 12)
    page.drawString(72, 700, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _applications_workbook(columns, row: dict) -> bytes:
    book = Workbook()
    book.active.title = "申请"
    book.active.append([c.header for c in columns])
    book.active.append([row.get(c.header, "") for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


APPLICATION = {
    "申报编号": "2026320501", "创新联合体名称": "江苏省碳化硅功率器件创新联合体", "技术领域": "集成电路",
    "所属设区市": "苏州市", "牵头单位名称": "苏州华芯半导体股份有限公司", "牵头单位统一社会信用代码": LEAD,
    "牵头单位类型": "龙头企业", "共建协议条款": ALL_CLAUSES, "市科技局推荐意见": "同意推荐",
    "关键词": "碳化硅、功率器件；车规级芯片", "摘要": "突破碳化硅功率器件外延与封装。",
}


def test_the_template_adds_keywords_and_abstract_at_the_end(app):
    with app.test_request_context():
        book = load_workbook(io.BytesIO(template.template_workbook()))
    headers = [cell.value for cell in book["申请"][1]]
    assert headers[:11] == [
        "申报编号", "创新联合体名称", "技术领域", "所属设区市", "牵头单位名称", "牵头单位统一社会信用代码",
        "牵头单位类型",
        "2025年销售收入(亿元)", "2025年研发投入强度(%)", "共建协议条款", "市科技局推荐意见",
    ]
    assert headers[11:] == ["关键词", "摘要"]


def test_import_round_trip_and_an_older_file_keeps_the_texts(app, session, client, auth, users):
    with app.test_request_context():
        review_round = make_round(session)
        importer.import_files(session, review_round=review_round,
                              files=[("申报.xlsx", _applications_workbook(template.APPLICATION_COLUMNS, APPLICATION))],
                              by=None)
    session.commit()
    application = session.exec(select(Application)).one()
    assert application.keywords == "碳化硅;功率器件;车规级芯片"
    assert application.abstract == "突破碳化硅功率器件外延与封装。"
    # A file made with the older template (no 关键词, 摘要 columns) still imports and leaves them as they were.
    older = _applications_workbook(template.APPLICATION_COLUMNS[:11], {**APPLICATION, "市科技局推荐意见": "同意"})
    with app.test_request_context():
        importer.import_files(session, review_round=review_round, files=[("旧版.xlsx", older)], by=None)
    session.commit()
    session.refresh(application)
    assert application.city_opinion == "同意" and application.keywords == "碳化硅;功率器件;车规级芯片"
    auth.login("admin1")
    page = client.get(f"/admin/applications/{application.id}").text
    assert "碳化硅、功率器件、车规级芯片" in page and "突破碳化硅功率器件外延与封装。" in page


def test_the_city_form_keeps_keywords_and_abstract(client, auth, users, session, draft):
    auth.login("nanjing1")
    form = client.get(f"/city/applications/{draft.id}/edit").text
    assert 'name="keywords"' in form and 'name="abstract"' in form
    data = {
        "title": draft.title, "field": "集成电路", "lead_name": "南京芯华半导体股份有限公司",
        "lead_credit_code": valid_code(), "lead_kind": "龙头企业",
        "agreement_clauses": ["责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"],
        "keywords": "先进封装、芯粒", "abstract": "面向芯粒的晶圆级封装。",
        "members-0-name": "东南大学", "members-0-credit_code": valid_code(), "members-0-unit_type": "高校",
        "members-0-province": "江苏省", "members-0-city": "南京市", "members-0-credit_standing": "良好",
        "members-0-is_legal_person": "是",
    }
    assert auth.post(f"/city/applications/{draft.id}/edit", data).status_code == 302
    session.refresh(draft)
    assert (draft.keywords, draft.abstract) == ("先进封装;芯粒", "面向芯粒的晶圆级封装。")
    page = client.get(f"/city/applications/{draft.id}").text
    assert "先进封装、芯粒" in page and "面向芯粒的晶圆级封装。" in page
    assert 'value="先进封装; 芯粒"' in client.get(f"/city/applications/{draft.id}/edit").text


def test_the_application_forms_text_is_read_from_its_first_pages(client, auth, users, session, draft):
    auth.login("nanjing1")
    data = _pdf_with_text("本项目研制碳化硅功率器件与车规级芯片")
    response = auth.post(f"/city/applications/{draft.id}/upload",
                         {"kind": "application_form", "file": (io.BytesIO(data), "申请书.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = session.exec(select(Attachment)).one()
    assert "碳化硅功率器件与车规级芯片" in attachment.text


def _pool_workbook(header, rows) -> bytes:
    book = Workbook()
    book.active.title = "专家库"
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


POOL_HEADER = ["专家编号", "姓名", "工作单位", "单位统一社会信用代码", "所在城市", "专业领域", "职称", "最大评审数",
               "手机", "邮箱"]


def test_the_pool_import_reads_the_texts_and_an_older_file_keeps_them(session):
    row = ["P001", "王强", "东南大学", valid_code(), "南京市", "集成电路", "教授", 6, None, None]
    full = _pool_workbook(POOL_HEADER + ["研究方向", "代表性成果", "关键词"],
                          [row + ["碳化硅功率器件", "研制车规级碳化硅模块", "碳化硅、功率器件"]])
    pool_import.import_experts(session, filename="专家库.xlsx", data=full, by=None)
    session.commit()
    expert = session.exec(select(Expert).where(Expert.code == "P001")).one()
    assert (expert.research_areas, expert.achievements, expert.keywords) == (
        "碳化硅功率器件", "研制车规级碳化硅模块", "碳化硅;功率器件")
    result = pool_import.import_experts(session, filename="旧.xlsx", data=_pool_workbook(POOL_HEADER, [row]), by=None)
    session.commit()
    session.refresh(expert)
    assert result.unchanged == 1 and expert.keywords == "碳化硅;功率器件"


def test_the_expert_keeps_their_expertise_on_my_data_audited(client, auth, users, session):
    auth.login("expert1")
    page = client.get("/expert/my-data").text
    assert "我的专业方向" in page
    response = auth.post("/expert/my-data", {"research_areas": "先进封装", "achievements": "晶圆级封装量产",
                                             "keywords": "芯粒；硅通孔"})
    assert response.status_code == 302
    page = client.get("/expert/my-data").text
    assert "晶圆级封装量产" in page and 'value="芯粒; 硅通孔"' in page
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "expert.expertise")).one()
    assert "晶圆级封装量产" in event.details
    # Too long: refused with a message, nothing stored.
    auth.post("/expert/my-data", {"research_areas": "长" * 501, "achievements": "", "keywords": ""})
    assert session.get(Expert, users["expert"].expert_id).research_areas == "先进封装"


@pytest.mark.demo
def test_the_solve_prefers_by_text_explains_it_and_the_archive_keeps_it(app, client, auth, users, session):
    """On the demo pool: a round whose applications have texts; the preview shows shared terms and orders a
    panel by affinity; who may be assigned is still the field's business; the archive has affinity.csv."""
    review_round = make_round_for_assignment(session, n_applications=4, k=3)
    apps = session.exec(select(Application).where(Application.round_id == review_round.id)).all()
    texts = ("碳化硅;功率器件", "先进封装;芯粒", "模拟芯片;低功耗", "车规级芯片;可靠性测试")
    for application, terms in zip(apps, texts, strict=True):
        application.keywords, application.abstract = terms, f"突破{terms.replace(';', '与')}关键技术。"
    session.commit()
    pool = build_pool(session, review_round)
    assert pool.text is not None
    allowed = {(a, e) for a, e, _ in zip(*pool.text.table(), strict=True)}
    field_experts = {e.code for e in pool.experts.values() if "集成电路" in e.field_list}
    assert {e for _, e in allowed} == field_experts  # text never adds or removes who may be assigned
    run = proposals.propose(session, review_round=review_round, choices=RunChoices(seed=7), by=None,
                            store=store_for(app.config))
    session.commit()
    seats = session.exec(select(Assignment).where(Assignment.run_id == run.id)).all()
    assert len({round(s.affinity, 3) for s in seats}) > 3 and any(s.shared_terms for s in seats)
    auth.login("admin1")
    url = f"/admin/rounds/{review_round.id}/assignment/runs/{run.id}"
    page = client.get(url).text
    with_terms = next(s for s in seats if s.shared_terms)
    assert "、".join(with_terms.shared_terms.split(";")) in page and "按匹配度排序" in page
    ordered = client.get(url + "?sort=affinity").text
    for application in apps:
        panel = ordered.split(f"<td>{application.code}</td>")[1].split("</tr>")[0]
        shown = [float(x.split("</span>")[0]) for x in panel.split('<span class="affinity">')[1:]]
        assert shown == sorted(shown, reverse=True) and len(shown) == 3
    files = proposals_instance(app, run)
    assert "assignment/instance/affinity.csv" in files


def proposals_instance(app, run: AssignmentRun) -> dict[str, bytes]:
    from review_app.services.assign.problem import frozen_instance

    return frozen_instance(store_for(app.config), run)


@pytest.mark.demo
def test_the_demo_round_shows_varied_affinities_and_shared_terms(client, auth, users, session, runner, tmp_path):
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    run = session.exec(select(AssignmentRun).where(AssignmentRun.round_id == review_round.id)).first()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/assignment/runs/{run.id}").text
    shown = {x.split("</span>")[0] for x in page.split('<span class="affinity">')[1:]}
    assert len(shown) >= 10  # not every affinity 1.00 any more
    assert page.count('class="shared-terms"') > 100
    out = tmp_path / "round.zip"
    result = runner.invoke(args=["archive", "--round", str(review_round.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        affinity = archive.read("assignment/instance/affinity.csv").decode()
    assert affinity.startswith("app_id,expert_id,score")
