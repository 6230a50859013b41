"""Passwords and client secrets: argon2id hashes (argon2-cffi), computed off the event loop."""

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from medins.errors import UnprocessableInput

_hasher = PasswordHasher()
#: verified when the account does not exist, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


def check_password_policy(password: str) -> None:
    """At least 10 characters, with letters and digits."""
    if (
        len(password) < MIN_PASSWORD_LENGTH
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise UnprocessableInput(
            f"密码至少 {MIN_PASSWORD_LENGTH} 位，且须同时包含字母和数字", code="weak_password", title="密码强度不足"
        )


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret_sync(secret_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_secret(secret_hash: str | None, secret: str) -> bool:
    return await asyncio.to_thread(verify_secret_sync, secret_hash, secret)


async def hash_secret_async(secret: str) -> str:
    return await asyncio.to_thread(hash_secret, secret)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
