"""`flask backup` and `flask restore`: a round trip on this run's database (SQLite, or PostgreSQL under
.ci/with-postgres) with the uploaded files included."""

import hashlib
import tarfile

import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, User
from tests.factories import make_expert


def _count(session, table: str) -> int:
    session.rollback()
    return session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)


def test_backup_and_restore_round_trip_with_uploads(app, session, runner, users, tmp_path):
    from review_app.services.platform import storage

    store = storage.store_for(app.config)
    kept = store.put(b"%PDF-1.4 application form\n%%EOF\n")
    experts_before, users_before = _count(session, "experts"), _count(session, "users")
    archive = tmp_path / "backups" / "review.tar.gz"

    result = runner.invoke(args=["backup", "--out", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as contents:
        names = contents.getnames()
    assert "manifest.json" in names and f"uploads/{kept[:2]}/{kept}" in names
    assert any(n.startswith("database.") for n in names)

    # After the backup: an account removed, an expert added, the upload lost.
    session.rollback()
    session.delete(session.exec(select(User).where(User.username == "suzhou1")).one())
    make_expert(session, code="E9999", name="后来者")
    session.commit()
    store.path(kept).unlink()
    assert _count(session, "users") == users_before - 1
    session.close()

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert (_count(session, "experts"), _count(session, "users")) == (experts_before, users_before)
    assert session.exec(select(User).where(User.username == "suzhou1")).one()
    assert hashlib.sha256(store.path(kept).read_bytes()).hexdigest() == kept
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions[-1] == "backup.restore" and "backup.create" not in actions  # the backup predates its event
    verified = runner.invoke(args=["audit-verify"])
    assert verified.exit_code == 0, verified.output


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, users, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file at all")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0 and "cannot be read" in result.output
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_restore_refuses_paths_outside_the_archive(app, runner, users, tmp_path):
    import io

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("../outside.txt")
        data = b"x"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    result = runner.invoke(args=["restore", str(evil), "--yes"])
    assert result.exit_code != 0 and "unexpected entry" in result.output
    assert not (tmp_path / "outside.txt").exists()
