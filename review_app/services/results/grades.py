"""The grades of an annual evaluation (优秀 / 良好 / 合格 / 不合格), from the round's approved, stored ranking.

The round sets the rule (score thresholds, or a share for 优秀 with thresholds for the rest; audited with
before and after). The list is the rule applied to the approved run's stored scores, never to a fresh
aggregation. A grade changed by hand needs a written reason, is audited with the grade before and after, and
stays marked as changed. Publication (发布等级, its own step once the ranking is approved) writes every grade
as it stands; from then on the rule, the grades and the approval of the ranking they stand on are fixed."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    City,
    ConsortiumGrade,
    Grade,
    GradeMethod,
    GradeRule,
    RankingRun,
    Round,
    RoundKind,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from . import approval, grading, rank

RULE_FIELDS = ("method", "excellent_min", "good_min", "pass_min", "excellent_share")


class GradeError(ServiceError):
    """A grading request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class GradeLine:
    """One graded report: the consortium as ranked, the rule's grade and the grade that stands."""

    application_id: int
    consortium_id: int | None
    code: str
    title: str
    city: str
    city_id: int
    rank: int
    score: float
    computed: Grade
    grade: Grade
    reason: str = ""  # why the grade was changed by hand (empty: the rule's grade)

    @property
    def changed(self) -> bool:
        return bool(self.reason)


@dataclass(frozen=True)
class GradeList:
    """A round's grades: the rule, the run they stand on (None before a ranking is approved), the lines in
    rank order, and whether they are published."""

    round: Round
    rule: GradeRule
    run: RankingRun | None
    lines: list[GradeLine] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.rule.published_at is not None

    def counts(self) -> dict[Grade, int]:
        return {g: sum(1 for line in self.lines if line.grade == g) for g in Grade}

    def for_city(self, city_id: int) -> "GradeList":
        return GradeList(self.round, self.rule, self.run, [x for x in self.lines if x.city_id == city_id])


def rule_of(session: Session, *, round_id: int) -> GradeRule:
    """The round's grading rule; the defaults (优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60) while none is saved."""
    stored = session.exec(select(GradeRule).where(GradeRule.round_id == round_id)).first()
    return stored or GradeRule(round_id=round_id)


def as_rule(rule: GradeRule) -> grading.Rule:
    return grading.Rule(rule.method, rule.excellent_min, rule.good_min, rule.pass_min, rule.excellent_share)


def rule_text(rule: GradeRule) -> str:
    """The rule in one line, for the page and the files' headings."""
    rest = _("Good ≥ %(good)s, Satisfactory ≥ %(pass_)s", good=f"{rule.good_min:g}", pass_=f"{rule.pass_min:g}")
    if rule.method == GradeMethod.SHARE:
        return _("Excellent: the best %(share)d%% (at least Good)", share=rule.excellent_share) + "; " + rest
    return _("Excellent ≥ %(excellent)s", excellent=f"{rule.excellent_min:g}") + "; " + rest


def _ensure_annual(review_round: Round) -> None:
    if review_round.kind != RoundKind.ANNUAL_EVALUATION:
        raise GradeError(_("Grades are given in annual self-evaluation rounds only."))


def _ensure_unpublished(rule: GradeRule) -> None:
    if rule.published_at is not None:
        raise GradeError(_("The grades of this round are published and can no longer change."))


def save_rule(
    session: Session,
    *,
    review_round: Round,
    method: GradeMethod,
    excellent_min: float,
    good_min: float,
    pass_min: float,
    excellent_share: int,
    by: User | None,
) -> GradeRule:
    """Set the round's grading rule (audited with the rule before and after)."""
    _ensure_annual(review_round)
    rule = rule_of(session, round_id=review_round.id)
    _ensure_unpublished(rule)
    if not 0 <= pass_min < good_min < excellent_min <= 100:
        raise GradeError(_("The thresholds must rise from Satisfactory to Good to Excellent, within 0–100 points."))
    if not 1 <= excellent_share <= 100:
        raise GradeError(_("The share of Excellent is a whole percentage from 1 to 100."))
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    rule.method, rule.excellent_min, rule.good_min = GradeMethod(method), float(excellent_min), float(good_min)
    rule.pass_min, rule.excellent_share = float(pass_min), int(excellent_share)
    after = {name: getattr(rule, name) for name in RULE_FIELDS}
    if before == after and rule.id is not None:
        return rule
    rule.updated_at, rule.updated_by_id = utcnow(), by.id if by else None
    session.add(rule)
    session.flush()
    audit.record(
        session,
        action="grade.rule",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"before": before, "after": after},
    )
    return rule


def _stored(session: Session, run_id: int) -> dict[int, ConsortiumGrade]:
    rows = session.exec(select(ConsortiumGrade).where(ConsortiumGrade.ranking_run_id == run_id))
    return {row.application_id: row for row in rows}


def grade_list(session: Session, *, review_round: Round) -> GradeList:
    """The round's grades: as published, or the rule on the approved run with the changes made by hand."""
    rule = rule_of(session, round_id=review_round.id)
    run_id = rule.ranking_run_id if rule.published_at else None
    run = session.get(RankingRun, run_id) if run_id else approval.approved_run(session, round_id=review_round.id)
    if run is None:
        return GradeList(review_round, rule, None)
    ranked = rank.results(session, run=run)
    cities = dict(session.exec(select(City.id, City.name)).all())
    computed = grading.grade_scores([r.result.score for r in ranked], as_rule(rule))
    stored = _stored(session, run.id)
    lines = []
    for ranked_app, by_rule in zip(ranked, computed, strict=True):
        result, application = ranked_app.result, ranked_app.application
        row = stored.get(application.id)
        lines.append(
            GradeLine(
                application_id=application.id,
                consortium_id=application.consortium_id,
                code=application.code,
                title=application.title,
                city=cities[application.city_id],
                city_id=application.city_id,
                rank=result.rank,
                score=result.score,
                computed=row.computed if row and rule.published_at else by_rule,
                grade=row.grade if row else by_rule,
                reason=row.reason if row else "",
            )
        )
    return GradeList(review_round, rule, run, lines)


def _open_list(session: Session, review_round: Round) -> GradeList:
    """The round's grade list while it may still change: an annual round, an approved run, unpublished."""
    _ensure_annual(review_round)
    grades = grade_list(session, review_round=review_round)
    _ensure_unpublished(grades.rule)
    if grades.run is None:
        raise GradeError(_("Approve the round's final ranking first: the grades are taken from it."))
    return grades


def change_grade(
    session: Session, *, review_round: Round, application_id: int, grade: Grade, reason: str, by: User | None
) -> ConsortiumGrade:
    """Change one consortium's grade by hand, with the reason (audited with the grade before and after)."""
    grades = _open_list(session, review_round)
    line = next((x for x in grades.lines if x.application_id == application_id), None)
    if line is None:
        raise GradeError(_("This report is not in the approved ranking of the round."))
    reason = (reason or "").strip()
    if len(reason) < approval.MIN_REASON_LENGTH:
        raise GradeError(
            _(
                "Please give the reason for changing the grade (at least %(n)d characters).",
                n=approval.MIN_REASON_LENGTH,
            )
        )
    grade = Grade(grade)
    if grade == line.grade:
        raise GradeError(_("The consortium already has this grade."))
    row = _stored(session, grades.run.id).get(application_id) or ConsortiumGrade(
        round_id=review_round.id,
        ranking_run_id=grades.run.id,
        application_id=application_id,
        consortium_id=line.consortium_id,
        rank=line.rank,
        score=line.score,
        computed=line.computed,
        grade=line.grade,
    )
    row.computed, row.grade, row.reason = line.computed, grade, reason
    row.changed_by_id, row.changed_at = (by.id if by else None), utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        action="grade.change",
        by=by,
        target=session.get(Application, application_id),
        round_id=review_round.id,
        details={"code": line.code, "before": line.grade, "after": grade, "computed": line.computed, "reason": reason},
    )
    return row


def publish(session: Session, *, review_round: Round, by: User | None) -> GradeList:
    """发布等级: write every grade as it stands; the rule, the grades and the ranking's approval are fixed."""
    grades = _open_list(session, review_round)
    if not grades.lines:
        raise GradeError(_("The approved ranking has no report to grade."))
    stored = _stored(session, grades.run.id)
    for line in grades.lines:
        row = stored.get(line.application_id)
        if row is None:
            session.add(
                ConsortiumGrade(
                    round_id=review_round.id,
                    ranking_run_id=grades.run.id,
                    application_id=line.application_id,
                    consortium_id=line.consortium_id,
                    rank=line.rank,
                    score=line.score,
                    computed=line.computed,
                    grade=line.grade,
                )
            )
        else:
            row.computed = line.computed
    rule = grades.rule
    rule.ranking_run_id, rule.published_at, rule.published_by_id = grades.run.id, utcnow(), by.id if by else None
    session.add(rule)
    session.flush()
    counts = {g.value: n for g, n in grades.counts().items()}
    audit.record(
        session,
        action="grade.publish",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={
            "run": grades.run.id,
            "count": len(grades.lines),
            "grades": counts,
            "changed": sum(1 for x in grades.lines if x.changed),
        },
    )
    return grade_list(session, review_round=review_round)


def published_round_ids(session: Session) -> set[int]:
    """The rounds whose grades are published."""
    return set(session.exec(select(GradeRule.round_id).where(GradeRule.published_at.is_not(None))))
