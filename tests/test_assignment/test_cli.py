"""The command line of design.md: JSON on stdout, exit 0 / 2 / 1, one-line errors, nothing written."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assignment import Application, Expert

from ._assignment_cases import Case, write_instance

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assignment", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def small_case() -> Case:
    apps = [Application(f"A{i}", field="F1" if i < 3 else "F2", lead_org=f"L{i}", member_orgs=("M1",),
                        city="南京市") for i in range(5)]
    experts = [Expert(f"E{j}", org=f"O{j % 4}", city="苏州市" if j % 2 else "南京市",
                      fields=("F1", "F2") if j % 3 else ("F2",)) for j in range(12)]
    return Case(apps, experts, None, [("A0", "E1")])


@pytest.fixture
def instance(tmp_path) -> Path:
    return write_instance(tmp_path / "inst", small_case())


def pairs_of(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return [tuple(r) for r in list(csv.reader(fh))[1:]]


@pytest.mark.parametrize("mode", [[], ["--seed", "7"], ["--balance"], ["--fair"], ["--org-diverse"],
                                  ["--avoid-same-city", "--min-load", "1"]])
def test_solve_writes_a_valid_assignment(instance, tmp_path, mode):
    out = tmp_path / "assignment.csv"
    proc = run("solve", instance, "--k", 2, "--max-load", 2, "--out", out, *mode)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] in ("OPTIMAL", "FEASIBLE")
    for key in ("objective", "bound", "seconds", "load_min", "load_max", "load_spread", "seed", "loss"):
        assert key in summary
    assert len(pairs_of(out)) == 10
    flags = [m for m in mode if m in ("--org-diverse", "--avoid-same-city")]
    check = run("check", instance, out, "--k", 2, "--max-load", 2, *flags)
    assert check.returncode == 0 and json.loads(check.stdout)["valid"]


def test_infeasible_exits_2_with_a_diagnosis_and_writes_nothing(instance, tmp_path):
    out = tmp_path / "assignment.csv"
    proc = run("solve", instance, "--k", 6, "--max-load", 1, "--out", out)
    assert proc.returncode == 2
    summary = json.loads(proc.stdout)
    assert summary["status"] == "INFEASIBLE"
    reasons = summary["diagnosis"]["reasons"]
    assert reasons and all(r["message_zh"] and r["short"] > 0 for r in reasons)
    assert not out.exists()
    assert run("diagnose", instance, "--k", 6, "--max-load", 1).returncode == 2


def test_check_reports_violations_with_exit_2(instance, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("app_id,expert_id\nA0,E1\nA0,E2\n", encoding="utf-8")
    proc = run("check", instance, bad, "--k", 2, "--max-load", 2)
    assert proc.returncode == 2
    codes = {v["code"] for v in json.loads(proc.stdout)["violations"]}
    assert {"declared", "panel_size"} <= codes


def test_replace_swaps_one_pair(instance, tmp_path):
    out, new = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("solve", instance, "--k", 2, "--max-load", 3, "--out", out).returncode == 0
    app, expert = pairs_of(out)[0]
    proc = run("replace", instance, out, "--k", 2, "--max-load", 3, "--app", app, "--expert", expert,
               "--out", new)
    assert proc.returncode == 0, proc.stderr
    before, after = pairs_of(out), pairs_of(new)
    assert [p for p in before if p not in after] == [(app, expert)]
    assert len(before) == len(after)


@pytest.mark.parametrize("file, text, expect", [
    ("experts.csv", "id,name,org,city,fields\nE0,n,O1,南京市,F1\n", "experts.csv, row 1: missing column 'max_load'"),
    ("conflicts.csv", "app_id,expert_id,reason\nA0,E99,x\n", "conflicts.csv, row 2: unknown expert id 'E99'"),
    ("experts.csv", None, "experts.csv, row 14: duplicate id 'E0'"),
    ("experts.csv", "id,name,org,city,fields,max_load\nE0,n,O1,南京市,F1,three\n",
     "experts.csv, row 2: max_load is not a non-negative integer"),
    ("affinity.csv", "app_id,expert_id,score\nA0,E0,0.5\nA0,E2,high\n", "affinity.csv, row 3: score is not a number"),
    ("affinity.csv", "app_id,expert_id,score\nA0,E0,0.5\nA1,E2,1.5\n", "affinity.csv, row 3: score must be"),
    ("affinity.csv", "app_id,expert_id,score\nA0,E0,0.5\nA0,E0,0.7\n", "affinity.csv, row 3: duplicate pair"),
])
def test_bad_input_is_one_line_exit_1_nothing_written(instance, tmp_path, file, text, expect):
    path = instance / file
    if text is None:  # duplicate the first expert row at the end
        lines = path.read_text(encoding="utf-8").splitlines()
        text = "\n".join([*lines, lines[1]]) + "\n"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "assignment.csv"
    proc = run("solve", instance, "--k", 2, "--max-load", 2, "--out", out)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert expect in proc.stderr
    assert not out.exists()


def test_bad_command_line_and_missing_folder_exit_1(tmp_path):
    proc = run("solve", tmp_path / "nowhere", "--k", 2, "--max-load", 2, "--out", tmp_path / "x.csv")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    proc = run("solve", tmp_path, "--k", "two", "--max-load", 2, "--out", tmp_path / "x.csv")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1


def test_unknown_id_in_pin_file_exits_1(instance, tmp_path):
    pins = tmp_path / "pins.csv"
    pins.write_text("app_id,expert_id\nA0,E2\nA9,E2\n", encoding="utf-8")
    proc = run("solve", instance, "--k", 2, "--max-load", 2, "--out", tmp_path / "a.csv", "--pin", pins)
    assert proc.returncode == 1
    assert "pins.csv, row 3: unknown application id 'A9'" in proc.stderr


def test_quoted_affinity_goes_through_the_csv_module(instance, tmp_path):
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    rows = [f"A{i},E{j},0.{(i + j) % 9 + 1}" for i in range(5) for j in range(12)]
    (instance / "affinity.csv").write_text("app_id,expert_id,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run("solve", instance, "--k", 2, "--max-load", 2, "--out", plain).returncode == 0
    quoted_rows = ['"{}","{}","{}"'.format(*r.split(",")) for r in rows]
    (instance / "affinity.csv").write_text("app_id,expert_id,score\r\n" + "\r\n".join(quoted_rows) + "\r\n",
                                           encoding="utf-8-sig")
    assert run("solve", instance, "--k", 2, "--max-load", 2, "--out", quoted).returncode == 0
    assert pairs_of(plain) == pairs_of(quoted)


def test_panels_writes_one_panel_per_group_and_says_which_group_is_short(instance, tmp_path):
    groups = tmp_path / "groups.csv"
    groups.write_text("group_id,app_id,field,day\n1,A0,F1,D1\n1,A1,F1,D1\n2,A3,F2,D2\n2,A4,F2,D2\n", encoding="utf-8")
    out = tmp_path / "panels.csv"
    proc = run("panels", instance, groups, "--min-size", 2, "--max-size", 3, "--out", out, "--seed", 5)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] in ("OPTIMAL", "FEASIBLE")
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["group_id", "expert_id", "recused"]
    assert {r[0] for r in rows[1:]} == {"1", "2"} and all(r[1] != "E1" or r[0] != "1" for r in rows[1:])
    proc = run("panels", instance, groups, "--min-size", 9, "--max-size", 9, "--out", tmp_path / "none.csv")
    assert proc.returncode == 2
    reasons = json.loads(proc.stdout)["diagnosis"]["reasons"]
    assert reasons[0]["subjects"] == ["1", "F1"] and not (tmp_path / "none.csv").exists()
    groups.write_text("group_id,app_id,field,day\n1,A0,F1,D1\n1,A9,F1,D1\n", encoding="utf-8")
    proc = run("panels", instance, groups, "--min-size", 2, "--max-size", 3, "--out", out)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "A9" in proc.stderr
