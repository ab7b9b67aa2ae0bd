"""What a national-size round needs at intake: a workbook of more than 5,000 member rows imports (up to
IMPORT_MAX_ROWS), a city quota above 50 (up to MAX_CITY_QUOTA), and many failing verdicts of one rule are
overridden in one form with one reason, each application audited."""

import pytest
from sqlmodel import func, select

from review_app.models import ApplicationMember, AuditEvent, CheckResult, Round, Verdict
from review_app.services.check import runner as check_runner
from review_app.services.intake import credit_codes
from tests.intake_factories import make_city_application
from tests.test_review_app.test_intake import app_row, do_import, member_row, workbook


def _big_workbook(applications: int, members_each: int) -> bytes:
    apps, members = [], []
    for a in range(applications):
        code = f"20263205{a:02d}"
        apps.append(app_row(code, credit_codes.make("9", "1", "320500", f"L{a:07d}")))
        for m in range(members_each):
            unit = credit_codes.make("1", "2", "320500", f"M{a:02d}{m:05d}")
            members.append(member_row(code, unit, f"成员单位{a}-{m}"))
    return workbook(apps, members)


def test_a_workbook_of_more_than_5000_member_rows_imports(app, session, intake_round):
    data = _big_workbook(applications=3, members_each=1700)  # 5,100 member rows: refused before
    result = do_import(app, session, intake_round, [("申报.xlsx", data)])
    assert result.applications_created == 3
    assert session.exec(select(func.count()).select_from(ApplicationMember)).one() == 5100


def test_the_row_limit_is_a_setting_and_names_the_row(app, session, intake_round):
    from review_app.services.platform.tables import ImportRejected

    app.config["IMPORT_MAX_ROWS"] = 4
    with pytest.raises(ImportRejected) as refused:
        do_import(app, session, intake_round, [("申报.xlsx", _big_workbook(applications=1, members_each=5))])
    assert [(p.sheet, p.row, p.reason) for p in refused.value.problems] == [("成员单位", 6, "超过 4 行")]
    assert session.exec(select(func.count()).select_from(ApplicationMember)).one() == 0


def _settings_form(review_round, quota: int) -> dict:
    return {
        "name": review_round.name, "year": str(review_round.year), "experts_per_application": "5",
        "max_load": "10", "min_load": "0", "city_quota": str(quota), "pledge_text": "承诺",
    }


def test_a_city_quota_above_50_is_accepted_up_to_the_setting(app, client, auth, users, session, intake_round):
    auth.login("admin1")
    saved = auth.post(f"/admin/rounds/{intake_round.id}/settings", _settings_form(intake_round, 800))
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Round, intake_round.id).city_quota == 800
    app.config["MAX_CITY_QUOTA"] = 1000
    refused = auth.post(f"/admin/rounds/{intake_round.id}/settings", _settings_form(intake_round, 1001),
                        follow_redirects=True)
    assert "1 到 1000 之间" in refused.text
    session.expire_all()
    assert session.get(Round, intake_round.id).city_quota == 800


def _quota_failures(session, intake_round) -> list[CheckResult]:
    """Four applications of 南京市 over a quota of 2: R1 fails for each of them."""
    intake_round.city_quota = 2
    for n in range(4):
        make_city_application(session, intake_round, code=f"NJ{n}", city="南京市")
    check_runner.run_check(session, review_round=intake_round, by=None)
    session.commit()
    rows = check_runner.table(session, round_id=intake_round.id, rule="R1", verdict=Verdict.FAIL)
    assert len(rows) == 4
    return [row.result for row in rows]


def _overrides(session) -> list[AuditEvent]:
    return session.exec(select(AuditEvent).where(AuditEvent.action == "check.override")).all()


def test_several_failing_verdicts_of_a_rule_are_overridden_with_one_reason(client, auth, users, session, intake_round):
    failing = _quota_failures(session, intake_round)
    auth.login("admin1")
    check_page = client.get(f"/admin/rounds/{intake_round.id}/check?rule=R1").text
    assert f"/admin/rounds/{intake_round.id}/check/rules/R1/override" in check_page
    page = client.get(f"/admin/rounds/{intake_round.id}/check/rules/R1/override").text
    assert all(f'value="{r.id}"' in page for r in failing) and "NJ3" in page

    chosen = [failing[0].id, failing[1].id]
    done = auth.post(f"/admin/rounds/{intake_round.id}/check/rules/R1/override",
                     {"results": chosen, "verdict": "pass", "reason": "省厅同意南京市增加推荐名额"})
    assert done.status_code == 302 and "rule=R1" in done.location
    assert "2 项结论已改判" in client.get(done.location).text
    session.expire_all()
    assert [session.get(CheckResult, r.id).override_verdict for r in failing] == [Verdict.PASS] * 2 + [None] * 2
    events = _overrides(session)
    assert len(events) == 2 and all("省厅同意南京市增加推荐名额" in e.details for e in events)

    auth.post(f"/admin/rounds/{intake_round.id}/check/rules/R1/override",
              {"every_failing": "y", "verdict": "pass", "reason": "省厅同意南京市增加推荐名额"})
    session.expire_all()
    assert all(session.get(CheckResult, r.id).override_verdict == Verdict.PASS for r in failing)
    assert len(_overrides(session)) == 4  # one event per application
    assert check_runner.failing_application_ids(session, round_id=intake_round.id) == set()


def test_a_bulk_override_of_a_verdict_that_does_not_fail_changes_nothing(client, auth, users, session, intake_round):
    failing = _quota_failures(session, intake_round)
    other = session.exec(select(CheckResult).where(CheckResult.rule == "R0")).first()
    auth.login("admin1")
    refused = auth.post(f"/admin/rounds/{intake_round.id}/check/rules/R1/override",
                        {"results": [failing[0].id, other.id], "verdict": "pass", "reason": "统一改判通过"},
                        follow_redirects=True)
    assert "所选结论中有的已不再未通过此规则" in refused.text
    short = auth.post(f"/admin/rounds/{intake_round.id}/check/rules/R1/override",
                      {"results": [failing[0].id], "verdict": "pass", "reason": "好"})
    assert short.status_code == 200
    session.expire_all()
    assert session.get(CheckResult, failing[0].id).override_verdict is None and not _overrides(session)
    assert client.get(f"/admin/rounds/{intake_round.id}/check/rules/R99/override").status_code == 404
