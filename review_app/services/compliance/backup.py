"""Backups: one .tar.gz holding the database and the upload folder, and the restore of it.

SQLite is copied with the online backup API (a consistent copy while the app keeps serving); PostgreSQL
with `pg_dump --format=custom`, restored with `pg_restore --clean --single-transaction` (all or
nothing). The uploads are the content-addressed files under UPLOAD_DIR; restoring puts back every file
of the backup (files added since stay: nothing refers to them).

Layout of the archive: manifest.json, database.sqlite3 or database.pgdump, uploads/<ab>/<sha256>.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ..errors import ServiceError

FORMAT = 1
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/bin")


class BackupError(ServiceError):
    """A backup or restore that could not be made; the message says why."""


@dataclass(frozen=True)
class Summary:
    database: str  # "sqlite" or "postgresql"
    files: int
    path: Path


def _kind(url: str) -> str:
    name = sa.engine.make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"unsupported database {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found (install the PostgreSQL client tools)")
    return found


def _pg_connection(url: str) -> tuple[str, dict]:
    """A libpq URI without the password, and the environment carrying it (never on the command line)."""
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(command: list[str], env: dict | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def create(*, database_url: str, upload_dir: str | Path, out: str | Path) -> Summary:
    """Write the backup to `out` (through a temporary file in the same folder, then renamed)."""
    kind = _kind(database_url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(upload_dir)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        if kind == "sqlite":
            dump = work / "database.sqlite3"
            source = sqlite3.connect(_sqlite_path(database_url))
            target = sqlite3.connect(dump)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            dump = work / "database.pgdump"
            uri, env = _pg_connection(database_url)
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", uri], env)
        files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
        manifest = {
            "format": FORMAT,
            "database": kind,
            "created_at": datetime.now(UTC).isoformat(),
            "files": len(files),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        fd, partial = tempfile.mkstemp(dir=out.parent, suffix=".partial")
        os.close(fd)
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(work / "manifest.json", arcname="manifest.json")
                archive.add(dump, arcname=dump.name)
                for path in files:
                    archive.add(path, arcname=f"uploads/{path.relative_to(uploads).as_posix()}")
            os.replace(partial, out)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
    return Summary(kind, len(files), out)


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"unexpected entry in the backup: {member.name}")
        members.append(member)
    return members


def restore(*, database_url: str, upload_dir: str | Path, archive_path: str | Path) -> Summary:
    """Replace the database's contents with the backup's and put back the backup's uploads."""
    kind = _kind(database_url)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(work, members=_safe_members(archive), filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"the backup cannot be read: {error}") from None
        try:
            manifest = json.loads((work / "manifest.json").read_text())
        except (OSError, ValueError):
            raise BackupError("the backup has no readable manifest.json") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')}")
        if manifest.get("database") != kind:
            raise BackupError(f"this is a {manifest.get('database')} backup; the database is {kind}")
        if kind == "sqlite":
            source = sqlite3.connect(work / "database.sqlite3")
            target = sqlite3.connect(_sqlite_path(database_url), timeout=30)
            try:
                with target:
                    source.backup(target)  # page by page under the write lock: readers see before or after
            finally:
                target.close()
                source.close()
        else:
            uri, env = _pg_connection(database_url)
            _run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    f"--dbname={uri}",
                    str(work / "database.pgdump"),
                ],
                env,
            )
        uploads = Path(upload_dir)
        restored = 0
        source_uploads = work / "uploads"
        if source_uploads.exists():
            for path in source_uploads.rglob("*"):
                if path.is_file():
                    target_path = uploads / path.relative_to(source_uploads)
                    target_path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target_path)
                    restored += 1
    return Summary(kind, restored, Path(archive_path))
