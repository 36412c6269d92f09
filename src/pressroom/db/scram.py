"""SCRAM-SHA-256 verifiers computed client-side (RFC 5802, RFC 7677, as PostgreSQL stores them).

Sending `ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'` means the password itself never reaches
the server, so it cannot end up in pg_stat_statements or a statement log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

ITERATIONS = 4096  # PostgreSQL's default scram_iterations


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS
) -> str:
    # Generated passwords are ASCII, for which SASLprep changes nothing.
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"
