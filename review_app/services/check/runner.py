"""Running the formal check (形式审查) on a round and reading its verdicts: the rules R0–R14 (and R15–R18 in
an annual round) of services.intake.rules on every recommended application (submitted, or sent back for
correction), the verdicts stored, whether they are current, the admin's table and counts, and overrides.

An admin may override one verdict with a written reason; the computed verdict stays beside it. Nothing is
ever dropped: a failing application keeps its row and its reasons.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, CheckResult, City, Round, RoundStage, User, Verdict
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..intake import rules
from ..platform import paging

# The check may run (and verdicts be overridden) until scoring begins; after that it is frozen.
CHECKABLE_STAGES = (RoundStage.INTAKE, RoundStage.FORMAL_CHECK, RoundStage.ASSIGNMENT)
REPORT_LOCALE = "zh_CN"
MIN_REASON_LENGTH = 4
PAGE_SIZE = 100  # verdicts per page of the check's table (15 rules: about 7 applications)


class CheckError(ServiceError):
    """A check request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class CheckSummary:
    applications: int
    failed: int
    warned: int
    overrides_cleared: int


@dataclass(frozen=True)
class TableRow:
    result: CheckResult
    application: Application
    city: str

    @property
    def effective(self) -> Verdict:
        return self.result.override_verdict or self.result.verdict


# Running ---------------------------------------------------------------------------------------


def run_check(session: Session, *, review_round: Round, by: User | None, allow_frozen: bool = False) -> CheckSummary:
    """Run every rule on every submitted application of the round and store the verdicts.

    An override survives a re-run when the computed verdict it overrode is unchanged; otherwise it
    is cleared (the facts changed under it) and the audit event counts it. Verdicts of applications
    no longer submitted (withdrawn by their city) are removed: they are not part of the check.
    """
    if review_round.stage not in CHECKABLE_STAGES and not allow_frozen:  # allow_frozen: the demo seed only
        raise CheckError(_("The formal check can run from city intake until scoring begins."))
    dossiers, facts = rules.load(session, review_round)
    with force_locale(REPORT_LOCALE):
        findings = {d.application.id: rules.evaluate(d, facts) for d in dossiers}
    now = utcnow()
    cleared = _store(session, review_round, findings, now)
    summary = CheckSummary(
        applications=len(findings),
        failed=sum(any(f.verdict == Verdict.FAIL for f in fs) for fs in findings.values()),
        warned=sum(any(f.verdict == Verdict.WARN for f in fs) for fs in findings.values()),
        overrides_cleared=cleared,
    )
    session.flush()
    audit.record(
        session,
        action="check.run",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details=summary.__dict__,
    )
    return summary


def is_current(session: Session, *, review_round: Round, tally: "Tally | None" = None) -> bool:
    """True when every submitted application has all its verdicts and nothing in the round changed
    since the last run (R1 and R2 depend on the other applications, so any change counts). `tally`: the
    round's, when the caller counted it already (the check page)."""
    tally = tally or round_tally(session, round_id=review_round.id)
    last_change = session.execute(
        select(sa.func.max(Application.updated_at)).where(Application.round_id == review_round.id)
    ).scalar_one()
    submitted = session.execute(
        select(sa.func.count()).where(
            Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED
        )
    ).scalar_one()
    last_check = tally.earliest_check
    if submitted == 0 or last_check is None or tally.submitted_verdicts != submitted * len(
            rules.rules_for(review_round)):
        return False
    return last_change is None or _aware(last_check) >= _aware(last_change)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _store(session: Session, review_round: Round, findings: dict[int, list], now) -> int:
    """Write the verdicts in bulk (a national round has 150,000): new ones inserted, changed ones updated
    (an override cleared where the verdict it overrode changed), every one's time set, stale ones removed;
    returns how many overrides were cleared."""
    round_apps = select(Application.id).where(Application.round_id == review_round.id)
    existing = {
        (app_id, rule): (result_id, verdict, override, message)
        for result_id, app_id, rule, verdict, override, message in session.execute(
            select(CheckResult.id, CheckResult.application_id, CheckResult.rule, CheckResult.verdict,
                   CheckResult.override_verdict, CheckResult.message)
            .where(CheckResult.application_id.in_(round_apps))
        )
    }
    inserts, updates, cleared = [], [], 0
    for app_id, app_findings in findings.items():
        for finding in app_findings:
            found = existing.pop((app_id, finding.rule), None)
            if found is None:
                inserts.append({"application_id": app_id, "rule": finding.rule, "verdict": finding.verdict,
                                "message": str(finding.message), "checked_at": now})
                continue
            result_id, verdict, override, message = found
            change = {}
            if override is not None and verdict != finding.verdict:
                change.update(override_verdict=None, override_reason=None, overridden_by_id=None)
                cleared += 1
            if verdict != finding.verdict or message != finding.message:
                change.update(verdict=finding.verdict, message=str(finding.message))
            if change:
                updates.append({"id": result_id, **change})
    session.flush()
    stale = [result_id for result_id, *_rest in existing.values()]
    for start in range(0, len(stale), 1000):
        session.execute(sa.delete(CheckResult).where(CheckResult.id.in_(stale[start : start + 1000])))
    if updates:
        session.execute(sa.update(CheckResult), updates)
    session.execute(sa.update(CheckResult).where(CheckResult.application_id.in_(round_apps)).values(checked_at=now)
                    .execution_options(synchronize_session=False))
    for start in range(0, len(inserts), 10_000):
        session.execute(sa.insert(CheckResult), inserts[start : start + 10_000])
    for loaded in [o for o in session.identity_map.values() if isinstance(o, CheckResult)]:
        session.expire(loaded)  # written around the session: read again when next used
    return cleared


# Reading and overriding ------------------------------------------------------------------------


def _table_query(
    *,
    round_id: int,
    rule: str | None = None,
    verdict: Verdict | None = None,
    city_id: int | None = None,
    application_id: int | None = None,
    text: str = "",
):
    query = (
        select(CheckResult, Application, City.name)
        .join(Application, Application.id == CheckResult.application_id)
        .join(City, City.id == Application.city_id)
        .where(Application.round_id == round_id)
        .order_by(Application.code, sa.func.length(CheckResult.rule), CheckResult.rule)  # R2 before R10
    )
    if rule:
        query = query.where(CheckResult.rule == rule)
    if city_id:
        query = query.where(Application.city_id == city_id)
    if application_id:
        query = query.where(Application.id == application_id)
    if verdict:
        query = query.where(_EFFECTIVE == verdict.value)
    if text:
        needle = f"%{text}%"
        query = query.where(sa.or_(Application.code.like(needle), Application.title.like(needle)))
    return query


_EFFECTIVE = sa.func.coalesce(CheckResult.override_verdict, CheckResult.verdict)


def verdict_lines(round_id: int):
    """The report's select: (code, rule, verdict, override, message, override reason) by code then rule,
    plain columns (a national round has 150,000 of them: no objects)."""
    return (
        select(Application.code, CheckResult.rule, CheckResult.verdict, CheckResult.override_verdict,
               CheckResult.message, CheckResult.override_reason)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.round_id == round_id)
        .order_by(Application.code, sa.func.length(CheckResult.rule), CheckResult.rule)
    )


def table(
    session: Session,
    *,
    round_id: int,
    rule: str | None = None,
    verdict: Verdict | None = None,
    city_id: int | None = None,
    application_id: int | None = None,
) -> list[TableRow]:
    """The verdicts of a round, by application code then rule; filters use the effective verdict."""
    query = _table_query(round_id=round_id, rule=rule, verdict=verdict, city_id=city_id, application_id=application_id)
    return [TableRow(result, application, city) for result, application, city in session.exec(query)]


@dataclass(frozen=True)
class Tally:
    """A round's verdicts counted in one pass: applications by their worst effective verdict (`counts`),
    every verdict, those of submitted applications, and the earliest check time."""

    counts: dict[str, int]
    verdicts: int
    submitted_verdicts: int
    earliest_check: datetime | None


def round_tally(session: Session, *, round_id: int) -> Tally:
    """The round's `Tally`: one scan of its verdicts, grouped by application, summed in the database."""
    severity = sa.case((_EFFECTIVE == Verdict.FAIL.value, 2), (_EFFECTIVE == Verdict.WARN.value, 1), else_=0)
    per_application = (
        select(sa.func.max(severity).label("worst"), sa.func.count().label("n"),
               sa.func.min(CheckResult.checked_at).label("first"), Application.status.label("status"))
        .select_from(CheckResult)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.round_id == round_id)
        .group_by(CheckResult.application_id, Application.status)
        .subquery()
    )
    worst, n = per_application.c.worst, per_application.c.n
    checked, passed, warned, failed, verdicts, submitted, earliest = session.execute(
        select(sa.func.count(), *[sa.func.sum(sa.case((worst == level, 1), else_=0)) for level in (0, 1, 2)],
               sa.func.sum(n), sa.func.sum(sa.case((per_application.c.status == ApplicationStatus.SUBMITTED, n),
                                                   else_=0)),
               sa.func.min(per_application.c.first))
    ).one()
    return Tally({"checked": checked, "pass": int(passed or 0), "warn": int(warned or 0), "fail": int(failed or 0)},
                 int(verdicts or 0), int(submitted or 0), earliest)


def counts(session: Session, *, round_id: int) -> dict[str, int]:
    """How many applications pass, carry a warning, or fail (their worst effective verdict), counted in
    the database."""
    return round_tally(session, round_id=round_id).counts


def failed_lines(round_id: int):
    """The select of every effective 不通过 of the round: (city id, code, rule, override reason, message),
    by code then rule (plain columns: no objects)."""
    return (
        select(Application.city_id, Application.code, CheckResult.rule, CheckResult.override_reason,
               CheckResult.message)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.round_id == round_id, _EFFECTIVE == Verdict.FAIL.value)
        .order_by(Application.code, sa.func.length(CheckResult.rule), CheckResult.rule)
    )


def failing_select(round_id: int):
    """The select of the ids of the round's applications with at least one effective 不通过 (usable as a
    subquery: `Application.id.not_in(failing_select(...))`)."""
    return (
        select(CheckResult.application_id)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.round_id == round_id, _EFFECTIVE == Verdict.FAIL.value)
        .distinct()
    )


def failing_application_ids(session: Session, *, round_id: int) -> set[int]:
    """Applications with at least one effective 不通过: the assignment leaves them out."""
    return set(session.execute(failing_select(round_id)).scalars())


def override(session: Session, *, result_id: int, verdict: Verdict, reason: str, by: User) -> CheckResult:
    """Replace one computed verdict with the admin's, for a written reason (audited). Choosing the
    computed verdict again removes the override."""
    result = session.get(CheckResult, result_id)
    if result is None:
        raise CheckError(_("No such verdict."))
    application = session.get(Application, result.application_id)
    review_round = session.get(Round, application.round_id)
    if review_round.stage not in CHECKABLE_STAGES:
        raise CheckError(_("Verdicts can no longer be changed once scoring has begun."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise CheckError(_("Write the reason for the override (at least %(n)d characters).", n=MIN_REASON_LENGTH))
    before = result.override_verdict or result.verdict
    if verdict == result.verdict:
        result.override_verdict, result.overridden_by_id = None, None
        result.override_reason = None
    else:
        result.override_verdict, result.override_reason, result.overridden_by_id = verdict, reason, by.id
    audit.record(
        session,
        action="check.override",
        by=by,
        target=result,
        round_id=review_round.id,
        details={
            "application": application.code,
            "rule": result.rule,
            "computed": result.verdict,
            "before": before,
            "after": verdict,
            "reason": reason,
        },
    )
    return result


@dataclass(frozen=True)
class Board:
    """The admin's check page: the filtered table, the counts and whether the check is up to date."""

    round: Round
    rows: paging.Page  # of TableRow
    counts: dict[str, int]
    current: bool
    checkable: bool
    cities: list[City]


def board(
    session: Session,
    *,
    round_id: int,
    rule: str | None = None,
    verdict: Verdict | None = None,
    city_id: int | None = None,
    text: str = "",
    number: int = 1,
) -> Board | None:
    """Page `number` of the verdicts the filters (and the search `text`: application no. or name) keep."""
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    query = _table_query(round_id=round_id, rule=rule, verdict=verdict, city_id=city_id, text=text)
    tally = round_tally(session, round_id=round_id)  # the counts, the check's age and the unfiltered total
    unfiltered = not (rule or verdict or city_id or text)
    return Board(
        round=review_round,
        rows=paging.paginate(session, query, number=number, size=PAGE_SIZE,
                             total=tally.verdicts if unfiltered else None).map(
            lambda rows: [TableRow(result, application, city) for result, application, city in rows]
        ),
        counts=tally.counts,
        current=is_current(session, review_round=review_round, tally=tally),
        checkable=review_round.stage in CHECKABLE_STAGES,
        cities=list(session.exec(select(City).order_by(City.code))),
    )


def result_row(session: Session, *, result_id: int) -> TableRow | None:
    result = session.get(CheckResult, result_id)
    if result is None:
        return None
    application = session.get(Application, result.application_id)
    return TableRow(result, application, session.get(City, application.city_id).name)
