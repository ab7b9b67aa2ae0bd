"""The formal-check report of design.md: one row per application and rule with the effective verdict and
its reason, in Chinese whatever the reader's language, as CSV (the page's export, `flask formal-check`,
the archive) or as rows (the results workbook)."""

from sqlmodel import Session

from ...models import User, Verdict
from ..compliance import audit
from ..platform.csvfiles import csv_bytes
from .runner import verdict_lines

# The words of the report (design.md): fixed, whatever the reader's language.
VERDICT_TEXT = {Verdict.PASS: "通过", Verdict.FAIL: "不通过", Verdict.WARN: "提示"}
REPORT_HEADER = ("申报编号", "规则", "结果", "说明")


def report_rows(session: Session, *, round_id: int) -> list[tuple[str, str, str, str]]:
    """The report of design.md: one row per application and rule, the effective verdict, and the
    reason (with the override's reason after it when an admin overrode the verdict)."""
    rows = []
    for code, rule, verdict, override, message, reason in session.execute(verdict_lines(round_id)):
        if override is not None:
            message = (
                f"{message}（人工改判：原结果{VERDICT_TEXT[verdict]}，改为{VERDICT_TEXT[override]}；理由：{reason}）"
            )
        rows.append((code, rule, VERDICT_TEXT[override or verdict], message))
    return rows


def report_csv(session: Session, *, round_id: int) -> bytes:
    """The report as CSV bytes, UTF-8 with a byte order mark so that Excel reads the Chinese; text that a
    spreadsheet would run as a formula (an override reason typed as "=…") is neutralised."""
    return csv_bytes(REPORT_HEADER, report_rows(session, round_id=round_id))


def download_csv(session: Session, *, round_id: int, by: User) -> bytes:
    """The report as a download from the console: the CSV, and an audit event naming who took it and how
    many rows (the caller commits)."""
    rows = report_rows(session, round_id=round_id)
    audit.record(session, action="export", by=by, round_id=round_id,
                 details={"list": "formal_check", "format": "csv", "rows": len(rows)})
    return csv_bytes(REPORT_HEADER, rows)
