"""The seal of a round archive: a zip whose manifest.json lists the SHA-256 and size of every other file,
with the manifest's own digest beside it and its Ed25519 signature (manifest.sig, by the installation's key:
archive_signing), and the check of a zip against its seal.

`verify` (flask archive-verify) recomputes every hash: a changed, missing or extra file is a problem; given
the public key, a manifest that the key did not sign is one too. A forger who recomputes the manifest and
its digest cannot recompute the signature.
"""

import base64
import binascii
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ...models._base import utcnow
from .archive_signing import fingerprint, public_pem, signature_holds

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"  # the manifest's own digest: a change to the manifest shows too
MANIFEST_SIGNATURE = "manifest.sig"  # base64 Ed25519 signature of manifest.json
PUBLIC_KEY = "signing_key.pub.pem"  # the signer's public key, for reference (check with your own copy)
SEAL_FILES = frozenset({MANIFEST, MANIFEST_HASH, MANIFEST_SIGNATURE})
FORMAT = 2


def as_json(value) -> bytes:
    """JSON as the archive writes it: UTF-8, Chinese unescaped, keys sorted, dates as text."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


@dataclass(frozen=True)
class Sealed:
    data: bytes  # the zip
    manifest_sha256: str
    signing_key: str  # the fingerprint of the public key


def seal(files: dict[str, bytes], *, round_id: int, key: Ed25519PrivateKey) -> Sealed:
    """The files as zip bytes, with the manifest that lists them, its digest and its signature."""
    files = {**files, PUBLIC_KEY: public_pem(key.public_key())}
    manifest = {
        "format": FORMAT,
        "round_id": round_id,
        "created_at": utcnow().isoformat(),
        "signing_key": fingerprint(key.public_key()),
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
        digest = hashlib.sha256(manifest_bytes).hexdigest()
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(MANIFEST_HASH, digest + "\n")
        archive.writestr(MANIFEST_SIGNATURE, base64.b64encode(key.sign(manifest_bytes)) + b"\n")
    return Sealed(buffer.getvalue(), digest, manifest["signing_key"])


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


READ_ERRORS = (zipfile.BadZipFile, OSError, zlib.error, EOFError, ValueError, UnicodeDecodeError)


def _signature_problem(archive: zipfile.ZipFile, manifest_bytes: bytes, key: Ed25519PublicKey) -> Problem | None:
    try:
        signature = base64.b64decode(archive.read(MANIFEST_SIGNATURE).strip(), validate=True)
    except KeyError:
        return Problem(MANIFEST_SIGNATURE, "missing: the archive is not signed")
    except (*READ_ERRORS, binascii.Error) as error:
        return Problem(MANIFEST_SIGNATURE, f"unreadable: {error}")
    if not signature_holds(key, signature, manifest_bytes):
        return Problem(MANIFEST_SIGNATURE, f"the manifest was not signed by the key {fingerprint(key)[:16]}…: "
                                           "it was changed after signing, or signed by another key")
    return None


def manifest_digest(source) -> str | None:
    """The SHA-256 of the archive's manifest.json as it is (None when there is none to read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            return hashlib.sha256(archive.read(MANIFEST)).hexdigest()
    except (*READ_ERRORS, KeyError):
        return None


def verify(source, *, public_key: Ed25519PublicKey | None = None) -> list[Problem]:
    """Every problem with an archive (a path or bytes): unreadable, manifest missing, a file changed,
    missing or not listed; with `public_key`, a manifest it did not sign. An empty list means intact."""
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
        if public_key is not None and (unsigned := _signature_problem(archive, manifest_bytes, public_key)):
            problems.append(unsigned)
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
        for name in sorted(names - set(listed) - SEAL_FILES):
            problems.append(Problem(name, "not listed in the manifest"))
    return problems
