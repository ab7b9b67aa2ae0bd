"""The centre's intake screens: the round's applications, one application, its PDFs, the Excel template
and the import. Registered on the console's blueprint (admin.blueprint.bp)."""

import io

from flask import current_app, flash, render_template, request, send_file
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..hardening import db_int, takes_files
from ..models import Application
from ..services.intake import attachments, centre, fields, importer, template
from ..services.intake.self_evaluation_pdf import for_application as self_evaluation_document
from ..services.platform import storage
from ..web import attempt, page_number
from . import entry
from .blueprint import bp
from .lookups import round_or_404
from .round_forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/rounds/<int:round_id>/applications")
def round_applications(round_id: int):
    city = request.args.get("city", type=db_int)
    text = request.args.get("q", "").strip()[:64]
    listing = centre.round_listing(get_session(), round_id=round_id, city_id=city, text=text, number=page_number())
    require_owner(listing is not None)
    return render_template("admin/applications.html", listing=listing, city=city, text=text)


@bp.route("/applications/<int:application_id>")
def application_detail(application_id: int):
    page = centre.view_by_id(get_session(), application_id=application_id)
    require_owner(page is not None)
    return render_template("admin/application.html", page=page, **entry.correction_forms(page))


@bp.route("/applications/<int:application_id>/self-evaluation.pdf")
def self_evaluation_pdf(application_id: int):
    """An annual report's structured self-evaluation as a PDF (generated from what its city filed)."""
    application = get_session().get(Application, application_id)
    require_owner(application is not None and application.consortium_id is not None)
    made = attempt(lambda s: self_evaluation_document(s, application))
    require_owner(bool(made))
    name, data = made.value
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name)


@bp.route("/attachments/<int:attachment_id>")
def attachment_download(attachment_id: int):
    attachment = attachments.attachment_for(get_session(), attachment_id=attachment_id, city_id=None)
    require_owner(attachment is not None)
    path = storage.store_for(current_app.config).path(attachment.sha256)
    return send_file(path, mimetype="application/pdf", download_name=attachment.filename, as_attachment=True)


@bp.route("/import-template.xlsx")
def import_template():
    """The applications template; `?round=ID`: its 技术领域 dropdown offers that round's list."""
    round_id = request.args.get("round", type=db_int)
    review_round = round_or_404(round_id) if round_id else None
    tech_fields = fields.round_fields(review_round) if review_round else fields.DEFAULT_FIELDS
    data = template.template_workbook(tech_fields)
    return send_file(io.BytesIO(data), mimetype=XLSX, download_name="创新联合体申报导入模板.xlsx", as_attachment=True)


@bp.route("/rounds/<int:round_id>/import", methods=["GET", "POST"])
@takes_files
def round_import(round_id: int):
    review_round = round_or_404(round_id)
    form = ImportForm()
    problems, result = [], None
    if form.validate_on_submit():
        files = [(f.filename or "upload", f.read()) for f in (form.file.data, form.second.data) if f]
        imported = attempt(
            lambda s: importer.import_files(s, review_round=review_round, files=files, by=current_actor())
        )
        if not imported:
            problems = getattr(imported.error, "problems", [])
        else:
            result = imported.value
            flash(
                _(
                    "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged application(s).",
                    created=result.applications_created,
                    updated=result.applications_updated,
                    unchanged=result.applications_unchanged,
                ),
                "success",
            )
    status = 400 if problems else 200
    page = render_template("admin/import.html", form=form, round=review_round, problems=problems, result=result)
    return page, status
