"""The files of a round's close: the 公示名单 (the list for public notice: round, date, period, the centre's
contact for objections, the list without scores or personal data) and the decision list (文号, date, the
final list and how each entry got there), each as PDF and as Excel, with the results' export helpers."""

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session

from ...models import Round
from ..errors import ServiceError
from ..results.export.pdf import table_pdf
from ..results.export.xlsx import table_sheet
from . import decision, final_list, publicity


def _list_rows(entries: list[tuple], *, with_source: bool) -> tuple[list[str], list[list]]:
    """Rows of (code, title, lead, city, field, source), numbered; the source column on request."""
    header = [_("No."), _("Application no."), _("Consortium"), _("Lead unit"), _("City"), _("Field")]
    if with_source:
        header.append(_("Note"))
    rows = [[n, *entry[:5], *entry[5:6]] if with_source else [n, *entry[:5]]
            for n, entry in enumerate(entries, start=1)]
    return header, rows


def _cells(entry: final_list.ListEntry) -> tuple:
    a = entry.application
    return (a.code, a.title, a.lead_name, entry.city, a.field, entry.source)


@dataclass(frozen=True)
class _Listing:
    """One of the close's lists as both its files show it: the title, the lines above the table, the table."""

    title: str
    lines: list[str]
    header: list[str]
    rows: list[list]


def _publicity(session: Session, review_round: Round) -> _Listing:
    notice = publicity.notice_of(session, round_id=review_round.id)
    if notice is None:
        raise ServiceError(_("The public notice of this round has not started."))
    entries = [_cells(e) for e in final_list.final_list(session, round_id=review_round.id)]
    lines = [
        _("Published on %(day)s", day=notice.starts_on.isoformat()),
        _("Notice period: %(start)s to %(end)s (%(n)d working days)", start=notice.starts_on.isoformat(),
          end=notice.ends_on.isoformat(), n=notice.working_days),
        _("Objections during the period to: %(contact)s", contact=notice.contact),
        _("%(n)d consortia, in ranking order", n=len(entries)),
    ]
    return _Listing(_("%(round)s: list for public notice", round=review_round.name), lines,
                    *_list_rows(entries, with_source=False))


def _decision(session: Session, review_round: Round) -> _Listing:
    recorded = decision.decision_of(session, round_id=review_round.id)
    if recorded is None:
        raise ServiceError(_("No final decision is recorded for this round."))
    entries = [(e.code, e.title, e.lead, e.city, e.field, e.source)
               for e in decision.decided_list(session, decision=recorded)]
    lines = [
        _("Decision %(number)s of %(day)s", number=recorded.document_no, day=recorded.decided_on.isoformat()),
        _("%(n)d consortia on the final list", n=len(entries)),
    ]
    return _Listing(_("%(round)s: final list", round=review_round.name), lines, *_list_rows(entries, with_source=True))


def _pdf(listing: _Listing) -> bytes:
    return table_pdf(listing.title, listing.lines, listing.header, listing.rows)


def _xlsx(listing: _Listing) -> bytes:
    """The table on its first sheet, the title and the lines on a second."""
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    table_sheet(workbook, _("List"), listing.header, listing.rows)
    table_sheet(workbook, _("About"), [listing.title], [[line] for line in listing.lines])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def publicity_pdf(session: Session, *, review_round: Round) -> bytes:
    return _pdf(_publicity(session, review_round))


def publicity_xlsx(session: Session, *, review_round: Round) -> bytes:
    return _xlsx(_publicity(session, review_round))


def decision_pdf(session: Session, *, review_round: Round) -> bytes:
    return _pdf(_decision(session, review_round))


def decision_xlsx(session: Session, *, review_round: Round) -> bytes:
    return _xlsx(_decision(session, review_round))


FILES = {
    ("publicity", "pdf"): publicity_pdf,
    ("publicity", "xlsx"): publicity_xlsx,
    ("decision", "pdf"): decision_pdf,
    ("decision", "xlsx"): decision_xlsx,
}
