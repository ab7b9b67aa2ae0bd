"""The expert pool's import template (.xlsx), beside the applications template: the 专家库 sheet with the
columns the pool import reads (pool.COLUMNS, in its order), dropdowns (专业领域 from the list of technical
fields, 所在城市), required columns marked, and a sheet of instructions."""

from ..intake import notice
from ..platform import sheet_templates
from .pool import COLUMNS
from .pool_import import SHEET


def template_workbook(tech_fields: list[str]) -> bytes:
    """The template; `tech_fields`: the fields an expert may name (intake.fields.known_fields, sorted)."""
    dropdowns = {SHEET: {"专业领域": tech_fields, "所在城市": notice.CITIES}}
    return sheet_templates.template_workbook(
        {SHEET: COLUMNS},
        dropdowns,
        {"专家编号", "单位统一社会信用代码", "手机"},
        _help_lines(tech_fields),
        open_columns={"专业领域": "；多个领域以“;”分隔，可直接输入", "所在城市": "，也可填写省外城市"},
    )


def _help_lines(tech_fields: list[str]) -> list[str]:
    required = "、".join(c.header for c in COLUMNS if c.required)
    return [
        "江苏省创新联合体评审专家库导入模板 填写说明",
        "1. “专家库”表每行一位专家；表头请勿修改。必填列：" + required + "。",
        "2. 专家编号在专家库中唯一，重复导入同一编号即更新该专家；同一文件重复导入不会产生重复数据。",
        "3. 专业领域须取自技术领域列表（多个以“;”或“、”分隔）：" + "、".join(tech_fields) + "。"
        "专家分配按相同名称将专家与申报的技术领域匹配。",
        "4. 单位统一社会信用代码为18位（含校验位）；最大评审数为1至100的整数，不填则按轮次设置。",
        "5. 研究方向（最多500字）、代表性成果（最多2000字）和关键词（以“;”分隔，最多200字）用于按内容匹配专家，"
        "可不填。",
        "6. 导入时全部校验：任何一行有误则整份文件不导入，并列出每一处错误（表、行、列、原因）。",
        "7. 也可导入相同表头的 CSV 文件（UTF-8 或 GBK 编码）。",
    ]
