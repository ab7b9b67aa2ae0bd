"""The expert's workspace: their own assignments only.

Every sheet URL is checked against the logged-in expert (`_own_sheet`): another expert's sheet, or an
application not assigned to them, is a 404 for GET and POST alike.
"""

import io

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import current_actor, guard, require_owner
from ..db import get_session
from ..hardening import local_target
from ..models import Role, ScoreSheet
from ..services.compliance import privacy
from ..services.intake.self_evaluation_pdf import for_application as self_evaluation_document
from ..services.platform import storage
from ..services.platform.localtime import local_time
from ..services.review import declarations, materials, overview, pool, sheets, workspace
from ..web import attempt
from .forms import DeclarationForm, ExpertiseForm, PledgeForm, SubmitSheetForm, posted_version, read_sheet_post

bp = Blueprint("expert", __name__, url_prefix="/expert", template_folder="templates")
guard(bp, roles={Role.EXPERT})


def _own_sheet(sheet_id: int) -> ScoreSheet:
    sheet = workspace.sheet_for_expert(get_session(), sheet_id=sheet_id, expert_id=current_user.expert_id)
    require_owner(sheet is not None)
    return sheet


@bp.route("/")
def dashboard():
    return render_template("expert/dashboard.html", board=workspace.dashboard(get_session(), user=current_actor()))


@bp.route("/my-data", methods=["GET", "POST"])
def my_data():
    """What the system stores about me (个人信息保护法: the right to know), and my expertise, which I keep."""
    session = get_session()
    form = ExpertiseForm()
    if form.validate_on_submit():
        expert = pool.get_expert(session, current_user.expert_id)
        texts = {"research_areas": form.research_areas.data, "achievements": form.achievements.data,
                 "keywords": form.keywords.data}
        if attempt(lambda s: pool.update_expertise(s, expert=expert, texts=texts, by=current_actor())):
            flash(_("Your expertise has been saved."), "success")
            return redirect(url_for("expert.my_data"))
    data = privacy.my_data(session, user=current_actor())
    if request.method == "GET":
        form.fill(data.expert)
    return render_template("expert/my_data.html", data=data, form=form)


@bp.route("/rounds/<int:round_id>/pledge", methods=["GET", "POST"])
def pledge(round_id: int):
    session = get_session()
    review_round = workspace.expert_round(session, round_id=round_id, expert_id=current_user.expert_id)
    require_owner(review_round is not None)
    form = PledgeForm()
    if form.validate_on_submit():
        declarations.accept_pledge(
            session, review_round=review_round, expert_id=current_user.expert_id, by=current_actor()
        )
        session.commit()
        flash(_("Thank you. Your acceptance of the pledge has been recorded."), "success")
        return redirect(local_target(request.args.get("next")) or url_for("expert.dashboard"))
    return render_template("expert/pledge.html", review_round=review_round, form=form)


@bp.route("/sheets/<int:sheet_id>", methods=["GET", "POST"])
def sheet(sheet_id: int):
    session = get_session()
    own = _own_sheet(sheet_id)
    typed, errors, refused = None, {}, None
    if request.method == "POST":
        post = read_sheet_post(request.form)
        if post.version is None:
            flash(_("The form could not be read; please try again."), "error")
            return redirect(url_for("expert.sheet", sheet_id=sheet_id))
        typed = post.entries
        saved = attempt(lambda s: sheets.save(s, sheet=own, by=current_actor(), entries=typed, version=post.version))
        if not saved:
            refused, typed = typed, None
        else:
            outcome = saved.value
            errors = outcome.errors
            if errors:
                flash(_("Some entries were refused and not saved; the rest of the draft is saved."), "error")
            elif post.review:
                if outcome.ready:
                    return redirect(url_for("expert.confirm", sheet_id=sheet_id))
                flash(
                    _("The draft is saved, but it cannot be submitted yet: %(what)s", what="；".join(outcome.missing)),
                    "warning",
                )
            else:
                flash(_("Draft saved."), "success")
                return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    context = workspace.sheet_context(session, own)
    if context.needs_pledge:
        return redirect(
            url_for("expert.pledge", round_id=context.round.id, next=url_for("expert.sheet", sheet_id=sheet_id))
        )
    previous, following = overview.neighbours(session, own)
    shown = typed or _saved(context)
    return render_template(
        "expert/sheet.html",
        c=context,
        shown=shown,
        declaration_form=DeclarationForm(formdata=None) if context.needs_declaration else None,
        refused=refused,
        errors=errors,
        min_comment=sheets.MIN_COMMENT_LENGTH,
        points_field=sheets.points_field,
        materials=materials.materials(context.round, context.dossier),
        previous=previous,
        following=following,
    )


def _saved(context: workspace.SheetContext) -> sheets.Entries:
    """The sheet as saved, in the shape of what an expert types."""
    recommend = {True: "yes", False: "no"}.get(context.sheet.recommend, "")
    points = {k: sheets.format_points(v) for k, v in context.points.items()}
    return sheets.Entries(points=points, comment=context.sheet.comment, recommend=recommend)


@bp.route("/sheets/<int:sheet_id>/declare", methods=["POST"])
def declare(sheet_id: int):
    own = _own_sheet(sheet_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        for problems in form.errors.values():
            for problem in problems:
                flash(problem, "error")
        return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    conflict = form.declaration.data == "conflict"
    reason = form.reason.data or ""
    if not attempt(
        lambda s: declarations.declare(s, sheet=own, by=current_actor(), conflict=conflict, reason=reason)
    ):
        return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    if conflict:
        flash(
            _("You have withdrawn from this application. The provincial centre will assign another expert."), "success"
        )
        return redirect(url_for("expert.dashboard"))
    return redirect(url_for("expert.sheet", sheet_id=sheet_id))


@bp.route("/sheets/<int:sheet_id>/autosave", methods=["POST"])
def autosave(sheet_id: int):
    """The same save as the form's, for the page's script: JSON in the answer, 409 when stale."""
    own = _own_sheet(sheet_id)
    post = read_sheet_post(request.form)
    if post.version is None:
        return jsonify(status="refused", message=_("The form could not be read; please reload the page.")), 400
    saved = attempt(
        lambda s: sheets.save(s, sheet=own, by=current_actor(), entries=post.entries, version=post.version), quiet=True
    )
    if isinstance(saved.error, sheets.StaleSheet):
        message = _(
            "This sheet was saved later in another window or on another device. Automatic saving has stopped: "
            "copy what you typed here, then reload the page to see the latest version."
        )
        return jsonify(status="stale", message=message, version=own.version), 409
    if not saved:
        return jsonify(status="refused", message=str(saved.error)), 423
    outcome = saved.value
    return jsonify(
        status="saved",
        version=outcome.sheet.version,
        saved_at=local_time(outcome.sheet.saved_at),
        total=sheets.format_points(outcome.sheet.total),
        errors=outcome.errors,
        message=_("Draft saved automatically at %(when)s.", when=local_time(outcome.sheet.saved_at))
        if not outcome.errors
        else _("Saved, except the entries marked in red, which were refused."),
    )


@bp.route("/sheets/<int:sheet_id>/confirm")
def confirm(sheet_id: int):
    session = get_session()
    context = workspace.sheet_context(session, _own_sheet(sheet_id))
    if context.blocked or context.needs_pledge or context.needs_declaration:
        return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    form = SubmitSheetForm(formdata=None, version=context.sheet.version)
    doubts = sheets.doubts(context.criteria, context.points, context.sheet.recommend)
    return render_template("expert/confirm.html", c=context, form=form, missing=context.missing, doubts=doubts)


@bp.route("/sheets/<int:sheet_id>/submit", methods=["POST"])
def submit(sheet_id: int):
    own = _own_sheet(sheet_id)
    version = posted_version(request.form)
    if version is None:
        flash(_("The form could not be read; please try again."), "error")
        return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    submitted = attempt(lambda s: sheets.submit(s, sheet=own, by=current_actor(), version=version))
    if not submitted:
        return redirect(url_for("expert.sheet", sheet_id=sheet_id))
    if submitted.value:
        flash(_("The sheet is submitted and locked. Thank you."), "success")
    else:
        flash(_("This sheet had already been submitted; nothing was changed."), "info")
    return redirect(url_for("expert.sheet", sheet_id=sheet_id))


@bp.route("/sheets/<int:sheet_id>/files/<int:attachment_id>")
def attachment(sheet_id: int, attachment_id: int):
    session = get_session()
    own = _own_sheet(sheet_id)
    found = workspace.attachment_for_expert(session, sheet=own, attachment_id=attachment_id)
    require_owner(found is not None)
    try:
        path = storage.store_for(current_app.config).path(found.sha256)
    except FileNotFoundError:
        require_owner(False)
    materials.record_read(session, sheet=own, attachment=found, by=current_actor())
    session.commit()
    response = send_file(path, mimetype="application/pdf", as_attachment=False, download_name=found.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/sheets/<int:sheet_id>/self-evaluation.pdf")
def self_evaluation_pdf(sheet_id: int):
    """An annual report's structured self-evaluation as a PDF, for its expert once declared (audited)."""
    session = get_session()
    own = _own_sheet(sheet_id)
    context = workspace.sheet_context(session, own)
    require_owner(not context.needs_pledge and not context.needs_declaration and not context.withdrawn
                  and context.application.consortium_id is not None)
    made = attempt(lambda s: self_evaluation_document(s, context.application))
    require_owner(bool(made))
    materials.record_report_read(session, sheet=own, code=context.application.code, by=current_actor())
    session.commit()
    name, data = made.value
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False, download_name=name)


@bp.route("/sheets/<int:sheet_id>/materials.zip")
def materials_zip(sheet_id: int):
    """All the application's documents in one zip, for an expert who may read them (audited)."""
    session = get_session()
    own = _own_sheet(sheet_id)
    context = workspace.sheet_context(session, own)
    require_owner(not context.needs_pledge and not context.needs_declaration and not context.withdrawn)
    bundled = materials.bundle(
        session,
        sheet=own,
        found=materials.materials(context.round, context.dossier),
        code=context.application.code,
        store=storage.store_for(current_app.config),
        by=current_actor(),
    )
    require_owner(bundled is not None)
    session.commit()
    name, data = bundled
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/rounds/<int:round_id>/overview")
def round_overview(round_id: int):
    """My sheets of the round side by side, per criterion."""
    board = overview.round_overview(get_session(), round_id=round_id, expert_id=current_user.expert_id)
    require_owner(board is not None)
    return render_template("expert/overview.html", board=board)


@bp.route("/sheets/<int:sheet_id>/print")
def print_sheet(sheet_id: int):
    """One sheet as it is saved, to print and sign."""
    context = workspace.sheet_context(get_session(), _own_sheet(sheet_id))
    require_owner(not context.needs_pledge and not context.needs_declaration)
    return render_template("expert/print.html", c=context)

