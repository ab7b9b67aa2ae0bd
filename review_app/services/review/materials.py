"""The application's materials as its expert reads them: each document by its kind (申请书, 建设方案 …) in the
order the round requires them, with its true size, one at a time or all in one zip. Every read is
audited (who read which document of which application), the zip like a single document."""

import io
import zipfile
from dataclasses import dataclass

from sqlmodel import Session

from ...models import Attachment, AttachmentKind, Round, ScoreSheet, User
from ..compliance import audit
from ..intake.attachments import ATTACHMENT_KIND_LABEL, REQUIRED_ATTACHMENTS
from ..intake.dossier import Dossier
from ..platform.storage import FolderStore
from .workspace import attachment_for_expert


@dataclass(frozen=True)
class Material:
    kind: AttachmentKind
    attachment: Attachment | None  # None: not uploaded

    @property
    def label(self) -> str:
        return str(ATTACHMENT_KIND_LABEL[self.kind])


def materials(review_round: Round, dossier: Dossier) -> list[Material]:
    """The round's required documents in order, then any other kind the application has."""
    kinds = list(REQUIRED_ATTACHMENTS[review_round.kind])
    kinds += [k for k in dossier.attachments if k not in kinds]
    return [Material(kind, dossier.attachments.get(kind)) for kind in kinds]


def record_read(session: Session, *, sheet: ScoreSheet, attachment: Attachment, by: User) -> None:
    """The expert opened one document."""
    audit.record(
        session,
        action="attachment.read",
        by=by,
        target=attachment,
        round_id=sheet.round_id,
        details={"sheet": sheet.id, "kind": attachment.kind, "filename": attachment.filename},
    )


def record_report_read(session: Session, *, sheet: ScoreSheet, code: str, by: User) -> None:
    """The expert opened the generated PDF of an annual report's structured self-evaluation."""
    audit.record(session, action="self_evaluation.read", by=by, target=sheet, round_id=sheet.round_id,
                 details={"sheet": sheet.id, "code": code})


def bundle(
    session: Session, *, sheet: ScoreSheet, found: list[Material], code: str, store: FolderStore, by: User
) -> tuple[str, bytes] | None:
    """All the documents the expert may read, in one zip named after the application (None when there is
    none, or when the expert may not read them); audited with the list of files."""
    files = []
    for position, material in enumerate(found, start=1):
        attachment = material.attachment
        if attachment is None:
            continue
        if attachment_for_expert(session, sheet=sheet, attachment_id=attachment.id) is None:
            return None
        try:
            data = store.path(attachment.sha256).read_bytes()
        except FileNotFoundError:
            continue
        files.append((f"{position}-{attachment.filename}", data, attachment))
    if not files:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for name, data, _attachment in files:
            archive.writestr(name, data)
    audit.record(
        session,
        action="attachment.bundle",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={"code": code, "files": [name for name, _data, _a in files]},
    )
    return f"{code}_申报材料.zip", buffer.getvalue()
