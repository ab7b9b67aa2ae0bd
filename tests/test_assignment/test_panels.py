"""Panel mode's solver (assignment.panels) and grouping (assignment.grouping), judged by a brute force that
re-implements the rules from the issue: panel size, qualification by the group's field, conflicts (or
recusal per application), one group per expert per day, org diversity, pins and forbids."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment import Application, Expert, Infeasible, build_problem
from assignment.grouping import Item, propose_groups
from assignment.panels import Group, PanelOptions, check_panels, replace_member, solve_panels
from assignment.text import Document

from ._assignment_cases import cases, score_int

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def panel_cases(draw):
    case = draw(cases(max_apps=3, max_experts=6))
    apps = [a.id for a in case.apps]
    cut = draw(st.integers(1, len(apps)))
    parts = [apps[:cut], apps[cut:]] if cut < len(apps) else [apps]
    groups = [
        Group(f"G{i}", tuple(part), draw(st.sampled_from(["F1", "F2"])), draw(st.sampled_from(["D1", "D2"])))
        for i, part in enumerate(parts)
    ]
    min_size = draw(st.integers(1, 2))
    opts = PanelOptions(
        min_size=min_size,
        max_size=draw(st.integers(min_size, 3)),
        recusal=draw(st.booleans()),
        org_diverse=draw(st.booleans()),
        avoid_same_city=draw(st.booleans()),
        forbids=tuple(draw(st.lists(st.sampled_from([(g.id, e.id) for g in groups for e in case.experts]),
                                    max_size=1))),
    )
    return case, groups, opts


def _conflicted(case, opts, app, expert) -> bool:
    return (expert.org in (app.lead_org, *app.member_orgs) or (app.id, expert.id) in case.conflicts
            or bool(opts.avoid_same_city and app.city and app.city == expert.city))


def brute_force(case, groups, opts):
    """The best total expertise over every valid choice of panels, and every valid choice's total."""
    apps = {a.id: a for a in case.apps}
    options_per_group = []
    for group in groups:
        choices = []
        for size in range(opts.min_size, opts.max_size + 1):
            for combo in itertools.combinations(case.experts, size):
                total, ok = 0, True
                for e in combo:
                    conflicted = [_conflicted(case, opts, apps[a], e) for a in group.apps]
                    if group.field not in e.fields or (group.id, e.id) in opts.forbids:
                        ok = False
                    elif any(conflicted) and (not opts.recusal or all(conflicted)):
                        ok = False
                    total += sum(score_int(case, apps[a], e) for a, c in zip(group.apps, conflicted, strict=True)
                                 if not c)
                if opts.org_diverse and len({e.org for e in combo}) < len(combo):
                    ok = False
                if opts.recusal and any(
                    sum(not _conflicted(case, opts, apps[a], e) for e in combo) < opts.min_size for a in group.apps
                ):
                    ok = False
                if ok:
                    choices.append((total, group, {e.id for e in combo}))
        options_per_group.append(choices)
    totals = []
    for choice in itertools.product(*options_per_group):
        seats = [(g.day, e) for _, g, members in choice for e in members]
        if len(seats) == len(set(seats)):
            totals.append(sum(t for t, _, _ in choice))
    return totals


@FAST
@given(panel_cases())
def test_panels_are_optimal_and_valid_as_the_brute_force_says(data):
    case, groups, opts = data
    problem = case.problem()
    totals = brute_force(case, groups, opts)
    try:
        result = solve_panels(problem, groups, opts)
    except Infeasible as exc:
        assert not totals, "the solver said infeasible where the brute force found panels"
        assert exc.diagnosis.reasons and not exc.diagnosis.feasible
        return
    assert totals, "the solver found panels where the brute force found none"
    assert check_panels(problem, groups, result.panels, opts) == []
    assert round(result.objective * 1_000_000) == max(totals)
    assert result.status == "OPTIMAL"


@FAST
@given(panel_cases(), st.integers(0, 2**31 - 1))
def test_a_seeded_draw_is_valid_within_tolerance_and_replayable(data, seed):
    case, groups, opts = data
    opts = PanelOptions(**{**opts.__dict__, "seed": seed, "tolerance": 0.2})
    problem = case.problem()
    try:
        first = solve_panels(problem, groups, opts)
    except Infeasible:
        return
    again = solve_panels(problem, groups, opts)
    assert first.panels == again.panels and first.recusals == again.recusals
    assert check_panels(problem, groups, first.panels, opts) == []
    assert first.objective >= first.bound * (1 - 0.2) - 1e-6


def _pool(n_experts: int, field: str = "智能制造", org_of=lambda j: f"O{j}"):
    return [Expert(id=f"E{j:02d}", org=org_of(j), fields=(field,)) for j in range(n_experts)]


def test_the_diagnosis_names_the_group_and_field_that_fall_short():
    apps = [Application(id="A1", field="智能制造", lead_org="X"), Application(id="A2", field="生物医药", lead_org="Y")]
    experts = _pool(6) + [Expert(id="B1", org="Z", fields=("生物医药",))]
    problem = build_problem(apps, experts)
    groups = [Group("1", ("A1",), "智能制造", "D1"), Group("2", ("A2",), "生物医药", "D1")]
    with pytest.raises(Infeasible) as caught:
        solve_panels(problem, groups, PanelOptions(min_size=3, max_size=5))
    (reason,) = caught.value.diagnosis.reasons
    assert reason.subjects == ("2", "生物医药")
    assert "第 2 组（技术领域：生物医药）：可用专家 1 位，专家组至少需要 3 位" in reason.message_zh


def test_one_group_per_expert_per_day_and_recusal_keeps_the_minimum():
    apps = [Application(id="A1", field="智能制造", lead_org="O0"), Application(id="A2", field="智能制造", lead_org="X")]
    problem = build_problem(apps, _pool(4))
    same_day = [Group("1", ("A1",), "智能制造", "D1"), Group("2", ("A2",), "智能制造", "D1")]
    with pytest.raises(Infeasible) as caught:
        solve_panels(problem, same_day, PanelOptions(min_size=3, max_size=3))
    assert [r.kind for r in caught.value.diagnosis.reasons] == ["day"]
    assert "同日需要 6 位不同专家，可用的只有 4 位" in caught.value.diagnosis.reasons[0].message_zh
    two_days = [Group("1", ("A1",), "智能制造", "D1"), Group("2", ("A2",), "智能制造", "D2")]
    result = solve_panels(problem, two_days, PanelOptions(min_size=3, max_size=4))
    assert "E00" not in result.panels["1"]  # E00's org leads A1
    assert len(result.panels["2"]) == 4
    one = [Group("1", ("A1", "A2"), "智能制造", "D1")]
    strict = solve_panels(problem, one, PanelOptions(min_size=3, max_size=4))
    assert "E00" not in strict.panels["1"] and strict.recusals == ()
    lenient = solve_panels(problem, one, PanelOptions(min_size=3, max_size=4, recusal=True))
    assert "E00" in lenient.panels["1"] and lenient.recusals == (("A1", "E00"),)
    assert ("A1", "E00") not in lenient.pairs(one) and ("A2", "E00") in lenient.pairs(one)


def test_replacement_takes_the_best_free_expert_and_moves_nobody():
    apps = [Application(id="A1", field="智能制造", lead_org="X"), Application(id="A2", field="智能制造", lead_org="Y")]
    problem = build_problem(apps, _pool(6))
    groups = [Group("1", ("A1",), "智能制造", "D1"), Group("2", ("A2",), "智能制造", "D1")]
    opts = PanelOptions(min_size=2, max_size=2)
    result = solve_panels(problem, groups, opts)
    leaving = result.panels["1"][0]
    newcomer, score, recused = replace_member(problem, groups, result.panels, "1", leaving, opts)
    assert newcomer not in {*result.panels["1"], *result.panels["2"]} and score == 1.0 and recused == ()
    panels = {**result.panels, "1": tuple(e if e != leaving else newcomer for e in result.panels["1"])}
    assert check_panels(problem, groups, panels, opts) == []


def test_grouping_keeps_fields_apart_and_splits_a_large_field_by_text():
    items = [Item(f"A{i}", "智能制造", Document(("工业机器人",) if i % 2 else ("集成电路",))) for i in range(6)]
    items.append(Item("B1", "生物医药"))
    groups = propose_groups(items, max_apps=3)
    assert [g.field for g in groups] == ["智能制造", "智能制造", "生物医药"]
    assert sorted(map(sorted, (g.apps for g in groups[:2]))) == [["A0", "A2", "A4"], ["A1", "A3", "A5"]]
    assert groups[2].apps == ("B1",)
    assert [len(g.apps) for g in propose_groups(items, max_apps=4)] == [3, 3, 1]
