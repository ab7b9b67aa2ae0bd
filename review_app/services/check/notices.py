"""The formal check's results, told to each city bureau once the centre concludes the check (the round
moves on to the assignment): which of its applications passed, and why any failed."""

from collections import defaultdict

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, CheckResult, Round
from ..intake.rules import RULE_TITLES
from ..platform import notify
from .runner import failed_lines


def results_to_cities(session: Session, *, review_round: Round) -> int:
    """One message per city bureau with applications in the round; returns how many were sent."""
    failures: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    applications: dict[int, dict[str, str]] = defaultdict(dict)
    checked = select(Application.id).join(CheckResult, CheckResult.application_id == Application.id)
    for city_id, code, title in session.execute(
        select(Application.city_id, Application.code, Application.title)
        .where(Application.round_id == review_round.id, Application.id.in_(checked))
    ):
        applications[city_id][code] = title
    for city_id, code, rule, override_reason, message in session.execute(failed_lines(review_round.id)):
        reason = override_reason or message or str(RULE_TITLES.get(rule, ""))
        failures[city_id][code].append(f"{rule} {reason}")
    sent = 0
    for city_id, codes in sorted(applications.items()):
        failed = failures.get(city_id, {})
        lines = [
            _("%(code)s: not passed (%(reasons)s)", code=code, reasons="；".join(failed[code])) if code in failed
            else _("%(code)s: passed", code=code)
            for code in sorted(codes)
        ]
        sent += notify.tell(
            session,
            notify.city_recipients(session, city_id),
            kind="check_result",
            round_id=review_round.id,
            subject=_("Formal check results of %(round)s", round=review_round.name),
            body=_("The formal check of %(round)s is concluded. %(lines)s.", round=review_round.name,
                   lines="；".join(lines)),
        )
    return sent
