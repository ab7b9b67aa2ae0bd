"""The expert pool's import: the 专家库 sheet of an .xlsx workbook, or a CSV file with the same header,
read by the shared reader (platform.tables) and checked by the pool's rules (pool.check_row).

All or nothing and idempotent: every row is checked first, a file with any bad row changes nothing and
names every problem (sheet, row, column, reason, in Chinese); importing the same file again changes
nothing. Experts are matched by 专家编号, employers by their credit code.
"""

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Expert, User
from ..compliance import audit
from ..intake import fields as tech_fields
from ..intake.organisations import Register
from ..platform.tables import ImportRejected, RowProblem, read_table
from .pool import COLUMNS, ExpertData, check_row, employer, write_expert

SHEET = "专家库"
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def problem_line(problem: RowProblem) -> str:
    """A problem as the pool's command line has always written it (column "—" when the whole row or
    sheet is meant)."""
    return _(
        "sheet %(sheet)s, row %(row)d, column %(column)s: %(reason)s",
        sheet=problem.sheet,
        row=problem.row,
        column=problem.column or "—",
        reason=problem.reason,
    )


def import_experts(session: Session, *, filename: str, data: bytes, by: User | None) -> ImportResult:
    """Import the pool: all or nothing, idempotent. Raises ImportRejected listing every bad row."""
    table, problems = read_table(filename or "", data, COLUMNS, sheet=SHEET, max_rows=MAX_ROWS)
    rows: list[ExpertData] = []
    seen: dict[str, int] = {}
    known = tech_fields.known_fields(session)
    for number, values in table.rows if table is not None else ():
        # A column the header left out is not given (an older file keeps the experts' texts as they are).
        row, row_problems = check_row({k: v for k, v in values.items() if k not in table.absent}, known)
        problems += [RowProblem(SHEET, number, column, reason) for column, reason in row_problems]
        if row is None:
            continue
        if row.code in seen:
            problems.append(
                RowProblem(
                    SHEET, number, "专家编号", _("%(code)s is also in row %(row)d", code=row.code, row=seen[row.code])
                )
            )
            continue
        seen[row.code] = number
        rows.append(row)
    if not problems and not rows:
        problems.append(RowProblem(SHEET, 2, "", _("the sheet is empty")))
    if problems:
        raise ImportRejected(problems)

    created, updated, unchanged = [], [], []
    existing = {e.code: e for e in session.exec(select(Expert).where(Expert.code.in_(list(seen))))}
    register = Register(session)
    register.preload([employer(row) for row in rows])
    for row in rows:
        expert = existing.get(row.code)
        if expert is None:
            expert = Expert(code=row.code, name=row.name)
            session.add(expert)
            created.append(row.code)
            write_expert(session, expert, row, register)
        elif write_expert(session, expert, row, register):
            updated.append(row.code)
        else:
            unchanged.append(row.code)
    session.flush()
    audit.record(
        session,
        action="experts.import",
        by=by,
        details={
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "created": created[:200],
            "updated": updated[:200],
            "unchanged": len(unchanged),
        },
    )
    return ImportResult(len(created), len(updated), len(unchanged))
