"""The grading rule of an annual evaluation, on plain numbers: which grade each score earns.

Scores are compared as they are shown, rounded to two decimals, so a score printed as 90.00 is 优秀 under a
threshold of 90 whatever digits the aggregation left beyond the second.
"""

import math
from dataclasses import dataclass

from ...models import Grade, GradeMethod


@dataclass(frozen=True)
class Rule:
    """A round's grading rule. `thresholds`: 优秀 at or above `excellent_min`, 良好 at or above `good_min`,
    合格 at or above `pass_min`, else 不合格. `share`: 优秀 goes to the best `excellent_share` percent of
    the graded consortia (at most ⌊n × share / 100⌋ of them, and only those reaching `good_min`); the rest
    by the thresholds of 良好 and 合格."""

    method: GradeMethod = GradeMethod.THRESHOLDS
    excellent_min: float = 90.0
    good_min: float = 80.0
    pass_min: float = 60.0
    excellent_share: int = 20


def shown(score: float) -> float:
    """The score as pages and files show it (two decimals)."""
    return round(score + 0.0, 2)


def _by_threshold(score: float, rule: Rule, *, excellent: bool) -> Grade:
    value = shown(score)
    if excellent and value >= rule.excellent_min:
        return Grade.EXCELLENT
    if value >= rule.good_min:
        return Grade.GOOD
    if value >= rule.pass_min:
        return Grade.PASS
    return Grade.FAIL


def excellent_places(n: int, share: int) -> int:
    """How many of `n` consortia a share of `share` percent allows to be 优秀 (rounded down).

    >>> excellent_places(30, 20), excellent_places(4, 20), excellent_places(0, 20)
    (6, 0, 0)
    """
    return math.floor(n * share / 100 + 1e-9)


def grade_scores(scores: list[float], rule: Rule) -> list[Grade]:
    """The grade of each score, in the order given.

    By share, equal scores never get different grades: a group of equal scores that would cross the cap
    of 优秀 is left out of it as a whole (so the share is never exceeded).

    >>> r = Rule(GradeMethod.SHARE, excellent_share=40)
    >>> [g.value for g in grade_scores([95.0, 91.0, 91.0, 85.0, 59.9], r)]
    ['excellent', 'good', 'good', 'good', 'fail']
    >>> [g.value for g in grade_scores([90.0, 89.996, 80.0, 79.99, 60.0], Rule())]
    ['excellent', 'excellent', 'good', 'pass', 'pass']
    >>> grade_scores([], r)
    []
    """
    if rule.method == GradeMethod.THRESHOLDS:
        return [_by_threshold(s, rule, excellent=True) for s in scores]
    grades = [_by_threshold(s, rule, excellent=False) for s in scores]
    cap = excellent_places(len(scores), rule.excellent_share)
    order = sorted(range(len(scores)), key=lambda i: -shown(scores[i]))
    taken = 0
    while taken < len(order):
        value = shown(scores[order[taken]])
        group = [i for i in order[taken:] if shown(scores[i]) == value]
        if taken + len(group) > cap or value < rule.good_min:
            break
        for i in group:
            grades[i] = Grade.EXCELLENT
        taken += len(group)
    return grades
