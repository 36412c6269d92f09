"""Dashboard sessions: who pasted which admin key, kept on the server.

The cookie holds only a random session id (256 bits); the key itself never leaves the login
request. Sessions live in this process's memory, which is what the dashboard needs: it runs as one
process, a restart logs everyone out (harmless), and logging out or revoking the key ends a
session at once instead of when a signed cookie expires.

Each session carries its own anti-CSRF token, which every form posts back; together with the
SameSite=Strict cookie it keeps another site from making an admin's browser cancel backends.
A session rechecks its key every `RECHECK_S`, so revoking the key or removing its admin scope
logs the browser out within a minute.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

COOKIE = "pressroom_dashboard"
LOGIN_COOKIE = "pressroom_login"  # double-submit token of the login form, before any session
COOKIE_PATH = "/dashboard"
IDLE_TIMEOUT_S = 8 * 3600
MAX_AGE_S = 24 * 3600
RECHECK_S = 60.0
MAX_SESSIONS = 1000  # the oldest are dropped beyond this: memory stays bounded


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty or missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(slots=True)
class Session:
    id: str
    key_id: str
    key_name: str
    csrf: str
    created: float
    last_seen: float
    checked: float
    # Messages to show on the next page, after an action redirected there.
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def flash(self, level: str, message: str) -> None:
        self.flashes.append((level, message))

    def take_flashes(self) -> list[tuple[str, str]]:
        taken, self.flashes = self.flashes, []
        return taken


class SessionStore:
    def __init__(
        self, idle_timeout_s: float = IDLE_TIMEOUT_S, max_age_s: float = MAX_AGE_S
    ) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.max_age_s = max_age_s
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, key_id: str, key_name: str) -> Session:
        now = time.monotonic()
        session = Session(new_token(), key_id, key_name, new_token(), now, now, now)
        self._sessions[session.id] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, touched; None if unknown or expired."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_seen > self.idle_timeout_s or now - session.created > self.max_age_s:
            self.drop(session.id)
            return None
        session.last_seen = now
        return session

    def drop(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def drop_key(self, key_id: str) -> None:
        """End every session opened with this key (it was revoked or lost its scope)."""
        for session_id in [s.id for s in self._sessions.values() if s.key_id == key_id]:
            self.drop(session_id)
