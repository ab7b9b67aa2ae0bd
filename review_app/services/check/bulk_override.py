"""Overriding many verdicts of one rule at once: the centre selects several (or all) applications that fail
a rule, writes one reason, and each verdict is overridden as `runner.override` does it, with an audit
event per application. A big round's quota rule can fail for hundreds of applications; one form replaces
hundreds of single overrides."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session

from ...models import Round, User, Verdict
from ..intake.rules import rules_for
from . import runner


@dataclass(frozen=True)
class RuleFailures:
    """The applications whose effective verdict on `rule` is 不通过, for the bulk form."""

    round: Round
    rule: str
    rows: list[runner.TableRow]
    checkable: bool


def failures(session: Session, *, round_id: int, rule: str) -> RuleFailures | None:
    """Every failing verdict of `rule` in the round (None for an unknown round or rule)."""
    review_round = session.get(Round, round_id)
    if review_round is None or rule not in rules_for(review_round):
        return None
    rows = runner.table(session, round_id=round_id, rule=rule, verdict=Verdict.FAIL)
    return RuleFailures(review_round, rule, rows, review_round.stage in runner.CHECKABLE_STAGES)


def override_many(
    session: Session,
    *,
    round_id: int,
    rule: str,
    result_ids: list[int] | None,
    verdict: Verdict,
    reason: str,
    by: User,
) -> int:
    """Override the failing verdicts of `rule` that `result_ids` names (None: every one failing now) with
    `verdict` and one reason, each audited as a single override; returns how many changed. A selected id
    that is not a failing verdict of this rule in this round refuses the whole request."""
    found = failures(session, round_id=round_id, rule=rule)
    if found is None:
        raise runner.CheckError(_("No such rule in this round."))
    failing = {row.result.id for row in found.rows}
    chosen = failing if result_ids is None else set(result_ids)
    if not chosen:
        raise runner.CheckError(_("Select at least one application."))
    if not chosen <= failing:
        raise runner.CheckError(_("Some of the selected verdicts no longer fail this rule; nothing was changed."))
    for result_id in sorted(chosen):
        runner.override(session, result_id=result_id, verdict=verdict, reason=reason, by=by)
    return len(chosen)
