"""The round archive (归档): one zip with everything needed to audit a closed round years later.

Contents (paths inside the zip):
  README.txt, round.json                      what the round was and how to check this archive
  applications/applications.csv, members.csv  the applications and their member units
  applications/<申报编号>/<kind>-<file>.pdf    every uploaded PDF
  formal_check.csv                            the formal check report (申报编号,规则,结果,说明)
  assignment/instance/*.csv                   the assignment problem in the `assignment` library's format
                                              (affinity.csv: the text affinity the solver saw, when it had one)
  assignment/pins.csv, forbids.csv            the admin's pins and forbids (when any)
  assignment/assignment.csv                   the published proposal as the solver made it (app_id,expert_id)
  assignment/panels.csv                       the panels as they ended (replacements included)
  assignment/run.json, assignment/replay.sh   the seed and options, and the command that re-runs the solve
  assignment/groups.csv, panel_seats.csv, meeting/lots.csv, signed/…   panel mode (meeting.archive_files)
  scores/score_sheets.csv                     every submitted score sheet, per criterion
  ranking/ranking.csv, ranking/method.json    the ranking and the method that made it
  selection.csv                               the selected applications with their reasons
  audit/events.csv                            the round's audit events with their hashes, up to this archive
  signing_key.pub.pem                         the public key of the installation that signed it
  manifest.json, manifest.sha256              the SHA-256 and size of every other file, the manifest's digest
  manifest.sig                                the manifest's Ed25519 signature (archive_manifest, archive_signing)

The event that records the archive (`round.archive`) is written after the seal, with the manifest's digest
and the key's fingerprint: `flask archive-verify` finds the archive's manifest there, so that an archive
forged with a recomputed manifest fails even if it were signed.

The archive's own tables are written by the one CSV writer (UTF-8 with a BOM, every cell neutralised); the
assignment files keep the `assignment` library's format, so that the replay reads them as they are.
"""

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, select

import assignment

from ...models import (
    Application,
    ApplicationMember,
    Assignment,
    AssignmentRun,
    Attachment,
    AuditEvent,
    City,
    Expert,
    Round,
    RunStatus,
    User,
)
from ...models._base import utcnow
from ..assign import problem as assign_problem
from ..check import report as check_report
from ..errors import ServiceError
from ..intake.organisations import normalise_code
from ..meeting import archive_files as panel_archive
from ..platform.csvfiles import csv_bytes
from ..platform.storage import FolderStore
from ..results import export, rank, record, selection
from ..results.export.report import submitted_sheets
from ..rounds import criteria_of
from . import audit, audit_review
from .archive_manifest import SEAL_FILES, seal
from .archive_manifest import as_json as _json


class ArchiveError(ServiceError):
    """The round cannot be archived; the message says why."""


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.（）()" else "_" for c in name)[:120] or "file"


def published_run(session: Session, round_id: int) -> AssignmentRun | None:
    return session.exec(
        select(AssignmentRun).where(AssignmentRun.round_id == round_id, AssignmentRun.status == RunStatus.PUBLISHED)
    ).first()


def replay_command(options: dict, seed: int | None, *, pins: bool, forbids: bool) -> str:
    """The `python -m assignment solve` command that re-runs the recorded solve from the archive's folder."""
    parts = [
        "python -m assignment solve assignment/instance",
        f"--k {options['k']}",
        f"--max-load {options['max_load']}",
        f"--min-load {options.get('min_load', 0)}",
    ]
    if options.get("org_diverse"):
        parts.append("--org-diverse")
    if options.get("avoid_same_city"):
        parts.append("--avoid-same-city")
    if options.get("fair"):
        parts.append("--fair")
    if options.get("balance"):
        parts.append("--balance")
    if pins:
        parts.append("--pin assignment/pins.csv")
    if forbids:
        parts.append("--forbid assignment/forbids.csv")
    if seed is not None:
        parts.append(f"--seed {seed}")
    parts.append("--out replayed.csv")
    return " ".join(parts)


def _assignment_files(session: Session, review_round: Round, store: FolderStore) -> tuple[dict[str, bytes], str | None]:
    run = published_run(session, review_round.id)
    if run is None:
        return {}, None
    files: dict[str, bytes] = {}
    # The instance the solver saw, frozen when it ran; rebuilt from today's pool only for older runs.
    frozen = assign_problem.frozen_instance(store, run)
    files.update(
        frozen
        if frozen is not None
        else assign_problem.instance_files(assign_problem.build_pool(session, review_round).problem)
    )
    options = json.loads(run.options_json or "{}")
    pins, forbids = options.get("pins") or [], options.get("forbids") or []
    if pins and options.get("mode") != "panels":
        files["assignment/pins.csv"] = assignment.pairs_file(pins)
    if forbids and options.get("mode") != "panels":
        files["assignment/forbids.csv"] = assignment.pairs_file(forbids)
    rows = session.execute(  # columns, not objects: one row per seat (50,000 at national volume)
        select(Assignment.id, Assignment.state, Assignment.affinity, Assignment.pinned, Application.code,
               Expert.code)
        .join(Application, Application.id == Assignment.application_id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .where(Assignment.run_id == run.id)
        .order_by(Assignment.id)
    ).all()
    # Seats added later by a replacement are not the solver's: the audit log names them.
    added = {
        e.target_id
        for e in session.exec(
            select(AuditEvent).where(AuditEvent.round_id == review_round.id, AuditEvent.action == "assignment.replace")
        )
    }
    solved = sorted((code, expert) for seat, *_rest, code, expert in rows if str(seat) not in added)
    files["assignment/assignment.csv"] = assignment.pairs_file(solved)
    files["assignment/panels.csv"] = assignment.pairs_file(
        sorted(
            [code, expert, state.value, round(affinity, 6), int(pinned), int(str(seat) in added)]
            for seat, state, affinity, pinned, code, expert in rows
        ),
        extra_columns=("state", "affinity", "pinned", "added_by_replacement"),
    )
    if options.get("mode") == "panels":  # panel mode: its own solve, input and seats (meeting.archive_files)
        command = panel_archive.replay_command(options, run.seed)
        files.update(panel_archive.run_files(session, run, options))
    else:
        command = replay_command(options, run.seed, pins=bool(pins), forbids=bool(forbids))
    files["assignment/run.json"] = _json(
        {
            "run_id": run.id,
            "seed": run.seed,
            "options": options,
            "objective": run.objective,
            "published_at": run.published_at,
            "summary": json.loads(run.summary_json or "{}"),
            "replay": command,
        }
    )
    files["assignment/replay.sh"] = (
        "#!/bin/sh\n# Re-run the recorded assignment from the unpacked archive; compare with assignment.csv.\n"
        f"{command}\n"
    ).encode()
    return files, command


def _score_files(session: Session, review_round: Round) -> dict[str, bytes]:
    criteria = criteria_of(session, review_round.id)
    header = ("app_id", "expert_id", "total", "recommend", "submitted_at", *[c.title for c in criteria], "comment")
    rows = [
        [
            submitted.application_code,
            submitted.expert_code,
            str(submitted.sheet.total) if submitted.sheet.total is not None else "",
            "" if submitted.sheet.recommend is None else int(submitted.sheet.recommend),
            submitted.sheet.submitted_at,
            *[str(p) if (p := submitted.points.get(c.id)) is not None else "" for c in criteria],
            submitted.sheet.comment,
        ]
        for submitted in submitted_sheets(session, round_id=review_round.id)
    ]
    return {"scores/score_sheets.csv": csv_bytes(header, rows)}


def _ranking_files(session: Session, review_round: Round) -> dict[str, bytes]:
    run = selection.working_run(session, round_id=review_round.id)  # the approved one, never the comparison
    if run is None:
        return {}
    ranked = rank.results(session, run=run)
    return {
        "ranking/ranking.csv": export.ranking_csv(session, run=run),
        "ranking/composition.csv": csv_bytes(record.COMPOSITION_HEADER, record.composition_rows(session, run=run)),
        "ranking/method.json": _json(
            {
                "run_id": run.id,
                "method": run.method,
                "seed": run.seed,
                "cutoff": run.cutoff,
                "is_final": run.is_final,
                "created_at": run.created_at,
            }
        ),
        "selection.csv": csv_bytes(
            ("rank", "app_id", "title", "score", "reason"),
            [
                [
                    r.result.rank,
                    r.application.code,
                    r.application.title,
                    round(r.result.score, 4),
                    r.result.selection_reason,
                ]
                for r in ranked
                if r.result.selected
            ],
        ),
    }


def _application_files(session: Session, review_round: Round, store: FolderStore) -> tuple[dict[str, bytes], list]:
    # The units as each application declared them (its own columns, as the dossier reads them), read as
    # columns: 10,000 applications and 50,000 members are rows to write, not objects to track.
    of_round = Application.round_id == review_round.id
    apps = session.execute(
        select(Application.id, Application.code, Application.title, Application.field, City.name,
               Application.lead_name, Application.lead_credit_code, Application.status)
        .join(City, City.id == Application.city_id)
        .where(of_round)
        .order_by(Application.code)
    ).all()
    files: dict[str, bytes] = {}
    missing: list[str] = []
    files["applications/applications.csv"] = csv_bytes(
        ("code", "title", "field", "city", "lead_org", "lead_credit_code", "status"),
        [[a.code, a.title, a.field, a.name, (a.lead_name or "").strip(), normalise_code(a.lead_credit_code),
          a.status.value] for a in apps],
    )
    members = session.execute(
        select(Application.code, ApplicationMember.name, ApplicationMember.credit_code)
        .join(Application, Application.id == ApplicationMember.application_id)
        .where(of_round)
    ).all()
    files["applications/members.csv"] = csv_bytes(
        ("code", "org", "credit_code"),
        sorted([code, (name or "").strip(), normalise_code(credit_code)] for code, name, credit_code in members),
    )
    code_of = {a.id: a.code for a in apps}
    # Every file ever uploaded goes in, not only the current one of each kind: the archive is the history.
    for attachment in session.exec(
        select(Attachment).join(Application, Application.id == Attachment.application_id).where(of_round)
        .order_by(Attachment.id)
    ):
        code = code_of[attachment.application_id]
        name = f"applications/{_safe(code)}/{attachment.kind.value}-{attachment.id}-{_safe(attachment.filename)}"
        try:
            files[name] = store.path(attachment.sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            missing.append(name)
    return files, missing


def _audit_files(session: Session, review_round: Round) -> dict[str, bytes]:
    events = session.exec(select(AuditEvent).where(AuditEvent.round_id == review_round.id).order_by(AuditEvent.seq))
    return {"audit/events.csv": csv_bytes(audit_review.CSV_HEADER, audit_review.csv_rows(events))}


def build(session: Session, *, review_round: Round, store: FolderStore, by: User | None,
          key: Ed25519PrivateKey) -> bytes:
    """The archive of the round as zip bytes, signed with `key`; audited with its manifest's digest (the
    caller commits)."""
    files: dict[str, bytes] = {}
    application_files, missing = _application_files(session, review_round, store)
    files.update(application_files)
    files["formal_check.csv"] = check_report.report_csv(session, round_id=review_round.id)
    assignment_files, command = _assignment_files(session, review_round, store)
    files.update(assignment_files)
    files.update(_score_files(session, review_round))
    files.update(_ranking_files(session, review_round))
    meeting_files, missing_scans = panel_archive.meeting_files(session, review_round, store)
    files.update(meeting_files)
    missing += missing_scans
    criteria = criteria_of(session, review_round.id)
    files["round.json"] = _json(
        {
            "id": review_round.id,
            "name": review_round.name,
            "year": review_round.year,
            "kind": review_round.kind.value,
            "stage": review_round.stage.value,
            "experts_per_application": review_round.experts_per_application,
            "max_load": review_round.max_load,
            "min_load": review_round.min_load,
            "city_quota": review_round.city_quota,
            "avoid_same_city": review_round.avoid_same_city,
            "org_diverse": review_round.org_diverse,
            "criteria": [{"position": c.position, "title": c.title, "max_points": c.max_points} for c in criteria],
            "missing_attachments": missing,
        }
    )
    files["README.txt"] = _readme(review_round, command, missing).encode("utf-8")
    files.update(_audit_files(session, review_round))
    sealed = seal(files, round_id=review_round.id, key=key)
    audit.record(
        session,
        action="round.archive",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"files": len(files) + 1 + len(SEAL_FILES), "missing_attachments": len(missing),
                 "manifest_sha256": sealed.manifest_sha256, "signing_key": sealed.signing_key},
    )
    return sealed.data


def _readme(review_round: Round, command: str | None, missing: list[str]) -> str:
    lines = [
        f"{review_round.name} ({review_round.year}) — round archive / 评审轮次归档",
        "",
        "Check it:   flask --app review_app archive-verify THIS.zip [--public-key signing_key.pub.pem]",
        "manifest.json lists the SHA-256 of every file in this archive; manifest.sig is its Ed25519 signature",
        "by the installation's key (signing_key.pub.pem: check it against your own copy of that key). The",
        "installation's audit log records the manifest's SHA-256 in the event that made this archive.",
    ]
    if command:
        lines += [
            "",
            "Re-run the assignment (from the unpacked folder; the result equals assignment/assignment.csv):",
            f"  {command}",
        ]
    if missing:
        lines += ["", "Attachments missing from the upload store when the archive was made:", *missing]
    return "\n".join(lines) + "\n"


def folder_for(config, instance_path: str) -> Path:
    """Where closing a round writes its archive: ARCHIVE_DIR, else the instance's archives/ folder."""
    return Path(config.get("ARCHIVE_DIR") or Path(instance_path) / "archives")


def write(session: Session, *, review_round: Round, store: FolderStore, folder: str | Path, by: User | None,
          key: Ed25519PrivateKey) -> Path:
    """Build the archive and write it to `folder` (atomically); returns its path."""
    data = build(session, review_round=review_round, store=store, by=by, key=key)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"round-{review_round.id}-{stamp}.zip"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return path
