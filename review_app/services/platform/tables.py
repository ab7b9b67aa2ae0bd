"""The one reader of tabular files that the imports share (applications, the expert pool).

A file is an .xlsx workbook (looked into for zip bombs before openpyxl opens it) or a CSV file (UTF-8
with or without a byte order mark, else GB18030, a superset of GBK as Chinese offices save it; comma or
tab separated). Its header row is matched to the import's columns leniently (spaces, full-width
brackets and letter case do not matter; English aliases are accepted), and each row comes back as text
by column key, numbered as in the spreadsheet; rows with every column empty are skipped.

Whatever is wrong is a `RowProblem` naming sheet, row, column and reason in Chinese; an import that
found any raises `ImportRejected` with all of them, so the user corrects the file in one go. Which
columns, enumerations and row rules apply stays with each import.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..errors import ServiceError
from . import workbooks

WORKBOOK, CSV = "xlsx", "csv"


@dataclass(frozen=True)
class Column:
    header: str  # as the template writes it
    key: str  # how the import names the value
    required: bool = False  # the cell must be filled (the import checks it; the template marks it)
    aliases: tuple[str, ...] = ()  # other headers accepted for it
    max_length: int | None = None  # the longest text the import accepts
    may_be_absent: bool = False  # the header row may leave the column out (its values are then empty)


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a file: where (sheet, spreadsheet row, column; row 0 for the file or sheet
    as a whole) and why, in Chinese."""

    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("sheet %(sheet)s, row %(row)d", sheet=self.sheet, row=self.row) if self.row else self.sheet
        return f"{where}{'，' + self.column if self.column else ''}：{self.reason}"


class ImportRejected(ServiceError):
    """The import changed nothing; `problems` names everything wrong with the file(s)."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(_("Nothing was imported: %(n)d problem(s) found.", n=len(problems)))


@dataclass
class Table:
    name: str  # the sheet as the import knows it
    label: str  # how problems name it (the sheet, or a CSV file and its sheet)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (spreadsheet row, text by key)
    absent: frozenset[str] = frozenset()  # keys of the columns the header row left out (may_be_absent)
    columns: tuple[Column, ...] = ()  # the import's columns the sheet was read under


# Files into grids of cells -----------------------------------------------------------------------


def list_text(text: str) -> str:
    """A list typed in one cell or field (keywords: separated by ';', '；', '、' or commas) as stored:
    separated by ';', each item once."""
    return ";".join(dict.fromkeys(k.strip() for k in re.split(r"[;；、,，]", text) if k.strip()))


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_grids(
    filename: str,
    data: bytes,
    titles: Mapping[str, str],
    problems: list[RowProblem],
    *,
    label: str,
    required: str,
    max_unpacked_bytes: int = workbooks.MAX_UNPACKED_BYTES,
) -> tuple[str, dict[str, list[tuple]]]:
    """The file's kind (WORKBOOK or CSV) and its grids of cells: a workbook's sheets whose titles are in
    `titles` (lower-case title → the sheet's name; the sheet `required` must be there), or a CSV file's
    one grid under "". Problems with the file as a whole are named `label`."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        grids = _workbook_grids(data, titles, problems, label, max_unpacked_bytes)
        if grids is not None and required not in grids:
            problems.append(RowProblem(label, 0, "", _("the workbook has no sheet named %(name)s", name=required)))
        return WORKBOOK, grids or {}
    if filename.lower().endswith((".csv", ".txt")):
        return CSV, _csv_grid(data, problems, label)
    problems.append(RowProblem(label, 0, "", _("only .xlsx and .csv files can be imported")))
    return "", {}


def _workbook_grids(
    data: bytes, titles: Mapping[str, str], problems: list[RowProblem], label: str, max_unpacked_bytes: int
) -> dict | None:
    from openpyxl import load_workbook

    problem = workbooks.xlsx_problem(data, max_unpacked_bytes)
    if problem:
        problems.append(RowProblem(label, 0, "", problem))
        return None
    # In read-only mode the sheets' XML is parsed while the rows are read: a malformed sheet, an external
    # entity (XXE) or an entity bomb fails there (defusedxml refuses any DTD), so the reading is guarded too.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        problems.append(RowProblem(label, 0, "", _("the file cannot be read as an Excel workbook (.xlsx)")))
        return None
    try:
        grids = {}
        for sheet in workbook.worksheets:
            name = titles.get(sheet.title.strip().lower())
            if name is not None and name not in grids:
                grids[name] = list(sheet.iter_rows(values_only=True))
        return grids
    except Exception:  # the XML parsers' and openpyxl's many kinds, as above
        problems.append(RowProblem(label, 0, "", _("the file cannot be read as an Excel workbook (.xlsx)")))
        return None
    finally:
        workbook.close()


def _csv_grid(data: bytes, problems: list[RowProblem], label: str) -> dict:
    try:
        text = decode_csv(data)
    except UnicodeDecodeError:
        problems.append(RowProblem(label, 0, "", _("the file is neither UTF-8 nor GBK/GB18030 text")))
        return {}
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return {"": [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]}


# Grids into tables -------------------------------------------------------------------------------


def header_name(text) -> str:
    """A header as compared: no spaces, half-width brackets and per cent, lower case."""
    text = str(text or "").strip().replace("（", "(").replace("）", ")").replace("％", "%")
    return "".join(text.split()).lower()


def cell_text(value) -> str:
    """A cell as text: Excel's whole numbers without a trailing .0 (phone numbers, codes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table(
    name: str, label: str, grid: list[tuple], columns: tuple[Column, ...], problems: list[RowProblem], max_rows: int
) -> Table | None:
    """The grid's rows under the columns of its header row; None when that cannot be done (an empty
    grid, a column missing from the header, more than `max_rows` rows)."""
    if not grid:
        problems.append(RowProblem(label, 0, "", _("the sheet is empty")))
        return None
    header = [header_name(h) for h in grid[0]]
    index = {}
    for column in columns:
        names = {header_name(column.header), *(header_name(a) for a in column.aliases)}
        found = next((i for i, h in enumerate(header) if h in names), None)
        if found is not None:
            index[column.key] = found
        elif not column.may_be_absent:
            problems.append(RowProblem(label, 1, column.header, _("the column is missing from the header row")))
    if any(c.key not in index and not c.may_be_absent for c in columns):
        return None
    result = Table(name, label, absent=frozenset(c.key for c in columns if c.key not in index), columns=columns)
    for number, raw in enumerate(grid[1:], start=2):
        values = {c.key: "" for c in columns}  # a short row, or a column left out, reads as empty cells
        values.update((key, cell_text(raw[i])) for key, i in index.items() if i < len(raw))
        if not any(values.values()):
            continue
        if len(result.rows) == max_rows:
            problems.append(RowProblem(label, number, "", _("more than %(n)d rows", n=max_rows)))
            return None
        result.rows.append((number, values))
    return result


def read_table(
    filename: str, data: bytes, columns: tuple[Column, ...], *, sheet: str, max_rows: int
) -> tuple[Table | None, list[RowProblem]]:
    """The one table of a file: the sheet named `sheet` of a workbook, or a CSV file; every problem is
    named by the sheet."""
    problems: list[RowProblem] = []
    kind, grids = read_grids(filename, data, {sheet.lower(): sheet}, problems, label=sheet, required=sheet)
    grid = grids.get(sheet if kind == WORKBOOK else "")
    if grid is None:
        return None, problems
    return table(sheet, sheet, grid, columns, problems, max_rows), problems
