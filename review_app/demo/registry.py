"""The registry of `flask seed-demo`: about 30 consortia recognised in 2023–2025 across the 13 cities,
with their member units, loaded the way the centre loads a real registry: a workbook of the registry
template (`registry.template.filled_workbook`) imported by the registry import. Importing it again changes
nothing, so the seed stays idempotent. The annual round of the demo (demo/intake.py) evaluates them."""

import random

from sqlmodel import Session, select

from ..models import City, Organisation
from ..services.intake import credit_codes
from ..services.registry import importer
from ..services.registry.template import filled_workbook
from .data import INSTITUTES, SERVICE_BODIES, UNIVERSITIES

REGISTRY_SEED = 20230101
FILENAME = "演示联合体名录.xlsx"
# (name, city, lead unit, field, recognition year); the first seven are the demo's older consortia. Every
# field is one the demo's expert pool covers (data.FIELDS), so the annual round can be assigned.
CONSORTIA = [
    ("江苏省第三代半导体创新联合体", "苏州市", "苏州晶瑞半导体股份有限公司", "集成电路", 2023),
    ("江苏省生物医药高端制剂创新联合体", "苏州市", "苏州恒康药业集团有限公司", "生物医药", 2024),
    ("江苏省纳米功能材料创新联合体", "苏州市", "苏州纳锐新材料有限公司", "纳米技术", 2024),
    ("江苏省物联网感知器件创新联合体", "无锡市", "无锡华感微电子股份有限公司", "新一代信息通信", 2023),
    ("江苏省智能电网装备创新联合体", "常州市", "常州中鼎电气集团有限公司", "智能电网", 2024),
    ("江苏省海工装备创新联合体", "南通市", "南通远航海洋工程有限公司", "海洋工程装备", 2023),
    ("江苏省工程机械智能化创新联合体", "徐州市", "徐州重鼎机械集团有限公司", "高端装备", 2024),
    ("江苏省工业软件创新联合体", "南京市", "南京智擎软件股份有限公司", "软件与信息服务", 2023),
    ("江苏省卫星互联网创新联合体", "南京市", "南京网衡通信科技有限公司", "新一代信息通信", 2024),
    ("江苏省创新药物研发创新联合体", "南京市", "南京康瑞医药集团有限公司", "生物医药", 2025),
    ("江苏省集成电路装备创新联合体", "无锡市", "无锡精芯装备股份有限公司", "集成电路", 2024),
    ("江苏省高端纺织新材料创新联合体", "无锡市", "无锡恒纺科技集团有限公司", "先进纺织", 2025),
    ("江苏省煤矿智能装备创新联合体", "徐州市", "徐州矿拓智能装备有限公司", "高端装备", 2025),
    ("江苏省新型储能创新联合体", "常州市", "常州储源新能源科技有限公司", "光伏与储能", 2023),
    ("江苏省光伏与储能创新联合体", "常州市", "常州天晟光能股份有限公司", "光伏与储能", 2025),
    ("江苏省工业互联网创新联合体", "苏州市", "苏州云工互联科技有限公司", "工业互联网", 2025),
    ("江苏省医疗器械创新联合体", "苏州市", "苏州康迈医疗器械有限公司", "医疗器械", 2023),
    ("江苏省船舶动力创新联合体", "南通市", "南通海驰动力股份有限公司", "海洋工程装备", 2025),
    ("江苏省纺织智能制造创新联合体", "南通市", "南通锦程智能纺织有限公司", "先进纺织", 2024),
    ("江苏省石化新材料创新联合体", "连云港市", "连云港盛虹石化新材料有限公司", "绿色化工", 2023),
    ("江苏省创新药制剂创新联合体", "连云港市", "连云港恒邦制药股份有限公司", "生物医药", 2024),
    ("江苏省绿色化工创新联合体", "淮安市", "淮安华盐化工集团有限公司", "绿色化工", 2024),
    ("江苏省海上风电创新联合体", "盐城市", "盐城海风能源装备有限公司", "光伏与储能", 2023),
    ("江苏省新能源汽车零部件创新联合体", "盐城市", "盐城驰远汽车部件有限公司", "新能源汽车", 2025),
    ("江苏省航空零部件创新联合体", "扬州市", "扬州翔宇航空科技有限公司", "航空航天", 2024),
    ("江苏省高性能合金材料创新联合体", "镇江市", "镇江锐金新材料股份有限公司", "新材料", 2023),
    ("江苏省船舶配套创新联合体", "镇江市", "镇江江海船舶配套有限公司", "海洋工程装备", 2025),
    ("江苏省生物医药中试创新联合体", "泰州市", "泰州医药城生物科技有限公司", "生物医药", 2023),
    ("江苏省氢能装备创新联合体", "泰州市", "泰州氢源动力科技有限公司", "节能环保", 2025),
    ("江苏省现代农业装备创新联合体", "宿迁市", "宿迁绿田农业科技有限公司", "现代农业", 2024),
]


def seed(session: Session) -> None:
    """Import the demo registry (its workbook built here); a second run changes nothing."""
    importer.import_file(session, filename=FILENAME, data=workbook(session), by=None)


def workbook(session: Session) -> bytes:
    """The demo registry as a filled registry template: codes LHT<year><nnn>, 2–4 members each."""
    rng = random.Random(REGISTRY_SEED)
    divisions = {c.name: c.code for c in session.exec(select(City))}
    academics = [(name, city, "高校") for name, city in UNIVERSITIES] + [
        (name, city, "科研院所") for name, city in INSTITUTES]
    numbers: dict[int, int] = {}
    consortia, members = [], []
    for name, city, lead, field, year in CONSORTIA:
        numbers[year] = numbers.get(year, 0) + 1
        code = f"LHT{year}{numbers[year]:03d}"
        consortia.append({"联合体编号": code, "联合体名称": name, "技术领域": field, "所属设区市": city,
                          "牵头单位名称": lead, "牵头单位统一社会信用代码": _code(session, rng, lead, divisions[city]),
                          "认定年度": year})
        local = [a for a in academics if a[1] == city] or academics
        chosen = rng.sample(local, min(len(local), rng.randint(1, 2)))
        chosen += [a for a in rng.sample(academics, 2) if a not in chosen][:1]
        service, kind = rng.choice(SERVICE_BODIES)
        for unit, unit_city, unit_type in chosen:
            members.append(_member(session, rng, code, unit, unit_city, unit_type, divisions, ""))
        members.append(_member(session, rng, code, service, "南京市", kind, divisions, _qualification(rng, kind)))
    return filled_workbook(consortia, members)


def _member(session, rng, code, name, city, unit_type, divisions, qualification) -> dict:
    return {"联合体编号": code, "单位名称": name, "统一社会信用代码": _code(session, rng, name, divisions[city], "12"),
            "单位类型": unit_type, "所在省份": "江苏省", "所在城市": city, "信用状况": "良好", "是否独立法人": "是",
            "资质或服务能力": qualification}


def _qualification(rng: random.Random, kind: str) -> str:
    if kind == "检验检测机构":
        return f"CMA {rng.randint(201019000000, 201019999999)}"
    return "专业服务团队二十余人，近三年为省内创新联合体提供技术转移、概念验证与投融资服务逾百项"


def _code(session: Session, rng: random.Random, name: str, division: str, prefix: str = "91") -> str:
    """The unit's credit code: the register's when it knows the name, else a new valid one."""
    known = session.exec(select(Organisation.credit_code).where(Organisation.name == name)).first()
    if known and credit_codes.is_valid(known):
        return known
    body = "".join(rng.choice(credit_codes.ALPHABET) for _ in range(8))
    return credit_codes.make(prefix[0], prefix[1], division, body)
