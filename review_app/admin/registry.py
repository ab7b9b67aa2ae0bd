"""The consortium registry on the centre's console: the list (filters, search, pages), the import of the
registry template and the template itself, one consortium added or corrected with its members, and each
consortium's page with its history. Auditors read all of it (the console's readers)."""

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..city.forms import member_rows_changed
from ..db import get_session
from ..hardening import checks_lengths, db_int, takes_files
from ..services.intake import fields
from ..services.registry import consortia, importer, template, year_on_year
from ..web import attempt, page_number
from .blueprint import bp
from .intake import XLSX
from .registry_forms import ConsortiumForm, RegistryImportForm


@bp.route("/consortia", methods=["GET", "POST"])
@takes_files
def consortia_list():
    """The registry; a POST imports the registry template (all or nothing, every bad row listed)."""
    session = get_session()
    form, problems = RegistryImportForm(), []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        imported = attempt(lambda s: importer.import_file(s, filename=upload.filename or "", data=data,
                                                          by=current_actor()))
        if not imported:
            problems = getattr(imported.error, "problems", [])
        else:
            result = imported.value
            flash(_("Registry imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged consortia.",
                    created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
            return redirect(url_for("admin.consortia_list"))
    filters = consortia.ListFilters.from_query(request.args)
    city_id = request.args.get("city", type=db_int)
    page = consortia.listing(session, city_id=city_id, filters=filters, number=page_number())
    used_fields, years = consortia.choices(session)
    rendered = render_template("admin/consortia.html", page=page, form=form, problems=problems, filters=filters,
                               city_id=city_id, fields=used_fields, years=years, cities=consortia.cities(session))
    return rendered, 400 if problems or form.errors else 200


@bp.route("/consortia/template.xlsx")
def consortia_template():
    """The registry's import template, with every known technical field in its dropdown."""
    data = template.template_workbook(tuple(sorted(fields.known_fields(get_session()))))
    return send_file(io.BytesIO(data), mimetype=XLSX, download_name="创新联合体名录导入模板.xlsx", as_attachment=True)


@bp.route("/consortia/new", methods=["GET", "POST"])
@checks_lengths
def consortium_new():
    return _edit(None)


@bp.route("/consortia/<int:consortium_id>/edit", methods=["GET", "POST"])
@checks_lengths
def consortium_edit(consortium_id: int):
    return _edit(consortium_id)


def _edit(consortium_id: int | None):
    if g.get("read_only"):
        abort(403)  # a form that only changes the registry: the admin's (the auditor reads the consortium's page)
    session = get_session()
    consortium = consortia.of_city(session, consortium_id=consortium_id, city_id=None) if consortium_id else None
    require_owner(consortium_id is None or consortium is not None)
    form = ConsortiumForm()
    form.offer_fields(sorted(fields.known_fields(session)))
    if request.method == "GET" and consortium is not None:
        form.fill(consortia.snapshot(session, consortium), consortia.members_of(session, consortium.id))
    elif request.method == "POST" and not _rows_changed(form) and form.validate_on_submit():
        saved = attempt(lambda s: consortia.save(s, consortium_id=consortium_id, data=form.to_data(),
                                                 by=current_actor()))
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.consortium", consortium_id=saved.value.id))
    return render_template("admin/consortium_form.html", form=form, consortium=consortium)


def _rows_changed(form: ConsortiumForm) -> bool:
    return member_rows_changed(form, request.form.get("remove_member", type=int))


@bp.route("/consortia/<int:consortium_id>")
def consortium(consortium_id: int):
    session = get_session()
    found = consortia.of_city(session, consortium_id=consortium_id, city_id=None)
    require_owner(found is not None)
    return render_template("admin/consortium.html", page=consortia.page(session, found),
                           **year_on_year.page_parts(session, found))

