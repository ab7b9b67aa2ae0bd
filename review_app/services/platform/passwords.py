"""Password hashing: Argon2id with the parameters of the OWASP Password Storage Cheat Sheet (19 MiB of
memory, 2 passes, 1 lane; RFC 9106's memory-hard function). Hashes written by earlier versions (werkzeug's
scrypt at 32 MiB, below OWASP's scrypt minimum of 128 MiB, and three times the CPU) still verify and
are replaced at the next successful login."""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    """A new salted Argon2id hash of `password`."""
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. Without a stored hash (unknown user, account never
    activated) a dummy hash is still verified, so the answer takes as long and does not reveal the name."""
    if stored is None:
        verify_dummy(password)
        return False
    if not stored.startswith("$argon2"):
        return check_password_hash(stored, password)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for hashes of an older scheme or weaker parameters than the current ones."""
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)


def verify_dummy(password: str) -> None:
    try:
        _hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass


COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Whether `password` (in any case) is one of the 10,000 most frequent passwords of breach data
    (common_passwords.txt, shipped with the app): the first guesses of any attacker.

    >>> is_common("Password123"), is_common("Jiangsu-Kejiting-7")
    (True, False)
    """
    return password.strip().lower() in _common()


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password of anyone")
