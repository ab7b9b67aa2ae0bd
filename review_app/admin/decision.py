"""The close of a round: the public notice (公示), the objections and their answers, the final decision
and its files; and every message the system sent with its status per channel. Registered on the
console's blueprint (admin.blueprint.bp): the admin acts, the auditor reads."""

import io

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..hardening import takes_files
from ..models import DeliveryStatus, Objection, ObjectionFile
from ..services.compliance import audit
from ..services.decision import board, decision, documents, objections, publicity
from ..services.platform import inbox, storage
from ..web import attempt
from .blueprint import bp
from .decision_forms import AnswerForm, DecisionForm, HandleForm, ObjectionForm, PublicityForm
from .lookups import round_or_404

MIMETYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _choices(page: board.CloseBoard, form) -> None:
    owners = [(0, "—")] + [(u.id, u.display_name or u.username) for u in page.owners]
    if hasattr(form, "application_id"):
        form.application_id.choices = [(a.id, f"{a.code} {a.title}") for a in page.ranked]
    if hasattr(form, "owner_id"):
        form.owner_id.choices = owners
    if hasattr(form, "adds_application_id"):
        listed = {e.application.id for e in page.entries}
        form.adds_application_id.choices = [(0, "—")] + [
            (a.id, f"{a.code} {a.title}") for a in page.ranked if a.id not in listed
        ]


@bp.route("/rounds/<int:round_id>/publicity")
def publicity_page(round_id: int):
    review_round = round_or_404(round_id)
    page = board.close_board(get_session(), review_round=review_round)
    start_form = PublicityForm(starts_on=page.today, contact=publicity.default_contact())
    objection_form = ObjectionForm(received_on=page.today)
    _choices(page, objection_form)
    decision_form = DecisionForm(decided_on=page.today)
    return render_template("admin/publicity.html", page=page, start_form=start_form,
                           objection_form=objection_form, decision_form=decision_form)


def _back(round_id: int):
    return redirect(url_for("admin.publicity_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/publicity/start", methods=["POST"])
def publicity_start(round_id: int):
    review_round = round_or_404(round_id)
    form = PublicityForm()
    if not form.validate_on_submit():
        flash(_("Give the first day of the notice and the centre's contact."), "error")
    elif attempt(lambda s: publicity.start(
        s, review_round=review_round, by=current_actor(), starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        working_days=form.working_days.data, contact=form.contact.data,
    )):
        flash(_("The public notice has started; the cities are told."), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/publicity/publicity.pdf", defaults={"which": "publicity", "fmt": "pdf"})
@bp.route("/rounds/<int:round_id>/publicity/publicity.xlsx", defaults={"which": "publicity", "fmt": "xlsx"})
@bp.route("/rounds/<int:round_id>/publicity/decision.pdf", defaults={"which": "decision", "fmt": "pdf"})
@bp.route("/rounds/<int:round_id>/publicity/decision.xlsx", defaults={"which": "decision", "fmt": "xlsx"})
def publicity_file(round_id: int, which: str, fmt: str):
    review_round = round_or_404(round_id)
    made = attempt(lambda s: _export(s, review_round, which, fmt))
    if not made:
        return _back(round_id)
    name = f"round{round_id}-{which}.{fmt}"
    return send_file(io.BytesIO(made.value), mimetype=MIMETYPES[fmt], download_name=name, as_attachment=True)


def _export(session, review_round, which: str, fmt: str) -> bytes:
    data = documents.FILES[(which, fmt)](session, review_round=review_round)
    audit.record(session, action="export", by=current_actor(), target=review_round, round_id=review_round.id,
                 details={"list": which, "format": fmt})
    return data


@bp.route("/rounds/<int:round_id>/objections", methods=["POST"])
@takes_files
def objection_receive(round_id: int):
    review_round = round_or_404(round_id)
    session = get_session()
    form = ObjectionForm()
    _choices(board.close_board(session, review_round=review_round), form)
    if not form.validate_on_submit():
        flash(_("Give the application, the date of receipt and what the objection says."), "error")
        return _back(round_id)
    files = [(f.filename, f.read()) for f in request.files.getlist(form.files.name) if f and f.filename]
    data = objections.Received(
        application_id=form.application_id.data, received_on=form.received_on.data, channel=form.channel.data,
        real_name=form.real_name.data, objector=form.objector.data or "", contact=form.contact.data or "",
        content=form.content.data, owner_id=form.owner_id.data or None,
    )
    done = attempt(lambda s: objections.receive(s, review_round=review_round, data=data, files=files,
                                                store=storage.store_for(current_app.config), by=current_actor()))
    if done:
        note = _(" It came after the notice period and is recorded as late.") if done.value.late else ""
        flash(_("Objection no. %(n)d is recorded; to be answered by %(day)s.", n=done.value.id,
                day=done.value.due_on.isoformat()) + note, "success")
        return redirect(url_for("admin.objection_page", round_id=round_id, objection_id=done.value.id))
    return _back(round_id)


def _objection_or_404(round_id: int, objection_id: int) -> Objection:
    objection = get_session().get(Objection, objection_id)
    require_owner(objection is not None and objection.round_id == round_id)
    return objection


@bp.route("/rounds/<int:round_id>/objections/<int:objection_id>")
def objection_page(round_id: int, objection_id: int):
    review_round = round_or_404(round_id)
    objection = _objection_or_404(round_id, objection_id)
    page = board.close_board(get_session(), review_round=review_round)
    row = next(r for r in page.objections if r.objection.id == objection.id)
    handle_form = HandleForm(owner_id=objection.owner_id or 0, due_on=objection.due_on, notes=objection.notes)
    answer_form = AnswerForm()
    _choices(page, handle_form)
    _choices(page, answer_form)
    return render_template("admin/objection.html", page=page, row=row, handle_form=handle_form,
                           answer_form=answer_form)


@bp.route("/rounds/<int:round_id>/objections/<int:objection_id>/handle", methods=["POST"])
def objection_handle(round_id: int, objection_id: int):
    review_round = round_or_404(round_id)
    objection = _objection_or_404(round_id, objection_id)
    form = HandleForm()
    _choices(board.close_board(get_session(), review_round=review_round), form)
    if not form.validate_on_submit():
        flash(_("Check the owner and the handling deadline."), "error")
    elif attempt(lambda s: objections.handle(s, objection=objection, owner_id=form.owner_id.data or None,
                                             due_on=form.due_on.data, notes=form.notes.data, by=current_actor())):
        flash(_("The investigation is saved."), "success")
    return redirect(url_for("admin.objection_page", round_id=round_id, objection_id=objection_id))


@bp.route("/rounds/<int:round_id>/objections/<int:objection_id>/answer", methods=["POST"])
def objection_answer(round_id: int, objection_id: int):
    review_round = round_or_404(round_id)
    objection = _objection_or_404(round_id, objection_id)
    form = AnswerForm()
    _choices(board.close_board(get_session(), review_round=review_round), form)
    if not form.validate_on_submit():
        flash(_("Give the reasons of the answer."), "error")
    elif attempt(lambda s: objections.answer(
        s, objection=objection, kind=form.answer.data, reasons=form.reasons.data, changes=form.changes.data,
        removes=form.removes.data, adds_application_id=form.adds_application_id.data or None, by=current_actor(),
    )):
        flash(_("The answer is recorded and sent to the objector and the city."), "success")
        return _back(round_id)
    return redirect(url_for("admin.objection_page", round_id=round_id, objection_id=objection_id))


@bp.route("/rounds/<int:round_id>/objections/<int:objection_id>/files/<int:file_id>")
def objection_file(round_id: int, objection_id: int, file_id: int):
    _objection_or_404(round_id, objection_id)
    attached = get_session().get(ObjectionFile, file_id)
    require_owner(attached is not None and attached.objection_id == objection_id)
    path = storage.store_for(current_app.config).path(attached.sha256)
    return send_file(path, mimetype="application/pdf", download_name=attached.filename, as_attachment=True)


@bp.route("/rounds/<int:round_id>/decision", methods=["POST"])
def decision_record(round_id: int):
    review_round = round_or_404(round_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Give the decision's document number and date."), "error")
    elif attempt(lambda s: decision.record(s, review_round=review_round, document_no=form.document_no.data,
                                           decided_on=form.decided_on.data, by=current_actor())):
        flash(_("The final decision is recorded; the round is locked and the cities are told."), "success")
    return _back(round_id)


@bp.route("/notifications")
def notifications():
    """Every message sent, newest first, with its status on each channel (of a round, of a status)."""
    round_id = request.args.get("round", type=int)
    status = request.args.get("status", "")
    status = status if status in set(DeliveryStatus) else ""
    messages = inbox.all_messages(get_session(), round_id=round_id, status=status)
    return render_template("admin/notifications.html", messages=messages, status=status, round_id=round_id)
