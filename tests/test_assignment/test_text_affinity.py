"""Text affinity: segmentation of technical terms, TF-IDF weighting, the blend, top-N, the CLI contract."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment import SCALE, Application, Expert, InputError, build_problem, load_instance, pair_affinities
from assignment.affinity import Profile, Weights, blend, text_affinity
from assignment.text import Document, corpus, idf_of, segment, technical_terms

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assignment", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


# Segmentation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, terms", [
    ("开展碳化硅功率器件与车规级芯片联合攻关", ["碳化硅", "功率器件", "车规级芯片"]),
    ("突破固态电解质和电池管理系统关键技术", ["固态电解质", "电池管理系统"]),
    ("研究车路协同与线控底盘的决策规划", ["车路协同", "线控底盘", "决策规划"]),
    ("面向6G的太赫兹通信与通感一体化", ["6g", "太赫兹通信", "通感一体化"]),
    ("钙钛矿电池与质子交换膜电解水制氢", ["钙钛矿电池", "质子交换膜", "电解水制氢"]),
])
def test_technical_terms_stay_whole(text, terms):
    tokens = segment(text)
    for term in terms:
        assert term in tokens, (term, tokens)


def test_terms_without_the_dictionary_would_be_cut():
    """The shipped dictionary matters: jieba's own dictionary cuts these terms into pieces."""
    with warnings.catch_warnings():  # as assignment.text imports it (pkg_resources' deprecation)
        warnings.simplefilter("ignore")
        import jieba

    plain = jieba.Tokenizer()
    for term in ("车规级芯片", "线控底盘", "通感一体化"):
        assert term in technical_terms()
        assert term not in plain.lcut(term, HMM=False)


def test_stop_words_single_characters_and_numbers_are_dropped():
    tokens = segment("本项目围绕关键核心技术开展研究，2025年完成3项专利，SiC器件")
    assert tokens == ["sic", "器件"]


# Weighting ------------------------------------------------------------------------------------------

def test_tf_idf_vectors_are_unit_length_and_follow_the_formula():
    weighted = corpus([Document(text="激光雷达 激光雷达 自动驾驶"), Document(text="自动驾驶 车路协同"),
                       Document(text="固态电池")])
    m = weighted.matrix.toarray()
    assert np.allclose((m**2).sum(axis=1), 1.0)
    col = {t: i for i, t in enumerate(weighted.vocabulary)}
    # Document 0: 激光雷达 twice (df 1), 自动驾驶 once (df 2) over N = 3 documents.
    lidar, driving = (1 + math.log(2)) * idf_of(3, 1), 1.0 * idf_of(3, 2)
    norm = math.hypot(lidar, driving)
    assert m[0, col["激光雷达"]] == pytest.approx(lidar / norm)
    assert m[0, col["自动驾驶"]] == pytest.approx(driving / norm)
    cosine = (m @ m.T)
    assert cosine[0, 2] == 0 and 0 < cosine[0, 1] < 1


def test_rarer_shared_terms_weigh_more_and_explain_the_pair():
    weighted = corpus([Document(text="固态电解质 材料"), Document(text="固态电解质 材料"),
                       Document(text="材料"), Document(text="材料")])
    assert weighted.shared_terms(0, 1) == ["固态电解质", "材料"]


def test_keywords_count_boost_times():
    plain = corpus([Document(("激光雷达",), "自动驾驶")], keyword_boost=1.0)
    boosted = corpus([Document(("激光雷达",), "自动驾驶")], keyword_boost=3.0)
    col = {t: i for i, t in enumerate(boosted.vocabulary)}
    assert plain.matrix.toarray()[0, col["激光雷达"]] == pytest.approx(plain.matrix.toarray()[0, col["自动驾驶"]])
    assert boosted.matrix.toarray()[0, col["激光雷达"]] > boosted.matrix.toarray()[0, col["自动驾驶"]]


# The blend --------------------------------------------------------------------------------------------

def test_blend_formula():
    w = Weights(field=0.4, text=0.6)
    assert blend(np.array([1.0, 0.8, 1.0, 0.0]), np.array([0.5, 1.0, 0.0, 1.0]), w).tolist() == pytest.approx(
        [0.4 * 1.0 + 0.6 * 0.5, 0.4 * 0.8 + 0.6, 0.4, 0.0])
    assert blend(np.array([1.0]), np.array([0.5]), Weights(field=2, text=2)).tolist() == pytest.approx([0.75])


def test_bad_weights_are_refused():
    with pytest.raises(InputError):
        Weights(field=0)
    with pytest.raises(InputError):
        Weights(text=-1)


CARS = [Profile("A1", ("新能源汽车",), ("固态电池",), "固态电解质与热失控防护"),
        Profile("A2", ("智能网联汽车",), ("自动驾驶",), "激光雷达环境感知与车路协同")]
CAR_EXPERTS = [Profile("E1", ("新能源汽车",), ("固态电池",), "固态电解质 热失控"),
               Profile("E2", ("新能源汽车", "智能网联汽车"), ("驱动电机",), "电机控制器"),
               Profile("E3", ("智能网联汽车",), ("激光雷达",), "环境感知 车路协同 自动驾驶"),
               Profile("E4", ("海洋工程",), ("固态电池", "自动驾驶"), "固态电解质 车路协同")]


def test_text_orders_experts_inside_the_field_and_never_adds_one():
    result = text_affinity(CARS, CAR_EXPERTS)
    apps, experts, scores = result.table()
    got = {(a, e): s for a, e, s in zip(apps, experts, scores, strict=True)}
    assert set(got) == {("A1", "E1"), ("A1", "E2"), ("A2", "E2"), ("A2", "E3")}  # E4's text matches: not allowed
    assert got[("A1", "E1")] > got[("A1", "E2")]
    assert got[("A2", "E3")] > got[("A2", "E2")]
    assert set(result.shared_terms("A2", "E3")) == {"自动驾驶", "激光雷达", "环境感知", "车路协同"}
    assert result.shared_terms("A1", "E2") == []


def test_top_n_keeps_each_applications_best_pairs_only():
    experts = [Profile(f"E{j}", ("新能源汽车",), (), "固态电解质 " * (j % 3) + "电驱动系统") for j in range(30)]
    apps = [Profile(f"A{i}", ("新能源汽车",), ("固态电解质",), "") for i in range(4)]
    full = text_affinity(apps, experts)
    top = text_affinity(apps, experts, top=5)
    assert len(full) == 4 * 30 and len(top) == 4 * 5
    for a in range(4):
        best = np.sort(full.pairs.score[full.pairs.app == a])[::-1][:5]
        assert np.sort(top.pairs.score[top.pairs.app == a])[::-1].tolist() == best.tolist()
    assert (np.diff(top.pairs.app.astype(np.int64) * 30 + top.pairs.expert) > 0).all()  # still sorted


def test_an_expert_without_text_is_neither_rewarded_nor_punished():
    experts = [Profile("E1", ("F",), (), "固态电解质"), Profile("E2", ("F",), (), "驱动电机"), Profile("E3", ("F",))]
    result = text_affinity([Profile("A", ("F",), (), "固态电解质")], experts)
    s = dict(zip(result.table()[1], result.table()[2], strict=True))
    assert s["E1"] > s["E3"] > s["E2"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_affinity_in_unit_interval_and_field_match_rules_without_text(data):
    fields = ["新能源汽车", "智能网联汽车", "集成电路"]
    words = ["固态电池", "激光雷达", "碳化硅", "自动驾驶", "功率器件", "电驱动系统"]
    texts = st.lists(st.sampled_from(words), max_size=4).map(" ".join)
    n_apps, n_experts = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 8))
    apps = [Profile(f"A{i}", tuple(data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2))),
                    (), data.draw(texts)) for i in range(n_apps)]
    experts = [Profile(f"E{j}", tuple(data.draw(st.lists(st.sampled_from(fields), max_size=3))), (),
                       data.draw(texts)) for j in range(n_experts)]
    result = text_affinity(apps, experts, Weights(field=data.draw(st.floats(0.05, 1)), text=data.draw(st.floats(0, 1))))
    scores = result.pairs.score / 1e6
    assert ((scores > 0) & (scores <= 1)).all()
    # Who is allowed is the field overlap's business alone.
    problem = build_problem([Application(a.id, ";".join(a.fields), "L") for a in apps],
                            [Expert(e.id, "O", fields=e.fields) for e in experts])
    field_pairs = [(a, e) for a in problem.app_ids for e in problem.expert_ids]
    field_scores = pair_affinities(problem, field_pairs)
    allowed = {p for p, s in zip(field_pairs, field_scores, strict=True) if s > 0}
    apps_ids, expert_ids, _ = result.table()
    assert set(zip(apps_ids, expert_ids, strict=True)) == allowed
    # Without any text, the order is the field match's.
    bare = text_affinity([Profile(a.id, a.fields) for a in apps], [Profile(e.id, e.fields) for e in experts])
    bare_scores = dict(zip(zip(*bare.table()[:2], strict=True), bare.table()[2], strict=True))
    by_field = dict(zip(field_pairs, field_scores, strict=True))
    for p, q in ((p, q) for p in bare_scores for q in bare_scores if p[0] == q[0]):
        assert (bare_scores[p] > bare_scores[q]) == (by_field[p] > by_field[q])


# Command line -----------------------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


@pytest.fixture
def texts(tmp_path) -> tuple[Path, Path]:
    apps = write_csv(tmp_path / "apps.csv", ["app_id", "field", "keywords", "text"],
                     [[p.id, ";".join(p.fields), ";".join(p.keywords), p.text] for p in CARS])
    experts = write_csv(tmp_path / "experts.csv", ["expert_id", "fields", "keywords", "text"],
                        [[p.id, ";".join(p.fields), ";".join(p.keywords), p.text] for p in CAR_EXPERTS])
    return apps, experts


def test_cli_writes_affinities_that_solve_reads(texts, tmp_path):
    out = tmp_path / "inst" / "affinity.csv"
    out.parent.mkdir()
    proc = run("affinity", *texts, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pairs"] == 4
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["app_id", "expert_id", "affinity"]
    assert all(0 < float(r[2]) <= 1 for r in rows[1:])
    write_csv(out.parent / "applications.csv", ["id", "title", "field", "lead_org", "member_orgs", "city"],
              [["A1", "", "新能源汽车", "L1", "", ""], ["A2", "", "智能网联汽车", "L2", "", ""]])
    write_csv(out.parent / "experts.csv", ["id", "name", "org", "city", "fields", "max_load"],
              [[p.id, "", f"O{p.id}", "", ";".join(p.fields), ""] for p in CAR_EXPERTS])
    problem = load_instance(out.parent)
    assert pair_affinities(problem, [("A1", "E1")]) == [float(rows[1][2])]
    solved = run("solve", out.parent, "--k", 1, "--max-load", 1, "--out", tmp_path / "assignment.csv")
    assert solved.returncode == 0, solved.stderr
    with open(tmp_path / "assignment.csv", encoding="utf-8") as fh:
        assert set(map(tuple, list(csv.reader(fh))[1:])) == {("A1", "E1"), ("A2", "E3")}


def test_cli_top(texts, tmp_path):
    proc = run("affinity", *texts, "--out", tmp_path / "a.csv", "--top", 1)
    assert proc.returncode == 0 and json.loads(proc.stdout)["pairs"] == 2


@pytest.mark.parametrize("mutate, message", [
    (lambda a, e: a.write_text("app_id,field,text\nA1,F,x\n", encoding="utf-8"), "apps.csv, row 1: missing column"),
    (lambda a, e: a.write_text("app_id,field,keywords,text\nA1,,k,x\n", encoding="utf-8"),
     "apps.csv, row 2: empty field"),
    (lambda a, e: e.write_text("expert_id,fields,keywords,text\nE1,F,,\nE1,F,,\n", encoding="utf-8"),
     "experts.csv, row 3: duplicate id"),
    (lambda a, e: e.write_bytes("expert_id,fields,keywords,text\nE1,固态,,\n".encode("gbk")), "not UTF-8"),
    (lambda a, e: a.write_text("app_id,field,keywords,text\nA1,F,k\n", encoding="utf-8"), "expected 4 cells"),
    (lambda a, e: e.unlink(), "experts.csv: file not found"),
])
def test_cli_bad_input_is_one_line_and_exit_1(texts, tmp_path, mutate, message):
    mutate(*texts)
    out = tmp_path / "a.csv"
    proc = run("affinity", *texts, "--out", out)
    assert proc.returncode == 1
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("extra", [["--top", "0"], ["--field-weight", "0"], ["--top", "x"]])
def test_cli_bad_options_exit_1(texts, tmp_path, extra):
    proc = run("affinity", *texts, "--out", tmp_path / "a.csv", *extra)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_parts_of_applications_give_the_pairs_of_one_whole(data):
    """text_affinity and field_affinity work APP_PART applications at a time: any part size gives the same
    pairs and scores, bit for bit (every similarity is its application's row alone), with or without top N."""
    from assignment import affinity

    fields = ["新能源汽车", "智能网联汽车", "集成电路"]
    words = ["固态电池", "激光雷达", "碳化硅", "自动驾驶", "功率器件", "电驱动系统"]
    texts = st.lists(st.sampled_from(words), max_size=4).map(" ".join)
    apps = [Profile(f"A{i}", tuple(data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2))),
                    (), data.draw(texts)) for i in range(data.draw(st.integers(1, 7)))]
    experts = [Profile(f"E{j}", tuple(data.draw(st.lists(st.sampled_from(fields), max_size=3))), (),
                       data.draw(texts)) for j in range(data.draw(st.integers(1, 9)))]
    top = data.draw(st.one_of(st.none(), st.integers(1, 4)))
    problem = build_problem([Application(a.id, ";".join(a.fields), "L") for a in apps],
                            [Expert(e.id, "O", fields=e.fields) for e in experts])
    whole, whole_fields = text_affinity(apps, experts, top=top).pairs, affinity.field_affinity(problem)
    saved, affinity.APP_PART = affinity.APP_PART, data.draw(st.integers(1, 3))
    try:
        parts, part_fields = text_affinity(apps, experts, top=top).pairs, affinity.field_affinity(problem)
    finally:
        affinity.APP_PART = saved
    for got, want in ((parts, whole), (part_fields, whole_fields)):
        for name in ("app", "expert", "score"):
            assert getattr(got, name).dtype == getattr(want, name).dtype
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))


def test_the_text_table_builds_the_problem_as_it_is():
    """A TextAffinity's own table (positions, scores × SCALE) builds the problem its id table builds, and
    the problem keeps its arrays: no copy of a national round's ten million pairs."""
    text = text_affinity(CARS, CAR_EXPERTS)
    records = ([Application(p.id, p.fields[0], f"O{p.id}") for p in CARS],
               [Expert(p.id, f"X{p.id}", fields=p.fields) for p in CAR_EXPERTS])
    by_ids = build_problem(*records, affinity=text.table())
    by_table = build_problem(*records, affinity=text.pairs)
    for name in ("app", "expert", "score"):
        np.testing.assert_array_equal(getattr(by_table.affinity, name), getattr(by_ids.affinity, name))
        assert getattr(by_table.affinity, name) is getattr(text.pairs, name)
    reversed_pairs = text.pairs.take(np.arange(len(text.pairs))[::-1])  # not sorted: sorted on the way in
    np.testing.assert_array_equal(build_problem(*records, affinity=reversed_pairs).affinity.score,
                                  by_ids.affinity.score)
    bad = dataclasses.replace(text.pairs, score=np.full(len(text.pairs), 2 * SCALE))
    with pytest.raises(InputError, match="affinity, row 2: score must be a number in"):
        build_problem(*records, affinity=bad)
    twice = text.pairs.take(np.array([0, 0]))
    with pytest.raises(InputError, match="affinity, row 3: duplicate pair"):
        build_problem(*records, affinity=twice)
