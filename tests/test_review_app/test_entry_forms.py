"""Issue 16, forms that keep what was typed and say their limits: an over-long field is an error on that
field with the others kept (no page-wide 400), the browser's limits are the server's, required fields are
marked, submitting asks first, the upload limit and Chinese file inputs are shown before uploading, amounts
read as numbers, the credit-code input fits 18 characters, the annual page shows the city's opinion once;
and the expert pool's template."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from review_app.city.forms import ApplicationForm
from review_app.services.review import pool, pool_import
from tests.intake_factories import make_city_application, make_round
from tests.test_review_app.test_city import new_application_form
from tests.test_review_app.test_pool import CODE_A


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        review_round = make_round(session)
    session.commit()
    return review_round


@pytest.mark.parametrize("length", [5001, 25_000])
def test_an_over_long_opinion_is_an_error_on_its_field_and_keeps_the_rest(client, auth, users, rnd, length):
    auth.login("nanjing1")
    form = new_application_form(necessity="很" * length, title="江苏省保留输入创新联合体")
    response = auth.post(f"/city/rounds/{rnd.id}/applications/new", form)
    assert response.status_code == 200  # not the page-wide 400 that threw the input away
    page = response.text
    assert re.search(r'name="necessity"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="necessity"', page)
    assert "不能超过 5000 个字符" in page or "5000" in page
    assert 'value="江苏省保留输入创新联合体"' in page and "车规级芯片是本市重点产业链短板" not in page
    assert "牵头单位研发基础扎实。" in page  # the feasibility typed is still there


def test_client_limits_equal_server_limits(client, auth, users, rnd):
    auth.login("nanjing1")
    page = client.get(f"/city/rounds/{rnd.id}/applications/new").text
    with client.application.test_request_context():
        form = ApplicationForm()
        for name in ("necessity", "feasibility", "city_opinion", "abstract"):
            limit = next(v.max for v in getattr(form, name).validators if hasattr(v, "max"))
            tag = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', page).group(0)
            assert f'data-max-length="{limit}"' in tag and "maxlength" not in tag  # no silent cut of a paste
        for name in ("title", "lead_name", "keywords"):
            limit = next(v.max for v in getattr(form, name).validators if hasattr(v, "max"))
            tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
            assert f'maxlength="{limit}"' in tag
    assert "js/forms.js" in page


def test_required_fields_are_marked_and_the_credit_code_input_fits(client, auth, users, rnd):
    auth.login("nanjing1")
    page = client.get(f"/city/rounds/{rnd.id}/applications/new").text
    assert '<span class="field-label required">创新联合体名称</span>' in page
    assert re.search(r'<span class="field-label">关键词', page)  # optional: no mark
    tag = re.search(r'<input[^>]*name="lead_credit_code"[^>]*>', page).group(0)
    assert 'class="credit-code"' in tag and 'size="20"' in tag
    member = re.search(r'<input[^>]*name="members-0-credit_code"[^>]*>', page).group(0)
    assert 'class="credit-code"' in member


def test_submitting_asks_first_and_uploads_show_the_limit_in_chinese(client, auth, users, session, rnd):
    application = make_city_application(session, rnd, code="NJ1", status="draft", revenue="56.8")
    session.commit()
    auth.login("nanjing1")
    page = client.get(f"/city/applications/{application.id}").text
    assert re.search(r'data-confirm="确认提交省中心？[^"]*"[^>]*>|data-confirm="确认提交省中心', page)
    assert "PDF 格式，不超过 20 MB" in page and "选择文件" in page and "未选择文件" in page
    assert 'data-max-bytes="20971520"' in page
    assert "<dd class=\"amount\">56.8</dd>" in page and "56.8000" not in page
    edit = client.get(f"/city/applications/{application.id}/edit").text
    assert 'value="56.8"' in edit and "56.8000" not in edit
    assert session.get(type(application), application.id).revenue_2025 == Decimal("56.8")


@pytest.fixture
def annual_report(app, session):
    """A draft annual self-evaluation report of one of 南京市's consortia."""
    from review_app.models import Consortium  # noqa: PLC0415

    with app.test_request_context():
        annual = make_round(session, name="年度自评", kind="annual_evaluation")
        report = make_city_application(session, annual, code="Y1", status="draft")
    consortium = Consortium(code="LHT2024001", name="既有联合体", city_id=report.city_id,
                            lead_org_id=report.lead_org_id, field="集成电路",
                            established_year=2024)
    session.add(consortium)
    session.flush()
    report.consortium_id = consortium.id
    session.commit()
    return report


def test_the_annual_page_shows_the_citys_opinion_once(client, auth, users, annual_report):
    auth.login("nanjing1")
    page = client.get(f"/city/applications/{annual_report.id}").text
    assert page.count("市科技局意见") == 1


@pytest.mark.parametrize("length", [5001, 25_000])
def test_an_over_long_annual_opinion_keeps_both_texts_and_saves_nothing(client, auth, users, session, annual_report,
                                                                       length):
    auth.login("nanjing1")
    response = auth.post(f"/city/applications/{annual_report.id}/opinion",
                         {"necessity": "很" * length, "feasibility": "联合体年度任务完成良好。"})
    assert response.status_code == 200  # the page again, not a redirect or a page-wide 400
    page = response.text
    assert re.search(r'name="necessity"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="necessity"', page)
    assert "很" * 100 in page and "联合体年度任务完成良好。" in page  # both texts still in the form
    session.expire_all()
    assert session.get(type(annual_report), annual_report.id).feasibility != "联合体年度任务完成良好。"


def test_the_expert_pool_template_has_the_import_columns_dropdowns_and_instructions(client, auth, users, session):
    auth.login("admin1")
    assert "/admin/experts/template.xlsx" in client.get("/admin/experts").text
    response = client.get("/admin/experts/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["专家库", "填写说明"]
    assert [c.value for c in book["专家库"][1]] == [c.header for c in pool.COLUMNS]
    offered = {}
    for dv in book["专家库"].data_validations.dataValidation:
        source, cells = dv.formula1.split("!")
        offered[str(dv.sqref)] = [r[0].value for r in book[source.strip("'")][cells.replace("$", "")]]
    assert "新能源汽车" in offered["F2:F1000"] and "量子科技" in offered["F2:F1000"]  # 专业领域
    assert "宿迁市" in offered["E2:E1000"]
    assert "专业领域须取自技术领域列表" in "".join(c.value or "" for c in book["填写说明"]["A"])
    # the template, filled in, imports
    sheet = book["专家库"]
    sheet.append(["T001", "李工", "东南大学", CODE_A, "南京市", "新能源汽车;量子科技", "教授", 5, "", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    with client.application.test_request_context():
        result = pool_import.import_experts(session, filename="专家库.xlsx", data=buffer.getvalue(), by=None)
    assert result.created == 1
