"""The controlled list of 技术领域 (technical fields), kept by the centre per round.

The notice asks for consortia in the 新兴产业 and 未来产业 areas; the default list names them (the
province's emerging-industry clusters and its future industries). The centre edits a round's list (an
audited change, until scoring begins); the city form offers it as a select, the applications template as a
dropdown, the import refuses another value, the expert pool's import accepts the fields of any round's list,
and the assignment matches an application's field to its experts' fields by these same names.
"""

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, Round, RoundStage, User
from ..compliance import audit
from .access import ApplicationError

#: 新兴产业 (the province's emerging-industry clusters).
EMERGING_FIELDS = (
    "集成电路",
    "人工智能",
    "生物医药",
    "医疗器械",
    "新能源汽车",
    "高端装备",
    "新材料",
    "节能环保",
    "新一代信息通信",
    "软件与信息服务",
    "海洋工程装备",
    "航空航天",
    "智能电网",
    "光伏与储能",
    "纳米技术",
    "工业互联网",
    "先进纺织",
    "绿色化工",
    "现代农业",
    "轨道交通装备",
)
#: 未来产业 (the province's future industries).
FUTURE_FIELDS = (
    "第三代半导体",
    "未来网络",
    "量子科技",
    "通用智能",
    "细胞和基因技术",
    "合成生物",
    "氢能",
    "新型储能",
    "深海深地空天",
    "虚拟现实",
    "前沿新材料",
    "零碳负碳",
)
DEFAULT_FIELDS = EMERGING_FIELDS + FUTURE_FIELDS
MAX_FIELD_LENGTH = 64
EDITABLE_STAGES = (RoundStage.DRAFT, RoundStage.INTAKE, RoundStage.FORMAL_CHECK, RoundStage.ASSIGNMENT)
SEPARATORS = ("\r\n", "\n", "；", "、", ",", "，")


def split(text: str) -> list[str]:
    """Fields as typed: one a line, or separated by ';', '；', '、' or commas; blanks dropped, order kept."""
    for separator in SEPARATORS:
        text = (text or "").replace(separator, ";")
    seen: list[str] = []
    for part in text.split(";"):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def round_fields(review_round: Round) -> tuple[str, ...]:
    """The round's list: its own, or the notice's default while the centre has not edited it."""
    return tuple(split(review_round.tech_fields)) or DEFAULT_FIELDS


def known_fields(session: Session) -> set[str]:
    """Every field the expert pool may name: the default list and every round's own list."""
    known = set(DEFAULT_FIELDS)
    for text in session.exec(select(Round.tech_fields).where(Round.tech_fields != "")):
        known.update(split(text))
    return known


def field_problem(review_round: Round, value: str) -> str | None:
    """Why `value` is not a field of the round (in Chinese for the form and the import), or None."""
    if value in round_fields(review_round):
        return None
    return _("%(value)s is not in this round's list of technical fields; choose one of the list.",
             value=value or _("(empty)"))


def set_round_fields(session: Session, *, review_round: Round, text: str, by: User | None) -> list[str]:
    """Replace the round's list (audited). A field that one of the round's applications uses stays: the
    centre corrects that application's field first. Returns the new list."""
    if review_round.stage not in EDITABLE_STAGES:
        raise ApplicationError(_("The list of technical fields is fixed once scoring has begun."))
    wanted = split(text)
    problems = []
    if not wanted:
        problems.append(_("The list needs at least one field."))
    long = [f for f in wanted if len(f) > MAX_FIELD_LENGTH]
    if long:
        problems.append(_("Longer than %(n)d characters: %(list)s.", n=MAX_FIELD_LENGTH, list="、".join(long)))
    used = {
        field: code
        for field, code in session.exec(
            select(Application.field, Application.code).where(Application.round_id == review_round.id)
        )
    }
    dropped = sorted(f for f in used if f in round_fields(review_round) and f not in wanted)
    if dropped:
        problems.append(
            _(
                "Still used by applications of this round: %(list)s; correct their field first.",
                list="、".join(f"{f}（{used[f]}）" for f in dropped),
            )
        )
    if problems:
        raise ApplicationError("；".join(problems))
    before = list(round_fields(review_round))
    review_round.tech_fields = ";".join(wanted)
    session.add(review_round)
    audit.record(
        session,
        action="round.fields",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={
            "added": [f for f in wanted if f not in before],
            "removed": [f for f in before if f not in wanted],
            "fields": wanted,
        },
    )
    return wanted
