"""The expert pool (专家库): import from Excel, add and edit experts, conflicts of interest, and expert
accounts with one-time activation links.

The import is all or nothing and idempotent: every row is checked first, a file with any bad row
changes nothing and names every problem (sheet, row, column, reason, in Chinese); importing the same
file again changes nothing. Experts are matched by 专家编号, employers by their credit code.
"""

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationMember,
    Conflict,
    ConflictSource,
    Expert,
    Organisation,
    Role,
    Round,
    User,
    UserToken,
)
from ..models._base import utcnow
from . import audit, credit_codes, notify, passwords, workbooks
from .accounts import AccountError, password_problem

SHEET = "专家库"
COLUMNS = (
    "专家编号",
    "姓名",
    "工作单位",
    "单位统一社会信用代码",
    "所在城市",
    "专业领域",
    "职称",
    "最大评审数",
    "手机",
    "邮箱",
)
REQUIRED = ("专家编号", "姓名", "工作单位", "单位统一社会信用代码", "专业领域")
MAX_ROWS = 20_000
LENGTHS = {"专家编号": 32, "姓名": 64, "工作单位": 200, "所在城市": 32, "职称": 64, "手机": 32, "邮箱": 128}
FIELD_SEPARATORS = re.compile(r"[;；、,，]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+\-() ]{5,32}$")
ACTIVATION = "activation"
ACTIVATION_DAYS = 7


class PoolError(ValueError):
    """A request about the pool that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _(
            "sheet %(sheet)s, row %(row)d, column %(column)s: %(reason)s",
            sheet=self.sheet,
            row=self.row,
            column=self.column or "—",
            reason=self.reason,
        )


class PoolImportError(PoolError):
    """The file was not imported; `problems` names every bad row."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(_("Nothing was imported: %(n)d problem(s) found.", n=len(problems)))


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


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# Reading and checking ----------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> tuple[list[tuple[int, dict[str, object]]], list[RowProblem]]:
    """The rows of the 专家库 sheet (xlsx) or of a CSV file, as (row number, {column: value})."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    return [], [RowProblem(SHEET, 0, "", _("only .xlsx and .csv files can be imported"))]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    problem = workbooks.xlsx_problem(data)
    if problem:
        return [], [RowProblem(SHEET, 0, "", problem)]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [RowProblem(SHEET, 0, "", _("the file cannot be read as an Excel workbook (.xlsx)"))]
    try:
        if SHEET not in workbook.sheetnames:
            return [], [RowProblem(SHEET, 0, "", _("the workbook has no sheet named %(name)s", name=SHEET))]
        rows = list(workbook[SHEET].iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        workbook.close()
    return _table(rows)


def _read_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [RowProblem(SHEET, 0, "", _("the file is neither UTF-8 nor GBK/GB18030 text"))]
    return _table(list(csv.reader(io.StringIO(text))))


def _table(rows: list) -> tuple[list[tuple[int, dict[str, object]]], list[RowProblem]]:
    if not rows:
        return [], [RowProblem(SHEET, 1, "", _("the sheet is empty"))]
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in COLUMNS if c in REQUIRED and c not in header]
    if missing:
        return [], [RowProblem(SHEET, 1, c, _("the column is missing from the header row")) for c in missing]
    if len(rows) > MAX_ROWS + 1:
        return [], [RowProblem(SHEET, MAX_ROWS + 2, "", _("more than %(n)d rows", n=MAX_ROWS))]
    index = {c: header.index(c) for c in COLUMNS if c in header}
    table = []
    for number, row in enumerate(rows[1:], start=2):
        values = {c: (row[i] if i < len(row) else None) for c, i in index.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        table.append((number, values))
    return table, []


def _text(value: object) -> str:
    """A cell as text: Excel numbers without a trailing .0 (phone numbers, codes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_row(values: dict[str, object]) -> tuple[ExpertData | None, list[tuple[str, str]]]:
    """The row as ExpertData, or the (column, reason) pairs that stop it."""
    problems: list[tuple[str, str]] = []
    text = {c: _text(values.get(c)) for c in COLUMNS}
    for column in REQUIRED:
        if not text[column]:
            problems.append((column, _("a required cell is empty")))
    for column, limit in LENGTHS.items():
        if len(text[column]) > limit:
            problems.append((column, _("longer than %(n)d characters", n=limit)))
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
    max_load = None
    if text["最大评审数"]:
        try:
            max_load = int(text["最大评审数"])
        except ValueError:
            problems.append(("最大评审数", _("%(value)s is not a number", value=text["最大评审数"])))
        else:
            if not 1 <= max_load <= 100:
                problems.append(("最大评审数", _("%(value)s is out of range", value=text["最大评审数"])))
    if text["手机"] and not PHONE.match(text["手机"]):
        problems.append(("手机", _("%(value)s is not a phone number", value=text["手机"])))
    if text["邮箱"] and not EMAIL.match(text["邮箱"]):
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
        ),
        [],
    )


def _credit_problem(code: str, problem: str) -> str:
    reasons = {
        "length": _("%(code)s is not 18 characters long", code=code),
        "characters": _("%(code)s has characters a credit code cannot have", code=code),
        "org_code_check": _("%(code)s: wrong check character of the embedded organisation code", code=code),
        "check": _("%(code)s: wrong check character", code=code),
    }
    return reasons[problem]


# Importing -----------------------------------------------------------------------------------------


def import_experts(session: Session, *, filename: str, data: bytes, by: User | None) -> ImportResult:
    """Import the pool: all or nothing, idempotent. Raises PoolImportError listing every bad row."""
    table, problems = read_table(filename, data)
    rows: list[ExpertData] = []
    seen: dict[str, int] = {}
    for number, values in table:
        row, row_problems = check_row(values)
        problems += [RowProblem(SHEET, number, column, reason) for column, reason in row_problems]
        if row is None:
            continue
        if row.code in seen:
            problems.append(
                RowProblem(
                    SHEET, number, "专家编号", _("%(code)s is also in row %(row)d", code=row.code, row=seen[row.code])
                )
            )
            continue
        seen[row.code] = number
        rows.append(row)
    if not problems and not rows:
        problems.append(RowProblem(SHEET, 2, "", _("the sheet is empty")))
    if problems:
        raise PoolImportError(problems)

    created, updated, unchanged = [], [], []
    existing = {e.code: e for e in session.exec(select(Expert).where(Expert.code.in_(list(seen))))}
    for row in rows:
        expert = existing.get(row.code)
        if expert is None:
            expert = Expert(code=row.code, name=row.name)
            session.add(expert)
            created.append(row.code)
            _apply(session, expert, row)
        elif _apply(session, expert, row):
            updated.append(row.code)
        else:
            unchanged.append(row.code)
    session.flush()
    audit.record(
        session,
        action="experts.import",
        by=by,
        details={
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "created": created[:200],
            "updated": updated[:200],
            "unchanged": len(unchanged),
        },
    )
    return ImportResult(len(created), len(updated), len(unchanged))


def _org(session: Session, *, credit_code: str, name: str, city: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.credit_code == credit_code)).first()
    if org is None:
        org = Organisation(credit_code=credit_code, name=name, city=city or None)
        session.add(org)
        session.flush()
    return org


def _apply(session: Session, expert: Expert, row: ExpertData) -> bool:
    """Write the row's values on the expert; True when something changed."""
    org = _org(session, credit_code=row.org_credit_code, name=row.org_name, city=row.city)
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


def pool(session: Session, *, query: str = "", show: str = "active") -> list[PoolRow]:
    """The pool for the centre, by code; `query` matches code, name, employer or field."""
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
    counts = dict(session.execute(select(Conflict.expert_id, sa.func.count()).group_by(Conflict.expert_id)).all())
    return [PoolRow(e, o, u, counts.get(e.id, 0)) for e, o, u in session.exec(statement.limit(2000)).all()]


def get_expert(session: Session, expert_id: int) -> Expert | None:
    return session.get(Expert, expert_id)


@dataclass(frozen=True)
class ExpertDetail:
    expert: Expert
    org: Organisation | None
    account: User | None
    link_pending_until: datetime | None  # an unused activation link works until then
    conflicts: list["ConflictRow"]

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
    """Add an expert (expert None) or change one; the code stays unique."""
    clash = session.exec(select(Expert).where(Expert.code == data.code)).first()
    if clash is not None and (expert is None or clash.id != expert.id):
        raise PoolError(_("The expert code %(code)s is taken.", code=data.code))
    creating = expert is None
    if creating:
        expert = Expert(code=data.code, name=data.name)
        session.add(expert)
    changed = _apply(session, expert, data)
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


# Conflicts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    conflict: Conflict | None  # None for a conflict implied by the expert's employer
    expert: Expert
    application: Application | None
    org: Organisation | None
    source: ConflictSource
    reason: str


def record_conflict(
    session: Session,
    *,
    expert: Expert,
    by: User,
    source: ConflictSource,
    reason: str,
    application_code: str = "",
    org_credit_code: str = "",
) -> int:
    """Record that `expert` must not review an application (by its 申报编号, in the newest round that
    has it) or any application a unit leads or joins (by its credit code). Returns the rows added."""
    reason = reason.strip()
    application_code = application_code.strip()
    org_credit_code = org_credit_code.strip().upper()
    if not reason:
        raise PoolError(_("Please give the reason for the conflict."))
    if bool(application_code) == bool(org_credit_code):
        raise PoolError(_("Give either an application no. or a unit's credit code."))
    targets: list[tuple[Application | None, Organisation | None]] = []
    if application_code:
        application = session.exec(
            select(Application).where(Application.code == application_code).order_by(Application.round_id.desc())
        ).first()
        if application is None:
            raise PoolError(_("There is no application %(code)s.", code=application_code))
        targets.append((application, None))
    else:
        org = session.exec(select(Organisation).where(Organisation.credit_code == org_credit_code)).first()
        if org is None:
            raise PoolError(_("No unit has the credit code %(code)s.", code=org_credit_code))
        # The assignment reads application conflicts: one row per application the unit leads or joins,
        # and one for the unit itself, so applications filed later are covered when recorded again.
        members = select(ApplicationMember.application_id).where(ApplicationMember.org_id == org.id)
        applications = session.exec(
            select(Application).where(sa.or_(Application.lead_org_id == org.id, Application.id.in_(members)))
        ).all()
        targets = [(a, org) for a in applications] + [(None, org)]
    added = 0
    for application, org in targets:
        exists = session.exec(
            select(Conflict).where(
                Conflict.expert_id == expert.id,
                Conflict.application_id == application.id if application else Conflict.application_id.is_(None),
                Conflict.org_id == org.id if org else Conflict.org_id.is_(None),
            )
        ).first()
        if exists:
            continue
        session.add(
            Conflict(
                expert_id=expert.id,
                application_id=application.id if application else None,
                org_id=org.id if org else None,
                source=source,
                reason=reason,
                created_by_id=by.id,
            )
        )
        added += 1
    if not added:
        raise PoolError(_("This conflict is already recorded."))
    session.flush()
    audit.record(
        session,
        action="conflict.record",
        by=by,
        target=expert,
        details={
            "expert": expert.code,
            "application": application_code or None,
            "org": org_credit_code or None,
            "source": source,
            "reason": reason,
            "rows": added,
        },
    )
    return added


def conflicts_of_expert(session: Session, *, expert: Expert) -> list[ConflictRow]:
    rows = session.exec(
        select(Conflict, Application, Organisation)
        .join(Application, Application.id == Conflict.application_id, isouter=True)
        .join(Organisation, Organisation.id == Conflict.org_id, isouter=True)
        .where(Conflict.expert_id == expert.id)
        .order_by(Conflict.created_at.desc(), Conflict.id.desc())
    ).all()
    return [ConflictRow(c, expert, a, o, c.source, c.reason) for c, a, o in rows]


@dataclass(frozen=True)
class ApplicationConflicts:
    application: Application
    round: Round
    rows: list[ConflictRow]


def conflicts_of_application(session: Session, *, application_id: int) -> ApplicationConflicts | None:
    """Recorded conflicts of the application, and the experts employed by its lead or member units."""
    application = session.get(Application, application_id)
    if application is None:
        return None
    recorded = session.exec(
        select(Conflict, Expert, Organisation)
        .join(Expert, Expert.id == Conflict.expert_id)
        .join(Organisation, Organisation.id == Conflict.org_id, isouter=True)
        .where(Conflict.application_id == application.id)
        .order_by(Expert.code)
    ).all()
    rows = [ConflictRow(c, e, application, o, c.source, c.reason) for c, e, o in recorded]
    org_ids = [application.lead_org_id] + list(
        session.exec(select(ApplicationMember.org_id).where(ApplicationMember.application_id == application.id))
    )
    for expert, org in session.exec(
        select(Expert, Organisation)
        .join(Organisation, Organisation.id == Expert.org_id)
        .where(Expert.org_id.in_(org_ids))
        .order_by(Expert.code)
    ).all():
        rows.append(ConflictRow(None, expert, application, org, ConflictSource.OWN_ORG, org.name))
    return ApplicationConflicts(application, session.get(Round, application.round_id), rows)


def all_conflicts(session: Session, *, application_code: str = "", limit: int = 500) -> list[ConflictRow]:
    """Recorded conflicts, newest first, optionally of one application no."""
    statement = (
        select(Conflict, Expert, Application, Organisation)
        .join(Expert, Expert.id == Conflict.expert_id)
        .join(Application, Application.id == Conflict.application_id, isouter=True)
        .join(Organisation, Organisation.id == Conflict.org_id, isouter=True)
        .order_by(Conflict.created_at.desc(), Conflict.id.desc())
        .limit(limit)
    )
    if application_code.strip():
        statement = statement.where(Application.code == application_code.strip())
    return [ConflictRow(c, e, a, o, c.source, c.reason) for c, e, a, o in session.exec(statement).all()]


# Accounts and activation links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    expert: Expert
    user: User
    link: str
    expires_at: datetime
    mailed: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def activation_days() -> int:
    return (
        int(current_app.config.get("ACTIVATION_LINK_DAYS", ACTIVATION_DAYS)) if has_app_context() else ACTIVATION_DAYS
    )


def issue_activation(session: Session, *, expert: Expert, by: User, link_for: Callable[[str], str]) -> Activation:
    """Create the expert's account if needed and a new one-time link with which they set their
    password; earlier unused links stop working. Only the token's hash is stored; the link is
    returned (to show or export) and mailed when SMTP is configured."""
    if not expert.is_active:
        raise PoolError(_("%(code)s is inactive; activate the expert first.", code=expert.code))
    user = session.exec(select(User).where(User.expert_id == expert.id)).first()
    if user is None:
        username = expert.code.lower()
        if session.exec(select(User).where(User.username == username)).first():
            raise PoolError(_("The username %(name)s is taken by another account.", name=username))
        user = User(username=username, role=Role.EXPERT, display_name=expert.name, expert_id=expert.id)
        session.add(user)
        session.flush()
        audit.record(
            session,
            action="user.create",
            by=by,
            target=user,
            details={"username": username, "role": Role.EXPERT, "expert": expert.code},
        )
    now = utcnow()
    for old in session.exec(
        select(UserToken).where(
            UserToken.user_id == user.id, UserToken.purpose == ACTIVATION, UserToken.used_at.is_(None)
        )
    ):
        if old.expires_at > now:
            old.expires_at = now
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=activation_days())
    session.add(UserToken(user_id=user.id, purpose=ACTIVATION, token_hash=_hash(token), expires_at=expires_at))
    link = link_for(token)
    message = notify.send(
        session,
        user=user,
        email=expert.email,
        kind=ACTIVATION,
        subject=_("Your account for the Jiangsu innovation consortium review"),
        body=_activation_body(expert, user, link, expires_at),
        stored_body=_activation_body(expert, user, _("(the link is not stored)"), expires_at),
    )
    audit.record(
        session,
        action="user.activation_link",
        by=by,
        target=user,
        details={"expert": expert.code, "expires_at": expires_at.isoformat(), "mailed": bool(message.sent_at)},
    )
    return Activation(expert, user, link, expires_at, mailed=message.sent_at is not None)


def _activation_body(expert: Expert, user: User, link: str, expires_at: datetime) -> str:
    from flask_babel import format_datetime

    return _(
        "Dear %(name)s, an account has been prepared for you in the review system (username %(username)s). "
        "Open this link to set your password: %(link)s . The link works once and expires at %(when)s.",
        name=expert.name,
        username=user.username,
        link=link,
        when=format_datetime(expires_at, "yyyy-MM-dd HH:mm"),
    )


def issue_missing_activations(session: Session, *, by: User, link_for: Callable[[str], str]) -> list[Activation]:
    """A new link for every active expert whose account is not activated yet (to export as a table)."""
    experts = session.exec(
        select(Expert)
        .join(User, User.expert_id == Expert.id, isouter=True)
        .where(Expert.is_active, User.password_hash.is_(None))
        .order_by(Expert.code)
    ).all()
    return [issue_activation(session, expert=e, by=by, link_for=link_for) for e in experts]


def _valid_token(session: Session, token: str) -> UserToken | None:
    if not token or len(token) > 128:
        return None
    row = session.exec(
        select(UserToken).where(UserToken.token_hash == _hash(token), UserToken.purpose == ACTIVATION)
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def activation_user(session: Session, *, token: str) -> User | None:
    """The account a still valid link is for, else None."""
    row = _valid_token(session, token)
    user = session.get(User, row.user_id) if row else None
    return user if user is not None and user.is_active else None


def activate(session: Session, *, token: str, password: str) -> User:
    """Set the password with a one-time link: the link is used up, other sessions end."""
    row = _valid_token(session, token)
    user = session.get(User, row.user_id) if row else None
    if user is None or not user.is_active:
        raise AccountError(_("This link is invalid, used or expired. Please ask the provincial centre for a new one."))
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    # Use the link up with a conditional UPDATE, so that two clicks cannot both succeed.
    claimed = session.execute(
        sa.update(UserToken)
        .where(UserToken.id == row.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AccountError(_("This link is invalid, used or expired. Please ask the provincial centre for a new one."))
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = False
    user.session_nonce = secrets.token_hex(8)
    user.failed_logins = 0
    audit.record(session, action="user.activate", by=user, target=user, details={"username": user.username})
    return user
