"""The demo's experts as the README introduces them: e0001 has work in every state (one sheet submitted,
drafts, one not yet opened), and every expert who has written on a sheet has accepted the round's pledge
first, as the pages require of a real expert."""

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationMember,
    AssignmentPin,
    Conflict,
    ConflictDeclaration,
    Expert,
    PinKind,
    PledgeAcceptance,
    Round,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from ..models._base import utcnow
from ..services.rounds import criteria_of

SHOWCASE_EXPERT = "E0001"
SHOWCASE_SHEETS = 4


def pin_showcase_expert(session: Session, review_round: Round, applications: list[Application]) -> None:
    """Pin the README's first expert to applications of their fields that they have no link with, so the
    assignment gives them work (the centre may pin an expert it wants on a panel)."""
    expert = session.exec(select(Expert).where(Expert.code == SHOWCASE_EXPERT)).one()
    conflicted = set(session.exec(select(Conflict.application_id).where(Conflict.expert_id == expert.id)))
    member_of = set(
        session.exec(select(ApplicationMember.application_id).where(ApplicationMember.org_id == expert.org_id))
    )
    candidates = [
        a
        for a in applications
        if a.field in expert.field_list
        and a.id not in conflicted | member_of
        and a.lead_org_id != expert.org_id
    ]
    for application in candidates[: SHOWCASE_SHEETS - 1]:
        session.add(
            AssignmentPin(
                round_id=review_round.id,
                application_id=application.id,
                expert_id=expert.id,
                kind=PinKind.PIN,
                reason="演示：请该专家参加本组评审",
            )
        )
    session.flush()


def show_every_state(session: Session, review_round: Round) -> None:
    """E0001's sheets: the first submitted (when the draw scored it), the last not opened, those between
    drafts (half-filled where the draw left the sheet untouched)."""
    expert = session.exec(select(Expert).where(Expert.code == SHOWCASE_EXPERT)).one()
    sheets = session.exec(
        select(ScoreSheet)
        .where(ScoreSheet.round_id == review_round.id, ScoreSheet.expert_id == expert.id)
        .order_by(ScoreSheet.application_id)
    ).all()
    if len(sheets) < 3:
        return
    criteria = criteria_of(session, review_round.id)
    for position, sheet in enumerate(sheets[:-1]):
        complete = sheet.total is not None  # the draw scored it in full, with a comment
        if not complete:
            _half_filled(session, sheet, criteria)
        sheet.status = SheetStatus.SUBMITTED if position == 0 and complete else SheetStatus.DRAFT
        sheet.submitted_at = sheet.saved_at if sheet.status == SheetStatus.SUBMITTED else None
    last = sheets[-1]
    for item in session.exec(select(ScoreItem).where(ScoreItem.sheet_id == last.id)):
        session.delete(item)
    last.status, last.declaration, last.comment, last.recommend = SheetStatus.UNTOUCHED, None, "", None
    last.total, last.saved_at, last.submitted_at, last.version = None, None, None, 0
    session.flush()


def _half_filled(session: Session, sheet: ScoreSheet, criteria: list) -> None:
    """A draft with the first half of the criteria scored (80 % of each maximum) and no comment yet."""
    half = criteria[: max(1, len(criteria) // 2)]
    for criterion in half:
        points = (Decimal(criterion.max_points) * Decimal("0.8")).quantize(Decimal("0.5"))
        session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
    sheet.total = sum((Decimal(c.max_points) * Decimal("0.8")).quantize(Decimal("0.5")) for c in half)
    sheet.declaration = ConflictDeclaration.NONE_DECLARED
    sheet.saved_at, sheet.version = utcnow(), 1


def accept_pledges(session: Session) -> int:
    """Every expert with a saved sheet has accepted that round's pledge (before their first save)."""
    started = session.exec(
        select(ScoreSheet.round_id, ScoreSheet.expert_id, ScoreSheet.saved_at).where(
            ScoreSheet.status != SheetStatus.UNTOUCHED
        )
    ).all()
    accepted = set(session.exec(select(PledgeAcceptance.round_id, PledgeAcceptance.expert_id)).all())
    first_save: dict[tuple[int, int], object] = {}
    for round_id, expert_id, saved_at in started:
        key = (round_id, expert_id)
        if key not in accepted and saved_at is not None:
            first_save[key] = min(saved_at, first_save.get(key, saved_at))
    for (round_id, expert_id), saved_at in first_save.items():
        session.add(PledgeAcceptance(round_id=round_id, expert_id=expert_id, accepted_at=saved_at - timedelta(hours=1)))
    session.flush()
    return len(first_save)


def expert_logins(session: Session) -> list[tuple[str, str, str]]:
    """The expert logins to try: the first expert (by number) whose scoring is under way, one who has not
    started (the pledge comes first) and one who has submitted everything; each has sheets."""
    states: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for code, name, status in session.exec(
        select(Expert.code, Expert.name, ScoreSheet.status).join(ScoreSheet, ScoreSheet.expert_id == Expert.id)
    ):
        states.setdefault(code, set()).add(status)
        names[code] = name
    kinds = [
        ("评审进行中", lambda s: len(s) > 1 and s != {SheetStatus.SUBMITTED}),
        ("尚未开始（先签评审承诺书）", lambda s: s == {SheetStatus.UNTOUCHED}),
        ("已全部提交", lambda s: s == {SheetStatus.SUBMITTED}),
    ]
    rows = []
    for label, fits in kinds:
        code = next((c for c in sorted(states) if fits(states[c])), None)
        if code is not None:
            rows.append(("expert", code.lower(), f"{names[code]}：{label}"))
    return rows
