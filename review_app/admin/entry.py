"""The centre's entry screens: the round's controlled list of technical fields; at the formal check,
sending an application back for correction and correcting its field or a member unit's data (each with
a reason, audited, the check run again). Registered on the console's blueprint (admin.blueprint.bp)."""

import io

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import Application, ApplicationMember
from ..services.check import corrections, sendback
from ..services.intake import fields, notice, recommendations
from ..services.intake.organisations import STANDING
from ..services.platform import storage
from ..services.platform.localtime import to_utc
from ..services.review import pool_template as pool_template_service
from ..web import attempt
from .blueprint import bp
from .entry_forms import FieldCorrectionForm, FieldListForm, MemberCorrectionForm, SendBackForm
from .intake import XLSX
from .lookups import round_or_404

LEGAL_TEXT = {True: notice.LEGAL_YES, False: notice.LEGAL_NO}


@bp.route("/rounds/<int:round_id>/fields", methods=["GET", "POST"])
def round_fields(round_id: int):
    review_round = round_or_404(round_id)
    form = FieldListForm()
    if request.method == "GET":
        form.fields.data = "\n".join(fields.round_fields(review_round))
    elif form.validate_on_submit():
        if attempt(lambda s: fields.set_round_fields(s, review_round=review_round, text=form.fields.data,
                                                     by=current_actor())):
            flash(_("The list of technical fields is saved."), "success")
            return redirect(url_for("admin.round_detail", round_id=round_id))
    return render_template(
        "admin/round_fields.html", form=form, round=review_round, default=fields.DEFAULT_FIELDS,
        emerging=fields.EMERGING_FIELDS, future=fields.FUTURE_FIELDS,
    )


def correction_forms(page) -> dict:
    """The forms the centre's application page offers at the check (send back, correct the field)."""
    field_form = FieldCorrectionForm()
    field_form.field.choices = list(fields.round_fields(page.round))
    if not field_form.is_submitted():
        field_form.field.data = page.application.field
    return {"send_back_form": SendBackForm(), "field_form": field_form}


def _back(application_id: int):
    return redirect(url_for("admin.application_detail", application_id=application_id))


@bp.route("/applications/<int:application_id>/send-back", methods=["POST"])
def send_back(application_id: int):
    form = SendBackForm()
    if not form.validate_on_submit():
        flash(_("Write what the city must correct and set the correction deadline."), "error")
    elif attempt(lambda s: sendback.send_back(s, application_id=application_id, reasons=form.reasons.data,
                                              deadline=to_utc(form.deadline.data), by=current_actor())):
        flash(_("The application is sent back to its city for correction; the city is told."), "success")
    return _back(application_id)


@bp.route("/applications/<int:application_id>/correct-field", methods=["POST"])
def correct_field(application_id: int):
    application = get_session().get(Application, application_id)
    require_owner(application is not None)
    form = FieldCorrectionForm()
    form.field.choices = list(fields.round_fields(round_or_404(application.round_id)))
    if not form.validate_on_submit():
        flash(_("Choose the field from the list and write the reason for the correction (at least %(n)d "
                "characters).", n=4), "error")
    elif attempt(lambda s: corrections.correct_field(s, application_id=application_id, field=form.field.data,
                                                     reason=form.reason.data, by=current_actor())):
        flash(_("The field is corrected and the formal check has run again."), "success")
    return _back(application_id)


@bp.route("/members/<int:member_id>/correct", methods=["GET", "POST"])
def correct_member(member_id: int):
    member = get_session().get(ApplicationMember, member_id)
    require_owner(member is not None)
    form = MemberCorrectionForm()
    if request.method == "GET":
        form.name.data, form.unit_type.data = member.name, member.unit_type
        form.is_legal_person.data = LEGAL_TEXT.get(member.is_legal_person, "")
        form.qualification.data = member.qualification
        form.credit_standing.data = next(k for k, v in STANDING.items() if v == member.credit_standing)
    elif form.validate_on_submit():
        values = corrections.MemberCorrection(
            name=form.name.data,
            unit_type=form.unit_type.data,
            is_legal_person=notice.LEGAL_ANSWERS.get(form.is_legal_person.data),
            qualification=form.qualification.data or "",
            credit_standing=form.credit_standing.data,
        )
        if attempt(lambda s: corrections.correct_member(s, member_id=member_id, values=values,
                                                        reason=form.reason.data, by=current_actor())):
            flash(_("The member unit is corrected and the formal check has run again."), "success")
            return _back(member.application_id)
    return render_template("admin/member_correct.html", form=form, member=member)


@bp.route("/rounds/<int:round_id>/recommendations")
def round_recommendations(round_id: int):
    """Each city's recommendations in its order, and its stamped summary."""
    review_round = round_or_404(round_id)
    cities = recommendations.round_recommendations(get_session(), review_round=review_round)
    return render_template("admin/recommendations.html", round=review_round, cities=cities)


@bp.route("/rounds/<int:round_id>/recommendations/<int:city_id>/scan.pdf")
def recommendations_scan(round_id: int, city_id: int):
    review_round = round_or_404(round_id)
    found = recommendations.city_recommendations(get_session(), review_round=review_round, city_id=city_id)
    require_owner(found.summary is not None)
    path = storage.store_for(current_app.config).path(found.summary.sha256)
    return send_file(path, mimetype="application/pdf", download_name=found.summary.filename, as_attachment=True)


@bp.route("/experts/template.xlsx")
def pool_template():
    """The expert pool's import template, beside the applications template."""
    data = pool_template_service.template_workbook(sorted(fields.known_fields(get_session())))
    return send_file(io.BytesIO(data), mimetype=XLSX, download_name="评审专家库导入模板.xlsx", as_attachment=True)
