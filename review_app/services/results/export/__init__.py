"""Exports as office files: the ranking and the publication list (公示名单) as Excel, PDF and CSV.

One module per format (`xlsx`, `pdf`, `csv`) over the one read-model of the ranking in `report`; the
files are named here, so callers need not know which module makes which. Every text cell is neutralised,
so that a value typed by a user ("=HYPERLINK(…)") is never run as a formula by a spreadsheet.
"""

from sqlmodel import Session

from ....models import RankingRun, User
from ...compliance import audit
from .csv import city_results_csv, ranking_csv
from .pdf import publication_pdf, ranking_pdf
from .report import ExportError
from .xlsx import ranking_xlsx

# (list, format) -> the maker of the file: the lists and formats the centre can download
FILES = {
    ("ranking", "xlsx"): ranking_xlsx,
    ("ranking", "csv"): ranking_csv,
    ("ranking", "pdf"): ranking_pdf,
    ("publication", "pdf"): publication_pdf,
}


def export_file(session: Session, *, run: RankingRun, which: str, fmt: str, by: User | None) -> bytes:
    """The `which` list of `run` as a `fmt` file (a key of FILES), with its audit event."""
    data = FILES[(which, fmt)](session, run=run)
    audit.record(
        session, action="export", by=by, target=run, round_id=run.round_id, details={"list": which, "format": fmt}
    )
    return data


__all__ = [
    "FILES",
    "ExportError",
    "city_results_csv",
    "export_file",
    "publication_pdf",
    "ranking_csv",
    "ranking_pdf",
    "ranking_xlsx",
]
