"""The upload store: files kept by the SHA-256 of their content, outside the static folder.

One interface (`put`, `path`, `exists`) so that an object store (S3-compatible) can replace the
folder where one is configured; the folder is the default (`UPLOAD_DIR`, normally instance/uploads).
"""

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session

DISCARDS = "storage.discard"  # Session.info key: files to remove once the transaction commits


class FolderStore:
    """Content-addressed files under `root`, as root/ab/abcdef…; writing the same bytes twice is free."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` and return its SHA-256; the write is atomic (temporary file, then rename)."""
        digest = hashlib.sha256(data).hexdigest()
        target = self._path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        return digest

    def put_written(self, write: Callable[[BinaryIO], None]) -> str:
        """Store what `write` writes into the file object it is given (a seekable file: a zip can be built
        in it) and return its SHA-256: `put` for what is too large to hold in memory (a national round's
        frozen instance), with the same atomic rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.root, suffix=".part")
        try:
            with os.fdopen(fd, "w+b") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
                handle.seek(0)
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            target = self._path(digest)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, target)  # the same bytes again replace themselves
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return digest

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def remove(self, sha256: str) -> None:
        """Delete the file if it is there (a replaced upload no other row keeps)."""
        self._path(sha256).unlink(missing_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the file is, for sending it; raises FileNotFoundError when it is not stored."""
        target = self._path(sha256)
        if not target.exists():
            raise FileNotFoundError(sha256)
        return target


def discard_after_commit(session: Session, store: FolderStore, sha256: str) -> None:
    """Remove the file once `session` commits (a rolled-back replacement keeps the old file)."""
    session.info.setdefault(DISCARDS, []).append((store, sha256))


@sa.event.listens_for(Session, "after_commit")
def _discard_committed(session) -> None:
    for store, sha256 in session.info.pop(DISCARDS, []):
        store.remove(sha256)


@sa.event.listens_for(Session, "after_rollback")
def _keep_rolled_back(session) -> None:
    session.info.pop(DISCARDS, None)


def store_for(config) -> FolderStore:
    """The store the app's configuration names."""
    return FolderStore(config["UPLOAD_DIR"])


def file_size(size: int) -> str:
    """A size as people read it, to one decimal: 0.6 KB (not "1 KB"), 48.3 KB, 1.2 MB; tiny files in bytes."""
    if size < 100:
        return _("%(n)d bytes", n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
