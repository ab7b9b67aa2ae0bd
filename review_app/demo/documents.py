"""The demo's PDFs: each required document of an application (申请书, 建设方案, 共建协议, 审核推荐意见,
真实性承诺, 自评报告), a few A4 pages in Chinese with the application's own name, units and figures, drawn with
reportlab's canvas (a few milliseconds each, so `make demo` stays fast)."""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import AttachmentKind
from ..services.platform.pdfs import cjk_font

PAGE_WIDTH, PAGE_HEIGHT = 595.27, 841.89  # A4 in points
MARGIN = 64
CLAUSE_TEXT = {
    "责任落实": "牵头单位对联合体建设负总责，成员单位按分工承担相应任务并接受考核。",
    "协同攻关": "各方围绕重大攻关任务组建联合团队，共享研发设施、数据与中试条件。",
    "决策运行": "设立理事会与技术委员会，重大事项由理事会集体决策，技术路线由技术委员会论证。",
    "资金筹措": "牵头单位投入不低于总预算的百分之五十，成员单位按任务配套，积极争取各级财政与社会资本支持。",
    "知识产权": "联合攻关形成的知识产权按贡献共有，优先在联合体内许可实施。",
    "利益分配": "成果转化收益按各方投入与贡献比例分配，具体比例由理事会审议确定。",
}


@dataclass
class Facts:
    """What a document says about its application."""

    code: str
    title: str
    field: str
    topic: str
    city: str
    lead_name: str
    lead_kind: str
    revenue: Decimal | None
    rd_intensity: Decimal | None
    keywords: list[str]
    abstract: str
    necessity: str
    feasibility: str
    city_opinion: str
    clauses: list[str]
    members: list[tuple[str, str]] = field(default_factory=list)  # (unit, unit type)


class _Pages:
    """A minimal text flow on A4 pages: headings, wrapped paragraphs, two-column rows, page numbers."""

    def __init__(self, title: str):
        from reportlab.pdfgen import canvas

        self.font = cjk_font()
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
        self.canvas.setTitle(title)
        self.page, self.y = 1, PAGE_HEIGHT - MARGIN

    def _width(self, text: str, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return stringWidth(text, self.font, size)

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN + 20:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - MARGIN

    def _footer(self) -> None:
        self.canvas.setFont(self.font, 9)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN / 2, f"— {self.page} —")

    def centred(self, text: str, size: float, gap: float = 10) -> None:
        self._room(size + gap)
        self.canvas.setFont(self.font, size)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, self.y - size, text)
        self.y -= size + gap

    def heading(self, text: str) -> None:
        self._room(40)
        self.y -= 8
        self.canvas.setFont(self.font, 14)
        self.canvas.drawString(MARGIN, self.y - 14, text)
        self.y -= 26

    def paragraph(self, text: str, size: float = 11.5, indent: bool = True) -> None:
        width, leading = PAGE_WIDTH - 2 * MARGIN, size * 1.75
        line, lines = "　　" if indent else "", []
        for char in text:
            if self._width(line + char, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
        self.canvas.setFont(self.font, size)
        for text_line in lines:
            self._room(leading)
            self.canvas.drawString(MARGIN, self.y - size, text_line)
            self.y -= leading
        self.y -= 4

    def rows(self, rows: list[tuple[str, str]], size: float = 11) -> None:
        """Label and value, one row each, ruled like a form."""
        self.canvas.setFont(self.font, size)
        for label, value in rows:
            self._room(size * 2.2)
            self.canvas.drawString(MARGIN + 4, self.y - size - 4, label)
            self.canvas.drawString(MARGIN + 150, self.y - size - 4, value[:38])
            self.y -= size * 2.2
            self.canvas.line(MARGIN, self.y + 2, PAGE_WIDTH - MARGIN, self.y + 2)
        self.y -= 8

    def finish(self) -> bytes:
        self._footer()
        self.canvas.save()
        return self.buffer.getvalue()


def _figure(value: Decimal | None, unit: str) -> str:
    return f"{value:.2f}{unit}" if value is not None else "—"


def _budget(facts: Facts) -> Decimal:
    """The consortium's three-year budget (万元), from the lead's revenue: a plausible, fixed figure."""
    revenue = facts.revenue or Decimal(5)
    return (min(revenue, Decimal(120)) * Decimal(80) + Decimal(3000)).quantize(Decimal(1))


def _cover(pages: _Pages, facts: Facts, document: str) -> None:
    pages.y -= 120
    pages.centred("江苏省创新联合体", 26, gap=20)
    pages.centred(document, 24, gap=90)
    pages.rows(
        [
            ("申报编号", facts.code),
            ("联合体名称", facts.title),
            ("牵头单位", facts.lead_name),
            ("技术领域", facts.field),
            ("推荐单位", f"{facts.city}科学技术局"),
            ("填报日期", "2026年5月"),
        ],
        size=13,
    )
    pages.new_page()


def application_form(facts: Facts) -> bytes:
    """申请书: cover, basic facts and members, goals, necessity and feasibility."""
    pages = _Pages(f"{facts.title} 申请书")
    _cover(pages, facts, "申 请 书")
    pages.heading("一、基本情况")
    pages.rows(
        [
            ("牵头单位类型", facts.lead_kind or "—"),
            ("2025年销售收入", _figure(facts.revenue, " 亿元")),
            ("2025年研发投入强度", _figure(facts.rd_intensity, "%")),
            ("成员单位数量", f"{len(facts.members)} 家"),
            ("关键词", "、".join(facts.keywords)),
        ]
    )
    pages.heading("二、成员单位")
    pages.rows([(unit_type, name) for name, unit_type in facts.members] or [("—", "—")])
    pages.heading("三、建设目标与主要任务")
    pages.paragraph(facts.abstract or f"围绕{facts.topic}关键核心技术开展联合攻关。")
    pages.heading("四、组建必要性")
    pages.paragraph(facts.necessity)
    pages.heading("五、实施可行性")
    pages.paragraph(facts.feasibility)
    pages.paragraph(
        f"牵头单位{facts.lead_name}2025年销售收入{_figure(facts.revenue, '亿元')}，研发投入强度"
        f"{_figure(facts.rd_intensity, '%')}，具备牵头组织{facts.topic}联合攻关的能力。"
    )
    return pages.finish()


def construction_plan(facts: Facts) -> bytes:
    """建设方案: approach, tasks, organisation, budget and schedule."""
    pages = _Pages(f"{facts.title} 建设方案")
    _cover(pages, facts, "建 设 方 案")
    budget = _budget(facts)
    pages.heading("一、总体思路")
    pages.paragraph(
        f"以{facts.topic}产业链关键环节为主攻方向，由{facts.lead_name}牵头，联合高校、科研院所和上下游企业，"
        f"构建“企业出题、协同答题、市场阅卷”的攻关机制，力争三年内突破一批{facts.field}领域关键核心技术。"
    )
    pages.heading("二、重点攻关任务")
    for number, keyword in enumerate(facts.keywords[:4] or [facts.topic], start=1):
        pages.paragraph(
            f"任务{number}：{keyword}。明确技术指标与考核节点，由牵头单位组织成员单位联合实施，形成专利、"
            "标准和样机等可考核成果。"
        )
    pages.heading("三、组织架构与运行机制")
    pages.paragraph("联合体设理事会、技术委员会和项目管理办公室，实行任务清单、责任清单和考核清单管理。")
    pages.heading("四、经费预算（万元）")
    pages.rows(
        [
            ("总预算", f"{budget}"),
            ("牵头单位自筹", f"{(budget * Decimal('0.55')).quantize(Decimal(1))}"),
            ("成员单位配套", f"{(budget * Decimal('0.30')).quantize(Decimal(1))}"),
            ("申请省级支持", f"{(budget * Decimal('0.15')).quantize(Decimal(1))}"),
        ]
    )
    pages.heading("五、进度安排")
    pages.rows(
        [
            ("2026年", "完成联合体组建，启动重点攻关任务，建立共享平台"),
            ("2027年", "突破关键技术，完成中试验证，形成阶段性成果"),
            ("2028年", "实现成果转化与产业化应用，完成绩效评价"),
        ]
    )
    return pages.finish()


def agreement(facts: Facts) -> bytes:
    """共建协议: the parties, the clauses, the signature block."""
    pages = _Pages(f"{facts.title} 共建协议")
    _cover(pages, facts, "共 建 协 议")
    pages.heading("协议各方")
    pages.rows([("甲方（牵头单位）", facts.lead_name)] + [(f"成员单位（{t}）", n) for n, t in facts.members])
    for number, clause in enumerate(facts.clauses, start=1):
        pages.heading(f"第{number}条　{clause}")
        pages.paragraph(CLAUSE_TEXT.get(clause, "各方协商一致，按本协议执行。"))
    pages.heading("签署")
    pages.paragraph("本协议一式若干份，各方各执一份，自各方签章之日起生效。", indent=False)
    pages.rows([(name[:12], "（盖章）　　　　2026年5月") for name in [facts.lead_name] + [n for n, _ in facts.members]])
    return pages.finish()


def recommendation(facts: Facts) -> bytes:
    """审核推荐意见: the city bureau's letter."""
    pages = _Pages(f"{facts.title} 审核推荐意见")
    pages.y -= 40
    pages.centred(f"{facts.city}科学技术局", 20, gap=16)
    pages.centred("关于推荐江苏省创新联合体的审核意见", 16, gap=30)
    pages.paragraph("江苏省新质生产力促进中心：", indent=False)
    pages.paragraph(
        f"根据《关于组织申报2026年度江苏省创新联合体的通知》（苏科高发〔2026〕43号）要求，我局对{facts.lead_name}"
        f"牵头申报的“{facts.title}”（申报编号{facts.code}）进行了审核。"
    )
    pages.paragraph(facts.city_opinion)
    pages.heading("必要性")
    pages.paragraph(facts.necessity)
    pages.heading("可行性")
    pages.paragraph(facts.feasibility)
    pages.paragraph("经审核，申报材料真实、完整，牵头单位及成员单位无失信记录，同意推荐。")
    pages.y -= 30
    pages.rows([(f"{facts.city}科学技术局（盖章）", "2026年5月20日")])
    return pages.finish()


def self_evaluation(facts: Facts) -> bytes:
    """自评报告 of an existing consortium."""
    pages = _Pages(f"{facts.title} 年度自评报告")
    _cover(pages, facts, "年度自评报告")
    pages.heading("一、年度建设进展")
    pages.paragraph(f"{facts.title}围绕{facts.field}领域关键核心技术持续开展联合攻关，各项任务按计划推进。")
    pages.heading("二、主要成效")
    pages.paragraph("本年度新增授权发明专利、制定标准和转化成果若干项，成员单位协同更加紧密。")
    pages.heading("三、存在问题与下一步计划")
    pages.paragraph("进一步完善利益分配机制，加快中试验证与成果转化，扩大长三角协同。")
    return pages.finish()


def pledge(facts: Facts) -> bytes:
    """真实性承诺: the applicant's pledge that its materials are true (issue 16), signed and stamped."""
    pages = _Pages(f"{facts.title} 申报材料真实性承诺")
    pages.y -= 40
    pages.centred("申报材料真实性承诺书", 20, gap=30)
    pages.paragraph("江苏省新质生产力促进中心：", indent=False)
    pages.paragraph(
        f"我单位{facts.lead_name}牵头申报“{facts.title}”（申报编号{facts.code}），郑重承诺：所提供的申报材料真实、"
        "有效、完整、合法，对其真实性、有效性、完整性和合法性负责，杜绝错报、漏报；如有不实，愿承担相应责任。"
    )
    pages.y -= 30
    pages.rows([(f"{facts.lead_name}（盖章）", "法定代表人（签字）："), ("", "2026年5月15日")])
    return pages.finish()


DOCUMENTS = {
    AttachmentKind.APPLICATION_FORM: ("申请书", application_form),
    AttachmentKind.CONSTRUCTION_PLAN: ("建设方案", construction_plan),
    AttachmentKind.AGREEMENT: ("共建协议", agreement),
    AttachmentKind.RECOMMENDATION: ("审核推荐意见", recommendation),
    AttachmentKind.SELF_EVALUATION: ("自评报告", self_evaluation),
    AttachmentKind.PLEDGE: ("真实性承诺", pledge),
}


def document(kind: AttachmentKind, facts: Facts) -> tuple[str, bytes]:
    """The file name and bytes of the `kind` document of an application."""
    name, make = DOCUMENTS[kind]
    return f"{facts.code}_{name}.pdf", make(facts)
