"""The enumerations and thresholds of the 2026 notice (苏科高发〔2026〕43号), in one place.

The values are the Chinese words of the notice and of the import template (design.md): they are data,
stored as written and compared as written, not interface text.
"""

from decimal import Decimal

CITIES = (
    "南京市",
    "无锡市",
    "徐州市",
    "常州市",
    "苏州市",
    "南通市",
    "连云港市",
    "淮安市",
    "盐城市",
    "扬州市",
    "镇江市",
    "泰州市",
    "宿迁市",
)

ENTERPRISE_LEAD_KINDS = ("龙头企业", "独角兽企业", "领军企业", "新锐科技企业")
PLATFORM_LEAD_KINDS = (
    "国家实验室",
    "省实验室",
    "国家技术创新中心",
    "省技术创新中心",
    "国家制造业创新中心",
    "省制造业创新中心",
)
LEAD_KINDS = ENTERPRISE_LEAD_KINDS + PLATFORM_LEAD_KINDS
DRAGON_HEAD = "龙头企业"
UNICORN = "独角兽企业"

ACADEMIC_UNIT_TYPES = ("高校", "科研院所")
SERVICE_UNIT_TYPES = ("概念验证机构", "成果转移转化机构", "检验检测机构", "科技金融机构")
UNIT_TYPES = ("企业", *ACADEMIC_UNIT_TYPES, "重大科技平台", *SERVICE_UNIT_TYPES)

AGREEMENT_CLAUSES = ("责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配")

CREDIT_GOOD, CREDIT_BAD = "良好", "失信"
CREDIT_STANDINGS = (CREDIT_GOOD, CREDIT_BAD)

# Members from these provinces earn the 长三角 bonus flag (R9).
DELTA_PROVINCES = ("上海市", "浙江省", "安徽省")
PROVINCES_HINT = ("江苏省", *DELTA_PROVINCES)

MIN_REVENUE_DRAGON_HEAD = Decimal("10")  # 亿元, 2025 sales revenue of a 龙头企业 lead
MIN_RD_INTENSITY = Decimal("3")  # %, 2025 R&D intensity of a 龙头企业 or 独角兽企业 lead

# The city quota of the notice (限额推荐); a round may set another.
DEFAULT_CITY_QUOTA = 5


def split_clauses(text: str) -> list[str]:
    """Agreement clauses as written in a cell or a field: separated by ';', '；', '、' or ','."""
    for separator in ("；", "、", ",", "，"):
        text = text.replace(separator, ";")
    return [part.strip() for part in text.split(";") if part.strip()]


def lead_org_kind(lead_kind: str) -> str:
    """The unit type a lead of this kind is (an enterprise or a major S&T platform)."""
    return "重大科技平台" if lead_kind in PLATFORM_LEAD_KINDS else "企业"


# 独立法人 as a form or a template cell declares it.
LEGAL_YES, LEGAL_NO = "是", "否"
LEGAL_ANSWERS = {LEGAL_YES: True, LEGAL_NO: False}

# What the notice asks of each service body that joins as a member (二、（二）3), in its words; a testing
# body declares its qualification's certificate number (CMA or CNAS), the others their service capability.
TESTING_BODY = "检验检测机构"
SERVICE_REQUIREMENTS = {
    "概念验证机构": "概念验证机构作为成员单位的，应拥有专业化服务团队，具备为创新联合体协同攻关成果提供原理验证、"
    "产品与场景体系验证、原型制备与技术可行性验证、商业前景验证等专业化服务的能力",
    "成果转移转化机构": "成果转移转化机构作为成员单位的，应具有专业技术经理人队伍，能够为创新联合体协同攻关成果精确匹配"
    "各类市场资源",
    "检验检测机构": "检验检测机构作为成员单位的，应具有相关资质，并拥有与其从事检验检测活动相适应的技术人员、工作场所"
    "和设备设施",
    "科技金融机构": "科技金融机构作为成员单位的，应具有为初创期科技型中小企业提供创业辅导、技术服务和融资服务的"
    "丰富经验",
}
MIN_SERVICE_STATEMENT = 20  # characters of a service body's statement of its team and experience
LEGAL_PERSON_REQUIREMENT = (
    "参与单位包括产业链内行业上下游企业、高校、科研院所、重大科技平台或其他组织机构等独立法人单位"
)
PLEDGE_REQUIREMENT = "企业须对所提供申报材料的真实性、有效性、完整性和合法性负责"
