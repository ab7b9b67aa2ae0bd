"""Exports as office files: the ranking and the publication list (公示名单) as Excel, PDF and CSV.

One module per format (`xlsx`, `pdf`, `csv`) over the one read-model of the ranking in `report`; the
files are named here, so callers need not know which module makes which. Every text cell is neutralised,
so that a value typed by a user ("=HYPERLINK(…)") is never run as a formula by a spreadsheet.
"""

from .csv import city_results_csv, ranking_csv
from .pdf import publication_pdf, ranking_pdf
from .report import ExportError
from .xlsx import ranking_xlsx

__all__ = ["ExportError", "city_results_csv", "publication_pdf", "ranking_csv", "ranking_pdf", "ranking_xlsx"]
