"""JSON bodies serialised with orjson, with a strong ETag and the route's Cache-Control.

The ETag is a hash of the exact bytes, so it is strong by construction; a request whose
If-None-Match names it gets 304 with no body.
"""

from __future__ import annotations

import hashlib

import orjson
from fastapi import Request
from starlette.responses import Response

# Lists change whenever an article is published; single articles and sites rarely do.
CACHE_LIST = "public, max-age=10, stale-while-revalidate=30"
CACHE_ITEM = "public, max-age=60, stale-while-revalidate=300"
CACHE_DIRECTORY = "public, max-age=300, stale-while-revalidate=600"
NO_STORE = "no-store"


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


def encoded(payload: object) -> tuple[bytes, str]:
    """The JSON body of a payload and its strong ETag."""
    body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
    return body, _etag(body)


def if_match_holds(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: strong comparison, so a weak tag never matches."""
    if if_match.strip() == "*":
        return True
    return etag in (tag.strip() for tag in if_match.split(","))


def json_response(
    request: Request,
    payload: object,
    cache_control: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body, etag = encoded(payload)
    headers = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if status_code == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code, media_type="application/json", headers=headers)
