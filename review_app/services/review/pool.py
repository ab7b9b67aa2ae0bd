"""The expert pool (专家库): the rules an expert's values must meet, listing the pool, adding and
editing experts, marking them inactive (the import from a file is pool_import; experts' conflicts of
interest are in conflicts, their accounts' activation links in activation).

Experts are matched by 专家编号, employers by their credit code.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Conflict, Expert, Organisation, User, UserToken
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..intake import credit_codes
from ..intake import fields as tech_fields
from ..intake.organisations import Declared, Register
from ..platform import paging
from ..platform.notify import EMAIL_PATTERN, PHONE_PATTERN
from ..platform.tables import Column, cell_text, list_text
from .activation import ACTIVATION
from .conflicts import ConflictRow, conflicts_of_expert

# An expert's values by the 专家库 sheet's headers (design.md); the form uses the same names. An imported
# file's header row must have the required columns and may leave the others out.
COLUMNS = tuple(
    Column(header, header, required, max_length=length, may_be_absent=not required)
    for header, required, length in (
        ("专家编号", True, 32),
        ("姓名", True, 64),
        ("工作单位", True, 200),
        ("单位统一社会信用代码", True, None),
        ("所在城市", False, 32),
        ("专业领域", True, None),  # each field at most 64 characters
        ("职称", False, 64),
        ("最大评审数", False, None),
        ("手机", False, 32),
        ("邮箱", False, 128),
        # What the expert works on, for the assignment's text affinity (issue 19): at the end, so that
        # files without them still import (leaving what the experts entered as it is).
        ("研究方向", False, 500),
        ("代表性成果", False, 2000),
        ("关键词", False, 200),
    )
)
TEXT_COLUMNS = {"研究方向": "research_areas", "代表性成果": "achievements", "关键词": "keywords"}
FIELD_SEPARATORS = re.compile(r"[;；、,，]")
PAGE_SIZE = 100  # experts per page of the pool


class PoolError(ServiceError):
    """A request about the pool that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class ExpertData:
    """One expert as read from a row or a form, checked and normalised."""

    code: str
    name: str
    org_name: str
    org_credit_code: str
    city: str
    fields: tuple[str, ...]
    title: str
    max_load: int | None
    phone: str | None
    email: str | None
    texts: dict[str, str] | None = None  # research_areas, achievements, keywords; None: not given, kept


# Checking ----------------------------------------------------------------------------------------


def check_row(
    values: dict[str, object], known_fields: set[str] | None = None
) -> tuple[ExpertData | None, list[tuple[str, str]]]:
    """The row as ExpertData, or the (column, reason) pairs that stop it. The text columns (研究方向,
    代表性成果, 关键词) are taken only when `values` has them all (a file's header or a form that shows them).
    `known_fields`: the technical fields an expert may name (intake.fields.known_fields), when given."""
    problems: list[tuple[str, str]] = []
    text = {c.key: cell_text(values.get(c.key)) for c in COLUMNS}
    for column in COLUMNS:
        if column.required and not text[column.key]:
            problems.append((column.header, _("a required cell is empty")))
    for column in COLUMNS:
        if column.max_length is not None and len(text[column.key]) > column.max_length:
            problems.append((column.header, _("longer than %(n)d characters", n=column.max_length)))
    code = text["单位统一社会信用代码"].upper().replace(" ", "")
    if code:
        problem = credit_codes.problem(code)
        if problem:
            problems.append(("单位统一社会信用代码", _credit_problem(code, problem)))
    fields = tuple(f.strip() for f in FIELD_SEPARATORS.split(text["专业领域"]) if f.strip())
    if text["专业领域"] and not fields:
        problems.append(("专业领域", _("a required cell is empty")))
    if any(len(f) > 64 for f in fields):
        problems.append(("专业领域", _("longer than %(n)d characters", n=64)))
    elif known_fields is not None and any(f not in known_fields for f in fields):
        problems.append(("专业领域", unknown_fields_problem([f for f in fields if f not in known_fields])))
    max_load = None
    if text["最大评审数"]:
        try:
            max_load = int(text["最大评审数"])
        except ValueError:
            problems.append(("最大评审数", _("%(value)s is not a number", value=text["最大评审数"])))
        else:
            if not 1 <= max_load <= 100:
                problems.append(("最大评审数", _("%(value)s is out of range", value=text["最大评审数"])))
    if text["手机"] and not PHONE_PATTERN.fullmatch(text["手机"]):
        problems.append(("手机", _("%(value)s is not a phone number", value=text["手机"])))
    if text["邮箱"] and not EMAIL_PATTERN.fullmatch(text["邮箱"]):
        problems.append(("邮箱", _("%(value)s is not an e-mail address", value=text["邮箱"])))
    if problems:
        return None, problems
    return (
        ExpertData(
            code=text["专家编号"],
            name=text["姓名"],
            org_name=text["工作单位"],
            org_credit_code=code,
            city=text["所在城市"],
            fields=fields,
            title=text["职称"],
            max_load=max_load,
            phone=text["手机"] or None,
            email=text["邮箱"] or None,
            texts=_texts(text) if all(h in values for h in TEXT_COLUMNS) else None,
        ),
        [],
    )


def unknown_fields_problem(unknown: list[str]) -> str:
    """Why fields outside the controlled list are refused (the assignment matches the list's names)."""
    return _(
        "%(value)s is not in the list of technical fields (see the template's 技术领域 sheet); the assignment "
        "matches experts to applications by these names",
        value="、".join(unknown),
    )


def _texts(text: dict[str, str]) -> dict[str, str]:
    return {key: list_text(text[h]) if key == "keywords" else text[h] for h, key in TEXT_COLUMNS.items()}


def _credit_problem(code: str, problem: str) -> str:
    reasons = {
        "length": _("%(code)s is not 18 characters long", code=code),
        "characters": _("%(code)s has characters a credit code cannot have", code=code),
        "org_code_check": _("%(code)s: wrong check character of the embedded organisation code", code=code),
        "check": _("%(code)s: wrong check character", code=code),
    }
    return reasons[problem]


def employer(row: ExpertData) -> Declared:
    """The expert's employer as the row declares it (for the centre's register)."""
    return Declared(credit_code=row.org_credit_code, name=row.org_name, city=row.city)


def write_expert(session: Session, expert: Expert, row: ExpertData, register: Register | None = None) -> bool:
    """Write the row's values on the expert; True when something changed (`register`: the import's, with
    every employer of its file looked up at once)."""
    org = (register or Register(session)).entry(employer(row))
    values = {
        "code": row.code,
        "name": row.name,
        "org_id": org.id,
        "city": row.city,
        "fields": ";".join(row.fields),
        "title": row.title,
        "max_load": row.max_load,
        "phone": row.phone,
        "email": row.email,
        **(row.texts or {}),
    }
    changed = False
    for key, value in values.items():
        if getattr(expert, key) != value:
            setattr(expert, key, value)
            changed = True
    return changed


# Editing the pool ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolRow:
    expert: Expert
    org: Organisation | None
    account: User | None
    conflicts: int

    @property
    def activated(self) -> bool:
        return self.account is not None and self.account.password_hash is not None


def pool(session: Session, *, query: str = "", show: str = "active", number: int = 1) -> paging.Page:
    """Page `number` of the pool for the centre (PoolRow items), by code, with the true total; `query`
    matches code, name, employer or field."""
    statement = (
        select(Expert, Organisation, User)
        .join(Organisation, Organisation.id == Expert.org_id, isouter=True)
        .join(User, User.expert_id == Expert.id, isouter=True)
        .order_by(Expert.code)
    )
    if show == "active":
        statement = statement.where(Expert.is_active)
    elif show == "inactive":
        statement = statement.where(sa.not_(Expert.is_active))
    query = query.strip()
    if query:
        like = f"%{query}%"
        statement = statement.where(
            sa.or_(
                Expert.code.ilike(like), Expert.name.like(like), Organisation.name.like(like), Expert.fields.like(like)
            )
        )
    found = paging.paginate(session, statement, number=number, size=PAGE_SIZE)
    ids = [e.id for e, _o, _u in found.items]
    counts = dict(session.execute(select(Conflict.expert_id, sa.func.count())
                                  .where(Conflict.expert_id.in_(ids)).group_by(Conflict.expert_id)).all())
    return found.map(lambda rows: [PoolRow(e, o, u, counts.get(e.id, 0)) for e, o, u in rows])


def expert_by_code(session: Session, code: str) -> Expert | None:
    """The expert with this code (E0001), or None."""
    return session.exec(select(Expert).where(Expert.code == code)).first()


def get_expert(session: Session, expert_id: int) -> Expert | None:
    return session.get(Expert, expert_id)


@dataclass(frozen=True)
class ExpertDetail:
    expert: Expert
    org: Organisation | None
    account: User | None
    link_pending_until: datetime | None  # an unused activation link works until then
    conflicts: list[ConflictRow]

    @property
    def activated(self) -> bool:
        return self.account is not None and self.account.password_hash is not None

    @property
    def form_data(self) -> dict:
        e = self.expert
        return {
            "code": e.code,
            "name": e.name,
            "org_name": self.org.name if self.org else "",
            "org_credit_code": self.org.credit_code if self.org else "",
            "city": e.city,
            "fields": "；".join(e.field_list),
            "title": e.title,
            "max_load": e.max_load,
            "phone": e.phone or "",
            "email": e.email or "",
        }


def expert_detail(session: Session, *, expert: Expert) -> ExpertDetail:
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    pending = None
    if account is not None:
        pending = session.execute(
            select(sa.func.max(UserToken.expires_at)).where(
                UserToken.user_id == account.id,
                UserToken.purpose == ACTIVATION,
                UserToken.used_at.is_(None),
                UserToken.expires_at > utcnow(),
            )
        ).scalar_one()
    return ExpertDetail(
        expert=expert,
        org=session.get(Organisation, expert.org_id) if expert.org_id else None,
        account=account,
        link_pending_until=pending,
        conflicts=conflicts_of_expert(session, expert=expert),
    )


def expert_data_from(values: dict[str, object]) -> ExpertData:
    """Check a form's values with the import's rules; PoolError names every problem."""
    row, problems = check_row(values)
    if problems:
        raise PoolError("；".join(f"{column}：{reason}" for column, reason in problems))
    return row


def save_expert(session: Session, *, expert: Expert | None, data: ExpertData, by: User) -> Expert:
    """Add an expert (expert None) or change one; the code stays unique and the fields are on the list."""
    unknown = [f for f in data.fields if f not in tech_fields.known_fields(session)]
    if unknown:
        raise PoolError("专业领域：" + unknown_fields_problem(unknown))
    clash = session.exec(select(Expert).where(Expert.code == data.code)).first()
    if clash is not None and (expert is None or clash.id != expert.id):
        raise PoolError(_("The expert code %(code)s is taken.", code=data.code))
    creating = expert is None
    if creating:
        expert = Expert(code=data.code, name=data.name)
        session.add(expert)
    changed = write_expert(session, expert, data)
    session.flush()
    if creating or changed:
        audit.record(
            session,
            action="expert.create" if creating else "expert.update",
            by=by,
            target=expert,
            details={"code": expert.code, "name": expert.name},
        )
    return expert


def update_expertise(session: Session, *, expert: Expert, texts: dict[str, str], by: User) -> bool:
    """The expert's own 研究方向, 代表性成果 and 关键词 (from their 我的数据 page); audited with what changed.
    Returns whether anything did."""
    limits = {"research_areas": 500, "achievements": 2000, "keywords": 200}
    values = {key: (texts.get(key) or "").strip() for key in limits}
    values["keywords"] = list_text(values["keywords"])
    if any(len(values[key]) > limit for key, limit in limits.items()):
        raise PoolError(_("A text is too long: at most 500 characters of research areas, 2000 of achievements "
                          "and 200 of keywords."))
    changed = {key: value for key, value in values.items() if getattr(expert, key) != value}
    if not changed:
        return False
    before = {key: getattr(expert, key) for key in changed}
    for key, value in changed.items():
        setattr(expert, key, value)
    session.add(expert)
    audit.record(session, action="expert.expertise", by=by, target=expert,
                 details={"code": expert.code, "before": before, "after": changed})
    return True


def set_active(session: Session, *, expert: Expert, active: bool, by: User) -> None:
    """Take an expert out of the pool (no new assignments, no login) or back in."""
    if expert.is_active == active:
        return
    expert.is_active = active
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    if account is not None:
        account.is_active = active
        if not active:
            account.session_nonce = secrets.token_hex(8)
    audit.record(
        session,
        action="expert.activate" if active else "expert.deactivate",
        by=by,
        target=expert,
        details={"code": expert.code},
    )
