"""Command line: ``python -m scoring rank SCORES.csv --method METHOD --out ranking.csv [--seed N]``.

Prints one JSON object on stdout (method, counts, flagged, seconds). Exit code 0 on
success; 1 for bad input, with one line on stderr naming the file and line, and
nothing written; 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .data import ScoreInputError
from .io import expert_rows, ranking_rows, read_scores, write_csv
from .ranking import DEFAULT_METHOD, METHODS, rank_scores


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description="Rank applications from expert scores.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("rank", help="rank SCORES.csv into ranking.csv")
    r.add_argument("scores", help="SCORES.csv: app_id,expert_id,total[,recommend][,criteria...]")
    r.add_argument("--method", default=DEFAULT_METHOD, choices=list(METHODS), help="default: %(default)s")
    r.add_argument("--out", required=True, help="ranking.csv to write")
    r.add_argument("--seed", type=int, default=0, help="seed of the rank-interval draws (default 0)")
    r.add_argument("--level", type=float, default=0.9, help="rank-interval coverage (default 0.9)")
    r.add_argument(
        "--draws", type=int, default=None, help="draws for the rank intervals (default 400; 200 above 10,000 reviews)"
    )
    r.add_argument(
        "--ties",
        default="min",
        choices=["min", "max", "dense", "ordinal"],
        help="tie rule for equal scores (default min; listed by app_id)",
    )
    r.add_argument("--criteria", help="comma-separated criterion columns; other columns are errors")
    r.add_argument("--experts-out", help="also write expert_id,n_reviews,leniency,spread,flags here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    t0 = time.perf_counter()
    if not 0 < args.level < 1 or (args.draws is not None and args.draws < 10):
        print("error: --level must be in (0, 1) and --draws at least 10", file=sys.stderr)
        return 1
    for out in filter(None, (args.out, args.experts_out)):
        if not Path(out).resolve().parent.is_dir():
            print(f"error: {out}: folder does not exist", file=sys.stderr)
            return 1
    try:
        criteria = None
        if args.criteria is not None:
            criteria = [c.strip() for c in args.criteria.split(",") if c.strip()]
        table = read_scores(args.scores, criteria=criteria)
        ranking = rank_scores(table, args.method, seed=args.seed, level=args.level, n_draws=args.draws, ties=args.ties)
    except ScoreInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        write_csv(ranking_rows(ranking), args.out)
        if args.experts_out:
            write_csv(expert_rows(ranking), args.experts_out)
    except OSError as exc:
        print(f"error: cannot write output ({exc.strerror}: {exc.filename})", file=sys.stderr)
        return 1
    summary = {
        "method": args.method,
        "n_apps": table.n_apps,
        "n_experts": table.n_experts,
        "n_reviews": table.n_reviews,
        "flagged": int(ranking.flag.sum()),
        "seed": args.seed,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
