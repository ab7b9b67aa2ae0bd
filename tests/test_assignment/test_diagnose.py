"""Diagnosis in numbers a centre can act on, and seeded draws that differ between seeds."""

from __future__ import annotations

import numpy as np
import pytest

from assignment import Application, Expert, Infeasible, Options, build_problem, diagnose, solve


def test_an_application_short_of_experts_is_named_with_its_shortfall():
    apps = [Application("A1", "AI", "O1"), Application("A2", "Bio", "O2")]
    experts = [Expert(f"E{i}", org=f"X{i}", fields=("AI",)) for i in range(4)] + \
              [Expert("B1", org="O2", fields=("Bio",)), Expert("B2", org="X9", fields=("Bio",))]
    diag = diagnose(build_problem(apps, experts), Options(k=3, max_load=2))
    assert not diag.feasible
    app_reason = next(r for r in diag.reasons if r.kind == "application")
    assert (app_reason.subjects, app_reason.need, app_reason.have, app_reason.short) == (("A2",), 3, 1, 2)
    assert "缺 2 位" in app_reason.message_zh


def test_a_field_short_of_capacity_is_named():
    apps = [Application(f"A{i}", "AI", "O1") for i in range(4)]
    experts = [Expert(f"E{i}", org=f"X{i}", fields=("AI",), max_load=2) for i in range(3)]
    with pytest.raises(Infeasible) as err:
        solve(build_problem(apps, experts), Options(k=2, max_load=2))
    field = next(r for r in err.value.diagnosis.reasons if r.kind == "field")
    assert (field.subjects, field.need, field.have) == (("AI",), 8, 6)
    assert "领域「AI」" in field.message_zh


def test_a_hidden_shortage_is_found_by_the_minimum_cut():
    # A1 and A2 may only use E1 and E2 (load 1 each): E3-E6 belong to their member orgs. Counted per
    # application, per field and overall everything fits; only the set {A1, A2} is short.
    apps = [Application("A1", "AI", "O3", ("O4", "O5", "O6")), Application("A2", "AI", "O4", ("O3", "O5", "O6")),
            Application("A3", "AI", "O1")]
    experts = [Expert("E1", "O1", fields=("AI",), max_load=1), Expert("E2", "O2", fields=("AI",), max_load=1),
               Expert("E3", "O3", fields=("AI",)), Expert("E4", "O4", fields=("AI",)),
               Expert("E5", "O5", fields=("AI",)), Expert("E6", "O6", fields=("AI",))]
    problem = build_problem(apps, experts)
    assert diagnose(problem, Options(k=1, max_load=3)).feasible
    diag = diagnose(problem, Options(k=2, max_load=3))
    assert not diag.feasible
    [group] = diag.reasons
    assert (group.kind, set(group.subjects), group.need, group.have, group.short) == ("group", {"A1", "A2"}, 4, 2, 2)
    assert "缺 2 个" in group.message_zh


def test_pins_that_break_a_rule_are_diagnosed():
    apps = [Application("A1", "AI", "O1")]
    experts = [Expert("E1", "O1", fields=("AI",)), Expert("E2", "O2", fields=("AI",))]
    diag = diagnose(build_problem(apps, experts), Options(k=1, pins=(("A1", "E1"),)))
    assert [r.kind for r in diag.reasons] == ["pin"]
    assert "牵头或参与单位" in diag.reasons[0].message_zh


def test_different_seeds_draw_different_panels_among_equals():
    apps = [Application(f"A{i}", "AI", f"L{i}") for i in range(20)]
    experts = [Expert(f"E{j}", org=f"X{j}", fields=("AI",)) for j in range(40)]
    problem = build_problem(apps, experts)
    draws = {solve(problem, Options(k=3, max_load=3, seed=s)).pairs for s in range(5)}
    assert len(draws) == 5
    again = solve(problem, Options(k=3, max_load=3, seed=0), rng=np.random.default_rng(0))
    assert again.pairs == solve(problem, Options(k=3, max_load=3, seed=0)).pairs
