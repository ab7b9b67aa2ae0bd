"""Ranking a panel round: how comparable its panels are, and a selection by quota per panel.

Scores of two panels are comparable when the panels share experts (the calibration then estimates each
expert's leniency across them); panels that share none, directly or through other panels, form separate
parts of the reviewer graph and one ranking across them mixes a panel's leniency with its applications'
quality. Then the centre may select by a quota per panel instead of one cut-off (audited).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Assignment, AssignmentState, PanelApplication, PanelGroup, RankingRun, User
from ..assign import panel_runs
from ..compliance import audit
from . import approval, rank
from .selection import SelectionError


@dataclass(frozen=True)
class PanelStanding:
    group: PanelGroup
    applications: int
    experts: int


@dataclass(frozen=True)
class Comparison:
    """The round's panels, the experts each pair shares, and the parts they form (panel numbers)."""

    panels: list[PanelStanding]
    shared: list[tuple[int, int, int]]  # (panel a, panel b, experts scoring in both)
    parts: list[list[int]]

    @property
    def linked(self) -> bool:
        return len(self.parts) <= 1


def comparison(session: Session, *, round_id: int) -> Comparison | None:
    """How the published panels of a panel round link through shared experts; None for an online round."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components
    run = panel_runs.published_run(session, round_id)
    if run is None:
        return None
    groups = list(session.exec(select(PanelGroup).where(PanelGroup.round_id == round_id).order_by(PanelGroup.number)))
    group_of = {p.application_id: p.group_id for p in
                session.exec(select(PanelApplication).where(PanelApplication.round_id == round_id))}
    experts: dict[int, set[int]] = {g.id: set() for g in groups}
    apps: dict[int, int] = {g.id: 0 for g in groups}
    for group_id in group_of.values():
        apps[group_id] += 1
    for pair in session.exec(select(Assignment).where(Assignment.run_id == run.id,
                                                      Assignment.state == AssignmentState.ACTIVE)):
        if pair.application_id in group_of:
            experts[group_of[pair.application_id]].add(pair.expert_id)
    shared = [(a.number, b.number, len(experts[a.id] & experts[b.id]))
              for i, a in enumerate(groups) for b in groups[i + 1:] if experts[a.id] & experts[b.id]]
    index = {g.number: i for i, g in enumerate(groups)}
    rows, cols = [index[a] for a, _b, _n in shared], [index[b] for _a, b, _n in shared]
    graph = sparse.coo_array(([1] * len(shared), (rows, cols)), shape=(len(groups), len(groups)))
    _count, labels = connected_components(graph, directed=False)
    parts: dict[int, list[int]] = {}
    for g, label in zip(groups, labels, strict=True):
        parts.setdefault(int(label), []).append(g.number)
    return Comparison([PanelStanding(g, apps[g.id], len(experts[g.id])) for g in groups], shared, list(parts.values()))


def select_by_quota(session: Session, *, run: RankingRun, quotas: dict[int, int], by: User | None) -> int:
    """Select the best `quotas[n]` applications of each panel n by the run's ranking (refused when the panels
    share experts: one ranking then compares them); returns how many are selected."""
    approval.ensure_editable(session, run=run)
    found = comparison(session, round_id=run.round_id)
    if found is None:
        raise SelectionError(_("This round is not reviewed in panels."))
    if found.linked and len(found.panels) > 1:
        raise SelectionError(_("The panels share experts: one ranking compares them; use the cut-off."))
    if any(q < 0 for q in quotas.values()):
        raise SelectionError(_("A quota is zero or more."))
    number_of = {p.application_id: g.number for p, g in session.exec(
        select(PanelApplication, PanelGroup).join(PanelGroup, PanelGroup.id == PanelApplication.group_id)
        .where(PanelApplication.round_id == run.round_id))}
    taken: dict[int, int] = {}
    chosen = 0
    for ranked in rank.results(session, run=run):  # best first
        number = number_of.get(ranked.application.id)
        quota = quotas.get(number, 0) if number is not None else 0
        selected = taken.get(number, 0) < quota
        taken[number] = taken.get(number, 0) + selected
        ranked.result.selected = selected
        ranked.result.selection_reason = _("Within the quota of group %(n)d", n=number) if selected else ""
        chosen += selected
    run.cutoff = None
    audit.record(session, action="ranking.panel_quota", by=by, target=run, round_id=run.round_id,
                 details={"quotas": {str(k): v for k, v in sorted(quotas.items())}, "selected": chosen})
    return chosen
