"""Who can log in, in which role, bound to which city or expert record."""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import enum_type, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    CITY = "city"
    EXPERT = "expert"
    AUDITOR = "auditor"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=128)
    password_hash: str | None = Field(default=None, max_length=256)
    role: Role = Field(sa_type=enum_type(Role))
    # A city account sees one city; an expert account is one expert record.
    city_id: int | None = Field(default=None, foreign_key="cities.id")
    expert_id: int | None = Field(default=None, foreign_key="experts.id", unique=True)
    # Where notifications reach the user besides the in-app centre (an expert's come from the pool).
    email: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    is_active: bool = True
    must_change_password: bool = False
    # Changing it signs out every session of the user (logout, password change).
    session_nonce: str = Field(default_factory=lambda: secrets.token_hex(8), max_length=32)
    failed_logins: int = 0
    locked_until: datetime | None = None
    # Sealed with Fernet (services/platform/sealing.py), never stored in clear.
    totp_secret: str | None = Field(default=None, max_length=255)
    last_login_at: datetime | None = None
    last_login_ip: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login protocol: the id carries the nonce so that old cookies stop working.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"


class UserToken(SQLModel, table=True):
    """A one-time link (account activation, password reset); only its hash is stored."""

    __tablename__ = "user_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
