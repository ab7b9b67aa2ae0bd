"""Grades of an annual round: the rule, the list from the approved ranking, changes by hand with their
reasons, publication (发布等级), the changes since the previous year, and the files for the 高新处.
Registered on the console's blueprint (admin.blueprint.bp); the auditor reads all of it."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import RoundKind
from ..services.results import grade_changes, grades
from ..services.results.export import grades as grade_files
from ..web import attempt
from .blueprint import bp
from .grades_forms import GradeChangeForm, GradeRuleForm
from .lookups import round_or_404
from .results import MIMETYPES


def _annual_round(round_id: int):
    review_round = round_or_404(round_id)
    require_owner(review_round.kind == RoundKind.ANNUAL_EVALUATION)
    return review_round


@bp.route("/rounds/<int:round_id>/grades")
def grades_page(round_id: int):
    review_round = _annual_round(round_id)
    session = get_session()
    grade_list = grades.grade_list(session, review_round=review_round)
    rule = grade_list.rule
    return render_template(
        "admin/grades.html",
        round=review_round,
        grades=grade_list,
        rule_text=grades.rule_text(rule),
        changes=grade_changes.round_changes(session, grade_list=grade_list),
        rule_form=GradeRuleForm(obj=rule),
        change_form=GradeChangeForm(),
    )


@bp.route("/rounds/<int:round_id>/grades/rule", methods=["POST"])
def grades_rule(round_id: int):
    review_round = _annual_round(round_id)
    form = GradeRuleForm()
    if not form.validate_on_submit():
        flash(_("The rule was not saved: the thresholds are points from 0 to 100, the share a percentage."), "error")
    elif attempt(
        lambda s: grades.save_rule(
            s,
            review_round=review_round,
            method=form.method.data,
            excellent_min=float(form.excellent_min.data),
            good_min=float(form.good_min.data),
            pass_min=float(form.pass_min.data),
            excellent_share=form.excellent_share.data,
            by=current_actor(),
        )
    ):
        flash(_("The grading rule is saved; the grades follow it."), "success")
    return redirect(url_for("admin.grades_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/grades/<int:application_id>/change", methods=["POST"])
def grades_change(round_id: int, application_id: int):
    review_round = _annual_round(round_id)
    form = GradeChangeForm()
    if not form.validate_on_submit():
        flash(_("A reason is required to change a grade by hand."), "error")
    elif attempt(
        lambda s: grades.change_grade(
            s,
            review_round=review_round,
            application_id=application_id,
            grade=form.grade.data,
            reason=form.reason.data,
            by=current_actor(),
        )
    ):
        flash(_("The grade is changed and the reason recorded."), "success")
    return redirect(url_for("admin.grades_page", round_id=round_id, _anchor="grades"))


@bp.route("/rounds/<int:round_id>/grades/publish", methods=["POST"])
def grades_publish(round_id: int):
    review_round = _annual_round(round_id)
    if attempt(lambda s: grades.publish(s, review_round=review_round, by=current_actor())):
        flash(_("The grades are published; they can no longer change."), "success")
    return redirect(url_for("admin.grades_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/grades.<fmt>")
def grades_export(round_id: int, fmt: str):
    """The grade list for the 高新处 (the draft is marked as such until the grades are published)."""
    review_round = _annual_round(round_id)
    require_owner(fmt in grade_files.MAKERS)
    made = attempt(lambda s: grade_files.grades_file(s, review_round=review_round, fmt=fmt, by=current_actor()))
    if not made:
        return redirect(url_for("admin.grades_page", round_id=round_id))
    return download(made.value, fmt, f"round{round_id}-grades.{fmt}")


def download(data: bytes, fmt: str, filename: str) -> Response:
    return Response(
        data, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
