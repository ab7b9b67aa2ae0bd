"""The structured annual self-evaluations of the demo (issue 22): in this year's annual round open for
intake, the first consortium of each of five cities has its report opened: three filed completely and
submitted, one submitted with gaps (a part too short, an indicator missing: the formal check finds them),
one a draft half filled. The other consortia are left for the city clerks to file.

Whatever consortia the round's cities have (the demo's or a registry's) are used, in city order; a separate
random stream keeps the rest of the demo as it was. Idempotent: nothing is made once a report exists.
"""

import random
from decimal import Decimal

from sqlmodel import Session, select

from ..models import Application, City, Consortium, Round, RoundKind, RoundStage, SelfEvaluation
from ..services.intake import annual, applications
from ..services.intake.access import ApplicationError
from ..services.intake.self_evaluation import INDICATORS, ReportInput, save
from ..services.platform.storage import FolderStore
from . import materials

SEED = 20261101
PLAN = ("complete", "complete", "complete", "gaps", "partial")


def seed(session: Session, store: FolderStore) -> int:
    """File the demo's reports in the newest annual round in intake; the number of reports opened."""
    review_round = session.exec(
        select(Round).where(Round.kind == RoundKind.ANNUAL_EVALUATION, Round.stage == RoundStage.INTAKE)
        .order_by(Round.year.desc(), Round.id.desc())
    ).first()
    if review_round is None or _filed(session, review_round):
        return 0
    rng = random.Random(SEED)
    chosen = _one_per_city(session)[: len(PLAN)]
    reports = []
    for consortium, how in zip(chosen, PLAN, strict=False):
        report = annual.annual_report(session, review_round=review_round, consortium_id=consortium.id,
                                      city_id=consortium.city_id, by=None)
        save(session, application=report, data=report_input(consortium, how, rng), by=None)
        if how != "partial":
            applications.update_opinion(session, application=report, by=None,
                                        necessity=f"{consortium.name}年度运行规范，协同创新机制有效，同意报送。",
                                        feasibility="下年度工作计划目标明确、措施可行，建议继续支持。")
        reports.append((report, how))
    materials.attach_all(session, store, [review_round.name])  # each report's PDF (none without a Chinese font)
    for report, how in reports:
        if how != "partial":
            try:
                applications.submit(session, application=report, by=None)
            except ApplicationError:  # no PDF could be made: the report stays a draft
                pass
    session.flush()
    return len(reports)


def _filed(session: Session, review_round: Round) -> bool:
    return session.exec(
        select(SelfEvaluation.id).join(Application, Application.id == SelfEvaluation.application_id)
        .where(Application.round_id == review_round.id)
    ).first() is not None


def _one_per_city(session: Session) -> list[Consortium]:
    """The first consortium of each city, cities in the order of their codes."""
    seen, chosen = set(), []
    for consortium in session.exec(select(Consortium).join(City, City.id == Consortium.city_id)
                                   .order_by(City.code, Consortium.id)):
        if consortium.city_id not in seen:
            seen.add(consortium.city_id)
            chosen.append(consortium)
    return chosen


def report_input(consortium: Consortium, how: str, rng: random.Random) -> ReportInput:
    """A demo report of `consortium`: `complete`, with `gaps` (a part too short, an indicator missing), or
    `partial` (a draft)."""
    name, field = consortium.name, consortium.field
    projects, platforms, people = rng.randint(2, 6), rng.randint(1, 3), rng.randint(60, 320)
    transfers, growth = rng.randint(5, 30), rng.randint(12, 45)
    sections = {
        "strategy": f"{name}围绕{field}领域产业链关键环节，本年度承担省级以上重大项目{projects}项，"
                    f"按任务书完成关键核心技术攻关和阶段考核，成员单位协同分工明确，年度目标任务全部完成。",
        "platforms": f"新建或升级研发平台{platforms}个，牵头单位与高校、科研院所共建中试验证和检验检测平台，"
                     "仪器设备在成员单位间开放共享，平台服务联合体内外企业的能力明显增强。",
        "team": f"联合体研发团队{people}人，本年度引进高层次人才{rng.randint(3, 15)}人，建立成员单位间人员双聘、"
                "联合培养和项目制用人机制，形成老中青结合、结构合理的创新团队。",
        "achievements": f"全年转化科技成果{transfers}项，通过许可、转让和作价入股等方式在成员单位实施，"
                        "建立联合体内部技术交易和收益分配机制，成果转化效率和效益稳步提高。",
        "products": f"标志性产品实现批量应用，进入重点客户供应链，销售收入较上年增长{growth}%，"
                    "在省内外重点工程和龙头企业中示范应用，市场占有率持续提升。",
        "plan": f"下年度将继续聚焦{field}领域前沿和共性关键技术，加大研发投入，推进标准制定和专利布局，"
                "扩大标志性产品应用场景，完善联合体运行管理和考核激励机制。",
    }
    indicators = {
        "rd_investment": Decimal(rng.randint(800_00, 25_000_00)) / 100,
        "invention_patents": rng.randint(3, 60),
        "standards": rng.randint(0, 6),
        "new_platforms": platforms,
        "team_size": people,
        "achievements_transferred": transfers,
        "transfer_value": Decimal(rng.randint(200_00, 9_000_00)) / 100,
        "landmark_revenue": Decimal(rng.randint(5_000_00, 300_000_00)) / 100,
    }
    if how == "gaps":
        sections["plan"] = "下年度继续推进各项工作。"
        indicators["standards"] = None
    if how == "partial":
        sections = {k: v for k, v in sections.items() if k in ("strategy", "platforms")}
        indicators = {i.key: indicators[i.key] for i in INDICATORS[:3]}
    return ReportInput(sections=sections, indicators=indicators)
