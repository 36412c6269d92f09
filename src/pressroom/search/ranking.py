"""How search results are ordered, and how far back a search has to look.

    score = relevance × freshness
    relevance = max(min(ts_rank_cd(head, query), 1), 0.1)
    freshness = 2 ^ (-age / half_life), age = max(0, as_of - published_at)

Relevance is cover density over the title (weight A, 1.0), the summary (B, 0.4) and the tags
(C, 0.2): how many of the words are there, how highly weighted, how close together. A title
holding the search scores 1 (two words four apart, 0.25); more than that adds nothing, since a
headline cannot be more about something than entirely. An article that matches only in its body
gets 0.1, the weight of D. Ranking reads only the document's head (title, summary, tags), which
lives in the row: ranking on its terms, body included, would fetch and decompress every
candidate's body-sized vector from TOAST, which measured 35 µs a row, most of a search's time.

Freshness halves every half-life (7 days unless configured): news readers want the newest
relevant articles, and a multiplicative decay keeps relevance deciding among articles of the
same days while an old article must be much more relevant to beat a new one.

Because relevance ≤ 1, no article older than t can score more than freshness(t). A search
therefore reads time windows newest first and stops as soon as its k-th best score is at least
the bound of everything older. A very common word fills its k results in the first days and
stops there, instead of ranking every article that contains it; a rare word reads all windows,
but then there are few articles to rank. The first window is the last two days, the second the
rest of the week, and each after that reaches twice as far back as the last (14, 28... days);
pressroom.search_windows() (migrations 0014, 0017, 0018, 0019) reads the first alone, then two
at a time until its page is full, then one at a time, and that one only from the moment where
freshness falls to the k-th best score: a common word that ends a window just short of the
bound reads the next few days, not the next few months. A match whose head does not hold the
search has relevance 0.1, so it drops out of a full page log2(10) half-lives sooner; past that
moment only the matches whose heads hold the search are read, from the heads' own index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

# Every search matches a document's terms (pressroom.search_documents, migration 0011); the
# score above is computed by pressroom.search_windows() (migration 0017) from its head.
MATCH_VECTOR = "d.terms"

# The newest two days first: a very common word or phrase (a fifth of the articles or more)
# finds its best twenty there, and a first week of it scored every match of the week (measured
# on the million articles: 1.5 ms against 4.4 for a word in 60% of them). Then the weeks.
LEAD_WINDOW = timedelta(days=2)
FIRST_WINDOW = timedelta(days=7)
WINDOW_GROWTH = 2
LAST_BOUNDED_WINDOW = timedelta(days=7 * 2**8)  # 1,792 days; then everything older


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime | None  # inclusive; None: no lower bound
    end: datetime | None  # exclusive; None: no upper bound


# Freshness stops halving after this many half-lives (19 years at 7 days), here and in
# pressroom.search_windows() (migrations 0013, 0014, 0017): PostgreSQL's power() raises an error where a
# double underflows, at 2^-1075, and published_at may lie two centuries back.
MAX_HALF_LIVES = 1000.0


def freshness(age: timedelta, half_life: timedelta) -> float:
    age_s = max(age.total_seconds(), 0.0)
    return float(2.0 ** -min(age_s / half_life.total_seconds(), MAX_HALF_LIVES))


def windows(as_of: datetime, start: datetime | None, end: datetime | None) -> Iterator[Window]:
    """Newest first, enough to cover a search limited to [start, end) (None: unbounded).

    Boundaries fall on UTC midnights, counted back from the end of as_of's day: the first
    window holds the last 2 days (and is open towards the future, for articles dated ahead),
    the next the rest of the last 7; each boundary after that is twice as far back as the last
    (14, 28, ... 1,792 days), then everything older. Whole days are what the day, month and
    year markers of documents can select (search/markers.py).
    """
    day_end = datetime.combine(as_of.astimezone(UTC).date(), time(), UTC) + timedelta(days=1)
    upper: datetime | None = None
    spans = [LEAD_WINDOW]
    span = FIRST_WINDOW
    while span <= LAST_BOUNDED_WINDOW:
        spans.append(span)
        span *= WINDOW_GROWTH
    for span in spans:
        boundary = day_end - span
        if end is None or boundary < end:
            yield Window(boundary, upper)
        if start is not None and boundary <= start:
            return
        upper = boundary
    yield Window(None, upper)


def older_bound(window: Window, as_of: datetime, half_life: timedelta) -> float:
    """The best score any article older than the window can have."""
    if window.start is None:
        return 0.0
    return freshness(as_of - window.start, half_life)
