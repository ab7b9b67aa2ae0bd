"""A score sheet's rules: when its expert may change it, saving a draft, submitting it, and what it still
needs before it can be submitted.

Never lose a score: every save is checked against the sheet's `version` (a conditional UPDATE), so a
stale tab cannot silently overwrite a newer draft; a refused entry is reported by field and the valid
rest of the save is kept. A submitted sheet is locked until the centre reopens it (review.oversight).
The pledge and the conflict declaration come first (review.declarations); what the expert sees is
review.workspace.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ...models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    Criterion,
    PledgeAcceptance,
    Round,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..platform.localtime import local_time
from ..platform.memo import memo
from ..platform.numbers import plain

MIN_COMMENT_LENGTH = 30
MAX_COMMENT_LENGTH = 5000
MAX_REASON_LENGTH = 1000
PLEDGES = "pledges"  # the memo's key for pledge_of's answers


class ReviewError(ServiceError):
    """A review request that cannot be honoured; the message is shown to the user."""


class StaleSheet(ReviewError):
    """The sheet was saved later elsewhere (another tab or device): the save was refused."""


# When the sheet can be changed ---------------------------------------------------------------------


_PLEDGE = select(PledgeAcceptance).where(PledgeAcceptance.round_id == sa.bindparam("round_id"),
                                         PledgeAcceptance.expert_id == sa.bindparam("expert_id"))


def pledge_of(session: Session, *, round_id: int, expert_id: int) -> PledgeAcceptance | None:
    """The expert's acceptance of the round's pledge, or None: no sheet is written before it."""
    known = memo(session).get(PLEDGES, {})
    if (round_id, expert_id) in known:  # read with the sheet's seat earlier in this request
        return known[round_id, expert_id]
    return session.exec(_PLEDGE, params={"round_id": round_id, "expert_id": expert_id}).first()


def remember_pledge(session: Session, *, round_id: int, expert_id: int, pledge: PledgeAcceptance | None) -> None:
    """What `pledge_of` answers for the rest of the request (the session's memo, forgotten on rollback)."""
    memo(session).setdefault(PLEDGES, {})[round_id, expert_id] = pledge


def require_pledge(session: Session, sheet: ScoreSheet) -> None:
    if pledge_of(session, round_id=sheet.round_id, expert_id=sheet.expert_id) is None:
        raise ReviewError(_("Please accept the review pledge first."))


def deadline_passed(review_round: Round, now: datetime | None = None) -> bool:
    return review_round.scoring_deadline is not None and (now or utcnow()) > review_round.scoring_deadline


def edit_blocker(session: Session, sheet: ScoreSheet) -> str | None:
    """Why the expert cannot change the sheet now (in Chinese), or None when they can."""
    assignment = session.get(Assignment, sheet.assignment_id)
    review_round = session.get(Round, sheet.round_id)
    if assignment.state != AssignmentState.ACTIVE:
        return _("You have withdrawn from this application; its sheet is closed.")
    if sheet.status == SheetStatus.SUBMITTED:
        return _("This sheet was submitted on %(when)s and is locked.", when=local_time(sheet.submitted_at))
    if review_round.stage != RoundStage.SCORING:
        return _("Scoring is not open in this round.")
    if deadline_passed(review_round):
        return _(
            "The scoring deadline (%(when)s) has passed; the sheet can no longer be changed. "
            "Please contact the provincial centre if you need more time.",
            when=local_time(review_round.scoring_deadline),
        )
    return None


def checked_reason(reason: str, *, missing: str) -> str:
    """The reason given for a declared conflict or a reopening, trimmed; ReviewError(`missing`) when
    empty, or when too long."""
    reason = reason.strip()
    if not reason:
        raise ReviewError(missing)
    if len(reason) > MAX_REASON_LENGTH:
        raise ReviewError(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON_LENGTH))
    return reason


# What is on the sheet ------------------------------------------------------------------------------


_SCORE_ITEMS = select(ScoreItem).where(ScoreItem.sheet_id == sa.bindparam("sheet_id"))


def score_items(session: Session, sheet_id: int) -> dict[int, ScoreItem]:
    """The sheet's stored scores by criterion id."""
    return {i.criterion_id: i for i in session.exec(_SCORE_ITEMS, params={"sheet_id": sheet_id})}


def stored_points(session: Session, sheet_id: int) -> dict[int, Decimal]:
    return {criterion_id: item.points for criterion_id, item in score_items(session, sheet_id).items()}


# The round's criteria, each with the sheet's score for it when there is one: one query for the sheet's
# three requests (the page, a save, a submission), built once.
_CRITERIA_AND_SCORES = (
    select(Criterion, ScoreItem)
    .outerjoin(ScoreItem, sa.and_(ScoreItem.criterion_id == Criterion.id,
                                  ScoreItem.sheet_id == sa.bindparam("sheet_id")))
    .where(Criterion.round_id == sa.bindparam("round_id"))
    .order_by(Criterion.position)
)


def criteria_and_scores(session: Session, sheet: ScoreSheet) -> tuple[list[Criterion], dict[int, ScoreItem]]:
    """The sheet's criteria in their order (its round's) and its stored scores by criterion id, in one query."""
    rows = session.exec(_CRITERIA_AND_SCORES, params={"sheet_id": sheet.id, "round_id": sheet.round_id}).all()
    return [criterion for criterion, _item in rows], {item.criterion_id: item for _c, item in rows if item is not None}


def missing_for(criteria: list[Criterion], stored: dict[int, object], sheet: ScoreSheet) -> list[str]:
    """What the sheet, as saved (`stored` scores by criterion id), still needs before it can be submitted."""
    needs = [_("no score for “%(title)s”", title=c.title) for c in criteria if c.id not in stored]
    if len(sheet.comment) < MIN_COMMENT_LENGTH:
        needs.append(
            _("the comment needs at least %(n)d characters (now %(m)d)", n=MIN_COMMENT_LENGTH, m=len(sheet.comment))
        )
    if sheet.recommend is None:
        needs.append(_("choose 推荐 or 不推荐"))
    return needs


# Saving and submitting ----------------------------------------------------------------------------


@dataclass
class Entries:
    """What the expert typed: raw points by criterion id, the comment, and "yes"/"no"/"" for 推荐."""

    points: dict[int, str] = field(default_factory=dict)
    comment: str = ""
    recommend: str = ""


@dataclass
class SaveOutcome:
    sheet: ScoreSheet
    errors: dict[str, str]  # field name → why the entry was refused (it was not stored)
    missing: list[str]  # what a submission still needs

    @property
    def ready(self) -> bool:
        return not self.errors and not self.missing


def points_field(criterion_id: int) -> str:
    return f"points_{criterion_id}"


POINTS_STEP = Decimal("0.01")  # the finest step a criterion's points take: two decimals
POINTS_PATTERN = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # digits, one decimal point: no sign, no exponent


def normalised_points(raw: str) -> str:
    """What the expert typed, as the sheet reads it (the page's script does the same): full-width digits
    and points (８，５ or ８．５) made ASCII, the Chinese comma or full stop read as a decimal point."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    return text.replace(",", ".").replace("。", ".").replace("，", ".")


def parse_points(raw: str, criterion: Criterion) -> tuple[Decimal | None, str | None]:
    """(points, None), (None, None) for an empty entry, or (None, why) for a refused one: plain decimal
    numbers only ("1e1", "+5", "٨" are refused), from 0 to the criterion's maximum, in steps of POINTS_STEP."""
    text = normalised_points(raw)
    if not text:
        return None, None
    if not POINTS_PATTERN.fullmatch(text):
        return None, _("%(title)s: “%(value)s” is not a number.", title=criterion.title, value=text[:20])
    value = Decimal(text)
    if value > criterion.max_points:
        return None, _(
            "%(title)s: %(value)s is outside 0–%(max)d points.",
            title=criterion.title,
            value=text[:20],
            max=criterion.max_points,
        )
    if value != value.quantize(POINTS_STEP):
        return None, _("%(title)s: use at most two decimals.", title=criterion.title)
    return value.quantize(POINTS_STEP), None


def doubts(criteria: list[Criterion], points: dict[int, Decimal], recommend: bool | None) -> list[str]:
    """Questions to put to the expert before submitting (never a refusal): a recommendation that the total
    contradicts (推荐 under 60 % of the maximum, 不推荐 from 85 %), or every criterion given the same score."""
    questions = []
    scored = [(c, points[c.id]) for c in criteria if c.id in points]
    if len(scored) == len(criteria) and criteria:
        total, maximum = sum(p for _c, p in scored), sum(c.max_points for c in criteria)
        if recommend is True and total < maximum * Decimal("0.6"):
            questions.append(
                _("You recommend the application, but its total is %(total)s of %(max)d points.",
                  total=format_points(total), max=maximum)
            )
        if recommend is False and total >= maximum * Decimal("0.85"):
            questions.append(
                _("You do not recommend the application, but its total is %(total)s of %(max)d points.",
                  total=format_points(total), max=maximum)
            )
        shares = {p / c.max_points for c, p in scored}
        if len(scored) > 1 and (len({p for _c, p in scored}) == 1 or len(shares) == 1):
            questions.append(
                _("Every criterion has the same score (or the same share of its maximum); is that what you mean?")
            )
    return questions


def format_points(value: Decimal | None) -> str:
    """Points as the pages show them: 30.75, 30.5, 61 (no trailing zeros, never an exponent); "" for None."""
    return "" if value is None else format(plain(value), "f")


def save(session: Session, *, sheet: ScoreSheet, by: User, entries: Entries, version: int) -> SaveOutcome:
    """Save a draft: every valid entry is stored, every refused one is reported and left as it was.

    Raises StaleSheet when `version` is not the sheet's current version (saved later elsewhere),
    ReviewError when the sheet cannot be edited (submitted, withdrawn, past the deadline, no pledge).
    """
    _check_writable(session, sheet)
    # The scores are read before the claim: a claim that succeeds proves that no save came in between.
    criteria, stored = criteria_and_scores(session, sheet)
    errors: dict[str, str] = {}
    values: dict[int, Decimal | None] = {}
    for criterion in criteria:
        value, problem = parse_points(entries.points.get(criterion.id, ""), criterion)
        if problem:
            errors[points_field(criterion.id)] = problem
        else:
            values[criterion.id] = value
    comment = (entries.comment or "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = _("The comment is too long (at most %(n)d characters).", n=MAX_COMMENT_LENGTH)
        comment = sheet.comment
    recommend = {"yes": True, "no": False}.get(entries.recommend or "")

    points = {k: i.points for k, i in stored.items()}
    for criterion_id, value in values.items():
        if value is None:
            points.pop(criterion_id, None)
        else:
            points[criterion_id] = value
    total = sum(points.values(), Decimal(0)) if points else None
    _claim_version(session, sheet, version, status=SheetStatus.DRAFT,
                   also={"comment": comment, "recommend": recommend, "total": total, "saved_at": utcnow()})
    new_items = []
    for criterion_id, value in values.items():
        item = stored.get(criterion_id)
        if value is None and item is not None:
            session.delete(item)
        elif value is not None and item is None:
            new_items.append({"sheet_id": sheet.id, "criterion_id": criterion_id, "points": value})
        elif value is not None and item.points != value:
            item.points = value
    if new_items:  # one statement for them all (a sheet's first save stores every score at once)
        session.execute(_INSERT_SCORES, new_items)
    audit.record(
        session,
        action="sheet.save",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={
            "version": sheet.version,
            "points": _points_detail(points),
            "recommend": recommend,
            "comment_length": len(comment),
            "refused": sorted(errors),
        },
    )
    return SaveOutcome(sheet, errors, missing_for(criteria, points, sheet))


def submit(session: Session, *, sheet: ScoreSheet, by: User, version: int) -> bool:
    """Lock the sheet as it was last saved. True when submitted now, False when it already was (a
    double submit records one submission). Raises ReviewError naming what is still missing."""
    if sheet.status == SheetStatus.SUBMITTED:
        return False
    _check_writable(session, sheet)
    criteria, stored = criteria_and_scores(session, sheet)
    needs = missing_for(criteria, stored, sheet)
    if needs:
        raise ReviewError(_("The sheet cannot be submitted yet: %(what)s", what="；".join(needs)))
    locked = {"total": sum((i.points for i in stored.values()), Decimal(0)), "submitted_at": utcnow(),
              "reopened_reason": None}
    try:
        _claim_version(session, sheet, version, status=SheetStatus.SUBMITTED, also=locked)
    except StaleSheet:
        session.refresh(sheet)
        if sheet.status == SheetStatus.SUBMITTED:
            return False
        raise
    audit.record(
        session,
        action="sheet.submit",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={
            "version": sheet.version,
            "total": str(sheet.total),
            "points": _points_detail({k: i.points for k, i in stored.items()}),
            "recommend": sheet.recommend,
        },
    )
    return True


def _points_detail(points: dict[int, Decimal]) -> dict[str, str]:
    """The scores (by criterion id) as the audit trail records them."""
    return {str(k): str(v) for k, v in sorted(points.items())}


def _check_writable(session: Session, sheet: ScoreSheet) -> None:
    require_pledge(session, sheet)
    if sheet.declaration != ConflictDeclaration.NONE_DECLARED and sheet.status != SheetStatus.SUBMITTED:
        assignment = session.get(Assignment, sheet.assignment_id)
        if assignment.state == AssignmentState.ACTIVE:
            raise ReviewError(_("Please declare first whether you have a conflict of interest."))
    blocker = edit_blocker(session, sheet)
    if blocker:
        raise ReviewError(blocker)


_INSERT_SCORES = ScoreItem.__table__.insert()  # Core, built once: the new scores are not needed as objects

# The claim, built once (a Core statement: no ORM bookkeeping); its SET clause is the columns it is given.
_SHEETS = ScoreSheet.__table__
_CLAIM = _SHEETS.update().where(
    _SHEETS.c.id == sa.bindparam("claimed_id"),
    _SHEETS.c.version == sa.bindparam("claimed_version"),
    _SHEETS.c.status != SheetStatus.SUBMITTED,
)


def _claim_version(session: Session, sheet: ScoreSheet, version: int, *, status: SheetStatus,
                   also: dict | None = None) -> None:
    """Move the sheet from `version` to the next one (writing the columns in `also` with it), or raise
    StaleSheet: the UPDATE's condition makes this safe between processes (another tab, another device, a
    double click)."""
    values = {"version": version + 1, "status": status, **(also or {})}
    result = session.execute(_CLAIM, {"claimed_id": sheet.id, "claimed_version": version, **values})
    if result.rowcount != 1:
        session.refresh(sheet)
        raise StaleSheet(
            _(
                "This sheet was saved later in another window or on another device (%(when)s). "
                "The latest saved version is shown; your entries of this window were not saved.",
                when=local_time(sheet.saved_at),
            )
        )
    # The UPDATE bypassed the ORM: tell the loaded sheet its new state without reading it back.
    for column, value in values.items():
        set_committed_value(sheet, column, value)
