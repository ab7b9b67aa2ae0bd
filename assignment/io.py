"""Reading and writing the CSV instance folder of design.md (UTF-8, header row).

``applications.csv``: id,title,field,lead_org,member_orgs,city (member_orgs separated by ``;``)
``experts.csv``: id,name,org,city,fields,max_load (fields separated by ``;``; empty max_load = default)
``affinity.csv`` (optional): app_id,expert_id,score with score in [0, 1]
``conflicts.csv`` (optional): app_id,expert_id,reason
``assignment.csv`` (result), pin and forbid files: app_id,expert_id

Every reading error is an :class:`InputError` naming the file and the row (header = row 1).
"""

from __future__ import annotations

import csv
import os
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .problem import Application, Expert, InputError, Problem, build_problem

APP_COLUMNS = ("id", "title", "field", "lead_org", "member_orgs", "city")
EXPERT_COLUMNS = ("id", "name", "org", "city", "fields", "max_load")
AFFINITY_COLUMNS = ("app_id", "expert_id", "score")
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
    """Stream affinity.csv into positions and scores, arrays of shape (n_rows,).

    Ids are mapped while reading so memory stays at a few bytes per pair on national-scale files.
    """
    name = path.name
    apps_at = {a: i for i, a in enumerate(app_ids)}
    experts_at = {e: i for i, e in enumerate(expert_ids)}
    app_pos, expert_pos, scores = array("i"), array("i"), array("d")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in AFFINITY_COLUMNS if c not in header]
        if missing:
            raise InputError(name, 1, f"missing column {missing[0]!r}")
        ia, ie, isc = (header.index(c) for c in AFFINITY_COLUMNS)
        width = len(header)
        try:
            for row, cells in enumerate(reader, start=2):
                if len(cells) != width:
                    raise InputError(name, row, f"expected {width} cells, found {len(cells)}")
                a, e = apps_at.get(cells[ia].strip(), -1), experts_at.get(cells[ie].strip(), -1)
                if a < 0 or e < 0:
                    what, value = ("application", cells[ia]) if a < 0 else ("expert", cells[ie])
                    raise InputError(name, row, f"unknown {what} id {value.strip()!r}")
                try:
                    scores.append(float(cells[isc]))
                except ValueError:
                    raise InputError(name, row, f"score is not a number: {cells[isc]!r}") from None
                app_pos.append(a)
                expert_pos.append(e)
        except csv.Error as exc:
            raise InputError(name, reader.line_num, f"malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InputError(name, None, "not UTF-8 text") from None
    return (np.frombuffer(app_pos, dtype=np.int32), np.frombuffer(expert_pos, dtype=np.int32),
            np.frombuffer(scores, dtype=np.float64))


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


def write_pairs(path: str | os.PathLike, pairs: Iterable[tuple[str, str]]) -> None:
    """Write app_id,expert_id rows atomically: a reader never sees a half-written file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PAIR_COLUMNS)
        writer.writerows(pairs)
    os.replace(tmp, path)
