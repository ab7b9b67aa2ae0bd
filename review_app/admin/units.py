"""The centre's register of units (search, correct one entry) and its own 失信 list (import, read).
Registered on the console's blueprint (admin.blueprint.bp); auditors read both pages."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import Organisation
from ..services.intake import credit_list, register
from ..web import attempt
from .blueprint import bp
from .units_forms import CreditListForm, RegisterEntryForm


@bp.route("/units")
def units():
    query = request.args.get("q", "")
    rows = register.search(get_session(), query=query)
    return render_template("admin/units.html", rows=rows, query=query, page_size=register.PAGE_SIZE)


@bp.route("/units/<int:org_id>", methods=["GET", "POST"])
def unit(org_id: int):
    org = get_session().get(Organisation, org_id)
    require_owner(org is not None)
    form = RegisterEntryForm(obj=org)
    if form.validate_on_submit():
        data = register.EntryInput(
            form.name.data, form.kind.data, form.province.data, form.city.data, form.is_legal_person.data
        )
        saved = attempt(lambda s: register.update_entry(s, org_id=org_id, data=data, by=current_actor()))
        if saved:
            flash(_("Saved.") if saved.value else _("Nothing changed."), "success")
            return redirect(url_for("admin.unit", org_id=org_id))
    return render_template("admin/unit.html", org=org, form=form)


@bp.route("/credit-list", methods=["GET", "POST"])
def credit_list_page():
    form = CreditListForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        imported = attempt(
            lambda s: credit_list.import_list(s, filename=upload.filename or "", data=data, by=current_actor())
        )
        if not imported:
            problems = getattr(imported.error, "problems", [])
        else:
            result = imported.value
            flash(
                _(
                    "失信 list imported: %(added)d added, %(updated)d updated, %(removed)d removed, "
                    "%(unchanged)d unchanged.",
                    added=len(result.added),
                    updated=len(result.updated),
                    removed=len(result.removed),
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("admin.credit_list_page"))
    entries = credit_list.entries(get_session())
    page = render_template("admin/credit_list.html", form=form, problems=problems, entries=entries)
    return page, 400 if problems or form.errors else 200
