"""Who may use the dashboard: holders of an API key with the admin scope.

Browsers log in once (the key is pasted into the login form) and then carry a session cookie:
HttpOnly, SameSite=Strict, Path=/dashboard, holding only a random session id. Scripts send the
key as `Authorization: Bearer <key>` on every request instead. A missing, unknown or revoked key
is 401 (a browser is sent to the login page); a valid key without the admin scope is 403.

Every POST from a session must carry the session's anti-CSRF token in its `csrf` field. Bearer
requests need none: a browser never attaches an Authorization header to a cross-site request by
itself, so a forged request cannot carry the key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg
from starlette.requests import Request

from pressroom.access.keys import Scope, verify_token
from pressroom.errors import PressroomError
from pressroom.web.database import Pool
from pressroom.web.sessions import COOKIE, RECHECK_S, Session, SessionStore, tokens_match

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pressroom dashboard"'}
# Only what a recheck needs: whether the key still exists, is active and still has the scope.
KEY_STANDING = "SELECT scopes, revoked_at IS NULL AS active FROM pressroom.api_keys WHERE id = $1"


class AuthError(PressroomError):
    """The request may not see the dashboard (status 401 or 403), with a message saying why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class CsrfError(PressroomError):
    """A session's POST without the right anti-CSRF token."""


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    key_name: str
    session: Session | None  # None: authenticated by a Bearer header

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


async def check_key(keys: Pool, token: str) -> tuple[str, str]:
    """The id and name of the admin key this token is, or AuthError."""
    if not token:
        raise AuthError("an admin API key is required", 401)
    async with keys.connection() as conn:
        key = await verify_token(conn, token)
    if key is None:
        raise AuthError("the API key is unknown or revoked", 401)
    if Scope.ADMIN.value not in key.scopes:
        raise AuthError(
            f"the API key {key.id} has no admin scope; create one with "
            "`pressroom keys create NAME --scope admin`",
            403,
        )
    return key.id, key.name


async def _still_admin(keys: Pool, session: Session) -> bool:
    async with keys.connection() as conn:
        try:
            row = await conn.fetchrow(KEY_STANDING, session.key_id)
        except asyncpg.UndefinedTableError:
            return False
    return row is not None and row["active"] and Scope.ADMIN.value in row["scopes"]


async def authenticate(request: Request, keys: Pool, sessions: SessionStore) -> Principal:
    """The admin behind this request, or AuthError."""
    token = bearer_token(request)
    if token is not None:
        key_id, key_name = await check_key(keys, token)
        return Principal(key_id, key_name, None)
    session = sessions.get(request.cookies.get(COOKIE))
    if session is None:
        raise AuthError("log in with an admin API key", 401)
    if time.monotonic() - session.checked > RECHECK_S:
        if not await _still_admin(keys, session):
            sessions.drop_key(session.key_id)
            raise AuthError("the API key of this session was revoked or lost its admin scope", 401)
        session.checked = time.monotonic()
    return Principal(session.key_id, session.key_name, session)


def check_csrf(principal: Principal, form: dict[str, str]) -> None:
    if principal.session is None:
        return
    if not tokens_match(form.get("csrf"), principal.session.csrf):
        raise CsrfError(
            "this form did not come from your dashboard session (or the session changed): "
            "reload the page and try again"
        )
