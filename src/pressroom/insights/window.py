"""Time windows as people type them: `1h`, `90m`, `7d`, `2w`, or an ISO 8601 timestamp.

The CLI's `--since/--until` and the dashboard's window selector both read them here, so the two
faces accept exactly the same spellings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pressroom.errors import PressroomError

RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}
# Far enough back for any snapshot retention, short of overflow in timedelta arithmetic.
MAX_RELATIVE = timedelta(days=3650)


class WindowError(PressroomError):
    pass


def assume_utc(moment: datetime) -> datetime:
    """`moment` with a time zone: a naive one is taken to be UTC, as everywhere in the doctor."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_moment(text: str | None, now: datetime | None = None) -> datetime | None:
    """`text` as an aware datetime: a duration before `now`, or an ISO timestamp (UTC if no
    zone is given). None or blank means no bound."""
    if text is None or not text.strip():
        return None
    now = now or datetime.now(UTC)
    relative = RELATIVE.match(text)
    if relative:
        seconds = float(relative[1]) * UNITS[relative[2].lower()]
        # Compared as a number first: a huge one would overflow timedelta itself.
        if seconds > MAX_RELATIVE.total_seconds():
            raise WindowError(f"{text!r} reaches back more than ten years")
        return now - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WindowError(
            f"{text!r} is not a time: use a duration such as 1h, 30m, 7d, 2w, or an ISO 8601 "
            "timestamp such as 2026-11-21T08:00:00Z"
        ) from None
    return assume_utc(moment)


def parse_window(
    since: str | None, until: str | None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    now = now or datetime.now(UTC)
    start, end = parse_moment(since, now), parse_moment(until, now)
    if start is not None and end is not None and start >= end:
        raise WindowError("the window's start must come before its end")
    return start, end
