"""A panel member's declared conflict (issue 18, follow-up): a recusal from that one application, as at a
meeting. The online replacement list does not offer the seat; the panel console says whether the panel
still has its minimum, and below it offers the member's replacement for the whole group."""

import pytest
from sqlmodel import select

from review_app.models import (
    Application,
    Assignment,
    AssignmentState,
    PanelSeat,
    ScoreSheet,
    SheetStatus,
    User,
)
from review_app.services.assign import panel_groups, panel_recusals, seats
from review_app.services.assign.problem import AssignError
from review_app.services.platform.storage import store_for
from review_app.services.review import declarations
from tests.factories import make_panel_round

pytestmark = pytest.mark.demo


@pytest.fixture
def panel_round(app, session):
    return make_panel_round(session, store_for(app.config))  # two groups of 3 applications, panels of 3


def _declare_conflict(session, review_round) -> tuple[ScoreSheet, PanelSeat]:
    """A member of group 1 declares a conflict with the group's first application (through the service)."""
    group, applications = panel_groups.groups(session, review_round.id)[0]
    seat = session.exec(select(PanelSeat).where(PanelSeat.group_id == group.id, ~PanelSeat.is_leader)).first()
    sheet = session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == seat.expert_id,
                                                  ScoreSheet.application_id == applications[0].id)).one()
    user = session.exec(select(User).where(User.expert_id == seat.expert_id)).one()
    declarations.accept_pledge(session, review_round=review_round, expert_id=seat.expert_id, by=user)
    declarations.declare(session, sheet=sheet, by=user, conflict=True, reason="近三年与牵头单位有合作项目")
    session.commit()
    return sheet, seat


def test_a_declared_conflict_on_a_panel_is_a_recusal_not_an_online_seat(session, panel_round):
    sheet, seat = _declare_conflict(session, panel_round)
    code = session.get(Application, sheet.application_id).code
    assert session.get(PanelSeat, seat.id).recused == code
    assert session.get(PanelSeat, seat.id).state == AssignmentState.ACTIVE  # still on the panel
    pair = session.get(Assignment, sheet.assignment_id)
    assert pair.state == AssignmentState.RECUSED
    # Not on the online replacement list, and the per-application replacement is refused.
    assert seats.replacement_list(session, round_id=panel_round.id) == []
    with pytest.raises(AssignError, match="专家组"):
        seats.replace(session, seat=pair, by=None)
    session.rollback()
    [recusal] = panel_recusals.recusals(session, round_id=panel_round.id)
    assert (recusal.application.code, recusal.scoring, recusal.minimum, recusal.short) == (code, 2, 3, True)
    # The member's other sheets of the group stay theirs.
    others = session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == seat.expert_id, ScoreSheet.id != sheet.id,
                                                   ScoreSheet.round_id == panel_round.id)).all()
    assert len(others) == 2 and all(s.status == SheetStatus.UNTOUCHED for s in others)


def test_below_the_minimum_the_console_offers_the_members_replacement_for_the_group(
    client, auth, users, session, panel_round
):
    sheet, seat = _declare_conflict(session, panel_round)
    code = session.get(Application, sheet.application_id).code
    auth.login("admin1")
    online = client.get(f"/admin/rounds/{panel_round.id}/assignment").text
    assert "无需替换。" in online and "本轮采用分组评审" in online
    page = client.get(f"/admin/rounds/{panel_round.id}/panels").text
    recusals = page[page.index('id="recusals"'):]
    assert code in recusals and "2 / 3" in recusals and "低于专家组最少人数" in recusals
    assert f"/panels/seats/{seat.id}/replace" in recusals
    done = auth.post(f"/admin/rounds/{panel_round.id}/panels/seats/{seat.id}/replace", follow_redirects=True).text
    assert "已替换" in done
    session.expire_all()
    newcomer = session.exec(select(PanelSeat).where(PanelSeat.group_id == seat.group_id,
                                                    PanelSeat.state == AssignmentState.ACTIVE,
                                                    PanelSeat.id != seat.id)).all()
    assert len(newcomer) == 3 and session.get(PanelSeat, seat.id).state == AssignmentState.REPLACED
    # The newcomer scores every application of the group, the recused one too: the panel is whole again.
    assert panel_recusals.recusals(session, round_id=panel_round.id) == []
    page = client.get(f"/admin/rounds/{panel_round.id}/panels").text
    assert "暂无回避。" in page


def test_at_the_minimum_the_member_recuses_and_nobody_is_replaced(client, auth, users, session, panel_round):
    settings = panel_groups.settings_for(session, panel_round.id)
    settings.min_size = 2  # panels of 3, at least 2
    session.commit()
    sheet, seat = _declare_conflict(session, panel_round)
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{panel_round.id}/panels").text
    recusals = page[page.index('id="recusals"'):]
    assert "2 / 2" in recusals and "该成员回避，无需更换" in recusals
    assert f"/panels/seats/{seat.id}/replace" not in recusals
