"""The grade list of an annual evaluation as files for the 高新处 (Excel, PDF), and a city's own part of it.
The tables are the ranking exports' (`xlsx.table_sheet`, `pdf.table_pdf`); every file is audited."""

import io

from flask_babel import gettext as _
from sqlmodel import Session

from ....models import Round, User
from ...compliance import audit
from ...platform.localtime import local_time
from .. import grades
from ..labels import GRADE
from .pdf import table_pdf
from .xlsx import table_sheet

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header() -> list[str]:
    return [
        _("Rank"),
        _("Report no."),
        _("Consortium"),
        _("City"),
        _("Score"),
        _("Grade"),
        _("Grade by the rule"),
        _("Reason for the change"),
    ]


def _rows(grade_list: grades.GradeList) -> list[list]:
    return [
        [
            line.rank,
            line.code,
            line.title,
            line.city,
            round(line.score, 2),
            str(GRADE[line.grade]),
            str(GRADE[line.computed]),
            line.reason,
        ]
        for line in grade_list.lines
    ]


def _subtitle(grade_list: grades.GradeList) -> list[str]:
    counts = "，".join(f"{GRADE[g]} {n}" for g, n in grade_list.counts().items())
    state = (
        _("Published %(when)s", when=local_time(grade_list.rule.published_at))
        if grade_list.published
        else _("Draft: not published yet")
    )
    return [
        _("Rule: %(rule)s", rule=grades.rule_text(grade_list.rule)),
        _("%(n)d consortia: %(counts)s · %(state)s", n=len(grade_list.lines), counts=counts, state=state),
    ]


def grades_xlsx(grade_list: grades.GradeList) -> bytes:
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = table_sheet(workbook, _("Grades"), _header(), _rows(grade_list), first=True)
    sheet.insert_rows(1, amount=4)  # the title, two lines under it, a blank row
    sheet["A1"] = _("%(round)s: grades", round=grade_list.round.name)
    for offset, line in enumerate(_subtitle(grade_list), start=2):
        sheet.cell(row=offset, column=1, value=line)
    sheet.freeze_panes = "A6"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def grades_pdf(grade_list: grades.GradeList) -> bytes:
    widths = [36, 80, 190, 60, 50, 50, 60, 240]
    title = _("%(round)s: grades", round=grade_list.round.name)
    return table_pdf(title, _subtitle(grade_list), _header(), _rows(grade_list), widths)


MAKERS = {"xlsx": grades_xlsx, "pdf": grades_pdf}


def grades_file(
    session: Session, *, review_round: Round, fmt: str, by: User | None, city_id: int | None = None
) -> bytes | None:
    """The round's grade list as a `fmt` file (audited): the whole list for the centre, a city's own
    consortia with `city_id` (None until the grades are published, as for any outside reader)."""
    grade_list = grades.grade_list(session, review_round=review_round)
    if city_id is not None:
        if not grade_list.published:
            return None
        grade_list = grade_list.for_city(city_id)
    if grade_list.run is None:
        raise grades.GradeError(_("Approve the round's final ranking first: the grades are taken from it."))
    data = MAKERS[fmt](grade_list)
    details = {"list": "grades", "format": fmt, **({"city_id": city_id} if city_id is not None else {})}
    audit.record(session, action="export", by=by, target=review_round, round_id=review_round.id, details=details)
    return data
