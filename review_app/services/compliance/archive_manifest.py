"""The seal of a round archive: a zip whose manifest.json lists the SHA-256 and size of every other file,
with the manifest's own digest beside it, and the check of a zip against its seal.

`verify` (flask archive-verify) recomputes every hash: a changed, missing or extra file is a problem.
"""

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass

from ...models._base import utcnow

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"  # the manifest's own digest: a change to the manifest shows too
FORMAT = 1


def as_json(value) -> bytes:
    """JSON as the archive writes it: UTF-8, Chinese unescaped, keys sorted, dates as text."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def seal(files: dict[str, bytes], *, round_id: int) -> bytes:
    """The files as zip bytes, with the manifest that lists them and the manifest's digest."""
    manifest = {
        "format": FORMAT,
        "round_id": round_id,
        "created_at": utcnow().isoformat(),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files.items())
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        manifest_bytes = as_json(manifest)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(MANIFEST_HASH, hashlib.sha256(manifest_bytes).hexdigest() + "\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


READ_ERRORS = (zipfile.BadZipFile, OSError, zlib.error, EOFError, ValueError, UnicodeDecodeError)


def verify(source) -> list[Problem]:
    """Every problem with an archive (a path or bytes): unreadable, manifest missing, a file changed,
    missing or not listed. An empty list means intact."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except READ_ERRORS as error:
        return [Problem(str(source)[:80] if not isinstance(source, bytes) else "archive", f"not a zip file: {error}")]
    problems: list[Problem] = []
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return [Problem(MANIFEST, "missing")]
        try:
            manifest_bytes = archive.read(MANIFEST)
            listed = json.loads(manifest_bytes)["files"]
        except READ_ERRORS + (KeyError,) as error:
            return [Problem(MANIFEST, f"unreadable: {error}")]
        try:
            recorded = archive.read(MANIFEST_HASH).decode().strip()
        except (KeyError, *READ_ERRORS):
            recorded = ""
        if recorded != hashlib.sha256(manifest_bytes).hexdigest():
            problems.append(Problem(MANIFEST, f"does not match {MANIFEST_HASH}"))
        for name, entry in sorted(listed.items()):
            if name not in names:
                problems.append(Problem(name, "missing"))
                continue
            try:
                data = archive.read(name)
            except READ_ERRORS as error:  # a changed byte breaks the compression or the zip's own CRC
                problems.append(Problem(name, f"unreadable: {error}"))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry.get("sha256"):
                problems.append(Problem(name, f"SHA-256 {digest} differs from the manifest's {entry.get('sha256')}"))
        for name in sorted(names - set(listed) - {MANIFEST, MANIFEST_HASH}):
            problems.append(Problem(name, "not listed in the manifest"))
    return problems
