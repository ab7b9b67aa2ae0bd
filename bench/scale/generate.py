"""A national-volume round as the offices hand it in: the applications in the centre's import template
(.xlsx, both sheets: 申请 and 成员单位) and the expert pool in the pool's template (专家库), filled with
seeded synthetic data that passes the formal check (a few applications fail or warn, as in a real round).

    generate(folder, applications=10_000, experts=15_000, seed=0, max_rows=5000)

writes folder/applications-NN.xlsx (as many workbooks as the import's row limit asks: each sheet of a
workbook holds at most `max_rows` rows) and folder/experts.xlsx; returns their paths. Each application has
3 to 7 members (5 on average: ~50,000 member rows for 10,000 applications), credit codes valid (GB 32100),
units distinct per application, the 技术领域 from the notice's list, keywords and an abstract from the
shipped technical terms; experts name one to three fields and have their own keywords.
"""

import io
import random
from pathlib import Path

from openpyxl import load_workbook

from review_app.services.intake import credit_codes, fields, notice
from review_app.services.intake import template as app_template
from review_app.services.review import pool_template
from review_app.services.review.pool_import import SHEET as POOL_SHEET

TERMS = [
    line.strip()
    for line in (Path(__file__).resolve().parents[2] / "assignment/data/terms.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
FIELDS = fields.DEFAULT_FIELDS
CLAUSES = ";".join(notice.AGREEMENT_CLAUSES)
MEMBER_TYPES = ("企业", "企业", "企业", "高校", "科研院所", "重大科技平台", "检验检测机构", "概念验证机构")
SERVICE_STATEMENT = "拥有专业化服务团队三十余人，近三年为五十余家企业提供原理验证与中试服务，经验丰富。"
TITLES = ("教授", "研究员", "正高级工程师")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宁波鹏飞"


def field_terms(field_index: int) -> list[str]:
    """The slice of the technical terms a field's texts draw from (fields overlap a little)."""
    size = max(8, len(TERMS) // len(FIELDS))
    start = (field_index * size) % len(TERMS)
    return (TERMS + TERMS)[start : start + size + 4]


class Codes:
    """Distinct valid credit codes (division 320100 … for Jiangsu, 310000 for Shanghai)."""

    def __init__(self, start: int):
        self.next = start

    def code(self, division: str = "320100") -> str:
        self.next += 7
        return credit_codes.make("9", "1", division, f"{self.next:08d}")


def _application_rows(n: int, rng: random.Random) -> tuple[list[list], list[list]]:
    codes = Codes(10_000_000)
    apps, members = [], []
    for i in range(n):
        city = notice.CITIES[i % len(notice.CITIES)]
        field_index = rng.randrange(len(FIELDS))
        terms = field_terms(field_index)
        keywords = rng.sample(terms, 3)
        code = f"2026{(i % len(notice.CITIES)) + 1:02d}{i:06d}"
        lead_kind = rng.choice(("领军企业", "新锐科技企业", "龙头企业", "省技术创新中心"))
        revenue, rd = (f"{rng.uniform(10.5, 80):.2f}", f"{rng.uniform(3.2, 9):.2f}")
        # About 2 % of the leads fall short of the 龙头企业 thresholds (R3 fails), as in a real round.
        if lead_kind == "龙头企业" and rng.random() < 0.04:
            revenue = f"{rng.uniform(2, 9):.2f}"
        apps.append([
            code, f"{city[:-1]}{''.join(keywords[:2])}创新联合体{i}", FIELDS[field_index], city,
            f"江苏{keywords[0]}科技股份有限公司{i}", codes.code(), lead_kind, revenue, rd, CLAUSES,
            "该联合体牵头单位实力雄厚，攻关任务明确，同意推荐。", ";".join(keywords),
            f"围绕{keywords[0]}、{keywords[1]}和{keywords[2]}开展协同攻关，突破关键核心技术，建设中试验证平台。",
        ])
        count = rng.choice((3, 4, 5, 5, 6, 7))
        for j in range(count):
            unit_type = "高校" if j == 0 else rng.choice(MEMBER_TYPES)
            delta = j == 1 and rng.random() < 0.3
            province = "上海市" if delta else "江苏省"
            members.append([
                code, f"{'上海' if delta else city[:-1]}{rng.choice(terms)}{unit_type}{i}-{j}",
                codes.code("310000" if delta else "320100"), unit_type, province, "上海市" if delta else city,
                notice.CREDIT_GOOD, notice.LEGAL_YES,
                ("CMA证书编号 201912345678" if unit_type == notice.TESTING_BODY else SERVICE_STATEMENT)
                if unit_type in notice.SERVICE_UNIT_TYPES else "",
            ])
    return apps, members


def _fill(template: bytes, rows_by_sheet: dict[str, list[list]]) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    for name, rows in rows_by_sheet.items():
        sheet = workbook[name]  # the template formats its first 1,000 rows: write from row 2 on
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def application_workbooks(n: int, *, seed: int = 0, max_rows: int = 5000) -> list[bytes]:
    """The applications as import workbooks, split so that no sheet holds more than `max_rows` rows."""
    rng = random.Random(seed)
    apps, members = _application_rows(n, rng)
    template = app_template.template_workbook()
    members_of: dict[str, list[list]] = {}
    for row in members:
        members_of.setdefault(row[0], []).append(row)
    books, chunk_apps, chunk_members = [], [], []
    for app in apps:
        mine = members_of[app[0]]
        if chunk_apps and (len(chunk_apps) + 1 > max_rows or len(chunk_members) + len(mine) > max_rows):
            books.append(_fill(template, {app_template.APPLICATION_SHEET: chunk_apps,
                                          app_template.MEMBER_SHEET: chunk_members}))
            chunk_apps, chunk_members = [], []
        chunk_apps.append(app)
        chunk_members += mine
    if chunk_apps:
        books.append(_fill(template, {app_template.APPLICATION_SHEET: chunk_apps,
                                      app_template.MEMBER_SHEET: chunk_members}))
    return books


def experts_workbook(n: int, *, seed: int = 1) -> bytes:
    """The pool: `n` experts, each with one to three fields (every field well covered), an employer, a
    title, contact data and their own keywords."""
    rng = random.Random(seed)
    codes = Codes(60_000_000)
    employers = [(f"{rng.choice(notice.CITIES)[:-1]}{rng.choice(TERMS)}研究院{i}", codes.code())
                 for i in range(n // 4 + 1)]
    rows = []
    for i in range(n):
        first = i % len(FIELDS)
        named = [first] + rng.sample([f for f in range(len(FIELDS)) if f != first], rng.choice((0, 1, 2)))
        terms = field_terms(first)
        employer, employer_code = rng.choice(employers)
        rows.append([
            f"E{i + 1:05d}", rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), employer, employer_code,
            rng.choice(notice.CITIES), ";".join(FIELDS[f] for f in named), rng.choice(TITLES),
            "", f"139{i:08d}", f"e{i + 1:05d}@example.cn", "、".join(rng.sample(terms, 2)), "",
            ";".join(rng.sample(terms, 3)),
        ])
    return _fill(pool_template.template_workbook(sorted(FIELDS)), {POOL_SHEET: rows})


def generate(folder: Path, *, applications: int, experts: int, seed: int = 0, max_rows: int = 5000) -> dict:
    """Write the workbooks into `folder`; returns {"applications": [paths], "experts": path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, data in enumerate(application_workbooks(applications, seed=seed, max_rows=max_rows), start=1):
        path = folder / f"applications-{i:02d}.xlsx"
        path.write_bytes(data)
        paths.append(str(path))
    pool = folder / "experts.xlsx"
    pool.write_bytes(experts_workbook(experts, seed=seed + 1))
    return {"applications": paths, "experts": str(pool)}
