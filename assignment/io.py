"""Reading and writing the CSV instance folder of design.md (UTF-8, header row): the library owns the
format, so the web app writes its instances and pair files through :func:`instance_files` and
:func:`pairs_file` rather than by hand.

``applications.csv``: id,title,field,lead_org,member_orgs,city (member_orgs separated by ``;``)
``experts.csv``: id,name,org,city,fields,max_load (fields separated by ``;``; empty max_load = default)
``affinity.csv`` (optional): app_id,expert_id,score with score in [0, 1]
``conflicts.csv`` (optional): app_id,expert_id,reason
``assignment.csv`` (result), pin and forbid files: app_id,expert_id

The ``affinity`` command reads texts and writes an affinity file (:func:`read_profiles`,
:func:`affinity_file`): applications ``app_id,field,keywords,text`` and experts
``expert_id,fields,keywords,text`` (``;`` between fields and between keywords); it writes
``app_id,expert_id,affinity``, which :func:`load_instance` reads as affinity.csv (``affinity`` is accepted
for ``score``).

Every reading error is an :class:`InputError` naming the file and the row (header = row 1). What the
writers write, :func:`load_instance` and :func:`read_pairs` read back as the same problem and pairs.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from .affinity import Profile, TextAffinity
from .columnar import NotPlain, header_names, read_pair_columns
from .problem import SCALE, Application, Expert, InputError, Problem, build_problem

APP_COLUMNS = ("id", "title", "field", "lead_org", "member_orgs", "city")
EXPERT_COLUMNS = ("id", "name", "org", "city", "fields", "max_load")
AFFINITY_COLUMNS = ("app_id", "expert_id", "score")
TEXT_AFFINITY_COLUMNS = ("app_id", "expert_id", "affinity")  # what the affinity command writes
APP_TEXT_COLUMNS = ("app_id", "field", "keywords", "text")
EXPERT_TEXT_COLUMNS = ("expert_id", "fields", "keywords", "text")
CONFLICT_COLUMNS = ("app_id", "expert_id", "reason")
PAIR_COLUMNS = ("app_id", "expert_id")


def read_table(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    """The named columns of a CSV file as columns of strings (extra columns are ignored).

    Raises InputError for a missing file or column, or a row with the wrong number of cells.
    """
    name = path.name
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError(name, 1, f"missing column {missing[0]!r}")
            where = [header.index(c) for c in columns]
            rows = list(reader)
    except FileNotFoundError:
        raise InputError(name, None, "file not found") from None
    except UnicodeDecodeError:
        raise InputError(name, None, "not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(name, None, f"malformed CSV ({exc})") from None
    width = len(header)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(name, i + 2, f"expected {width} cells, found {len(row)}")
    return [[row[j].strip() for row in rows] for j in where]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.replace("；", ";").split(";") if p.strip())


def read_affinity(path: Path, app_ids: list[str], expert_ids: list[str]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """affinity.csv as positions and scores, arrays of shape (n_rows,).

    Plain files (the usual export) are read column by column without a Python object per pair
    (:mod:`assignment.columnar`); others go through the csv module, with the same errors.
    """
    names = header_names(path)
    columns = TEXT_AFFINITY_COLUMNS if "affinity" in names and "score" not in names else AFFINITY_COLUMNS
    try:
        return read_pair_columns(path, columns, app_ids, expert_ids)
    except NotPlain:
        return read_affinity_rows(path, columns, app_ids, expert_ids)


def read_affinity_rows(path: Path, columns: tuple[str, ...], app_ids: list[str], expert_ids: list[str]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`read_affinity` through the csv module, a string per cell: any file (quotes, padding)."""
    cols = read_table(path, columns)
    positions = []
    for col, ids, what in ((cols[0], app_ids, "application"), (cols[1], expert_ids, "expert")):
        lookup = {v: i for i, v in enumerate(ids)}
        pos = np.fromiter(map(lookup.get, col, repeat(-1)), dtype=np.int64, count=len(col))
        bad = np.flatnonzero(pos < 0)
        if len(bad):
            raise InputError(path.name, int(bad[0]) + 2, f"unknown {what} id {col[bad[0]]!r}")
        positions.append(pos.astype(np.int32))
    try:
        scores = np.array(cols[2], dtype=np.float64)
    except ValueError:
        row = next(i for i, cell in enumerate(cols[2]) if not _is_number(cell))
        raise InputError(path.name, row + 2, f"score is not a number: {cols[2][row]!r}") from None
    return positions[0], positions[1], scores


def read_profiles(path: str | os.PathLike, experts: bool = False) -> list[Profile]:
    """The applications' (or experts') texts for the affinity command; raises InputError naming file and row."""
    path = Path(path)
    ids, fields, keywords, texts = read_table(path, EXPERT_TEXT_COLUMNS if experts else APP_TEXT_COLUMNS)
    return [Profile(id=ids[i], fields=_split(fields[i]), keywords=_split(keywords[i]), text=texts[i])
            for i in range(len(ids))]


def write_affinity(path: str | os.PathLike, result: TextAffinity) -> None:
    """Write :func:`affinity_file` atomically: a reader never sees a half-written file."""
    _write_atomically(Path(path), affinity_file(result))


def affinity_file(result: TextAffinity) -> bytes:
    """``app_id,expert_id,affinity`` rows of a text affinity, six decimals (whole millionths: exact)."""
    apps, experts = np.asarray(result.app_ids, dtype=object), np.asarray(result.expert_ids, dtype=object)
    pairs = result.pairs
    return _csv_bytes(TEXT_AFFINITY_COLUMNS, zip(apps[pairs.app], experts[pairs.expert],
                                                 (f"{s / SCALE:.6f}" for s in pairs.score.tolist()), strict=True))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def load_instance(folder: str | os.PathLike) -> Problem:
    """Read an instance folder into a :class:`Problem`; raises :class:`InputError` on any bad row."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), None, "not a folder")
    ids, titles, fields, leads, members, cities = read_table(folder / "applications.csv", APP_COLUMNS)
    apps = [Application(id=ids[i], title=titles[i], field=fields[i], lead_org=leads[i],
                        member_orgs=_split(members[i]), city=cities[i]) for i in range(len(ids))]
    for i, app in enumerate(apps):
        if not app.lead_org:
            raise InputError("applications.csv", i + 2, "empty lead_org")
    ids, names, orgs, ecities, efields, loads = read_table(folder / "experts.csv", EXPERT_COLUMNS)
    max_loads: list[int | None] = []
    for i, cell in enumerate(loads):
        if not cell:
            max_loads.append(None)
        elif cell.isdigit():
            max_loads.append(int(cell))
        else:
            raise InputError("experts.csv", i + 2, f"max_load is not a non-negative integer: {cell!r}")
    experts = [Expert(id=ids[i], name=names[i], org=orgs[i], city=ecities[i], fields=_split(efields[i]),
                      max_load=max_loads[i]) for i in range(len(ids))]
    affinity = None
    if (folder / "affinity.csv").exists():
        affinity = read_affinity(folder / "affinity.csv", [a.id for a in apps], [e.id for e in experts])
    conflicts = None
    if (folder / "conflicts.csv").exists():
        conflicts = tuple(read_table(folder / "conflicts.csv", CONFLICT_COLUMNS))
    return build_problem(apps, experts, affinity, conflicts,
                         sources=("applications.csv", "experts.csv", "affinity.csv", "conflicts.csv"))


def read_pairs(path: str | os.PathLike, problem: Problem) -> list[tuple[str, str]]:
    """Read an app_id,expert_id file (assignment, pins, forbids), checking every id exists."""
    path = Path(path)
    apps, experts = read_table(path, PAIR_COLUMNS)
    known_apps, known_experts = set(problem.app_ids), set(problem.expert_ids)
    for i, (a, e) in enumerate(zip(apps, experts, strict=True)):
        if a not in known_apps:
            raise InputError(path.name, i + 2, f"unknown application id {a!r}")
        if e not in known_experts:
            raise InputError(path.name, i + 2, f"unknown expert id {e!r}")
    return list(zip(apps, experts, strict=True))


def _csv_bytes(columns: Sequence[str], rows: Iterable[Sequence], newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    if columns:  # none: rows that continue a file
        writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """A reader never sees a half-written file: write aside (the bytes, or chunk after chunk), then rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        for chunk in [data] if isinstance(data, bytes) else data:
            fh.write(chunk)
    os.replace(tmp, path)


def _names(names: tuple[str, ...], ptr: np.ndarray, idx: np.ndarray, row: int) -> list[str]:
    """The names listed for one row of a CSR list (an application's orgs, an expert's fields)."""
    return [names[i] for i in idx[ptr[row] : ptr[row + 1]]]


#: Affinity rows written per chunk: a chunk's bytes (some 30 MB) are all the writer holds at once.
CHUNK_ROWS = 1 << 20
_SPECIAL = re.compile(r'[,"\r\n\x00]')  # an id with one of these is quoted by the csv module


def instance_parts(problem: Problem) -> Iterator[tuple[str, Iterator[bytes]]]:
    """The problem as the files of an instance folder: (file name, its bytes in chunks), by name.

    applications.csv, experts.csv, conflicts.csv (header only when there are none), and affinity.csv only
    when the problem has an affinity table of its own (without one, affinity comes from field overlap).
    affinity.csv (ten million rows at national volume) comes in chunks of :data:`CHUNK_ROWS` rows, built
    with numpy, never a Python object per pair. An application's first org is written as its lead;
    :func:`load_instance` refuses an empty lead.
    """
    apps = []
    for a, app_id in enumerate(problem.app_ids):
        fields = problem.app_field_names(a)
        orgs = _names(problem.orgs, problem.app_org_ptr, problem.app_org_idx, a)
        apps.append([app_id, problem.app_titles[a], ";".join(fields), orgs[0] if orgs else "",
                     ";".join(orgs[1:]), problem.cities[problem.app_city[a]]])
    experts = []
    for e, expert_id in enumerate(problem.expert_ids):
        fields = _names(problem.fields, problem.expert_field_ptr, problem.expert_field_idx, e)
        load = int(problem.expert_max_load[e])
        experts.append([expert_id, problem.expert_names[e], problem.orgs[problem.expert_org[e]],
                        problem.cities[problem.expert_city[e]], ";".join(fields), "" if load < 0 else load])
    reasons = problem.conflict_reasons or ("",) * len(problem.conflicts)
    conflicts = [[problem.app_ids[a], problem.expert_ids[e], reason]
                 for a, e, reason in zip(problem.conflicts.app, problem.conflicts.expert, reasons, strict=True)]
    if problem.affinity is not None:
        yield "affinity.csv", _affinity_chunks(problem)
    yield "applications.csv", iter([_csv_bytes(APP_COLUMNS, apps)])
    yield "conflicts.csv", iter([_csv_bytes(CONFLICT_COLUMNS, conflicts)])
    yield "experts.csv", iter([_csv_bytes(EXPERT_COLUMNS, experts)])


def instance_files(problem: Problem) -> dict[str, bytes]:
    """:func:`instance_parts` as whole files, by file name (a small instance's; a large one is streamed)."""
    return {name: b"".join(chunks) for name, chunks in instance_parts(problem)}


def _affinity_chunks(problem: Problem) -> Iterator[bytes]:
    """affinity.csv: the header, then the pairs' rows in chunks. Scores are whole millionths (SCALE): six
    decimals write them exactly. Rows are laid out as byte matrices (ids zero-padded to the longest, the
    padding dropped) exactly as the csv module writes them; ids it would quote go through it instead."""
    aff = problem.affinity
    yield _csv_bytes(AFFINITY_COLUMNS, ())
    plain = not any(_SPECIAL.search(i) for i in (*problem.app_ids, *problem.expert_ids))
    if not plain or (len(aff) and (int(aff.score.min()) < 0 or int(aff.score.max()) > SCALE)):
        for lo in range(0, len(aff), CHUNK_ROWS):
            part = aff.take(slice(lo, lo + CHUNK_ROWS))
            yield _csv_bytes((), ([problem.app_ids[a], problem.expert_ids[e], f"{s / SCALE:.6f}"]
                                  for a, e, s in zip(part.app, part.expert, part.score.tolist(), strict=True)))
        return
    apps, experts = _byte_table(problem.app_ids, b","), _byte_table(problem.expert_ids, b",")
    for lo in range(0, len(aff), CHUNK_ROWS):
        score = aff.score[lo : lo + CHUNK_ROWS]
        digits = np.empty((len(score), 9), dtype=np.uint8)  # "d.dddddd\n", d = 0 or 1
        whole, part = np.divmod(score, SCALE)
        digits[:, 0] = whole + ord("0")
        digits[:, 1] = ord(".")
        for i in range(6, 0, -1):
            part, digit = np.divmod(part, 10)
            digits[:, 1 + i] = digit + ord("0")
        digits[:, 8] = ord("\n")
        rows = np.concatenate([apps[aff.app[lo : lo + CHUNK_ROWS]], experts[aff.expert[lo : lo + CHUNK_ROWS]], digits],
                              axis=1).ravel()
        yield rows[rows != 0].tobytes()


def _byte_table(ids: Sequence[str], end: bytes) -> np.ndarray:
    """Each id's UTF-8 bytes and ``end`` as a row of a uint8 matrix, zero-padded to the longest."""
    encoded = [i.encode("utf-8") + end for i in ids]
    width = max((len(b) for b in encoded), default=len(end))
    return np.frombuffer(np.array(encoded, dtype=f"S{width}").tobytes(), dtype=np.uint8).reshape(len(ids), width)


def write_instance(problem: Problem, folder: str | os.PathLike) -> Path:
    """Write the problem as an instance folder (created when missing; see :func:`instance_parts`).

    A stale affinity.csv is removed, so that the folder always reads back as ``problem``. Returns the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = set()
    for name, chunks in instance_parts(problem):
        _write_atomically(folder / name, chunks)
        written.add(name)
    if "affinity.csv" not in written:
        (folder / "affinity.csv").unlink(missing_ok=True)
    return folder


def pairs_file(rows: Iterable[Sequence], extra_columns: Sequence[str] = ()) -> bytes:
    """An app_id,expert_id file (assignment, pins, forbids) as bytes. Each row starts with the pair; further
    cells, named by ``extra_columns``, say more about it (a panel's state) and are ignored by readers."""
    return _csv_bytes((*PAIR_COLUMNS, *extra_columns), rows)


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write a CSV table atomically (UTF-8, header row)."""
    _write_atomically(path, _csv_bytes(columns, rows))


def write_pairs(path: str | os.PathLike, pairs: Iterable[tuple[str, str]]) -> None:
    """Write app_id,expert_id rows atomically: a reader never sees a half-written file."""
    # Lines end in CRLF here, as the command line has always written them (the csv module's default).
    _write_atomically(Path(path), _csv_bytes(PAIR_COLUMNS, pairs, newline="\r\n"))
