"""The check of a round archive against this installation (flask archive-verify): its seal (every file's
hash, the manifest's digest and signature, archive_manifest) with the installation's public key, and its
manifest's digest in the audit event that recorded the archive (archive.build)."""

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from ...models import AuditEvent
from . import archive_manifest
from .archive_manifest import MANIFEST, MANIFEST_SIGNATURE, Problem

ARCHIVE_ACTION = "round.archive"


@dataclass(frozen=True)
class ArchiveCheck:
    problems: list[Problem]
    manifest_sha256: str | None
    recorded_in: int | None  # the seq of the audit event that records this manifest

    @property
    def intact(self) -> bool:
        return not self.problems


def _recording_event(session: Session, digest: str) -> AuditEvent | None:
    candidates = session.exec(
        select(AuditEvent).where(AuditEvent.action == ARCHIVE_ACTION, AuditEvent.details.like(f"%{digest}%"))
    )
    return next((e for e in candidates if json.loads(e.details).get("manifest_sha256") == digest), None)


def check(session: Session, source, *, public_key: Ed25519PublicKey | None) -> ArchiveCheck:
    """Every problem with the archive (a path or bytes): the seal's, a missing key, and a manifest that no
    archive event of the audit log names. An empty list means the archive is the one this installation made."""
    problems = archive_manifest.verify(source, public_key=public_key)
    if public_key is None:
        problems.append(Problem(MANIFEST_SIGNATURE, "no public key to check the signature with: this installation "
                                                    "has never signed an archive; give --public-key"))
    digest = archive_manifest.manifest_digest(source)
    event = _recording_event(session, digest) if digest else None
    if digest and event is None:
        problems.append(Problem(MANIFEST, f"its SHA-256 {digest} is in no {ARCHIVE_ACTION} event of the audit log: "
                                          "this installation did not make this archive"))
    return ArchiveCheck(problems, digest, event.seq if event else None)
