"""Reading the dashboard's HTML forms (application/x-www-form-urlencoded).

The forms are tiny and never upload files, so the standard library parses them; this spares a
multipart parser dependency and lets the body size be capped before anything is parsed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from pressroom.errors import PressroomError

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 256 * 1024  # an explained statement can be long; nothing else comes close
MAX_FIELDS = 32


class FormError(PressroomError):
    """The request body is not a form this dashboard sent (status: what to answer)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields; a field given twice keeps its last value."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError(f"the form is larger than {MAX_FORM_BYTES // 1024} kB", 413)
    if content_type != FORM_TYPE and not (body == b"" and content_type == ""):
        # An empty POST with no type is an empty form (a script's bare `curl -X POST`).
        raise FormError(f"expected a form ({FORM_TYPE})", 415)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise FormError("the form could not be read") from None
    return dict(pairs)
