"""Review rounds: creation with the default criteria sheet of their kind."""

from flask_babel import gettext as _
from sqlmodel import Session, select

from ..models import Criterion, Round, RoundKind, User
from . import audit

# The default sheets of design.md; each adds up to 100 points and stays editable per round.
DEFAULT_CRITERIA: dict[RoundKind, list[tuple[str, int]]] = {
    RoundKind.NEW_CONSORTIUM: [
        ("牵头单位实力与组织能力", 20),
        ("成员构成与产学研协同", 15),
        ("重大联合攻关任务与技术路线", 25),
        ("运行机制与共建协议", 15),
        ("资金筹措与保障条件", 10),
        ("预期目标与示范带动", 15),
    ],
    RoundKind.ANNUAL_EVALUATION: [
        ("战略目标与重大任务执行", 25),
        ("高水平研发平台建设", 15),
        ("人才团队建设", 15),
        ("科技成果转化", 15),
        ("标志性产品应用推广", 15),
        ("下年度工作计划", 15),
    ],
}

DEFAULT_DESCRIPTORS = "优：{hi}–{max} 分\n良：{mid}–{hi_1} 分\n中：{lo}–{mid_1} 分\n差：0–{lo_1} 分"

DEFAULT_PLEDGE = (
    "本人承诺：遵守评审纪律，客观、公正、独立地开展评审；与所评项目存在利益关系时主动申请回避；"
    "对申报材料和评审情况严格保密，不复制、不外传、不泄露评审信息；不接受任何单位和个人的请托。"
)


class RoundError(ValueError):
    """A round request that cannot be honoured; the message is shown to the user."""


def descriptors_for(max_points: int) -> str:
    """Level descriptors (优/良/中/差) for a criterion worth `max_points`."""
    hi, mid, lo = round(max_points * 0.85), round(max_points * 0.7), round(max_points * 0.6)
    return DEFAULT_DESCRIPTORS.format(max=max_points, hi=hi, hi_1=hi - 1, mid=mid, mid_1=mid - 1, lo=lo, lo_1=lo - 1)


def create_round(session: Session, *, name: str, kind: RoundKind, year: int, by: User | None = None) -> Round:
    """Open a round in the draft stage with the default criteria sheet of its kind."""
    name = name.strip()
    if not name:
        raise RoundError(_("A round needs a name."))
    if not 2000 <= year <= 2100:
        raise RoundError(_("The year %(year)s is not plausible.", year=year))
    if session.exec(select(Round).where(Round.name == name, Round.year == year)).first():
        raise RoundError(_("A round named %(name)s already exists for %(year)s.", name=name, year=year))
    review_round = Round(name=name, kind=kind, year=year, pledge_text=DEFAULT_PLEDGE)
    session.add(review_round)
    session.flush()
    for position, (title, points) in enumerate(DEFAULT_CRITERIA[kind], start=1):
        session.add(
            Criterion(
                round_id=review_round.id,
                position=position,
                title=title,
                max_points=points,
                descriptors=descriptors_for(points),
            )
        )
    audit.record(
        session,
        action="round.create",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"name": name, "kind": kind, "year": year},
    )
    return review_round
