"""Opaque keyset cursors.

A cursor names the last item of a page by its keyset position (for articles the id, which sorts
in publication order; for sites and tags the domain or slug) and carries a fingerprint of the
filters it was made under, so a cursor pasted into a different query is refused instead of
silently skipping items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence

import orjson

CURSOR_VERSION = 1
DECIMAL = re.compile(r"-?[0-9]{1,19}")


class InvalidCursorError(ValueError):
    """The cursor is not one this server issued for this query."""


def filter_fingerprint(parts: Sequence[object]) -> str:
    return hashlib.blake2b(orjson.dumps(list(parts)), digest_size=6).hexdigest()


def encode_cursor(position: str, fingerprint: str) -> str:
    raw = orjson.dumps([CURSOR_VERSION, position, fingerprint])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, fingerprint: str) -> str:
    """The position a cursor names; InvalidCursorError unless this server made it for this query."""
    if len(cursor) > 600:
        raise InvalidCursorError("cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, position, made_for = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidCursorError("cursor is malformed") from None
    if version != CURSOR_VERSION:
        raise InvalidCursorError("cursor is from another version of this API")
    if made_for != fingerprint or not isinstance(position, str):
        raise InvalidCursorError("cursor was issued for a different query")
    return position


def decode_id_cursor(cursor: str, fingerprint: str) -> int:
    position = decode_cursor(cursor, fingerprint)
    # ASCII digits only: str.isdigit() accepts "²", which int() then refuses.
    if not DECIMAL.fullmatch(position) or not -(2**63) <= int(position) < 2**63:
        raise InvalidCursorError("cursor is malformed")
    return int(position)
