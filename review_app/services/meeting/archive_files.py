"""What a panel round adds to the round archive (compliance.archive): the groups the solver saw, the panels
as they ended, the replay command of the panel solve, the order-of-defence lots, and every signed scan.

  assignment/groups.csv                       group_id,app_id,field,day (the panel solve's input)
  assignment/panel_pins.csv, panel_forbids.csv  group_id,expert_id of the admin's pins and forbids (when any)
  assignment/panel_seats.csv                  each seat: group, expert, state, leader, expertise, recusals
  meeting/lots.csv                            each group's meeting and the seed of its order of defence
  signed/第N组/<专家编号|专家组意见表>-<id>-<file>  the signed scans
"""

import csv
import io

from sqlmodel import Session, select

from ...models import AssignmentRun, Expert, PanelGroup, PanelSeat, Round
from ..platform.csvfiles import csv_bytes
from ..platform.storage import FolderStore
from . import paper


def _library_csv(columns, rows) -> bytes:
    """A table in the `assignment` library's own CSV format (plain UTF-8), so that its CLI reads it as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def replay_command(options: dict, seed: int | None) -> str:
    """The `python -m assignment panels` command that re-runs the recorded panel solve from the archive."""
    parts = ["python -m assignment panels assignment/instance assignment/groups.csv",
             f"--min-size {options['min_size']}", f"--max-size {options['max_size']}"]
    parts += [flag for key, flag in (("recusal", "--recusal"), ("org_diverse", "--org-diverse"),
                                     ("avoid_same_city", "--avoid-same-city")) if options.get(key)]
    if options.get("pins"):
        parts.append("--pin assignment/panel_pins.csv")
    if options.get("forbids"):
        parts.append("--forbid assignment/panel_forbids.csv")
    if seed is not None:
        parts.append(f"--seed {seed}")
    return " ".join([*parts, "--out replayed.csv"])


def run_files(session: Session, run: AssignmentRun, options: dict) -> dict[str, bytes]:
    """The panel solve's input beside the instance, and the seats as they ended."""
    files = {"assignment/groups.csv": _library_csv(
        ("group_id", "app_id", "field", "day"),
        [[g["id"], app, g["field"], g["day"]] for g in options.get("groups", []) for app in g["apps"]])}
    for key, name in (("pins", "panel_pins.csv"), ("forbids", "panel_forbids.csv")):
        if options.get(key):
            files[f"assignment/{name}"] = _library_csv(("group_id", "expert_id"), options[key])
    seats = session.exec(
        select(PanelSeat, PanelGroup.number, Expert.code)
        .join(PanelGroup, PanelGroup.id == PanelSeat.group_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(PanelSeat.run_id == run.id)
        .order_by(PanelGroup.number, PanelSeat.id)
    ).all()
    files["assignment/panel_seats.csv"] = csv_bytes(
        ("group_id", "expert_id", "state", "leader", "expertise", "recused", "pinned"),
        [[number, code, seat.state.value, int(seat.is_leader), round(seat.expertise, 6), seat.recused,
          int(seat.pinned)] for seat, number, code in seats])
    return files


def meeting_files(session: Session, review_round: Round, store: FolderStore) -> tuple[dict[str, bytes], list[str]]:
    """The meetings, the lots and the signed scans (and the scans missing from the store)."""
    groups = list(session.exec(select(PanelGroup).where(PanelGroup.round_id == review_round.id)
                               .order_by(PanelGroup.number)))
    if not groups:
        return {}, []
    files = {"meeting/lots.csv": csv_bytes(
        ("group", "field", "date", "room", "start", "slot_minutes", "order_seed", "drawn_at"),
        [[g.number, g.field, g.meeting_date, g.room, g.start_time, g.slot_minutes, g.order_seed, g.order_drawn_at]
         for g in groups])}
    missing = []
    for scan, group, expert in paper.scans(session, review_round.id):
        who = expert.code if expert else "专家组意见表"
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in scan.filename)[:100]
        name = f"signed/第{group.number}组/{who}-{scan.id}-{safe}"
        try:
            files[name] = store.path(scan.sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            missing.append(name)
    return files, missing
