"""CSV in and out (the contract of design.md, "Contracts / Scoring")."""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .data import ScoreInputError, ScoreTable
from .ranking import Ranking

REQUIRED = ("app_id", "expert_id", "total")
OPTIONAL = ("recommend",)
OUTPUT_COLUMNS = ("rank", "app_id", "score", "ci_low", "ci_high", "n_reviews", "flag")
EXTRA_COLUMNS = ("flags", "raw_mean", "component")
RECOMMEND_VALUES = {
    "1": 1.0,
    "0": 0.0,
    "推荐": 1.0,
    "不推荐": 0.0,
    "yes": 1.0,
    "no": 0.0,
    "true": 1.0,
    "false": 0.0,
    "y": 1.0,
    "n": 0.0,
    "": math.nan,
}


def _number(text: str, where: str, column: str, *, blank_ok: bool) -> float:
    s = text.strip()
    if s == "" and blank_ok:
        return math.nan
    try:
        v = float(s)
    except ValueError:
        raise ScoreInputError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(v):
        raise ScoreInputError(f"{where}: {column} {text!r} is not a number")
    return v


def read_scores(path: str | os.PathLike, criteria: Sequence[str] | None = None) -> ScoreTable:
    """Read SCORES.csv: ``app_id,expert_id,total`` [, ``recommend``] [, criterion columns].

    Parameters
    ----------
    path : path-like
        UTF-8 (a BOM is accepted), header row first.
    criteria : sequence of str, optional
        The criterion columns expected. When given, any other column is an error
        ("unknown column"); when omitted, every column besides the required ones
        and ``recommend`` is a criterion column and must hold numbers >= 0
        (blank = not scored).

    Raises
    ------
    ScoreInputError
        One line naming the file, line and problem.
    """
    name = Path(path).name
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        raise ScoreInputError(f"{name}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScoreInputError(f"{name}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ScoreInputError(f"{name}: bad CSV ({exc})") from None
    if not rows:
        raise ScoreInputError(f"{name}: empty file, expected a header {','.join(REQUIRED)}")
    header = [h.strip() for h in rows[0]]
    for col in REQUIRED:
        if col not in header:
            raise ScoreInputError(f"{name} line 1: missing column {col!r} (header: {','.join(header)})")
    seen = set()
    for h in header:
        if h == "":
            raise ScoreInputError(f"{name} line 1: empty column name")
        if h in seen:
            raise ScoreInputError(f"{name} line 1: duplicate column {h!r}")
        seen.add(h)
    crit_names = [h for h in header if h not in REQUIRED and h not in OPTIONAL]
    reserved = set(OUTPUT_COLUMNS) | set(EXTRA_COLUMNS)
    for h in crit_names:
        if criteria is not None and h not in criteria:
            raise ScoreInputError(f"{name} line 1: unknown column {h!r}")
        lowered = h.lower()
        if h in reserved or lowered in REQUIRED or lowered in OPTIONAL:
            raise ScoreInputError(f"{name} line 1: unknown column {h!r}")
    if criteria is not None:
        missing = [c for c in criteria if c not in header]
        if missing:
            raise ScoreInputError(f"{name} line 1: missing criterion column {missing[0]!r}")
    pos = {h: k for k, h in enumerate(header)}
    apps, experts, totals, recs, crits, labels = [], [], [], [], [], []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        where = f"{name} line {lineno}"
        if len(row) != len(header):
            raise ScoreInputError(f"{where}: {len(row)} fields, the header has {len(header)}")
        app, expert = row[pos["app_id"]].strip(), row[pos["expert_id"]].strip()
        if not app or not expert:
            raise ScoreInputError(f"{where}: empty app_id or expert_id")
        where = f"{where} (app {app}, expert {expert})"
        totals.append(_number(row[pos["total"]], where, "total", blank_ok=False))
        crits.append([_number(row[pos[c]], where, f"criterion {c!r}", blank_ok=True) for c in crit_names])
        if "recommend" in pos:
            text = row[pos["recommend"]].strip()
            if text.lower() not in RECOMMEND_VALUES:
                raise ScoreInputError(f"{where}: recommend {text!r} is not 推荐/不推荐/1/0")
            recs.append(RECOMMEND_VALUES[text.lower()])
        else:
            recs.append(math.nan)
        apps.append(app)
        experts.append(expert)
        labels.append(f"{name} line {lineno}")
    if not apps:
        raise ScoreInputError(f"{name}: no score rows")
    return ScoreTable.from_records(
        apps,
        experts,
        totals,
        criteria=crits if crit_names else None,
        criterion_names=crit_names,
        recommend=recs,
        labels=labels,
    )


def _fmt(v: float) -> str:
    return "" if math.isnan(v) else f"{v:.4f}"


def ranking_rows(ranking: Ranking) -> list[list[str]]:
    """The ranking.csv table (header first) as strings, in rank order."""
    names = list(ranking.table.criterion_names)
    out = [list(OUTPUT_COLUMNS) + list(EXTRA_COLUMNS) + names]
    for i in ranking.order():
        out.append(
            [
                str(int(ranking.rank[i])),
                str(ranking.app_ids[i]),
                _fmt(float(ranking.score[i])),
                str(int(ranking.ci_low[i])),
                str(int(ranking.ci_high[i])),
                str(int(ranking.n_reviews[i])),
                "1" if ranking.flag[i] else "0",
                ";".join(ranking.app_flags[i]),
                _fmt(float(ranking.raw_mean[i])),
                str(int(ranking.component[i])),
            ]
            + [_fmt(float(v)) for v in ranking.criterion_scores[i]]
        )
    return out


def expert_rows(ranking: Ranking) -> list[list[str]]:
    out = [["expert_id", "n_reviews", "leniency", "spread", "flags"]]
    for e in ranking.experts():
        out.append([e.expert_id, str(e.n_reviews), _fmt(e.leniency), _fmt(e.spread), ";".join(e.flags)])
    return out


def write_csv(rows: list[list[str]], path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
