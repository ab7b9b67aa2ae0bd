"""`python -m scoring rank` end to end, good and bad input."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "rank,app_id,score,ci_low,ci_high,n_reviews,flag"

GOOD = """app_id,expert_id,total,recommend,创新性,可行性
A1,E1,80,推荐,40,40
A1,E2,70,不推荐,35,35
A1,E3,90,推荐,45,45
A2,E1,60,不推荐,30,30
A2,E2,65,推荐,30,35
A2,E4,75,1,35,40
A3,E3,85,推荐,40,45
A3,E4,88,推荐,44,44
A3,E5,82,0,40,
"""


def run(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "scoring", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def write(tmp_path, text, name="scores.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("method", ["calibrated", "mean", "trimmed", "median", "zscore", "bias", "affine"])
def test_rank_good_input(tmp_path, method):
    out = tmp_path / "ranking.csv"
    res = run("rank", write(tmp_path, GOOD), "--method", method, "--out", out, "--seed", 7)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["n_apps"] == 3 and summary["n_reviews"] == 9 and summary["method"] == method
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(HEADER + ",")
    rows = list(csv.DictReader(lines))
    assert sorted(r["app_id"] for r in rows) == ["A1", "A2", "A3"]
    ranks = [int(r["rank"]) for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    for r in rows:
        assert int(r["ci_low"]) <= int(r["rank"]) <= int(r["ci_high"])
        assert r["flag"] in ("0", "1")
        assert r["创新性"] != ""


def test_default_method_and_seed_are_deterministic(tmp_path):
    scores = write(tmp_path, GOOD)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("rank", scores, "--out", a).returncode == 0
    assert run("rank", scores, "--out", b).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(run("rank", scores, "--out", a).stdout)["method"] == "calibrated"


def test_experts_out(tmp_path):
    exp = tmp_path / "experts.csv"
    res = run("rank", write(tmp_path, GOOD), "--method", "bias", "--out", tmp_path / "r.csv", "--experts-out", exp)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(exp.read_text(encoding="utf-8").splitlines()))
    assert [r["expert_id"] for r in rows] == ["E1", "E2", "E3", "E4", "E5"]
    assert all(r["leniency"] != "" for r in rows)


def test_bom_and_blank_lines_are_accepted(tmp_path):
    p = tmp_path / "scores.csv"
    p.write_bytes(("\ufeff" + GOOD + "\n\n").encode("utf-8"))
    assert run("rank", p, "--out", tmp_path / "r.csv").returncode == 0


BAD = [
    ("total out of range", GOOD.replace("A1,E2,70", "A1,E2,105"), "line 3"),
    ("negative total", GOOD.replace("A1,E2,70", "A1,E2,-1"), "line 3"),
    ("negative criterion", GOOD.replace("A2,E1,60,不推荐,30", "A2,E1,60,不推荐,-3"), "line 5"),
    ("not a number", GOOD.replace("A3,E4,88", "A3,E4,eighty"), "line 9"),
    ("nan is not a number", GOOD.replace("A3,E4,88", "A3,E4,nan"), "line 9"),
    ("criterion not a number", GOOD.replace("A3,E4,88,推荐,44", "A3,E4,88,推荐,x"), "line 9"),
    ("duplicate pair", GOOD + "A1,E2,71,推荐,30,30\n", "line 11"),
    ("bad recommend", GOOD.replace("A2,E4,75,1", "A2,E4,75,maybe"), "line 7"),
    ("missing column", GOOD.replace("total", "score", 1), "line 1"),
    ("reserved-looking column", GOOD.replace("创新性", "Total", 1), "unknown column"),
    ("output column name", GOOD.replace("创新性", "rank", 1), "unknown column"),
    ("duplicate column", GOOD.replace("可行性", "创新性", 1), "duplicate column"),
    ("short row", GOOD.replace("A3,E4,88,推荐,44,44", "A3,E4,88"), "line 9"),
    ("empty app id", GOOD.replace("A3,E4,88", ",E4,88"), "line 9"),
    ("header only", "app_id,expert_id,total\n", "no score rows"),
    ("empty file", "", "empty file"),
]


@pytest.mark.parametrize(("case", "text", "needle"), BAD, ids=[b[0] for b in BAD])
def test_bad_input(tmp_path, case, text, needle):
    out = tmp_path / "ranking.csv"
    res = run("rank", write(tmp_path, text), "--out", out)
    assert res.returncode == 1, (case, res.stdout, res.stderr)
    err = res.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert needle in err, err
    assert not out.exists()
    assert res.stdout == ""


def test_unknown_column_with_declared_criteria(tmp_path):
    out = tmp_path / "ranking.csv"
    res = run("rank", write(tmp_path, GOOD), "--out", out, "--criteria", "创新性")
    assert res.returncode == 1 and "unknown column '可行性'" in res.stderr
    assert not out.exists()
    res = run("rank", write(tmp_path, GOOD), "--out", out, "--criteria", "创新性,可行性")
    assert res.returncode == 0, res.stderr


def test_bad_input_leaves_existing_output_untouched(tmp_path):
    out = tmp_path / "ranking.csv"
    out.write_text("old\n")
    res = run("rank", write(tmp_path, GOOD.replace("A1,E2,70", "A1,E2,170")), "--out", out)
    assert res.returncode == 1
    assert out.read_text() == "old\n"


def test_missing_file_and_folder(tmp_path):
    res = run("rank", tmp_path / "nope.csv", "--out", tmp_path / "r.csv")
    assert res.returncode == 1 and "cannot read" in res.stderr and "Traceback" not in res.stderr
    res = run("rank", write(tmp_path, GOOD), "--out", tmp_path / "no" / "r.csv")
    assert res.returncode == 1 and "folder does not exist" in res.stderr


def test_unknown_method_is_a_usage_error(tmp_path):
    res = run("rank", write(tmp_path, GOOD), "--out", tmp_path / "r.csv", "--method", "best")
    assert res.returncode == 2 and not (tmp_path / "r.csv").exists()
