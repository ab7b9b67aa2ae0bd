"""affinity.csv read column by column (assignment.columnar) gives the problem the csv module gives, and
refuses a bad file with the same one-line error (file, row, words)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment import Application, Expert, Profile, build_problem, columnar, load_instance, text_affinity
from assignment.columnar import NotPlain, read_pair_columns
from assignment.io import AFFINITY_COLUMNS, InputError, read_affinity_rows

APP_IDS = ["A1", "A2", "A10", "申请-0003", "APPLICATION-LONGER-THAN-16-BYTES"]
EXPERT_IDS = ["E1", "E22", "E333", "专家七", "E-4444-5555-6666"]


def _both(path, columns=AFFINITY_COLUMNS):
    """(columnar result or error, csv result or error) for one file."""
    out = []
    for reader in (read_pair_columns, read_affinity_rows):
        try:
            out.append(reader(path, columns, APP_IDS, EXPERT_IDS))
        except InputError as exc:
            out.append(str(exc))
    return out


def _same(path, columns=AFFINITY_COLUMNS):
    fast, slow = _both(path, columns)
    if isinstance(slow, str):
        assert fast == slow
        return slow
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype or a.dtype.kind == b.dtype.kind == "i"
    return fast


def _write(tmp_path, text: str | bytes, name="affinity.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


SCORES = st.one_of(
    st.sampled_from(["0.5", "1", "0", ".25", "1.", "0.000001", "0.1234567", "0.0000005", "1e-3", "5E-1", "+0.5",
                     "00.70", "0.123456789012345", "0.1234567890123456789"]),
    st.floats(0, 1).map(lambda x: f"{x:.3f}"),
    st.floats(0, 1).map(repr),
)


@st.composite
def plain_files(draw):
    """Plain affinity files as programs write them: any order, any of the known ids, odd score texts,
    LF or CRLF, a BOM or not, a final newline or not, an extra column."""
    extra = draw(st.booleans())
    header = "app_id,expert_id,score" + (",note" if extra else "")
    rows = draw(st.lists(st.tuples(st.sampled_from(APP_IDS), st.sampled_from(EXPERT_IDS), SCORES), max_size=30))
    lines = [header] + [f"{a},{e},{s}" + (",x" if extra else "") for a, e, s in rows]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + draw(st.sampled_from([end, ""]))
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=plain_files(), block=st.sampled_from([16, 64, 1 << 20]))
def test_columnar_reads_what_the_csv_module_reads(tmp_path, monkeypatch, text, block):
    monkeypatch.setattr(columnar, "BLOCK_BYTES", block)  # many blocks: lines cut across reads
    path = _write(tmp_path, text)
    if text.count("\n") <= 1 and not text.rstrip("\r\n").count("\n"):
        with pytest.raises(NotPlain):  # no data rows: left to the csv module
            read_pair_columns(path, AFFINITY_COLUMNS, APP_IDS, EXPERT_IDS)
        return
    _same(path)


@pytest.mark.parametrize(("body", "error"), [
    ("A1,E1,0.5\nA9,E1,0.5\nA2,E9,0.5\n", "affinity.csv, row 3: unknown application id 'A9'"),
    ("A1,E1,0.5\nA2,E9,0.5\nA9,E1,0.5\n", "affinity.csv, row 4: unknown application id 'A9'"),
    ("A1,E1,0.5\nA2,E333,x\nA2,E9,0.5\n", "affinity.csv, row 4: unknown expert id 'E9'"),
    ("A1,E1,0.5\nA2,E1,abc\nA10,E1,\n", "affinity.csv, row 3: score is not a number: 'abc'"),
    ("A1,E1,0.5\nA10,E1,\n", "affinity.csv, row 3: score is not a number: ''"),
    ("A1,E1,0.5\nA2,E1\nA10,E1,0.1,9\n", "affinity.csv, row 3: expected 3 cells, found 2"),
    ("A1,E1,0.5\n\nA2,E1,0.5\n", "affinity.csv, row 3: expected 3 cells, found 0"),
    ("A1,E1,0.5\nA2,E1,0.5\n\n", "affinity.csv, row 4: expected 3 cells, found 0"),
    (",E1,0.5\n", "affinity.csv, row 2: unknown application id ''"),
    ("A1,E1,0.5\nA1,专家八,0.5\n", "affinity.csv, row 3: unknown expert id '专家八'"),
    ("A1,E1,0.5\nAPPLICATION-LONGER-THAN-16-BYTES-AND-MORE,E1,0.5\n",
     "affinity.csv, row 3: unknown application id 'APPLICATION-LONGER-THAN-16-BYTES-AND-MORE'"),
])
def test_bad_rows_are_refused_with_the_csv_paths_words(tmp_path, body, error):
    path = _write(tmp_path, "app_id,expert_id,score\n" + body)
    assert _same(path) == error


def test_bad_encoding_and_header_are_refused_alike(tmp_path):
    not_utf8 = _write(tmp_path, b"app_id,expert_id,score\nA1,E9,0.5\nA2,E1,\xff\xfe\n")
    assert _same(not_utf8) == "affinity.csv: not UTF-8 text"  # before the unknown id on row 2
    missing = _write(tmp_path, "app_id,expert,score\nA1,E1,0.5\n")
    assert _same(missing) == "affinity.csv, row 1: missing column 'expert_id'"


def test_files_that_are_not_plain_are_left_to_the_csv_module(tmp_path):
    for text in ('app_id,expert_id,score\n"A1",E1,0.5\n', "app_id,expert_id,score\nA1, E1,0.5\n",
                 "app_id,expert_id,score\nA1,E1,0.5\rA2,E1,0.5\n", "app_id,expert_id,score\n"):
        with pytest.raises(NotPlain):
            read_pair_columns(_write(tmp_path, text), AFFINITY_COLUMNS, APP_IDS, EXPERT_IDS)


def _instance(tmp_path, affinity: str):
    folder = tmp_path / "instance"
    folder.mkdir(exist_ok=True)
    (folder / "applications.csv").write_text(
        "id,title,field,lead_org,member_orgs,city\n"
        + "".join(f"{a},T,F,O{i},,南京市\n" for i, a in enumerate(APP_IDS)), encoding="utf-8")
    (folder / "experts.csv").write_text(
        "id,name,org,city,fields,max_load\n" + "".join(f"{e},N,X{i},苏州市,F,\n" for i, e in enumerate(EXPERT_IDS)),
        encoding="utf-8")
    (folder / "affinity.csv").write_text(affinity, encoding="utf-8")
    return folder


def test_load_instance_gives_the_same_problem_from_a_plain_and_a_quoted_file(tmp_path):
    rows = [(a, e, f"{(i * 7 + j * 3) % 10 / 10:.1f}")
            for i, a in enumerate(APP_IDS) for j, e in enumerate(EXPERT_IDS)][::-1]  # the problem sorts them
    plain = load_instance(_instance(tmp_path, "app_id,expert_id,score\n"
                                    + "".join(f"{a},{e},{s}\n" for a, e, s in rows)))
    quoted = load_instance(_instance(tmp_path, "app_id,expert_id,score\n"
                                     + "".join(f'"{a}","{e}","{s}"\n' for a, e, s in rows)))
    for name in ("app", "expert", "score"):
        np.testing.assert_array_equal(getattr(plain.affinity, name), getattr(quoted.affinity, name))
    assert len(plain.affinity) == sum(1 for *_, s in rows if s != "0.0")


def test_the_command_line_refuses_a_bad_plain_file_in_one_line(tmp_path):
    folder = _instance(tmp_path, "app_id,expert_id,score\nA1,E1,0.5\nA1,E22,0.5\nA1,E1,0.7\n")
    done = subprocess.run([sys.executable, "-m", "assignment", "solve", str(folder), "--k", "1", "--max-load", "3",
                           "--out", str(tmp_path / "a.csv")], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == "error: affinity.csv, row 4: duplicate pair (A1, E1)\n"
    assert not (tmp_path / "a.csv").exists()


def test_text_affinity_as_positions_builds_the_problem_its_id_table_builds():
    apps = [Profile("A1", ("新能源汽车",), ("固态电池",), "固态电解质与热失控防护"),
            Profile("A2", ("智能网联汽车",), ("自动驾驶",), "激光雷达环境感知与车路协同")]
    experts = [Profile("E1", ("新能源汽车",), ("固态电池",), "固态电解质 热失控"),
               Profile("E2", ("新能源汽车", "智能网联汽车"), ("驱动电机",), "电机控制器"),
               Profile("E3", ("智能网联汽车",), ("激光雷达",), "环境感知 车路协同 自动驾驶")]
    text = text_affinity(apps, experts)
    records = ([Application(p.id, p.fields[0], f"O{p.id}") for p in apps][::-1],  # another order than the text's
               [Expert(p.id, f"X{p.id}", fields=p.fields) for p in experts][::-1])
    by_ids = build_problem(*records, affinity=text.table())
    by_positions = build_problem(*records, affinity=text.positions([a.id for a in records[0]],
                                                                   [e.id for e in records[1]]))
    assert len(by_ids.affinity) == 4
    for name in ("app", "expert", "score"):
        np.testing.assert_array_equal(getattr(by_ids.affinity, name), getattr(by_positions.affinity, name))
    with pytest.raises(InputError, match="affinity, row 2: no expert at position 7"):
        build_problem(*records, affinity=(np.array([0]), np.array([7]), np.array([0.5])))
