"""Secrets kept in the database encrypted (Fernet: AES-128-CBC with HMAC-SHA256, from `cryptography`):
today the accounts' TOTP secrets. The key is derived from the app's SECRET_KEY (HKDF-SHA256, its own
purpose label), so every worker that can read sessions can read them and a copy of the database alone
cannot. Changing SECRET_KEY therefore makes enrolled authenticators unreadable: the centre then resets
each account's second factor and its owner enrols again.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSE = b"review-app totp-secret v1"


class Unreadable(Exception):
    """A sealed value that this key did not seal (another SECRET_KEY, or an altered value)."""


def fernet(secret_key: str | bytes) -> Fernet:
    """The Fernet key derived from `secret_key` (the app's SECRET_KEY)."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(raw)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret_key: str | bytes, value: str) -> str:
    return fernet(secret_key).encrypt(value.encode()).decode("ascii")


def unseal(secret_key: str | bytes, sealed: str) -> str:
    try:
        return fernet(secret_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise Unreadable from error


def is_sealed(value: str) -> bool:
    """Fernet tokens start with version byte 0x80, "gAAAAA" in base64; a base32 TOTP secret never does."""
    return value.startswith("gAAAAA")
