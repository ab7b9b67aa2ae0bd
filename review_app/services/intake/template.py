"""The application import template (design.md, "Application import template"): its two sheets and
their columns, which the import reads, and the .xlsx workbook the centre hands out: Chinese headers,
dropdowns for the enumerations, codes kept as text, and a sheet of instructions."""

from ..platform import sheet_templates
from ..platform.tables import Column
from . import fields, notice

APPLICATION_SHEET, MEMBER_SHEET, HELP_SHEET = "申请", "成员单位", "填写说明"
APPLICATION_COLUMNS = (
    Column("申报编号", "code", True, ("code", "application_code"), 32),
    Column("创新联合体名称", "title", True, ("title", "consortium"), 200),
    Column("技术领域", "field", True, ("field",), 64),
    Column("所属设区市", "city", True, ("city",), 32),
    Column("牵头单位名称", "lead_name", True, ("lead_name", "lead_org"), 200),
    Column("牵头单位统一社会信用代码", "lead_code", True, ("lead_credit_code", "lead_code"), 32),
    Column("牵头单位类型", "lead_kind", True, ("lead_kind",), 32),
    Column("2025年销售收入(亿元)", "revenue", False, ("revenue_2025", "revenue"), 32),
    Column("2025年研发投入强度(%)", "rd", False, ("rd_intensity_2025", "rd_intensity"), 32),
    Column("共建协议条款", "clauses", False, ("agreement_clauses",), 200),
    Column("市科技局推荐意见", "opinion", False, ("city_opinion", "opinion"), 5000),
    # Added for the assignment's text affinity (issue 19), at the end: files made with the older template,
    # without them, still import (and leave the applications' keywords and abstracts as they were).
    Column("关键词", "keywords", False, ("keywords",), 200, may_be_absent=True),
    Column("摘要", "abstract", False, ("abstract", "summary"), 2000, may_be_absent=True),
)
MEMBER_COLUMNS = (
    Column("申报编号", "code", True, ("code", "application_code"), 32),
    Column("单位名称", "name", True, ("name", "org_name"), 200),
    Column("统一社会信用代码", "credit_code", True, ("credit_code",), 32),
    Column("单位类型", "unit_type", True, ("unit_type",), 32),
    Column("所在省份", "province", True, ("province",), 32),
    Column("所在城市", "city", False, ("city",), 32),
    Column("信用状况", "standing", True, ("credit_standing", "standing"), 8),
    # Added for complete declarations (issue 16), at the end: files made with the older template, without
    # them, still import (a new member is then "not declared", which rule R10 reports; a member already
    # declared keeps its declaration).
    Column("是否独立法人", "legal", False, ("is_legal_person", "legal_person"), 4, may_be_absent=True),
    Column("资质或服务能力", "qualification", False, ("qualification",), 500, may_be_absent=True),
)
SHEETS = {APPLICATION_SHEET: APPLICATION_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}


def template_workbook(tech_fields: tuple[str, ...] = fields.DEFAULT_FIELDS) -> bytes:
    """The import template: both sheets with their Chinese headers, dropdowns for the enumerations (the
    technical fields: the round's controlled list), text format for codes (so Excel keeps long numbers as
    written), and a sheet of instructions."""
    dropdowns = {
        APPLICATION_SHEET: {"技术领域": tech_fields, "所属设区市": notice.CITIES, "牵头单位类型": notice.LEAD_KINDS},
        MEMBER_SHEET: member_dropdowns(),
    }
    text_columns = {"申报编号", "牵头单位统一社会信用代码", "统一社会信用代码"}
    return sheet_templates.template_workbook(
        SHEETS, dropdowns, text_columns, _help_lines(tech_fields), open_columns={"所在省份": "，也可填写其他省份"}
    )


def member_dropdowns() -> dict[str, tuple[str, ...]]:
    """The 成员单位 sheet's dropdowns (the registry's template has the same sheet)."""
    return {
        "单位类型": notice.UNIT_TYPES,
        "信用状况": notice.CREDIT_STANDINGS,
        "所在省份": notice.PROVINCES_HINT,
        "是否独立法人": tuple(notice.LEGAL_ANSWERS),
    }


def _help_lines(tech_fields: tuple[str, ...]) -> list[str]:
    return [
        "江苏省创新联合体申报导入模板 填写说明",
        "1. “申请”表每行一个申报，“成员单位”表每行一个成员单位，两表以“申报编号”对应；表头请勿修改。",
        "2. 牵头单位类型：" + "、".join(notice.LEAD_KINDS) + "。技术领域须从下拉列表（本轮次的技术领域列表）中选择："
        + "、".join(tech_fields) + "。",
        "3. 共建协议条款：填写协议覆盖的机制，以“;”或“、”分隔：" + "、".join(notice.AGREEMENT_CLAUSES) + "。",
        "4. 单位类型：" + "、".join(notice.UNIT_TYPES) + "；信用状况：良好 或 失信。",
        "5. 销售收入单位为亿元，研发投入强度单位为%（填 3.5 表示 3.5%）；统一社会信用代码为18位。",
        "5a. 关键词（以“;”或“、”分隔，最多200字）和摘要（最多2000字）用于专家匹配，可不填；"
        "旧版模板没有这两列，仍可导入（已有的关键词和摘要保持不变）。",
        "5b. 成员单位“是否独立法人”填 是 或 否；服务机构成员在“资质或服务能力”中填写：检验检测机构填 CMA 或 CNAS "
        "资质证书编号，概念验证、成果转移转化、科技金融机构填写专业服务团队和服务经验（不少于20字）。旧版模板没有这两列，"
        "仍可导入（新成员视为未声明，形式审查R10提示补正；已有成员的声明保持不变）。",
        "6. 导入时全部校验：任何一行有误则整份文件不导入，并列出每一处错误（表、行、列、原因）。",
        "7. 同一文件重复导入不会产生重复数据：申报按申报编号、单位按统一社会信用代码识别。",
        "8. 也可导入 CSV（UTF-8 或 GBK 编码）：每个 CSV 文件为一张表，以表头识别是“申请”表还是“成员单位”表，"
        "两个文件一同上传。",
        "示例（申请）：2026320501 | 江苏省第三代半导体创新联合体 | 集成电路 | 苏州市 | 苏州华芯半导体股份有限公司 | "
        "91320500MA1XXXXXXX | 龙头企业 | 35.6 | 4.2 | 责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配 | 同意推荐",
        "示例（成员单位）：2026320501 | 苏州大学 | 12320000466007613E | 高校 | 江苏省 | 苏州市 | 良好 | 是 |",
        "示例（成员单位）：2026320501 | 江苏省计量科学研究院 | 12320000466000000X | 检验检测机构 | 江苏省 | "
        "南京市 | 良好 | 是 | CMA 201019000123",
    ]
