"""The one tabular reader: workbooks and CSV files (UTF-8 with or without BOM, GB18030, comma or tab),
lenient headers, rows as text by key, and every problem named by sheet, row and column."""

import io

import pytest
from openpyxl import Workbook

from review_app.services.platform.tables import (
    Column,
    ImportRejected,
    RowProblem,
    decode_csv,
    read_table,
)

COLUMNS = (
    Column("编号", "code", required=True, aliases=("code",)),
    Column("销售收入(亿元)", "revenue"),
    Column("备注", "note", may_be_absent=True),
)


def workbook(rows, title="表") -> bytes:
    book = Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_csv_text_is_utf8_with_or_without_bom_else_gb18030():
    assert decode_csv("编号".encode()) == decode_csv(b"\xef\xbb\xbf" + "编号".encode()) == "编号"
    assert decode_csv("编号".encode("gbk")) == "编号"


def test_a_workbook_sheet_reads_as_text_by_key(ctx):
    rows = [[" 编号 ", "销售收入（亿元）"], [2026.0, 12.5], [None, None], ["A2", None]]
    table, problems = read_table("x.xlsx", workbook(rows), COLUMNS, sheet="表", max_rows=10)
    assert problems == []
    assert table.rows == [
        (2, {"code": "2026", "revenue": "12.5", "note": ""}),
        (4, {"code": "A2", "revenue": "", "note": ""}),
    ]


def test_a_csv_may_be_tab_separated_and_use_the_aliases(ctx):
    data = "code\t销售收入(亿元)\t备注\nA1\t3\t注\n".encode("gb18030")
    table, problems = read_table("x.csv", data, COLUMNS, sheet="表", max_rows=10)
    assert problems == [] and table.rows == [(2, {"code": "A1", "revenue": "3", "note": "注"})]


def test_what_cannot_be_read_is_named(ctx):
    def problems(filename, data, max_rows=10):
        return read_table(filename, data, COLUMNS, sheet="表", max_rows=max_rows)[1]

    assert problems("x.pdf", b"%PDF-") == [RowProblem("表", 0, "", "只能导入 .xlsx 或 .csv 文件")]
    assert "没有名为“表”的表" in problems("x.xlsx", workbook([["编号"]], title="Sheet1"))[0].reason
    assert [(p.row, p.column) for p in problems("x.csv", "编号\nA1\n".encode())] == [(1, "销售收入(亿元)")]
    assert [p.row for p in problems("x.csv", b"\x80\xff")] == [0]
    assert [p.row for p in problems("x.csv", b"")] == [0]
    assert [p.row for p in problems("x.csv", "编号,销售收入(亿元)\n1,\n\n2,\n3,\n".encode(), max_rows=2)] == [5]


def test_a_problem_reads_in_chinese_and_the_rejection_counts_them(ctx):
    assert str(RowProblem("申请", 4, "编号", "必填项为空")) == "“申请”表第 4 行，编号：必填项为空"
    assert str(RowProblem("a.csv", 0, "", "表为空")) == "a.csv：表为空"
    assert str(ImportRejected([RowProblem("申请", 4, "", "x")] * 2)) == "未导入任何数据：发现 2 处错误。"
