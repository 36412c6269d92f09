"""How search results are ordered, and how far back a search has to look.

    score = relevance × freshness
    relevance = max(min(ts_rank_cd(head_vector || tag_vector, query), 1), 0.1)
    freshness = 2 ^ (-age / half_life), age = max(0, as_of - published_at)

Relevance is cover density over the title (weight A, 1.0), the summary (B, 0.4) and the tags
(C, 0.2): how many of the words are there, how highly weighted, how close together. A title
holding the search scores 1 (two words four apart, 0.25); more than that adds nothing, since a
headline cannot be more about something than entirely. An article that matches only in its body
gets 0.1, the weight of D. Ranking reads only the head and tag vectors, which live in the row:
ranking on the body vector too would fetch and decompress every candidate's body-sized vector
from TOAST, which measured 35 µs a row, most of a search's time.

Freshness halves every half-life (7 days unless configured): news readers want the newest
relevant articles, and a multiplicative decay keeps relevance deciding among articles of the
same days while an old article must be much more relevant to beat a new one.

Because relevance ≤ 1, no article older than t can score more than freshness(t). A search
therefore reads time windows newest first, each four times longer than the last, and stops as
soon as its k-th best score is at least the bound of everything older. A very common word fills
its k results in the first window or two and stops there, instead of ranking every article
that contains it; a rare word reads all windows, but then there are few articles to rank.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

# Every search matches this and ranks on the part of it that lives in the row.
MATCH_VECTOR = "(a.head_vector || a.tag_vector || a.body_vector)"
RANK_VECTOR = "(a.head_vector || a.tag_vector)"
BODY_ONLY_RELEVANCE = 0.1

FIRST_WINDOW = timedelta(days=7)
WINDOW_GROWTH = 4
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime | None  # inclusive; None: no lower bound
    end: datetime | None  # exclusive; None: no upper bound


def freshness(age: timedelta, half_life: timedelta) -> float:
    age_s = max(age.total_seconds(), 0.0)
    return float(2.0 ** (-age_s / half_life.total_seconds()))


def windows(as_of: datetime, start: datetime | None, end: datetime | None) -> Iterator[Window]:
    """Newest first, covering [start, end) (None: unbounded). The first window is open towards
    the future, so articles dated ahead (time zones, embargoes) are found too."""
    upper = end
    span = FIRST_WINDOW
    boundary = as_of - span
    while start is None or boundary > start:
        if upper is None or boundary < upper:
            yield Window(boundary, upper)
            upper = boundary
        span *= WINDOW_GROWTH
        if span > timedelta(days=365 * 200):
            break
        boundary = as_of - span
    yield Window(start, upper)


def older_bound(window: Window, as_of: datetime, half_life: timedelta) -> float:
    """The best score any article older than the window can have."""
    if window.start is None:
        return 0.0
    return freshness(as_of - window.start, half_life)
