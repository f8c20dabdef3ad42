"""Password hashing, token hashing and encryption of stored secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def hash_token(token: str) -> str:
    """SHA-256 of an API token: tokens are long and random, so a slow hash buys nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def fernet_for(secret_key: str, purpose: str) -> Fernet:
    """A Fernet derived from the secret key, one per purpose so keys are never shared."""
    # Imported here: only stored platform credentials need it, and it is slow to import.
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(f"shortops:{purpose}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
