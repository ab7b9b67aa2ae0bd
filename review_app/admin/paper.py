"""Signed paper on the panel console: each member's 专家签字评分表 and each panel's 专家组意见表 as PDF, and
the upload of the signed scans. Registered on the console's blueprint (admin.blueprint.bp)."""

from flask import current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import PanelGroup, SignedScan
from ..services.assign import panel_groups
from ..services.compliance import audit
from ..services.meeting import paper
from ..services.platform.storage import store_for
from ..services.review import pool
from ..web import attempt
from .blueprint import bp
from .lookups import round_or_404
from .meeting import _pdf_response
from .panel_forms import ScanForm


def _group_or_404(round_id: int, number: int) -> PanelGroup:
    round_or_404(round_id)
    group = panel_groups.group_by_number(get_session(), round_id, number)
    require_owner(group is not None)
    return group


def _back(round_id: int):
    return redirect(url_for("admin.panels_offline", round_id=round_id))


def _pdf(round_id: int, group: PanelGroup, make, name: str, what: str):
    made = attempt(make)
    if not made:
        return _back(round_id)
    session = get_session()
    audit.record(session, action="panels.paper_download", by=current_actor(), target=group, round_id=round_id,
                 details={"group": group.number, "document": what})
    session.commit()
    return _pdf_response(made.value, name)


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/signed-<expert_code>.pdf")
def panels_expert_pdf(round_id: int, number: int, expert_code: str):
    group = _group_or_404(round_id, number)
    expert = pool.expert_by_code(get_session(), expert_code)
    require_owner(expert is not None)
    return _pdf(round_id, group, lambda s: paper.expert_sheet_pdf(s, group=group, expert=expert),
                f"signed-sheet-group-{number}-{expert_code}.pdf", f"专家签字评分表 {expert_code}")


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/opinion.pdf")
def panels_opinion_pdf(round_id: int, number: int):
    group = _group_or_404(round_id, number)
    return _pdf(round_id, group, lambda s: paper.panel_opinion_pdf(s, group=group),
                f"panel-opinion-group-{number}.pdf", "专家组意见表")


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/scans", methods=["POST"])
def panels_scan(round_id: int, number: int):
    group = _group_or_404(round_id, number)
    form = ScanForm()
    if not form.validate_on_submit():
        flash(_("Choose the scan to upload."), "error")
        return _back(round_id)
    session = get_session()
    code = (form.expert_code.data or "").strip()
    expert = pool.expert_by_code(session, code) if code else None
    if code and expert is None:
        flash(_("Unknown expert %(code)s.", code=code), "error")
        return _back(round_id)
    uploaded = attempt(lambda s: paper.upload_scan(s, group=group, expert=expert, filename=form.file.data.filename,
                                                   data=form.file.data.read(), store=store_for(current_app.config),
                                                   by=current_actor()))
    if uploaded:
        flash(_("The signed scan is kept; it goes into the round archive."), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/scans/<int:scan_id>")
def panels_scan_download(round_id: int, scan_id: int):
    round_or_404(round_id)
    session = get_session()
    scan = session.get(SignedScan, scan_id)
    require_owner(scan is not None and scan.round_id == round_id)
    audit.record(session, action="panels.scan_download", by=current_actor(), target=scan, round_id=round_id,
                 details={"filename": scan.filename})
    session.commit()
    return send_file(store_for(current_app.config).path(scan.sha256), as_attachment=True,
                     download_name=scan.filename)
