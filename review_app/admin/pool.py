"""The centre's expert pool: import, add and edit experts, mark them inactive, conflicts per expert and
per application, and expert accounts with one-time activation links. Registered on admin.blueprint.bp."""


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..hardening import takes_files
from ..models import ConflictSource
from ..services.compliance import privacy
from ..services.platform.csvfiles import csv_bytes
from ..services.platform.localtime import local_time
from ..services.review import pool, pool_import
from ..services.review.activation import issue_activation, issue_missing_activations
from ..services.review.conflicts import all_conflicts, conflicts_of_application, record_conflict
from ..web import EmptyForm, attempt, page_number
from .blueprint import bp
from .pool_forms import ActiveForm, ConflictForm, ExpertForm, ImportExpertsForm

OPEN_FORM = "open"  # the expert page's Edit button posts this: open the form (which reveals the contact details)


def _link(token: str) -> str:
    """The link mailed to the expert: the token after "#" is never sent to (nor logged by) a server."""
    return url_for("auth.activate", _external=True) + "#" + token


@bp.route("/experts")
def experts():
    query = request.args.get("q", "")
    show = request.args.get("show", "active")
    session = get_session()
    rows = pool.pool(session, query=query, show=show, number=page_number())
    privacy.record_identity_view(session, by=current_actor(), what="expert pool", count=len(rows.items))
    session.commit()
    return render_template("admin/experts.html", rows=rows, query=query, show=show, import_form=ImportExpertsForm())


@bp.route("/experts/import", methods=["POST"])
@takes_files
def import_experts():
    session = get_session()
    form = ImportExpertsForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        filename, data = upload.filename or "", upload.read()
        imported = attempt(
            lambda s: pool_import.import_experts(s, filename=filename, data=data, by=current_actor())
        )
        if not imported:
            problems = getattr(imported.error, "problems", [])
        else:
            result = imported.value
            flash(
                _(
                    "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged expert(s).",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("admin.experts"))
    rows = pool.pool(session)
    return render_template(
        "admin/experts.html", rows=rows, query="", show="active", import_form=form, problems=problems
    ), (400 if problems or form.errors else 200)


@bp.route("/experts/new", methods=["GET", "POST"])
def new_expert():
    return _edit(None)


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
def edit_expert(expert_id: int):
    expert = pool.get_expert(get_session(), expert_id)
    require_owner(expert is not None)
    return _edit(expert)


def _edit(expert):
    session = get_session()
    form = ExpertForm()
    if not privacy.may_reveal(current_actor()):
        abort(403)  # the form holds the unmasked contact details: the admin's only
    if expert is not None and request.method == "GET":
        # Opening the form reveals the contact details (an audited write): only by the page's POST button,
        # so that a link from another site cannot make an admin's browser write reveal events.
        return redirect(url_for("admin.expert", expert_id=expert.id))
    if expert is not None and OPEN_FORM in request.form:
        if EmptyForm().validate_on_submit():
            detail = pool.expert_detail(session, expert=expert)
            form = ExpertForm(formdata=None, data=detail.form_data)
            privacy.reveal(session, expert=expert, by=current_actor())
            session.commit()
        return render_template("admin/expert_form.html", form=form, expert=expert)
    if form.validate_on_submit():
        values = {
            "专家编号": form.code.data,
            "姓名": form.name.data,
            "工作单位": form.org_name.data,
            "单位统一社会信用代码": form.org_credit_code.data,
            "所在城市": form.city.data,
            "专业领域": form.fields.data,
            "职称": form.title.data,
            "最大评审数": form.max_load.data,
            "手机": form.phone.data,
            "邮箱": form.email.data,
        }
        saved = attempt(
            lambda s: pool.save_expert(s, expert=expert, data=pool.expert_data_from(values), by=current_actor())
        )
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.expert", expert_id=saved.value.id))
    return render_template("admin/expert_form.html", form=form, expert=expert)


@bp.route("/experts/<int:expert_id>")
def expert(expert_id: int):
    session = get_session()
    found = pool.get_expert(session, expert_id)
    require_owner(found is not None)
    contact = privacy.contact(found)
    privacy.record_identity_view(session, by=current_actor(), experts=[found], what="expert")
    session.commit()
    return _expert_page(found, contact)


@bp.route("/experts/<int:expert_id>/reveal", methods=["POST"])
def reveal_contact(expert_id: int):
    """The full contact details, shown once and audited: a POST (with its CSRF token), never a link."""
    session = get_session()
    found = pool.get_expert(session, expert_id)
    require_owner(found is not None)
    if not privacy.may_reveal(current_actor()):
        abort(403)
    contact = privacy.reveal(session, expert=found, by=current_actor())
    session.commit()
    return _expert_page(found, contact)


def _expert_page(found, contact):
    session = get_session()
    return render_template(
        "admin/expert.html",
        contact=contact,
        detail=pool.expert_detail(session, expert=found),
        conflict_form=ConflictForm(formdata=None, source=ConflictSource.MANUAL.value),
        active_form=ActiveForm(formdata=None),
    )


@bp.route("/experts/<int:expert_id>/active", methods=["POST"])
def set_active(expert_id: int):
    session = get_session()
    found = pool.get_expert(session, expert_id)
    require_owner(found is not None)
    form = ActiveForm()
    if form.validate_on_submit():
        pool.set_active(session, expert=found, active=form.active.data, by=current_actor())
        session.commit()
        flash(
            _("The expert is back in the pool.") if form.active.data else _("The expert is marked inactive."), "success"
        )
    return redirect(url_for("admin.expert", expert_id=expert_id))


@bp.route("/experts/<int:expert_id>/conflicts", methods=["POST"])
def add_conflict(expert_id: int):
    session = get_session()
    found = pool.get_expert(session, expert_id)
    require_owner(found is not None)
    form = ConflictForm()
    if form.validate_on_submit():
        added = attempt(
            lambda s: record_conflict(
                s,
                expert=found,
                by=current_actor(),
                source=ConflictSource(form.source.data),
                reason=form.reason.data,
                application_code=form.application_code.data or "",
                org_credit_code=form.org_credit_code.data or "",
            )
        )
        if added:
            flash(_("Conflict recorded (%(n)d row(s)).", n=added.value), "success")
    else:
        flash(_("Please give the reason for the conflict."), "error")
    return redirect(url_for("admin.expert", expert_id=expert_id))


@bp.route("/experts/<int:expert_id>/activation", methods=["POST"])
def activation_link(expert_id: int):
    """Issue a one-time link and show it once (only its hash is kept)."""
    session = get_session()
    found = pool.get_expert(session, expert_id)
    require_owner(found is not None)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("admin.expert", expert_id=expert_id))
    issued = attempt(lambda s: issue_activation(s, expert=found, by=current_actor(), link_for=_link))
    if not issued:
        return redirect(url_for("admin.expert", expert_id=expert_id))
    return render_template("admin/activation.html", issued=[issued.value])


@bp.route("/experts/activations.csv", methods=["POST"])
def activation_links():
    """A new link for every expert without an activated account, as a table for mail merge or SMS."""
    session = get_session()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("admin.experts"))
    issued = issue_missing_activations(session, by=current_actor(), link_for=_link)
    session.commit()
    table = csv_bytes(
        ["专家编号", "姓名", "用户名", "手机", "邮箱", "激活链接", "有效期至", "已发邮件"],
        [
            (a.expert.code, a.expert.name, a.user.username, a.expert.phone or "", a.expert.email or "", a.link,
             local_time(a.expires_at), "是" if a.mailed else "否")
            for a in issued
        ],
    )
    return Response(
        table,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=activation-links.csv"},
    )


@bp.route("/conflicts")
def conflicts():
    code = request.args.get("application", "")
    return render_template(
        "admin/conflicts.html", rows=all_conflicts(get_session(), application_code=code), code=code
    )


@bp.route("/conflicts/applications/<int:application_id>")
def application_conflicts(application_id: int):
    found = conflicts_of_application(get_session(), application_id=application_id)
    require_owner(found is not None)
    return render_template("admin/application_conflicts.html", found=found)
