"""The registry's import template (design.md, `import-consortia`): sheet `联合体`, one consortium a row,
and sheet `成员单位` with the applications template's member columns, keyed by 联合体编号."""

import io

from ..intake import fields, notice
from ..intake import template as applications_template
from ..platform import sheet_templates
from ..platform.tables import Column

CONSORTIUM_SHEET, MEMBER_SHEET = "联合体", applications_template.MEMBER_SHEET
KEY_HEADER = "联合体编号"
CONSORTIUM_COLUMNS = (
    Column(KEY_HEADER, "code", True, ("consortium_code", "code"), 32),
    Column("联合体名称", "name", True, ("name", "consortium"), 200),
    Column("技术领域", "field", True, ("field",), 64),
    Column("所属设区市", "city", True, ("city",), 32),
    Column("牵头单位名称", "lead_name", True, ("lead_name", "lead_org"), 200),
    Column("牵头单位统一社会信用代码", "lead_code", True, ("lead_credit_code", "lead_code"), 32),
    Column("认定年度", "year", True, ("established_year", "recognition_year", "year"), 8),
)
# The applications template's member columns, keyed by the consortium instead of the application.
MEMBER_COLUMNS = (
    Column(KEY_HEADER, "code", True, ("consortium_code", "code"), 32),
    *applications_template.MEMBER_COLUMNS[1:],
)
SHEETS = {CONSORTIUM_SHEET: CONSORTIUM_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}
SHEET_TITLES = {CONSORTIUM_SHEET: CONSORTIUM_SHEET, MEMBER_SHEET: MEMBER_SHEET, "consortia": CONSORTIUM_SHEET,
                "members": MEMBER_SHEET}


def template_workbook(tech_fields: tuple[str, ...] = fields.DEFAULT_FIELDS) -> bytes:
    """The registry template: both sheets, dropdowns for the enumerations, codes kept as text, and a
    sheet of instructions."""
    member_dropdowns = applications_template.member_dropdowns()
    dropdowns = {
        CONSORTIUM_SHEET: {"技术领域": tech_fields, "所属设区市": notice.CITIES},
        MEMBER_SHEET: member_dropdowns,
    }
    text_columns = {KEY_HEADER, "牵头单位统一社会信用代码", "统一社会信用代码"}
    return sheet_templates.template_workbook(
        SHEETS, dropdowns, text_columns, HELP_LINES, open_columns={"所在省份": "，也可填写其他省份"}
    )


HELP_LINES = [
    "江苏省创新联合体名录导入模板 填写说明",
    "1. “联合体”表每行一个已认定的创新联合体，“成员单位”表每行一个成员单位，两表以“联合体编号”对应；表头请勿修改。",
    "2. 联合体编号唯一标识一个联合体：编号已在名录中的行更新该联合体，其余行新增。认定年度填四位年份（如 2024）。",
    "3. 技术领域从下拉列表中选择；所属设区市为江苏省13个设区市之一；统一社会信用代码为18位，导入时校验。",
    "4. 成员单位各列与申报导入模板的“成员单位”表相同：单位类型：" + "、".join(notice.UNIT_TYPES)
    + "；信用状况：良好 或 失信；是否独立法人：是 或 否。",
    "5. 导入的联合体的成员单位即“成员单位”表为它列出的单位（未列出的原有成员移除）；不含“成员单位”表时成员不变。",
    "6. 导入时全部校验：任何一行有误则整份文件不导入，并列出每一处错误（表、行、列、原因）。",
    "7. 同一文件重复导入不会产生任何变化；变化的行会更新，并记入审计日志（修改前后的值）。",
    "示例（联合体）：LHT2024001 | 江苏省第三代半导体创新联合体 | 第三代半导体 | 苏州市 | 苏州晶瑞半导体股份有限公司 | "
    "91320500MA1XXXXXXX | 2024",
    "示例（成员单位）：LHT2024001 | 苏州大学 | 12320000466007613E | 高校 | 江苏省 | 苏州市 | 良好 | 是 |",
]


def filled_workbook(consortia: list[dict[str, object]], members: list[dict[str, object]]) -> bytes:
    """The template with rows filled in (the demo's registry, a sample file): each row a dict by header."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template_workbook()))
    for name, rows in ((CONSORTIUM_SHEET, consortia), (MEMBER_SHEET, members)):
        sheet, headers = workbook[name], [c.header for c in SHEETS[name]]
        for number, row in enumerate(rows, start=2):
            for col, header in enumerate(headers, start=1):
                value = row.get(header)
                sheet.cell(row=number, column=col, value=None if value is None else str(value))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
