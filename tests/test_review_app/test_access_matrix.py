"""Who may reach what: every URL rule of the app × every role × GET and POST, against a table stated here.

The rules come from `app.url_map`, so a new route fails this test until its line is added to EXPECTED.
URL parameters are filled with ids of real objects of the demo round: the owning city's application
and the owning expert's sheet, so that "city of another city" and "expert non-owner" ask for objects
that exist but are not theirs.

Every answer, allowed or refused, carries the Content-Security-Policy and nosniff headers.

Deny means: a redirect to the login page for anonymous visitors, 403 or 404 for logged-in users.
POSTs carry a valid CSRF token, so a refusal comes from the access check and not from CSRF.
"""

import pytest
from sqlmodel import select

from tests.conftest import csrf_token

ROLES = ("anonymous", "admin", "auditor", "city_own", "city_other", "expert_owner", "expert_other")

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
ADMIN = frozenset({"admin"})
ADMIN_AUDITOR = frozenset({"admin", "auditor"})
CITY_OWN = frozenset({"city_own"})
CITIES = frozenset({"city_own", "city_other"})
EXPERT_OWNER = frozenset({"expert_owner"})
EXPERTS = frozenset({"expert_owner", "expert_other"})

# endpoint → (who may GET, who may POST). Methods a rule does not accept are not tried.
EXPECTED: dict[str, tuple[frozenset, frozenset]] = {
    # the shell
    "index": (LOGGED_IN, NOBODY),
    "healthz": (EVERYONE, NOBODY),
    "static": (EVERYONE, NOBODY),
    "set_language": (NOBODY, EVERYONE),
    # accounts
    "auth.login": (EVERYONE, EVERYONE),
    "auth.logout": (NOBODY, LOGGED_IN),
    "auth.change_password": (LOGGED_IN, LOGGED_IN),
    "auth.activate": (EVERYONE, EVERYONE),  # the token is the credential; a wrong one is a 404 for all
    "auth.second_factor": (EVERYONE, EVERYONE),  # without a password just checked: back to the login page
    # the provincial centre: the admin changes, the auditor reads
    **{
        endpoint: (ADMIN_AUDITOR, ADMIN)
        for endpoint in (
            "admin.accounts",
            "admin.activation_link",
            "admin.activation_links",
            "admin.add_conflict",
            "admin.application_conflicts",
            "admin.application_detail",
            "admin.assignment",
            "admin.assignment_check",
            "admin.assignment_pin",
            "admin.assignment_preview",
            "admin.assignment_publish",
            "admin.assignment_replace",
            "admin.assignment_run",
            "admin.assignment_unpin",
            "admin.attachment_download",
            "admin.check_export",
            "admin.conflicts",
            "admin.credit_list_page",
            "admin.dashboard",
            "admin.expert",
            "admin.experts",
            "admin.reveal_contact",
            "admin.extend_deadline",
            "admin.import_experts",
            "admin.import_template",
            "admin.job",
            "admin.job_status",
            "admin.override_check",
            "admin.override_rule",
            "admin.panels",
            "admin.panels_city_notice",
            "admin.panels_group_field",
            "admin.panels_expert_pdf",
            "admin.panels_import",
            "admin.panels_offline",
            "admin.panels_opinion_pdf",
            "admin.panels_workbook",
            "admin.panels_lot",
            "admin.panels_meeting",
            "admin.panels_meetings",
            "admin.panels_schedule_pdf",
            "admin.panels_move",
            "admin.panels_pin",
            "admin.panels_preview",
            "admin.panels_propose_groups",
            "admin.panels_publish",
            "admin.panels_replace",
            "admin.panels_run",
            "admin.panels_scan",
            "admin.panels_scan_download",
            "admin.panels_settings",
            "admin.panels_unpin",
            "admin.progress_outbox",
            "admin.progress_remind",
            "admin.reset_second_factor",
            "admin.reopen_sheet",
            "admin.results_aggregate",
            "admin.results_application",
            "admin.results_approve",
            "admin.results_cutoff",
            "admin.results_download",
            "admin.results_export",
            "admin.grades_page",
            "admin.grades_rule",
            "admin.grades_change",
            "admin.grades_publish",
            "admin.grades_export",
            "admin.results_page",
            "admin.results_panel_quota",
            "admin.results_reopen",
            "admin.results_select",
            "admin.round_applications",
            "admin.round_check",
            "admin.round_criteria",
            "admin.round_detail",
            "admin.round_fields",
            "admin.pool_template",
            "admin.round_recommendations",
            "admin.recommendations_scan",
            "admin.correct_member",
            "admin.correct_field",
            "admin.send_back",
            "admin.round_import",
            "admin.round_new",
            "admin.round_progress",
            "admin.round_settings",
            "admin.round_sheets",
            "admin.round_stage",
            "admin.round_archive",
            "admin.run_check",
            "admin.self_evaluation_pdf",
            "admin.set_active",
            "admin.unit",
            "admin.units",
            "admin.unlock_account",
            # the public notice, objections and decision (issue 17), and the messages sent
            "admin.publicity_page",
            "admin.publicity_start",
            "admin.publicity_file",
            "admin.objection_receive",
            "admin.objection_page",
            "admin.objection_handle",
            "admin.objection_answer",
            "admin.objection_file",
            "admin.decision_record",
            "admin.notifications",
            # the consortium registry (issue 22)
            "admin.consortia_list",
            "admin.consortia_template",
            "admin.consortium",
        )
    },
    # every account's own notification centre
    "notifications.inbox_page": (LOGGED_IN, NOBODY),
    "notifications.mark_read": (NOBODY, LOGGED_IN),
    # forms holding unmasked contact details: the admin's only
    "admin.edit_expert": (ADMIN, ADMIN),
    "admin.new_expert": (ADMIN, ADMIN),
    # forms that only change the registry (issue 22): the auditor reads the consortium's page instead
    "admin.consortium_edit": (ADMIN, ADMIN),
    "admin.consortium_new": (ADMIN, ADMIN),
    # the audit trail: read-only, for the auditor and the admin
    "audit.dashboard": (ADMIN_AUDITOR, NOBODY),
    "audit.events": (ADMIN_AUDITOR, NOBODY),
    "audit.event": (ADMIN_AUDITOR, NOBODY),
    "audit.events_csv": (ADMIN_AUDITOR, NOBODY),
    "audit.verify": (ADMIN_AUDITOR, NOBODY),
    # cities: their own applications only
    "city.dashboard": (CITIES, NOBODY),
    "city.new_application": (CITIES, CITIES),  # the round is open to every city
    "city.annual_report": (NOBODY, CITY_OWN),
    "city.application": (CITY_OWN, NOBODY),
    "city.attachment_download": (CITY_OWN, NOBODY),
    "city.delete": (NOBODY, CITY_OWN),
    "city.edit_application": (CITY_OWN, CITY_OWN),
    "city.opinion": (NOBODY, CITY_OWN),
    "city.submit": (NOBODY, CITY_OWN),
    "city.upload": (NOBODY, CITY_OWN),
    "city.withdraw": (NOBODY, CITY_OWN),
    "city.resubmit": (NOBODY, CITY_OWN),
    "city.self_evaluation_form": (CITY_OWN, CITY_OWN),  # an annual report of the city's consortium
    "city.self_evaluation_pdf": (CITY_OWN, NOBODY),
    # each city's own order and stamped summary of the round (every city has recommendations in the demo)
    "city.recommendations_page": (CITIES, CITIES),
    "city.summary_pdf": (CITIES, NOBODY),
    "city.summary_scan": (NOBODY, CITIES),
    "city.summary_scan_download": (CITY_OWN, NOBODY),  # only the application's city has uploaded one
    # published rounds only: the demo round is still scoring, so every city is refused (test_city.py
    # downloads from a published round)
    "city.results_csv": (NOBODY, NOBODY),
    "city.grades_file": (NOBODY, NOBODY),  # the demo's annual round asked for has no published grades
    "city.publicity_pdf": (CITIES, NOBODY),  # public: the matrix asks for the demo round under notice
    # the registry: each city reads its own consortia (issue 22)
    "city.consortia": (CITIES, NOBODY),
    "city.consortium": (CITY_OWN, NOBODY),
    # experts: their own sheets only
    "expert.dashboard": (EXPERTS, NOBODY),
    "expert.my_data": (EXPERTS, EXPERTS),  # each expert keeps their own expertise
    "expert.pledge": (EXPERTS, EXPERTS),  # both are assigned in the round
    "expert.sheet": (EXPERT_OWNER, EXPERT_OWNER),
    "expert.autosave": (NOBODY, EXPERT_OWNER),
    "expert.confirm": (EXPERT_OWNER, NOBODY),
    "expert.declare": (NOBODY, EXPERT_OWNER),
    "expert.submit": (NOBODY, EXPERT_OWNER),
    "expert.attachment": (EXPERT_OWNER, NOBODY),
    "expert.materials_zip": (EXPERT_OWNER, NOBODY),
    # the matrix's sheet is a new consortium's, which has no self-evaluation (test_self_evaluation: the owner
    # of an annual report's sheet reads it)
    "expert.self_evaluation_pdf": (NOBODY, NOBODY),
    "expert.print_sheet": (EXPERT_OWNER, NOBODY),
    "expert.round_overview": (EXPERTS, NOBODY),  # both have sheets in the round
}

# Pages whose credential is in the URL or the session (a token, a password just checked), not the login:
# only "no server error" is asked of them.
OWN_CREDENTIAL = frozenset({"auth.activate", "auth.second_factor"})

# POSTs that change a lot or end the session go last, in this order.
LAST = ("city.withdraw", "city.delete", "auth.logout")


@pytest.fixture
def world(app, session):
    """Real objects for every URL parameter, and the username of each role."""
    from review_app.demo import DEMO_PASSWORD, DEMO_ROUND_NAME
    from review_app.models import (
        Application,
        ApplicationMember,
        AssignmentRun,
        Attachment,
        AttachmentKind,
        CheckResult,
        CitySubmission,
        Consortium,
        Expert,
        GradeRule,
        Job,
        Objection,
        ObjectionFile,
        PanelGroup,
        PanelPin,
        PanelSeat,
        PinKind,
        RankingResult,
        Role,
        Round,
        RoundKind,
        RoundStage,
        ScoreSheet,
        SheetStatus,
        SignedScan,
        User,
    )
    from review_app.services.assign import seats
    from review_app.services.intake import annual as annual_reports
    from review_app.services.platform import storage
    from review_app.services.results import rank

    main = session.exec(select(Round).where(Round.name == DEMO_ROUND_NAME)).one()
    intake = session.exec(select(Round).where(Round.id != main.id).order_by(Round.id)).first()
    # An annual round whose grades are not published (the demo publishes 2024's and 2025's): a city may not
    # download them yet. Ordered, since PostgreSQL returns rows in no fixed order.
    published = select(GradeRule.round_id).where(GradeRule.published_at.is_not(None))
    annual = session.exec(
        select(Round).where(Round.kind == RoundKind.ANNUAL_EVALUATION, Round.id.not_in(published)).order_by(Round.id)
    ).first()
    consortium_cities = {c.city_id for c in session.exec(select(Consortium))}
    sheets = session.exec(
        select(ScoreSheet).where(ScoreSheet.round_id == main.id, ScoreSheet.status == SheetStatus.DRAFT)
    ).all()
    sheet = next(s for s in sheets if session.get(Application, s.application_id).city_id in consortium_cities)
    application = session.get(Application, sheet.application_id)
    panel = {s.expert_id for s in session.exec(select(ScoreSheet).where(ScoreSheet.application_id == application.id))}
    other_sheet = next(
        s for s in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == main.id)) if s.expert_id not in panel
    )
    cities = session.exec(select(User).where(User.role == Role.CITY)).all()
    city_own = next(u for u in cities if u.city_id == application.city_id)
    city_other = next(u for u in cities if u.city_id != application.city_id)
    expert_users = {u.expert_id: u for u in session.exec(select(User).where(User.role == Role.EXPERT))}
    admin = session.exec(select(User).where(User.role == Role.ADMIN)).first()
    auditor = session.exec(select(User).where(User.role == Role.AUDITOR)).first()

    digest = storage.store_for(app.config).put(b"%PDF-1.4\n%%EOF\n")
    attachment = Attachment(
        application_id=application.id,
        kind=AttachmentKind.APPLICATION_FORM,
        filename="form.pdf",
        sha256=digest,
        size=15,
        content_type="application/pdf",
    )
    session.add(attachment)
    session.add(CitySubmission(round_id=main.id, city_id=application.city_id, filename="scan.pdf", sha256=digest,
                               size=15))
    member = session.exec(select(ApplicationMember).where(ApplicationMember.application_id == application.id)).first()
    job = Job(kind="assign", round_id=main.id)
    session.add(job)
    run = session.exec(select(AssignmentRun).where(AssignmentRun.round_id == main.id)).first()
    # a panel run of the round, with one group, one seat and one pin (panel mode, issue 18)
    group = PanelGroup(round_id=main.id, number=1, field=application.field)
    panel_run = AssignmentRun(round_id=main.id, options_json='{"mode": "panels"}')
    session.add_all([group, panel_run])
    session.flush()
    panel_seat = PanelSeat(run_id=panel_run.id, group_id=group.id, expert_id=other_sheet.expert_id)
    panel_pin = PanelPin(round_id=main.id, group_id=group.id, expert_id=other_sheet.expert_id, kind=PinKind.PIN)
    panel_scan = SignedScan(round_id=main.id, group_id=group.id, filename="scan.pdf", sha256=digest)
    session.add_all([panel_seat, panel_pin, panel_scan])
    with app.test_request_context():
        pin = seats.set_pin(
            session,
            review_round=main,
            application_code=application.code,
            expert_code=session.get(Expert, other_sheet.expert_id).code,
            kind=PinKind.FORBID,
            reason="matrix",
            by=admin,
        )
        ranking = rank.aggregate(session, review_round=main, by=admin)
    session.flush()
    ranked = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == ranking.id)).first()
    check = session.exec(select(CheckResult)).first()
    consortium = session.exec(select(Consortium).where(Consortium.city_id == application.city_id)).first()
    annual_round = session.exec(select(Round).where(Round.kind == RoundKind.ANNUAL_EVALUATION,
                                                    Round.stage == RoundStage.INTAKE)).first()
    report = annual_reports.annual_report(session, review_round=annual_round, consortium_id=consortium.id,
                                  city_id=consortium.city_id, by=None)
    objection = session.exec(select(Objection)).first()  # the demo round under public notice has one
    objection_file = ObjectionFile(objection_id=objection.id, filename="letter.pdf", sha256=digest, size=15)
    session.add(objection_file)
    session.flush()
    session.commit()

    ids = {
        "round_id": main.id,
        "run_id": run.id,
        "application_id": application.id,
        "attachment_id": attachment.id,
        "expert_id": other_sheet.expert_id,
        "sheet_id": sheet.id,
        "seat_id": sheet.assignment_id,
        "pin_id": pin.id,
        "job_id": job.id,
        "result_id": check.id,
        "consortium_id": consortium.id,
        "user_id": expert_users[other_sheet.expert_id].id,
        "org_id": application.lead_org_id,
        "member_id": member.id,
        "seq": 1,
        "number": 1,
        "scan_id": panel_scan.id,
        "city_id": application.city_id,
        "expert_code": session.get(Expert, other_sheet.expert_id).code,
        "token": "not-a-token",
        "filename": "css/app.css",
        "which": "ranking",
        "fmt": "xlsx",
        "objection_id": 0,
        "file_id": 0,
    }
    overrides = {
        "city.new_application": {"round_id": intake.id},
        "city.annual_report": {"round_id": intake.id},
        **{endpoint: {"application_id": report.id}
           for endpoint in ("city.self_evaluation_form", "city.self_evaluation_pdf", "admin.self_evaluation_pdf")},
        "admin.results_application": {"run_id": ranking.id},
        "admin.results_approve": {"run_id": ranking.id},
        "admin.results_cutoff": {"run_id": ranking.id},
        "admin.results_download": {"run_id": ranking.id},
        "admin.results_select": {"result_id": ranked.id},
        "admin.results_panel_quota": {"run_id": ranking.id},
        "admin.panels_preview": {"run_id": panel_run.id},
        "admin.panels_publish": {"run_id": panel_run.id},
        "admin.panels_replace": {"seat_id": panel_seat.id},
        "admin.panels_unpin": {"pin_id": panel_pin.id},
        "city.publicity_pdf": {"round_id": objection.round_id},
        **{
            endpoint: {"round_id": annual.id}
            for endpoint in ("admin.grades_page", "admin.grades_rule", "admin.grades_change", "admin.grades_publish",
                             "admin.grades_export", "city.grades_file")
        },
        "admin.publicity_file": {"which": "publicity", "fmt": "pdf"},
        "admin.override_rule": {"rule": "R1"},
        **{
            endpoint: {"round_id": objection.round_id, "objection_id": objection.id, "file_id": objection_file.id}
            for endpoint in ("admin.objection_page", "admin.objection_handle", "admin.objection_answer",
                             "admin.objection_file")
        },
    }
    users = {
        "admin": admin.username,
        "auditor": auditor.username,
        "city_own": city_own.username,
        "city_other": city_other.username,
        "expert_owner": expert_users[sheet.expert_id].username,
        "expert_other": expert_users[other_sheet.expert_id].username,
    }
    return {"ids": ids, "overrides": overrides, "users": users, "password": DEMO_PASSWORD}


def _url(app, rule, world) -> str:
    values = {**world["ids"], **world["overrides"].get(rule.endpoint, {})}
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"{rule.endpoint}: add a value for {missing} to the `world` fixture of this test"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def _refused(role: str, response) -> bool:
    if role == "anonymous":
        return response.status_code == 302 and "/auth/login" in (response.location or "")
    return response.status_code in (403, 404)


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, (
        f"New endpoints {missing}: add each to EXPECTED in {__file__} with who may GET and who may POST it"
    )


@pytest.mark.demo
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, world, role):
    if role != "anonymous":
        page = client.get("/auth/login")
        response = client.post(
            "/auth/login",
            data={"username": world["users"][role], "password": world["password"], "csrf_token": csrf_token(page.text)},
        )
        assert response.status_code == 302 and "/auth/login" not in response.location, f"{role} cannot log in"
    token = csrf_token(client.get("/auth/password" if role != "anonymous" else "/auth/login").text)

    order = {endpoint: position for position, endpoint in enumerate(LAST, start=1)}
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (order.get(r.endpoint, 0), r.endpoint))
    wrong = []
    for method in ("GET", "POST"):
        for rule in rules:
            if method not in rule.methods or rule.endpoint not in EXPECTED:
                continue
            may_get, may_post = EXPECTED[rule.endpoint]
            allowed = role in (may_get if method == "GET" else may_post)
            url = _url(app, rule, world)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            response.close()
            refused = _refused(role, response)
            if "default-src 'self'" not in response.headers.get("Content-Security-Policy", "") or (
                response.headers.get("X-Content-Type-Options") != "nosniff"
            ):
                wrong.append(f"{method} {url} ({rule.endpoint}): security headers missing")
            if response.status_code >= 500:
                wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code}")
            elif response.status_code == 400 and "expired" in response.get_data(as_text=True):
                wrong.append(f"{method} {url} ({rule.endpoint}): refused by CSRF, not by the access check")
            elif rule.endpoint in OWN_CREDENTIAL:
                continue
            elif allowed and refused:
                wrong.append(f"{method} {url} ({rule.endpoint}): {role} should be let in, got {response.status_code}")
            elif not allowed and not refused:
                wrong.append(
                    f"{method} {url} ({rule.endpoint}): {role} should be refused, got {response.status_code} "
                    f"{response.location or ''}"
                )
    assert not wrong, "\n".join(wrong)
