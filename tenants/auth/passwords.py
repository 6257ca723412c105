"""argon2 hashing and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from integrations.errors import Invalid

_hasher = PasswordHasher()
# Verifying against this keeps the time of an unknown e-mail equal to a wrong password.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_policy(password: str, *, email: str = "") -> None:
    """A weak password is refused with a message that says what to change."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise Invalid(f"password: at least {MIN_LENGTH} characters", code="weak_password", min=MIN_LENGTH)
    if len(password) > 256:
        raise Invalid("password: at most 256 characters", code="weak_password")
    kinds = sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                 any(c.isdigit() for c in password), any(not c.isalnum() for c in password)])
    if kinds < 2 or len(set(password)) < 5:
        raise Invalid("password: mix letters with digits or symbols", code="weak_password")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in password.lower():
        raise Invalid("password: must not contain your e-mail", code="weak_password")
