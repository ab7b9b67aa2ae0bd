"""The city science bureau's portal: its own city only.

Every view loads the application through `access.for_city`, which answers None for another
city's application: GET and POST alike then get a 404, so ids reveal nothing.
"""

import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import current_actor, guard, require_owner
from ..db import get_session
from ..hardening import checks_lengths, takes_files
from ..models import AttachmentKind, Role, Round, RoundKind
from ..services.check import sendback
from ..services.compliance import audit
from ..services.decision import documents, outcomes, publicity
from ..services.intake import access, annual, applications, attachments, fields, recommendations, self_evaluation
from ..services.intake.self_evaluation_pdf import for_application as self_evaluation_document
from ..services.platform import storage
from ..services.results import grades, publication
from ..services.results.export import grades as grade_files
from ..web import attempt
from .forms import ApplicationForm, OpinionForm, member_rows_changed
from .report_forms import SelfEvaluationForm

bp = Blueprint("city", __name__, url_prefix="/city", template_folder="templates")
guard(bp, roles={Role.CITY})


def _own(application_id: int):
    application = access.for_city(get_session(), application_id=application_id, city_id=current_user.city_id)
    require_owner(application is not None)
    return application


def _act(action, success: str, application_id: int):
    """Run one service call that changes an application; commit, or roll back and say why."""
    if attempt(action):
        flash(success, "success")
    return redirect(url_for("city.application", application_id=application_id))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    return render_template("error.html", code=413, title=_("The file is too large.")), 413


@bp.route("/")
def dashboard():
    session = get_session()
    city, rounds = applications.city_rounds(session, city_id=current_user.city_id)
    return render_template("city/dashboard.html", city=city, rounds=rounds,
                           outcomes=outcomes.for_city(session, rounds), graded=grades.published_round_ids(session))


def _rows_changed(form: ApplicationForm) -> bool:
    return member_rows_changed(form, request.form.get("remove_member", type=int))


@bp.route("/rounds/<int:round_id>/applications/new", methods=["GET", "POST"])
@checks_lengths
def new_application(round_id: int):
    review_round = access.round_for_city(get_session(), round_id=round_id)
    require_owner(review_round is not None)
    form = ApplicationForm()
    form.offer_fields(fields.round_fields(review_round))
    if request.method == "POST" and not _rows_changed(form) and form.validate_on_submit():
        created = attempt(
            lambda s: applications.create(
                s, review_round=review_round, city_id=current_user.city_id, data=form.to_input(), by=current_actor()
            )
        )
        if created:
            application = created.value
            flash(_("Draft saved as %(code)s. Upload the PDFs, then submit.", code=application.code), "success")
            return redirect(url_for("city.application", application_id=application.id))
    return render_template("city/application_form.html", form=form, round=review_round, application=None)


@bp.route("/rounds/<int:round_id>/consortia/<int:consortium_id>/report", methods=["POST"])
def annual_report(round_id: int, consortium_id: int):
    """Open (on first use) the annual self-evaluation report of one of the city's consortia."""
    review_round = access.round_for_city(get_session(), round_id=round_id)
    require_owner(review_round is not None)
    opened = attempt(
        lambda s: annual.annual_report(
            s, review_round=review_round, consortium_id=consortium_id, city_id=current_user.city_id, by=current_actor()
        )
    )
    if not opened:
        return redirect(url_for("city.dashboard"))
    require_owner(opened.value is not None)
    return redirect(url_for("city.application", application_id=opened.value.id))


@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    page = applications.view(get_session(), _own(application_id))
    opinion = OpinionForm(data={"necessity": page.application.necessity, "feasibility": page.application.feasibility})
    return _application_page(page, opinion)


def _application_page(page, opinion_form: OpinionForm):
    report_gaps = self_evaluation.gaps(page.self_evaluation).messages() if page.application.consortium_id else []
    return render_template("city/application.html", page=page, opinion_form=opinion_form, upload_forms=True,
                           max_mb=_max_bytes() // (1024 * 1024), report_gaps=report_gaps)


@bp.route("/applications/<int:application_id>/self-evaluation", methods=["GET", "POST"])
@checks_lengths
def self_evaluation_form(application_id: int):
    """An annual report's six parts and key indicators; a draft may be saved incomplete."""
    page = applications.view(get_session(), _own(application_id))
    require_owner(page.application.consortium_id is not None)
    form = SelfEvaluationForm()
    if request.method == "GET":
        form.fill(page.self_evaluation)
    elif form.validate_on_submit():
        if attempt(lambda s: self_evaluation.save(s, application=page.application, data=form.to_input(),
                                                  by=current_actor())):
            flash(_("The self-evaluation is saved."), "success")
            return redirect(url_for("city.application", application_id=application_id))
    else:
        flash(_("The self-evaluation could not be saved: correct the entries marked below."), "error")
    return render_template("city/self_evaluation.html", form=form, page=page,
                           min_chars=self_evaluation.MIN_SECTION_CHARS)


@bp.route("/applications/<int:application_id>/self-evaluation.pdf")
def self_evaluation_pdf(application_id: int):
    """The structured self-evaluation as a PDF, as the centre and the experts read it."""
    application = _own(application_id)
    made = attempt(lambda s: self_evaluation_document(s, application))
    if not made:
        return redirect(url_for("city.application", application_id=application_id))
    name, data = made.value
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@checks_lengths
def edit_application(application_id: int):
    page = applications.view(get_session(), _own(application_id))
    form = ApplicationForm()
    form.offer_fields(fields.round_fields(page.round))
    if request.method == "GET":
        form.fill(page)
    elif not _rows_changed(form) and form.validate_on_submit():
        if attempt(lambda s: applications.update(s, application=page.application, data=form.to_input(),
                                                  by=current_actor())):
            flash(_("Saved."), "success")
            return redirect(url_for("city.application", application_id=application_id))
    return render_template("city/application_form.html", form=form, round=page.round, application=page.application)


@bp.route("/applications/<int:application_id>/opinion", methods=["POST"])
@checks_lengths
def opinion(application_id: int):
    application = _own(application_id)
    form = OpinionForm()
    if not form.validate_on_submit():
        # The page again with what was typed and the error on its field: a redirect would lose the text.
        flash(_("The opinion could not be saved."), "error")
        return _application_page(applications.view(get_session(), application), form)
    return _act(
        lambda s: applications.update_opinion(
            s,
            application=application,
            necessity=form.necessity.data,
            feasibility=form.feasibility.data,
            by=current_actor(),
        ),
        _("The opinion is saved."),
        application_id,
    )


@bp.route("/applications/<int:application_id>/upload", methods=["POST"])
@takes_files
def upload(application_id: int):
    application = _own(application_id)
    upload_file = request.files.get("file")
    kind = request.form.get("kind", "")
    if upload_file is None or not upload_file.filename or kind not in set(AttachmentKind):
        flash(_("Choose a PDF file to upload."), "error")
        return redirect(url_for("city.application", application_id=application_id))
    max_bytes = _max_bytes()
    data = upload_file.stream.read(max_bytes + 1)
    return _act(
        lambda s: attachments.add_attachment(
            s,
            application=application,
            kind=AttachmentKind(kind),
            filename=upload_file.filename,
            data=data,
            store=storage.store_for(current_app.config),
            max_bytes=max_bytes,
            by=current_actor(),
        ),
        _("The file %(name)s is uploaded.", name=attachments.clean_filename(upload_file.filename)),
        application_id,
    )


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
def submit(application_id: int):
    application = _own(application_id)
    return _act(
        lambda s: applications.submit(s, application=application, by=current_actor()),
        _("Submitted to the provincial centre."),
        application_id,
    )


@bp.route("/applications/<int:application_id>/resubmit", methods=["POST"])
def resubmit(application_id: int):
    """The city sends an application the centre sent back, corrected; the formal check runs again."""
    application = _own(application_id)
    return _act(
        lambda s: sendback.resubmit(s, application=application, by=current_actor()),
        _("Resubmitted to the provincial centre; the formal check has run again."),
        application_id,
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
def withdraw(application_id: int):
    application = _own(application_id)
    return _act(
        lambda s: applications.withdraw(s, application=application, by=current_actor()),
        _("The submission is withdrawn; the application is a draft again."),
        application_id,
    )


@bp.route("/applications/<int:application_id>/delete", methods=["POST"])
def delete(application_id: int):
    application = _own(application_id)
    if not attempt(lambda s: applications.delete_draft(s, application=application, by=current_actor())):
        return redirect(url_for("city.application", application_id=application_id))
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("city.dashboard"))


@bp.route("/attachments/<int:attachment_id>")
def attachment_download(attachment_id: int):
    attachment = attachments.attachment_for(get_session(), attachment_id=attachment_id, city_id=current_user.city_id)
    require_owner(attachment is not None)
    path = storage.store_for(current_app.config).path(attachment.sha256)
    return send_file(path, mimetype="application/pdf", download_name=attachment.filename, as_attachment=True)


@bp.route("/rounds/<int:round_id>/results.csv")
def results_csv(round_id: int):
    """Once the round is published: the city's own applications with rank, score and selection."""
    session = get_session()
    published = publication.city_results(session, round_id=round_id, city_id=current_user.city_id, by=current_actor())
    require_owner(published is not None)
    session.commit()
    review_round, data = published
    filename = f"round{review_round.id}-city-results.csv"
    return Response(
        data, mimetype="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/rounds/<int:round_id>/grades.<fmt>")
def grades_file(round_id: int, fmt: str):
    """Once an annual round's grades are published: the grades of the city's own consortia."""
    session = get_session()
    review_round = access.round_for_city(session, round_id=round_id)
    require_owner(review_round is not None and review_round.kind == RoundKind.ANNUAL_EVALUATION)
    require_owner(fmt in grade_files.MAKERS)
    data = grade_files.grades_file(
        session, review_round=review_round, fmt=fmt, by=current_actor(), city_id=current_user.city_id
    )
    require_owner(data is not None)
    session.commit()
    mimetype = "application/pdf" if fmt == "pdf" else grade_files.XLSX_MIMETYPE
    filename = f"round{review_round.id}-city-grades.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# The city's order of its recommendations and its stamped summary -----------------------------------


def _round(round_id: int):
    review_round = access.round_for_city(get_session(), round_id=round_id)
    require_owner(review_round is not None and review_round.kind == RoundKind.NEW_CONSORTIUM)
    return review_round


@bp.route("/rounds/<int:round_id>/recommendations", methods=["GET", "POST"])
def recommendations_page(round_id: int):
    """The city's recommendations in order (1..n), the summary to print and the stamped scan to upload."""
    review_round = _round(round_id)
    if request.method == "POST":
        places = {}
        for key, value in request.form.items():
            if key.startswith("place-"):
                try:
                    places[int(key[6:])] = int(value)
                except ValueError:
                    places[-1] = 0  # refused by the service with its message
        if attempt(lambda s: recommendations.set_order(s, review_round=review_round, city_id=current_user.city_id,
                                                       places=places, by=current_actor())):
            flash(_("The order is saved. Print the summary again, stamp it and upload the scan."), "success")
        return redirect(url_for("city.recommendations_page", round_id=round_id))
    found = recommendations.city_recommendations(get_session(), review_round=review_round,
                                                 city_id=current_user.city_id)
    return render_template("city/recommendations.html", found=found, editable=access.intake_open(review_round),
                           max_mb=_max_bytes() // (1024 * 1024))


@bp.route("/rounds/<int:round_id>/recommendations/summary.pdf")
def summary_pdf(round_id: int):
    review_round = _round(round_id)
    made = attempt(lambda s: recommendations.summary_pdf(s, review_round=review_round, city_id=current_user.city_id))
    if not made:
        return redirect(url_for("city.recommendations_page", round_id=round_id))
    return send_file(io.BytesIO(made.value), mimetype="application/pdf", as_attachment=True,
                     download_name=f"推荐汇总表_{review_round.year}_{review_round.id}.pdf")


@bp.route("/rounds/<int:round_id>/recommendations/scan", methods=["POST"])
@takes_files
def summary_scan(round_id: int):
    review_round = _round(round_id)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("Choose a PDF file to upload."), "error")
        return redirect(url_for("city.recommendations_page", round_id=round_id))
    data = upload_file.stream.read(_max_bytes() + 1)
    if attempt(lambda s: recommendations.upload_summary(
        s, review_round=review_round, city_id=current_user.city_id, filename=upload_file.filename, data=data,
        store=storage.store_for(current_app.config), max_bytes=_max_bytes(), by=current_actor(),
    )):
        flash(_("The stamped summary is uploaded: your city's submission of this round is complete."), "success")
    return redirect(url_for("city.recommendations_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/recommendations/scan.pdf")
def summary_scan_download(round_id: int):
    review_round = _round(round_id)
    found = recommendations.city_recommendations(get_session(), review_round=review_round,
                                                 city_id=current_user.city_id)
    require_owner(found.summary is not None)
    path = storage.store_for(current_app.config).path(found.summary.sha256)
    return send_file(path, mimetype="application/pdf", download_name=found.summary.filename, as_attachment=True)


def _max_bytes() -> int:
    return current_app.config.get("UPLOAD_MAX_BYTES", attachments.DEFAULT_MAX_UPLOAD_BYTES)


@bp.route("/rounds/<int:round_id>/publicity.pdf")
def publicity_pdf(round_id: int):
    """The public list (公示名单) of a round under notice or decided, as every city may read it."""
    session = get_session()
    review_round = session.get(Round, round_id)
    require_owner(review_round is not None and publicity.notice_of(session, round_id=round_id) is not None)
    data = documents.publicity_pdf(session, review_round=review_round)
    audit.record(session, action="export", by=current_actor(), target=review_round, round_id=round_id,
                 details={"list": "publicity", "format": "pdf"})
    session.commit()
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"round{round_id}-publicity.pdf",
                     as_attachment=True)
