"""Marker lexemes: where and when an article was published, as words of its search terms.

pressroom.search_markers() (migrations 0011, 0022) gives every document '§s12' for its site,
'§lfa' for its language, and for its UTC publication day one block of each size: 1, 2, 4, ...
65,536 days, counted from 1900-01-01. The block of 2^k days holding day n is '§t{k}.{n >> k}'.
No parser keeps a '§', so no word of a text or a query is ever one of them. A filter written
as markers is a GIN scan key of its own, and GIN skips through the posting list of a search's
words to the documents the markers allow: a very common word costs what its matches inside the
window cost, not what all of its matches cost.

A span of time becomes the fewest blocks that cover it, whole days at least (the exact bounds
stay ordinary conditions on published_at): at most two of each size, and about five for a
window of a few weeks. GIN pays for every marker of a key at every candidate it checks, and
the day, month, year and decade markers these replaced made a window of a few weeks 14 to 42
markers (migration 0022 has the measurements).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

# published_at must lie in [1900, 2100) (articles_published_at_range): the whole of time.
FIRST_DAY = date(1900, 1, 1)
END_DAY = date(2100, 1, 1)
# Blocks of 1, 2, 4 ... 2^TOP_BLOCK days (migration 0022): two of the largest hold all of time.
TOP_BLOCK = 16
ALL_DAYS = 2 << TOP_BLOCK


def lexeme(text: str) -> str:
    """`text` as one quoted tsquery lexeme, whatever it holds."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def language_marker(language: str) -> str:
    return lexeme(f"§l{language}")


def block(size_log2: int, index: int) -> str:
    """The marker of the index-th block of 2^size_log2 days since FIRST_DAY."""
    return f"§t{size_log2}.{index}"


def _day_number(day: date) -> int:
    return (day - FIRST_DAY).days


def _day_of(moment: datetime, *, round_up: bool) -> date:
    utc = moment.astimezone(UTC)
    day = utc.date()
    if round_up and utc.time() != time():
        day += timedelta(days=1)
    return min(max(day, FIRST_DAY), END_DAY)


def _cover(first: int, end: int) -> list[str]:
    """The fewest blocks covering the days [first, end), numbered from FIRST_DAY: from each day
    on, the largest block that starts there and ends by `end`."""
    markers: list[str] = []
    day = first
    while day < end:
        size_log2 = 0
        while (
            size_log2 < TOP_BLOCK and day % (2 << size_log2) == 0 and day + (2 << size_log2) <= end
        ):
            size_log2 += 1
        markers.append(block(size_log2, day >> size_log2))
        day += 1 << size_log2
    return markers


def time_markers(start: datetime | None, end: datetime | None) -> str | None:
    """A tsquery matching every document published in [start, end) (and a few more of the days
    at its edges); None for a span open towards the past, which markers would not narrow."""
    if start is None:
        return None
    first = _day_number(_day_of(start, round_up=False))
    # Open towards the future: to the end of the largest blocks, past END_DAY (nothing is
    # published there), which takes fewer of them than stopping at END_DAY.
    last = ALL_DAYS if end is None else _day_number(_day_of(end, round_up=True))
    markers = _cover(first, last)
    if not markers:
        # An empty span: a marker nothing has, so the query finds nothing, as it should.
        return lexeme("§none")
    return " | ".join(lexeme(marker) for marker in markers)
