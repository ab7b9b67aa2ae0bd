"""The installation's archive signing key: an Ed25519 key pair kept in SHARED_DIR (the instance folder
unless several app servers share one database), made on first use. The private key
(`archive_signing_key.pem`, mode 0600) signs each round archive's manifest; the public key
(`archive_signing_key.pub.pem`) checks it, here or wherever a copy of it is kept (the supervision
office's own copy is what makes a signature worth more than the archive it came with).

Whoever holds the private key can sign a forged archive: its custody (file permissions, backups kept apart,
an offline copy of the public key) belongs to the deployment; see the README's security section.
"""

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import ServiceError

PRIVATE_FILE = "archive_signing_key.pem"
PUBLIC_FILE = "archive_signing_key.pub.pem"


class SigningKeyError(ServiceError):
    """The signing key cannot be read or made; the message says which file."""


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key: how the manifest and the audit event name the key that signed."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _write_new(path: Path, data: bytes, mode: int) -> bool:
    """Create `path` with `mode` and `data`; False when it exists already (another process made it first)."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.chmod(path, mode)  # whatever the umask
    return True


def instance_key(instance_path: str | Path) -> Ed25519PrivateKey:
    """The installation's private key, made (with its public key beside it) when there is none yet."""
    folder = Path(instance_path)
    private_path = folder / PRIVATE_FILE
    try:
        if not private_path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            if _write_new(private_path, pem, 0o600):
                _write_new(folder / PUBLIC_FILE, public_pem(key.public_key()), 0o644)
                return key
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"{private_path}: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{private_path}: not an Ed25519 private key")
    return key


def load_public(path: str | Path) -> Ed25519PublicKey:
    """A public key from a PEM file (the instance's, or a copy given to `archive-verify --public-key`)."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"{path}: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key")
    return key


def instance_public_key(instance_path: str | Path) -> Ed25519PublicKey | None:
    """The installation's public key, or None when it has never signed an archive."""
    folder = Path(instance_path)
    if (folder / PUBLIC_FILE).exists():
        return load_public(folder / PUBLIC_FILE)
    if (folder / PRIVATE_FILE).exists():
        return instance_key(folder).public_key()
    return None


def signature_holds(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
