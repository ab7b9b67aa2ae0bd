"""The one CSV writer of every download and of the round archive: UTF-8 with a BOM (so that Excel opens the
Chinese text correctly) and every text cell neutralised, so that a value typed by a user ("=HYPERLINK(…)")
is never run as a formula by a spreadsheet.

The assignment instance files are not written here: their format belongs to the `assignment` library.
"""

import csv
import io
from collections.abc import Iterable, Sequence

# What Excel and LibreOffice read as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe.

    >>> neutralise("=1+1"), neutralise("-3 分"), neutralise("江苏"), neutralise(-3)
    ("'=1+1", "'-3 分", '江苏', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A CSV file (UTF-8 with BOM, CRLF line ends) of a header row and rows, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(value) for value in header])
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
