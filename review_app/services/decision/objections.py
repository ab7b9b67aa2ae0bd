"""Objections (异议) to a round under public notice: the centre records each as received (date, channel,
real name or not, who, which application, what, attachments), gives it an owner and a handling deadline
(OBJECTION_WORKING_DAYS working days after receipt by default), notes the investigation, and answers it:
维持 (the list stands), 调整 (with what changes: the application may leave the list, another may enter) or
撤销 (the application leaves the list), with reasons; the answer goes to the objector's contact and the
application's city. One received after the period is recorded as late. Every step is audited; the answer
changes the final list (final_list) and never the stored ranking."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    Objection,
    ObjectionAnswer,
    ObjectionChannel,
    ObjectionFile,
    ObjectionStatus,
    Role,
    Round,
    RoundStage,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..platform import pdfs
from ..platform.storage import FolderStore
from . import final_list, notices, publicity, workdays
from .publicity import DecisionError

MIN_REASON_LENGTH = 4
MAX_FILES = 5
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Received:
    """What the centre typed when an objection came in."""

    application_id: int
    received_on: date
    channel: str
    real_name: bool
    objector: str
    contact: str
    content: str
    owner_id: int | None = None


def _open_round(session: Session, review_round: Round):
    notice = publicity.notice_of(session, round_id=review_round.id)
    if review_round.stage == RoundStage.DECIDED:
        raise DecisionError(_("The final decision is recorded: the round's objections are closed."))
    if review_round.stage != RoundStage.PUBLISHED or notice is None:
        raise DecisionError(_("Objections are received once the public notice has started."))
    return notice


def _owner(session: Session, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = session.get(User, owner_id)
    if owner is None or owner.role != Role.ADMIN or not owner.is_active:
        raise DecisionError(_("The owner must be an active account of the provincial centre."))
    return owner


def receive(
    session: Session,
    *,
    review_round: Round,
    data: Received,
    files: list[tuple[str, bytes]],
    store: FolderStore,
    by: User | None,
    today: date | None = None,
) -> Objection:
    """Record an objection as received; late when it came after the period."""
    notice = _open_round(session, review_round)
    today = today or workdays.today()
    application = session.get(Application, data.application_id)
    problems = []
    if application is None or application.round_id != review_round.id:
        problems.append(_("Choose the application of this round the objection is about."))
    if data.channel not in set(ObjectionChannel):
        problems.append(_("Choose how the objection came in."))
    if data.received_on > today:
        problems.append(_("The date of receipt cannot be in the future."))
    if data.received_on < notice.starts_on:
        problems.append(_("The notice started on %(day)s: an objection is received from then on.",
                          day=notice.starts_on.isoformat()))
    if not data.content.strip():
        problems.append(_("Write what the objection says."))
    if data.real_name and not data.objector.strip():
        problems.append(_("A real-name objection names its author."))
    if len(files) > MAX_FILES:
        problems.append(_("At most %(n)d attachments.", n=MAX_FILES))
    for filename, content in files:
        problem = pdfs.pdf_problem(content) if len(content) <= MAX_FILE_BYTES else _("The file is too large.")
        if problem:
            problems.append(f"{filename}: {problem}")
    owner = _owner(session, data.owner_id) if not problems else None
    if problems:
        raise DecisionError("；".join(problems))
    objection = Objection(
        round_id=review_round.id,
        application_id=application.id,
        received_on=data.received_on,
        channel=ObjectionChannel(data.channel),
        real_name=data.real_name,
        objector=data.objector.strip()[:200] if data.real_name else (data.objector.strip()[:200] or _("Anonymous")),
        objector_contact=data.contact.strip()[:200],
        content=data.content.strip(),
        late=data.received_on > notice.ends_on,
        owner_id=owner.id if owner else None,
        due_on=workdays.calendar().after(data.received_on, workdays.setting("OBJECTION_WORKING_DAYS", 10)),
        recorded_by_id=by.id if by else None,
    )
    session.add(objection)
    session.flush()
    for filename, content in files:
        session.add(ObjectionFile(objection_id=objection.id, filename=filename[:255], sha256=store.put(content),
                                  size=len(content), uploaded_by_id=by.id if by else None))
    audit.record(
        session,
        action="objection.receive",
        by=by,
        target=objection,
        round_id=review_round.id,
        details={"application": application.code, "received_on": data.received_on.isoformat(),
                 "channel": objection.channel, "real_name": data.real_name, "late": objection.late,
                 "due_on": objection.due_on.isoformat(), "files": [name for name, _content in files]},
    )
    return objection


def handle(session: Session, *, objection: Objection, owner_id: int | None, due_on: date | None, notes: str,
           by: User | None) -> Objection:
    """The investigation: the owner, the handling deadline and the notes (each change audited)."""
    _open_round(session, session.get(Round, objection.round_id))
    if objection.status == ObjectionStatus.ANSWERED:
        raise DecisionError(_("This objection is answered already."))
    owner = _owner(session, owner_id)
    if due_on is not None and due_on < objection.received_on:
        raise DecisionError(_("The handling deadline cannot be before the objection was received."))
    changes = {}
    for key, value in (("owner_id", owner.id if owner else None), ("due_on", due_on or objection.due_on),
                       ("notes", (notes or "").strip())):
        old = getattr(objection, key)
        if old != value:
            changes[key] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(objection, key, value)
    if changes:
        objection.status = ObjectionStatus.INVESTIGATING
        audit.record(session, action="objection.update", by=by, target=objection, round_id=objection.round_id,
                     details=changes)
    return objection


def answer(
    session: Session,
    *,
    objection: Objection,
    kind: str,
    reasons: str,
    changes: str = "",
    removes: bool = False,
    adds_application_id: int | None = None,
    by: User | None,
) -> Objection:
    """Answer the objection (维持 / 调整 / 撤销) with reasons; an adjustment says what changes. The answer
    is sent to the objector's contact and the application's city."""
    _open_round(session, session.get(Round, objection.round_id))
    if objection.status == ObjectionStatus.ANSWERED:
        raise DecisionError(_("This objection is answered already."))
    if kind not in set(ObjectionAnswer):
        raise DecisionError(_("Choose the answer: maintain, adjust or revoke."))
    kind = ObjectionAnswer(kind)
    reasons, changes = (reasons or "").strip(), (changes or "").strip()
    problems = []
    if len(reasons) < MIN_REASON_LENGTH:
        problems.append(_("Give the reasons of the answer (at least %(n)d characters).", n=MIN_REASON_LENGTH))
    before = [e.application.id for e in final_list.final_list(session, round_id=objection.round_id)]
    if kind == ObjectionAnswer.MAINTAIN:
        removes, adds_application_id, changes = False, None, ""
    elif kind == ObjectionAnswer.REVOKE:
        removes, adds_application_id = True, None
        if objection.application_id not in before:
            problems.append(_("The application is not on the list: there is nothing to revoke."))
    else:
        if not changes:
            problems.append(_("Say what the adjustment changes."))
        if removes and objection.application_id not in before:
            problems.append(_("The application is not on the list: it cannot leave it."))
        if adds_application_id is not None:
            ranked = {a.id for _r, a, _c in final_list.ranked_results(session, round_id=objection.round_id)}
            if adds_application_id not in ranked or adds_application_id in before:
                problems.append(_("Only a ranked application that is not on the list can enter it."))
    if problems:
        raise DecisionError("；".join(problems))
    objection.answer, objection.answer_reasons, objection.answer_changes = kind, reasons, changes
    objection.removes, objection.adds_application_id = removes, adds_application_id
    objection.status, objection.answered_at, objection.answered_by_id = ObjectionStatus.ANSWERED, utcnow(), (
        by.id if by else None)
    session.flush()
    after = final_list.final_list(session, round_id=objection.round_id)
    audit.record(
        session,
        action="objection.answer",
        by=by,
        target=objection,
        round_id=objection.round_id,
        details={"answer": kind, "reason": reasons, "changes": changes,
                 "removed": [_code(session, i) for i in before if i not in {e.application.id for e in after}],
                 "added": [e.application.code for e in after if e.application.id not in before]},
    )
    notices.objection_answered(session, objection=objection)
    return objection


def _code(session: Session, application_id: int) -> str:
    return session.get(Application, application_id).code


@dataclass(frozen=True)
class ObjectionRow:
    objection: Objection
    application: Application
    owner: User | None
    files: list[ObjectionFile]
    adds: Application | None


def objections_of(session: Session, *, round_id: int) -> list[ObjectionRow]:
    """The round's objections in the order received, with what a page shows of each."""
    rows = []
    for objection in session.exec(select(Objection).where(Objection.round_id == round_id).order_by(Objection.id)):
        files = list(session.exec(select(ObjectionFile).where(ObjectionFile.objection_id == objection.id)))
        rows.append(ObjectionRow(
            objection, session.get(Application, objection.application_id),
            session.get(User, objection.owner_id) if objection.owner_id else None, files,
            session.get(Application, objection.adds_application_id) if objection.adds_application_id else None,
        ))
    return rows


def near_deadline(session: Session, *, today: date | None = None) -> list[Objection]:
    """Open objections of rounds under notice whose handling deadline is within OBJECTION_ALERT_WORKING_DAYS
    working days (or past)."""
    today = today or workdays.today()
    horizon = workdays.calendar().add(today, max(1, workdays.setting("OBJECTION_ALERT_WORKING_DAYS", 2)))
    return list(session.exec(
        select(Objection).join(Round, Round.id == Objection.round_id).where(
            Round.stage == RoundStage.PUBLISHED, Objection.status != ObjectionStatus.ANSWERED,
            Objection.due_on <= horizon)
        .order_by(Objection.due_on, Objection.id)
    ))


def alert_near_deadlines(session: Session, *, today: date | None = None) -> int:
    """Tell the centre, once per objection and deadline, that an open objection is due soon."""
    return sum(notices.objection_due(session, objection=o) for o in near_deadline(session, today=today))
