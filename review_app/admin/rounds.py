"""The centre's round screens: create a round, edit its settings and criteria sheet, move its stage.
Registered on the console's blueprint (admin.blueprint.bp)."""


from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import RoundKind, RoundStage
from ..services import rounds
from ..services.compliance import archive, archive_signing
from ..services.intake import fields
from ..services.platform import storage
from ..web import attempt
from .blueprint import bp
from .lookups import round_or_404
from .round_forms import CriteriaForm, RoundCreateForm, RoundSettingsForm, StageForm


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new():
    form = RoundCreateForm()
    if form.validate_on_submit():
        created = attempt(
            lambda s: rounds.create_round(
                s, name=form.name.data, kind=RoundKind(form.kind.data), year=form.year.data, by=current_actor()
            )
        )
        if created:
            flash(_("The round is created with the default criteria sheet; set its deadlines next."), "success")
            return redirect(url_for("admin.round_settings", round_id=created.value.id))
    return render_template("admin/round_new.html", form=form)


@bp.route("/rounds/<int:round_id>")
def round_detail(round_id: int):
    page = rounds.round_page(get_session(), round_id=round_id)
    require_owner(page is not None)
    return render_template(
        "admin/round.html", page=page, stage_form=StageForm(), tech_fields=fields.round_fields(page.round)
    )


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
def round_settings(round_id: int):
    review_round = round_or_404(round_id)
    form = RoundSettingsForm()
    if request.method == "GET":
        form.fill(review_round)
    elif form.validate_on_submit():
        changes = attempt(
            lambda s: rounds.update_settings(s, review_round=review_round, values=form.values(), by=current_actor())
        )
        if changes:
            flash(_("Saved: %(n)d setting(s) changed.", n=len(changes.value)), "success")
            return redirect(url_for("admin.round_detail", round_id=round_id))
    return render_template("admin/round_settings.html", form=form, round=review_round)


@bp.route("/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
def round_criteria(round_id: int):
    review_round = round_or_404(round_id)
    session = get_session()
    form = CriteriaForm()
    if request.method == "GET":
        for _i in range(len(form.rows)):
            form.rows.pop_entry()
        for criterion in rounds.criteria_of(session, review_round.id):
            form.rows.append_entry(
                {"title": criterion.title, "max_points": criterion.max_points, "descriptors": criterion.descriptors}
            )
    elif form.validate_on_submit():
        if form.add_row.data:
            form.rows.append_entry()
        elif attempt(
            lambda s: rounds.reset_criteria(s, review_round=review_round, by=current_actor())
            if form.reset.data
            else rounds.update_criteria(s, review_round=review_round, rows=form.values(), by=current_actor())
        ):
            flash(_("The criteria sheet is saved."), "success")
            return redirect(url_for("admin.round_detail", round_id=round_id))
    total = sum(row.form.max_points.data or 0 for row in form.rows if (row.form.title.data or "").strip())
    return render_template(
        "admin/round_criteria.html",
        form=form,
        round=review_round,
        total=total,
        editable=rounds.can_edit_criteria(review_round),
    )


@bp.route("/rounds/<int:round_id>/stage", methods=["POST"])
def round_stage(round_id: int):
    review_round = round_or_404(round_id)
    form = StageForm()
    if form.validate_on_submit() and form.to_stage.data in set(RoundStage):
        if attempt(
            lambda s: rounds.advance(
                s, review_round=review_round, to_stage=RoundStage(form.to_stage.data), by=current_actor()
            )
        ):
            flash(_("The round moved to a new stage."), "success")
            if review_round.stage == RoundStage.CLOSED:
                _write_archive(get_session(), review_round)
    else:
        flash(_("A round cannot move from this stage to that one."), "error")
    return redirect(url_for("admin.round_detail", round_id=round_id))


def _write_archive(session, review_round) -> None:
    """Closing a round writes its archive (归档) to ARCHIVE_DIR."""
    config = current_app.config
    folder = archive.folder_for(config, current_app.instance_path)
    try:
        path = archive.write(
            session, review_round=review_round, store=storage.store_for(config), folder=folder, by=current_actor(),
            key=archive_signing.instance_key(current_app.config["SHARED_DIR"]),
        )
    except OSError as error:  # the round is closed; the archive can be made again with the button
        session.rollback()
        current_app.logger.error("round %s: archive not written: %s", review_round.id, error)
        flash(_("The round is closed, but its archive could not be written: %(error)s", error=str(error)), "error")
        return
    session.commit()
    flash(_("The round's archive has been written: %(name)s", name=path.name), "success")


@bp.route("/rounds/<int:round_id>/archive", methods=["POST"])
def round_archive(round_id: int):
    """The round's archive as a download (a zip with a SHA-256 manifest); audited."""
    review_round = round_or_404(round_id)
    store = storage.store_for(current_app.config)
    session = get_session()
    data = archive.build(session, review_round=review_round, store=store, by=current_actor(),
                         key=archive_signing.instance_key(current_app.config["SHARED_DIR"]))
    session.commit()
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=round-{round_id}-archive.zip"})
