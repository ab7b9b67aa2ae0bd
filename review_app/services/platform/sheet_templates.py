"""Import templates as the offices fill them in: an .xlsx workbook with one sheet per table (Chinese
headers, required columns marked, dropdowns for the enumerations, codes kept as text so that Excel keeps
long numbers as written) and a sheet of instructions. The applications template and the expert pool's
template are made here from their import's columns, so a template always has the columns its import reads.
"""

import io
from collections.abc import Mapping, Sequence

from .tables import Column

LISTS_SHEET = "下拉选项"  # the dropdowns' values (hidden): a list longer than Excel's 255 characters fits
LAST_ROW = 1000


def template_workbook(
    sheets: Mapping[str, Sequence[Column]],
    dropdowns: Mapping[str, Mapping[str, Sequence[str]]],
    text_columns: set[str],
    help_lines: Sequence[str],
    *,
    help_title: str = "填写说明",
    open_columns: Mapping[str, str] | None = None,
) -> bytes:
    """The workbook: `sheets` by name with their columns; `dropdowns[sheet][header]` the values offered
    (a value outside them is refused by Excel, unless the header is in `open_columns`, whose text ends the
    prompt); `text_columns` kept as text; the instructions sheet last."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    open_columns = open_columns or {}
    workbook = Workbook()
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B5CAB")
    required_fill = PatternFill("solid", fgColor="B03A2E")
    lists = None
    list_columns = 0
    for i, (name, columns) in enumerate(sheets.items()):
        sheet = workbook.active if i == 0 else workbook.create_sheet()
        sheet.title = name
        for col, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=col, value=column.header)
            cell.font, cell.fill = header_font, required_fill if column.required else header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
            if column.header in text_columns:
                for row in range(2, LAST_ROW + 1):
                    sheet.cell(row=row, column=col).number_format = "@"
            allowed = dropdowns.get(name, {}).get(column.header)
            if not allowed:
                continue
            if lists is None:
                lists = workbook.create_sheet(LISTS_SHEET)
                lists.sheet_state = "hidden"
            list_columns += 1
            list_letter = get_column_letter(list_columns)
            lists.cell(row=1, column=list_columns, value=column.header)
            for row, value in enumerate(allowed, start=2):
                lists.cell(row=row, column=list_columns, value=value)
            strict = column.header not in open_columns
            validation = DataValidation(
                type="list",
                formula1=f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(allowed) + 1}",
                allow_blank=not column.required,
                showErrorMessage=strict,
                errorTitle="输入有误",
                error="请从下拉列表中选择。",
                showInputMessage=True,
                promptTitle=column.header,
                prompt="请从下拉列表中选择" + open_columns.get(column.header, ""),
            )
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
        sheet.row_dimensions[1].height = 30
    help_sheet = workbook.create_sheet(help_title)
    help_sheet.column_dimensions["A"].width = 110
    lines = [*help_lines, "表头为红色的列为必填列；带下拉列表的列请从列表中选择。"]
    for row, line in enumerate(lines, start=1):
        help_sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True)
    help_sheet["A1"].font = Font(bold=True, size=14)
    if lists is not None:  # keep the hidden list sheet last, after the instructions
        workbook.move_sheet(lists, offset=len(workbook.sheetnames))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
