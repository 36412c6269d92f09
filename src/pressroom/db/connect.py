"""Opening connections with a bounded wait and an error a person can act on."""

from __future__ import annotations

import math
import re

import psycopg
from psycopg.rows import TupleRow

from pressroom.errors import DatabaseUnavailableError

APPLICATION_NAME = "pressroom"


def redact(url: str) -> str:
    """A connection string without its password, for messages and logs: URL user info,
    `?password=` query parameters and `password=` key/value pairs alike."""
    url = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    url = re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)
    return re.sub(
        r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)", r"\1***", url, flags=re.IGNORECASE
    )


def connect_sync(
    url: str, timeout_s: float, *, autocommit: bool = True
) -> psycopg.Connection[TupleRow]:
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=max(1, math.ceil(timeout_s)),
            application_name=APPLICATION_NAME,
        )
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailableError(
            f"cannot connect to PostgreSQL at {redact(url)} within {timeout_s:g}s: {reason}"
        ) from None
