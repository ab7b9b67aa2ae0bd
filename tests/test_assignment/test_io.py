"""The library owns its file format: what it writes, it reads back as the same problem and pairs."""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment import (
    SCALE,
    Application,
    Expert,
    Problem,
    build_problem,
    instance_files,
    load_instance,
    pair_affinities,
    pairs_file,
    read_pairs,
    write_instance,
    write_pairs,
)

# Names as people type them: Chinese, commas, quotes, inner spaces; never the list separators ; and ；,
# nor surrounding spaces (cells are read stripped).
NAMES = (
    st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters=";；"),
            min_size=1, max_size=8)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def problems(draw) -> Problem:
    fields = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    orgs = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    cities = ["", *draw(st.lists(NAMES, max_size=3, unique=True))]
    app_ids = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    expert_ids = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    apps = [
        Application(
            id=app_id,
            title=draw(st.one_of(st.just(""), NAMES)),
            field=";".join(draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2))),
            lead_org=draw(st.sampled_from(orgs)),
            member_orgs=tuple(draw(st.lists(st.sampled_from(orgs), max_size=2))),
            city=draw(st.sampled_from(cities)),
        )
        for app_id in app_ids
    ]
    experts = [
        Expert(
            id=expert_id,
            name=draw(st.one_of(st.just(""), NAMES)),
            org=draw(st.sampled_from(orgs)),
            city=draw(st.sampled_from(cities)),
            fields=tuple(draw(st.lists(st.sampled_from(fields), max_size=3, unique=True))),
            max_load=draw(st.one_of(st.none(), st.integers(0, 9))),
        )
        for expert_id in expert_ids
    ]
    pairs = [(a, e) for a in app_ids for e in expert_ids]
    affinity = None
    if draw(st.booleans()):
        scored = draw(st.lists(st.sampled_from(pairs), unique=True))
        scores = [draw(st.integers(0, SCALE)) / SCALE for _ in scored]
        affinity = ([a for a, _ in scored], [e for _, e in scored], scores)
    declared = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))
    reasons = [draw(st.one_of(st.just(""), NAMES)) for _ in declared]
    return build_problem(apps, experts, affinity, ([a for a, _ in declared], [e for _, e in declared], reasons))


def assert_same_problem(got: Problem, want: Problem) -> None:
    for name in (f.name for f in dataclasses.fields(Problem) if f.name != "_index"):
        a, b = getattr(got, name), getattr(want, name)
        if a is None or b is None:
            assert a is b, name
        elif hasattr(a, "app"):  # Pairs
            for column in ("app", "expert", "score"):
                assert np.array_equal(getattr(a, column), getattr(b, column)), f"{name}.{column}"
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b), name
        else:
            assert a == b, name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_write_instance_then_load_instance_gives_the_same_problem(tmp_path_factory, problem):
    folder = write_instance(problem, tmp_path_factory.mktemp("instance"))
    assert_same_problem(load_instance(folder), problem)


def test_affinity_csv_is_written_only_for_an_affinity_table(tmp_path):
    apps = [Application("A1", field="AI;Bio", lead_org="O1", member_orgs=("O2",), city="南京市", title="项目, 一")]
    experts = [Expert("E1", org="O3", fields=("Bio",), max_load=3, name="张三"), Expert("E2", org="O4")]
    overlap = build_problem(apps, experts, conflicts=(["A1"], ["E2"], ["合作关系"]))
    assert sorted(instance_files(overlap)) == ["applications.csv", "conflicts.csv", "experts.csv"]
    assert pair_affinities(overlap, [("A1", "E1"), ("A1", "E2")]) == [0.8, 0.0]  # second field of the app

    table = build_problem(apps, experts, affinity=(["A1", "A1"], ["E1", "E2"], [0.25, 0.0]))
    files = instance_files(table)
    assert files["affinity.csv"].decode() == "app_id,expert_id,score\nA1,E1,0.250000\n"  # a 0 score is unqualified
    assert pair_affinities(table, [("A1", "E1"), ("A1", "E2")]) == [0.25, 0.0]

    write_instance(table, tmp_path)
    write_instance(overlap, tmp_path)  # the same folder, now without an affinity table
    assert load_instance(tmp_path).affinity is None


def test_pair_files_read_back_with_their_extra_columns_ignored(tmp_path):
    problem = build_problem([Application("A,1", field="AI", lead_org="O1")],
                            [Expert("E1", org="O2"), Expert("E\"2", org="O3")])
    pairs = [("A,1", "E1"), ("A,1", 'E"2')]
    path = tmp_path / "panels.csv"
    path.write_bytes(pairs_file([[a, e, "active"] for a, e in pairs], extra_columns=("state",)))
    assert read_pairs(path, problem) == pairs
    assert next(csv.reader(io.StringIO(path.read_text(encoding="utf-8")))) == ["app_id", "expert_id", "state"]
    write_pairs(tmp_path / "assignment.csv", pairs)
    assert read_pairs(tmp_path / "assignment.csv", problem) == pairs
