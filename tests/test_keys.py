"""API keys: shown once, stored hashed, revocable; readers cannot see them."""

from __future__ import annotations

import asyncpg
import pytest

from pressroom.access.keys import Scope, create_key, list_keys, revoke_key, verify_token
from pressroom.errors import PressroomError


async def test_a_key_verifies_until_revoked(writer: asyncpg.Connection) -> None:
    key, token = await create_key(writer, "  crawler   eu ", [Scope.WRITE])
    assert key.name == "crawler eu"
    assert key.scopes == ("write",)
    assert token.startswith(f"prk_{key.id}_")
    stored = await writer.fetchval(
        "SELECT secret_hash FROM pressroom.api_keys WHERE id = $1", key.id
    )
    assert token.split("_", 2)[2].encode() not in stored  # only the digest is kept
    verified = await verify_token(writer, token)
    assert verified is not None
    assert verified.id == key.id
    assert verified.last_used_at is None
    for forged in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        f"prk_{key.id}_",
        "prk",
        "",
        "x" * 500,
    ):
        assert await verify_token(writer, forged) is None
    await revoke_key(writer, key.id)
    assert await verify_token(writer, token) is None
    [listed] = [k for k in await list_keys(writer) if k.id == key.id]
    assert listed.revoked_at is not None
    assert listed.last_used_at is not None


async def test_revoking_an_unknown_key_says_so(writer: asyncpg.Connection) -> None:
    with pytest.raises(PressroomError, match="no API key"):
        await revoke_key(writer, "nosuchkey")


async def test_the_reader_role_cannot_read_keys(reader: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await reader.fetch("SELECT * FROM pressroom.api_keys")
