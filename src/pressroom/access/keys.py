"""API keys: who may write.

A key is shown once, when it is created: `prk_<id>_<secret>`. The id is public (it names the
key in lists, logs and event metadata); the secret is 256 random bits, stored only as its
SHA-256, so a leaked table reveals no usable key. Comparing digests takes constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from pressroom.errors import PressroomError

PREFIX = "prk"
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class Scope(StrEnum):
    WRITE = "write"
    # The dashboard and the doctor's actions: query text, cancelling backends, creating indexes.
    ADMIN = "admin"


class KeyNotFoundError(PressroomError):
    pass


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "scopes": list(self.scopes),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "last_used_at": self.last_used_at,
        }


CREATE = """
INSERT INTO pressroom.api_keys (id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4)
RETURNING *
"""
FIND = "SELECT * FROM pressroom.api_keys WHERE id = $1"
LIST = "SELECT * FROM pressroom.api_keys ORDER BY created_at, id"
REVOKE = """
UPDATE pressroom.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
RETURNING *
"""
# At most one write per key per minute, however busy the key.
TOUCH = """
UPDATE pressroom.api_keys SET last_used_at = now()
 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
"""


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _key(row: asyncpg.Record) -> ApiKey:
    return ApiKey(
        row["id"],
        row["name"],
        tuple(row["scopes"]),
        row["created_at"],
        row["revoked_at"],
        row["last_used_at"],
    )


async def create_key(
    conn: asyncpg.Connection, name: str, scopes: list[Scope]
) -> tuple[ApiKey, str]:
    """A new key and its token; the token is not stored and cannot be shown again."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise PressroomError("a key's name must have 1 to 200 characters")
    key_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)
    row = await conn.fetchrow(
        CREATE, key_id, name, _digest(secret), sorted({scope.value for scope in scopes})
    )
    assert row is not None
    return _key(row), f"{PREFIX}_{key_id}_{secret}"


async def verify_token(conn: asyncpg.Connection, token: str) -> ApiKey | None:
    """The active key the token belongs to, or None."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret or len(token) > 200:
        return None
    row = await conn.fetchrow(FIND, key_id)
    if row is None or not hmac.compare_digest(row["secret_hash"], _digest(secret)):
        return None
    key = _key(row)
    if not key.active:
        return None
    await conn.execute(TOUCH, key_id)
    return key


async def list_keys(conn: asyncpg.Connection) -> list[ApiKey]:
    return [_key(row) for row in await conn.fetch(LIST)]


async def revoke_key(conn: asyncpg.Connection, key_id: str) -> ApiKey:
    row = await conn.fetchrow(REVOKE, key_id)
    if row is None:
        raise KeyNotFoundError(f"no API key with id {key_id!r}")
    return _key(row)
