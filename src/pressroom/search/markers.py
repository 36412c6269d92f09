"""Marker lexemes: where and when an article was published, as words of its search terms.

pressroom.search_markers() (migration 0011) gives every document '§y2026', '§m2026-11' and
'§d2026-11-21' for its UTC publication day, '§c202' for its decade, '§s12' for its site and
'§lfa' for its language. No parser keeps a '§', so no word of a text or a query is ever one of
them. A filter written as markers is a GIN scan key of its own, and GIN skips through the
posting list of a search's words to the documents the markers allow: a very common word costs
what its matches inside the window cost, not what all of its matches cost.

A span of time becomes the fewest markers that cover it, whole days at least (the exact bounds
stay ordinary conditions on published_at): days up to a month boundary, then months, years and
decades, and back down at the end. A week is at most eight day markers, five years about eighty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# published_at must lie in [1900, 2100) (articles_published_at_range): the whole of time.
FIRST_DAY = date(1900, 1, 1)
END_DAY = date(2100, 1, 1)


def lexeme(text: str) -> str:
    """`text` as one quoted tsquery lexeme, whatever it holds."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def language_marker(language: str) -> str:
    return lexeme(f"§l{language}")


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _day_of(moment: datetime, *, round_up: bool) -> date:
    utc = moment.astimezone(UTC)
    day = utc.date()
    if round_up and utc.time() != time():
        day += timedelta(days=1)
    return min(max(day, FIRST_DAY), END_DAY)


def _cover(first: date, end: date) -> list[str]:
    """The fewest day, month, year and decade markers covering the days [first, end)."""
    markers: list[str] = []
    day = first
    while day < end:
        if day.day == 1 and day.month == 1:
            if day.year % 10 == 0 and date(day.year + 10, 1, 1) <= end:
                markers.append(f"§c{day.year // 10}")
                day = date(day.year + 10, 1, 1)
                continue
            if date(day.year + 1, 1, 1) <= end:
                markers.append(f"§y{day.year}")
                day = date(day.year + 1, 1, 1)
                continue
        if day.day == 1 and _next_month(day) <= end:
            markers.append(f"§m{day:%Y-%m}")
            day = _next_month(day)
            continue
        markers.append(f"§d{day:%Y-%m-%d}")
        day += timedelta(days=1)
    return markers


def time_markers(start: datetime | None, end: datetime | None) -> str | None:
    """A tsquery matching every document published in [start, end) (and a few more of the days
    at its edges); None for a span open towards the past, which markers would not narrow."""
    if start is None:
        return None
    first = _day_of(start, round_up=False)
    last = END_DAY if end is None else _day_of(end, round_up=True)
    markers = _cover(first, last)
    if not markers:
        # An empty span: a marker nothing has, so the query finds nothing, as it should.
        return lexeme("§none")
    return " | ".join(lexeme(marker) for marker in markers)
