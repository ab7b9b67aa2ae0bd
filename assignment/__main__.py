"""Command line: ``python -m assignment solve|check|replace|diagnose DIR ...``,
``python -m assignment affinity APPLICATIONS.csv EXPERTS.csv --out affinity.csv [--top N]`` (see design.md) and
``python -m assignment panels DIR GROUPS.csv --min-size 5 --max-size 7 --out panels.csv [--seed N] [--recusal]``
(panel mode: ``GROUPS.csv`` is ``group_id,app_id,field,day``, one row per application; ``panels.csv`` is
``group_id,expert_id,recused`` with the applications an expert recuses from separated by ``;``).

Prints one JSON object on stdout. Exit 0: done (a valid assignment written, or a valid check);
2: infeasible (or the checked assignment breaks a rule); 1: bad input, with one line on stderr naming
the file and row, and nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .affinity import Weights, text_affinity
from .check import check
from .diagnose import diagnose
from .io import load_instance, read_pairs, read_profiles, read_table, write_affinity, write_pairs, write_table
from .panels import Group, PanelOptions, solve_panels
from .problem import InputError, Options, Problem
from .replace import replace
from .result import Infeasible
from .solve import solve


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2, which means "infeasible" here
        raise InputError("command line", None, message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m assignment", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def rules(p):
        p.add_argument("dir", help="instance folder (applications.csv, experts.csv, ...)")
        p.add_argument("--k", type=int, required=True, help="experts per application")
        p.add_argument("--max-load", type=int, required=True, help="default max load per expert")
        p.add_argument("--min-load", type=int, default=0, help="hard floor on every expert's load")
        p.add_argument("--org-diverse", action="store_true", help="at most one expert per org on a panel")
        p.add_argument("--avoid-same-city", action="store_true", help="no expert from the application's city")
        p.add_argument("--pin", help="CSV app_id,expert_id of pairs that must be assigned")
        p.add_argument("--forbid", help="CSV app_id,expert_id of pairs that must not be assigned")

    p = sub.add_parser("solve", help="assign experts and write assignment.csv")
    rules(p)
    p.add_argument("--out", required=True, help="where to write app_id,expert_id")
    p.add_argument("--seed", type=int, help="seeded random draw within --tolerance of the optimum")
    p.add_argument("--tolerance", type=float, default=0.01, help="max loss of a seeded draw (0.01 = 1%%)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds for CP-SAT stages")
    p.add_argument("--balance", action="store_true", help="most even loads first, then affinity")
    p.add_argument("--fair", action="store_true", help="best worst panel first, then affinity")
    p = sub.add_parser("check", help="validate an assignment")
    rules(p)
    p.add_argument("assignment", help="CSV app_id,expert_id")
    p = sub.add_parser("replace", help="replace one expert on one application (recusal)")
    rules(p)
    p.add_argument("assignment", help="CSV app_id,expert_id")
    p.add_argument("--app", required=True)
    p.add_argument("--expert", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, help="breaks ties among equally good replacements")
    p = sub.add_parser("diagnose", help="say whether a valid assignment exists, and why not")
    rules(p)
    p = sub.add_parser("affinity", help="affinity of every pair whose fields meet, from field match and texts")
    p.add_argument("applications", help="CSV app_id,field,keywords,text")
    p.add_argument("experts", help="CSV expert_id,fields,keywords,text")
    p.add_argument("--out", required=True, help="where to write app_id,expert_id,affinity")
    p.add_argument("--top", type=int, help="keep each application's N best pairs (the rest become unqualified)")
    defaults = Weights()
    p.add_argument("--field-weight", type=float, default=defaults.field, help="w_field of the blend")
    p.add_argument("--text-weight", type=float, default=defaults.text, help="w_text of the blend")
    p.add_argument("--keyword-boost", type=float, default=defaults.keyword_boost, help="a keyword counts N words")
    p = sub.add_parser("panels", help="one panel of experts per group of applications (panel mode)")
    p.add_argument("dir", help="instance folder (applications.csv, experts.csv, ...)")
    p.add_argument("groups", help="CSV group_id,app_id,field,day (one row per application)")
    p.add_argument("--min-size", type=int, required=True, help="fewest experts on a panel")
    p.add_argument("--max-size", type=int, required=True, help="most experts on a panel")
    p.add_argument("--out", required=True, help="where to write group_id,expert_id,recused")
    p.add_argument("--recusal", action="store_true", help="recuse per application instead of leaving the panel")
    p.add_argument("--pin", help="CSV group_id,expert_id of experts who must sit on a group's panel")
    p.add_argument("--forbid", help="CSV group_id,expert_id of experts who must not")
    p.add_argument("--org-diverse", action="store_true", help="at most one expert per org on a panel")
    p.add_argument("--avoid-same-city", action="store_true", help="no expert from an application's city")
    p.add_argument("--seed", type=int, help="seeded random draw within --tolerance of the optimum")
    p.add_argument("--tolerance", type=float, default=0.01, help="max loss of a seeded draw (0.01 = 1%%)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds for CP-SAT")
    return parser


def _panels(args, problem: Problem) -> int:
    group_ids, app_ids, fields, days = read_table(Path(args.groups), ("group_id", "app_id", "field", "day"))
    groups: dict[str, list] = {}
    for row, (group_id, app_id, field, day) in enumerate(zip(group_ids, app_ids, fields, days, strict=True), 2):
        entry = groups.setdefault(group_id, [[], field, day, row])
        if (field, day) != (entry[1], entry[2]):
            raise InputError(Path(args.groups).name, row, f"group {group_id} has two fields or days")
        entry[0].append(app_id)
    chosen = [Group(g, tuple(apps), field, day) for g, (apps, field, day, _row) in groups.items()]
    pins, forbids = (tuple(zip(*read_table(Path(path), ("group_id", "expert_id")), strict=True)) if path else ()
                     for path in (args.pin, args.forbid))
    options = PanelOptions(min_size=args.min_size, max_size=args.max_size, recusal=args.recusal,
                           org_diverse=args.org_diverse, avoid_same_city=args.avoid_same_city, seed=args.seed,
                           tolerance=args.tolerance, time_limit=args.time_limit, pins=pins, forbids=forbids)
    try:
        result = solve_panels(problem, chosen, options)
    except Infeasible as exc:
        _emit({"status": "INFEASIBLE", "seconds": round(exc.seconds, 3), "seed": options.seed,
               "diagnosis": exc.diagnosis.to_dict()})
        return 2
    recused: dict[tuple[str, str], list[str]] = {}
    for app_id, expert_id in result.recusals:
        group_id = next(g.id for g in chosen if app_id in g.apps)
        recused.setdefault((group_id, expert_id), []).append(app_id)
    rows = [(g, e, ";".join(recused.get((g, e), []))) for g, members in result.panels.items() for e in members]
    write_table(Path(args.out), ("group_id", "expert_id", "recused"), rows)
    _emit(result.summary())
    return 0


def _affinity(args) -> int:
    weights = Weights(field=args.field_weight, text=args.text_weight, keyword_boost=args.keyword_boost)
    started = time.perf_counter()
    applications = read_profiles(args.applications)
    experts = read_profiles(args.experts, experts=True)
    names = (Path(args.applications).name, Path(args.experts).name)
    result = text_affinity(applications, experts, weights, top=args.top, sources=names)
    write_affinity(args.out, result)
    with_pairs = len(np.unique(result.pairs.app))
    _emit({"pairs": len(result), "applications": len(applications), "experts": len(experts),
           "applications_without_pairs": len(applications) - with_pairs,
           "seconds": round(time.perf_counter() - started, 3)})
    return 0


def _options(args, problem: Problem) -> Options:
    extra = {}
    if args.command == "solve":
        extra = dict(seed=args.seed, tolerance=args.tolerance, time_limit=args.time_limit,
                     balance=args.balance, fair=args.fair)
    return Options(k=args.k, max_load=args.max_load, min_load=args.min_load, org_diverse=args.org_diverse,
                   avoid_same_city=args.avoid_same_city,
                   pins=tuple(read_pairs(args.pin, problem)) if args.pin else (),
                   forbids=tuple(read_pairs(args.forbid, problem)) if args.forbid else (), **extra)


def _emit(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def run(argv: list[str]) -> int:
    """Run one command; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "affinity":
        return _affinity(args)
    problem = load_instance(args.dir)
    if args.command == "panels":
        return _panels(args, problem)
    options = _options(args, problem)
    if args.command == "solve":
        try:
            result = solve(problem, options)
        except Infeasible as exc:
            _emit({"status": "INFEASIBLE", "seconds": round(exc.seconds, 3), "seed": options.seed,
                   "diagnosis": exc.diagnosis.to_dict()})
            return 2
        write_pairs(args.out, result.pairs)
        _emit(result.summary())
        return 0
    if args.command == "check":
        violations = check(problem, read_pairs(args.assignment, problem), options)
        _emit({"valid": not violations, "violations": [asdict(v) for v in violations]})
        return 2 if violations else 0
    if args.command == "replace":
        pairs = read_pairs(args.assignment, problem)
        if (args.app, args.expert) not in pairs:
            raise InputError(args.assignment, None, f"pair ({args.app}, {args.expert}) is not assigned")
        rng = np.random.default_rng(args.seed) if args.seed is not None else None
        try:
            new = replace(problem, pairs, args.app, args.expert, options, rng)
        except Infeasible as exc:
            _emit({"status": "INFEASIBLE", "diagnosis": exc.diagnosis.to_dict()})
            return 2
        write_pairs(args.out, new.pairs)
        _emit({"status": "OK", "app_id": new.app_id, "removed": new.removed, "added": new.added,
               "score": new.score})
        return 0
    diagnosis = diagnose(problem, options)
    _emit(diagnosis.to_dict())
    return 0 if diagnosis.feasible else 2


def main() -> int:
    try:
        return run(sys.argv[1:])
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
