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


def _affinity_csv_by_the_csv_module(problem: Problem) -> bytes:
    """affinity.csv as the writer wrote it before it was streamed: the csv module, a row per pair."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["app_id", "expert_id", "score"])
    aff = problem.affinity
    writer.writerows([problem.app_ids[a], problem.expert_ids[e], f"{s / SCALE:.6f}"]
                     for a, e, s in zip(aff.app, aff.expert, aff.score, strict=True))
    return buffer.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(1, 4))
def test_affinity_csv_streamed_in_chunks_is_what_the_csv_module_writes(problem, chunk_rows):
    """Rows laid out with numpy, a chunk at a time (ids with commas or quotes through the csv module): the
    same bytes as the csv module writes row by row, whatever the chunk size."""
    from assignment import io as instance_io

    if problem.affinity is None:
        return
    saved, instance_io.CHUNK_ROWS = instance_io.CHUNK_ROWS, chunk_rows
    try:
        parts = dict(instance_io.instance_parts(problem))
        chunks = list(parts["affinity.csv"])
    finally:
        instance_io.CHUNK_ROWS = saved
    assert b"".join(chunks) == _affinity_csv_by_the_csv_module(problem)
    assert len(chunks) == 1 + -(-len(problem.affinity) // chunk_rows)  # the header, then chunk after chunk
    assert sorted(parts) == sorted(instance_files(problem))


def test_a_large_affinity_table_is_streamed_and_reads_back(tmp_path):
    """Ten thousand pairs in chunks of 1,000 rows: written with numpy, read back by the columnar reader."""
    from assignment import io as instance_io

    rng = np.random.default_rng(3)
    apps = [Application(f"2026{i:06d}", field="F", lead_org=f"O{i}") for i in range(100)]
    experts = [Expert(f"E{j:05d}", org=f"X{j}", fields=("F",)) for j in range(100)]
    scores = rng.integers(1, SCALE + 1, size=10_000)
    scores[:3] = (1, SCALE, 10)  # the smallest, 1.000000 and 0.000010
    table = (np.repeat(np.arange(100), 100), np.tile(np.arange(100), 100), scores / SCALE)
    problem = build_problem(apps, experts, affinity=table)
    saved, instance_io.CHUNK_ROWS = instance_io.CHUNK_ROWS, 1000
    try:
        folder = write_instance(problem, tmp_path)
    finally:
        instance_io.CHUNK_ROWS = saved
    lines = (folder / "affinity.csv").read_text().splitlines()
    assert lines[:4] == ["app_id,expert_id,score", "2026000000,E00000,0.000001", "2026000000,E00001,1.000000",
                         "2026000000,E00002,0.000010"]
    assert len(lines) == 10_001
    assert_same_problem(load_instance(folder), problem)
