"""What a formal-check rule answers (a Finding) and what the rules know about the whole round
(RoundFacts); shared by the notice's rules (rules) and the declarations' rules (entry_rules)."""

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ...models import CitySubmission, CreditListEntry, Round, RoundKind, Verdict


@dataclass(frozen=True)
class Finding:
    rule: str
    verdict: Verdict
    message: str


@dataclass
class RoundFacts:
    """What the rules need to know about the whole round."""

    review_round: Round
    submitted_by_city: Counter
    codes_by_lead: dict[str, list[str]]  # application codes by their lead's credit code
    credit_list: dict[str, CreditListEntry]  # the centre's 失信 list, by credit code
    # Each city's stamped summary (by city id) and its current order of recommendations (codes).
    summaries: dict[int, CitySubmission] = field(default_factory=dict)
    city_orders: dict[int, list[str]] = field(default_factory=dict)

    @property
    def annual(self) -> bool:
        return self.review_round.kind == RoundKind.ANNUAL_EVALUATION


def not_applicable(rule: str) -> Finding:
    return Finding(rule, Verdict.PASS, _("Annual self-evaluation round: does not apply."))
