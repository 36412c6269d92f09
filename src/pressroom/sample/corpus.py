"""Deterministic synthetic news corpus: sites, articles and their JSONL form.

Article ``i`` is a pure function of (seed, number of sites, i, start, end): it draws from its
own ``Random`` seeded with a stable integer mix of the seed and ``i``, so a corpus is a prefix
of every larger corpus and output never depends on the run, the machine or hash randomisation.
Only integer arithmetic, IEEE-exact float operations and ``math.sqrt`` feed decisions, so libm
differences between platforms cannot change a byte.

Site naming lives in ``sites``, article text in ``text`` and the seeded streams both draw from
in ``random_streams``; this module places articles on sites and in time and gives them URLs,
tags, authors and metadata.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from random import Random
from typing import BinaryIO
from urllib.parse import quote

import orjson

from pressroom.sample import vocabulary as vocab
from pressroom.sample.random_streams import (
    ARTICLE_SALT,
    SITE_SALT,
    choice,
    mix64,
    new_rng,
    pick,
    stream_base,
)
from pressroom.sample.sites import SampleSite, SiteProfile, site_profile, unique_site
from pressroom.sample.text import article_text

DEFAULT_START = datetime(2015, 1, 1, tzinfo=UTC)
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)

FA_SHARE = 0.6
SAME_SECOND_SHARE = 0.015
URL_NOISE_SHARE = 0.05
AUTHORLESS_SHARE = 0.10
IMAGE_SHARE = 0.75

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# i -> id is a bijection on [0, _ID_SPAN) because the stride is coprime with the span.
_ID_SPAN, _ID_STRIDE = 90_000_000, 48_271
_EN_SLUG = re.compile(r"[^a-z0-9]+")
_FA_SLUG = re.compile(r"[^\w\u200c]+")
_SECTION_CUM = tuple(itertools.accumulate(vocab.SECTION_WEIGHTS))
_TAG_COUNT_CUM = (8, 20, 40, 62, 80, 92, 100)  # 0..6 tags, 3 the most common


@dataclass(frozen=True, slots=True)
class SampleArticle:
    url: str
    site: str
    title: str
    summary: str
    body: str
    language: str
    author: str | None
    published_at: datetime
    tags: tuple[str, ...]
    metadata: dict[str, object]

    def to_json_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "language": self.language,
            "author": self.author,
            "published_at": _iso(self.published_at),
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
        }


def sample_sites(count: int, seed: int = 0) -> list[SampleSite]:
    """``count`` sites with unique domains, 3 in 5 Persian; prefix-stable in ``count``."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng, base = new_rng(), stream_base(seed, SITE_SALT)
    sites: list[SampleSite] = []
    taken: set[str] = set()
    for index in range(count):
        rng.seed(mix64(base ^ index))
        sites.append(unique_site(rng, "fa" if index * 3 % 5 < 3 else "en", index, taken))
    return sites


def generate_articles(
    count: int,
    sites: int = 20,
    seed: int = 0,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
    *,
    by_time: bool = False,
) -> Iterator[SampleArticle]:
    """Lazily yield ``count`` articles published in [start, end) on ``sites`` sites.

    Arguments are checked at once, not on the first ``next()``. ``seed`` is taken modulo 2**64.

    ``by_time`` yields the same articles oldest first (ties by index). A live system receives
    news about as it is published, so its rows, and the postings of its indexes, lie roughly
    in publication order, and the articles of any recent span sit together at the end. The
    sample corpus is loaded this way: in index order, which is random in time, the articles of
    one week would be scattered over every page of every table and index, which no news feed
    produces. Only each article's placement is drawn up front (about 10 s and 100 MB for a
    million).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    generator = _Generator(sites, seed, start, end)
    order = sorted(range(count), key=generator.offset) if by_time else range(count)
    return map(generator.article, order)


def write_jsonl(articles: Iterable[SampleArticle], stream: BinaryIO) -> int:
    """Write one JSON object per line; returns the number of rows written."""
    rows, batch = 0, []
    for article in articles:
        batch.append(orjson.dumps(article.to_json_dict(), option=orjson.OPT_APPEND_NEWLINE))
        rows += 1
        if len(batch) == 64:  # fewer, larger writes: the stream may be an unbuffered pipe
            stream.write(b"".join(batch))
            batch.clear()
    stream.write(b"".join(batch))
    return rows


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:19] + "Z"


def _ceil_seconds(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {moment!r}")
    delta = moment - _EPOCH
    return delta.days * 86_400 + delta.seconds + (delta.microseconds > 0)


class _Generator:
    def __init__(self, sites: int, seed: int, start: datetime, end: datetime) -> None:
        if sites < 1:
            raise ValueError(f"sites must be >= 1, got {sites}")
        self._start = _ceil_seconds(start)
        self._span = _ceil_seconds(end) - self._start
        if self._span <= 0:
            raise ValueError(f"start {start} must be at least a second before end {end}")
        all_sites = sample_sites(sites, seed)
        self._profiles = [site_profile(site, i, seed) for i, site in enumerate(all_sites)]
        # Within a language earlier sites publish more: a few big outlets dominate any crawl.
        self._by_language: dict[str, tuple[list[int], list[int]]] = {}
        for index, site in enumerate(all_sites):
            indexes, cumulative = self._by_language.setdefault(site.language, ([], []))
            indexes.append(index)
            cumulative.append((cumulative[-1] if cumulative else 0) + 720_720 // len(indexes))
        self._base = stream_base(seed, ARTICLE_SALT)
        self._id_offset = self._base % _ID_SPAN
        self._rng, self._aux = new_rng(), new_rng()

    def article(self, index: int) -> SampleArticle:
        rng = self._rng
        rng.seed(mix64(self._base ^ index))
        profile, offset = self._placement(rng, index)
        language = profile.site.language
        section = vocab.SECTIONS[pick(_SECTION_CUM, rng)]
        first, last = vocab.FIRST_NAMES[language], vocab.LAST_NAMES[language]
        person = f"{choice(first, rng)} {choice(last, rng)}"
        city = choice(vocab.CITIES[language], rng)
        title, summary, body, words = article_text(rng, language, section, person, city)
        tags = tuple(rng.sample(_tag_pool(language, section), pick(_TAG_COUNT_CUM, rng)))
        author = None if rng.random() < AUTHORLESS_SHARE else choice(profile.authors, rng)
        published = _EPOCH + timedelta(seconds=self._start + offset)
        article_id = self._article_id(index)
        path = _path(profile, article_id, section, title, published)
        return SampleArticle(
            url=_url(rng, profile.site.domain, path),
            site=profile.site.domain,
            title=title,
            summary=summary,
            body=body,
            language=language,
            author=author,
            published_at=published,
            tags=tags,
            metadata=_metadata(rng, profile, article_id, section, words, published),
        )

    def offset(self, index: int) -> int:
        """Article ``index``'s publication, in seconds after start (drawn as article() does)."""
        rng = self._rng
        rng.seed(mix64(self._base ^ index))
        return self._placement(rng, index)[1]

    def _placement(self, rng: Random, index: int) -> tuple[SiteProfile, int]:
        """(site, seconds after start); a few articles share both with an earlier article."""
        while True:
            same, back, language, site, curve, when = [rng.random() for _ in range(6)]
            if index == 0 or same >= SAME_SECOND_SHARE:
                break
            # Replay the earlier article's draws: article i stays a function of i alone.
            index -= 1 + int(back * min(index, 40))
            rng = self._aux
            rng.seed(mix64(self._base ^ index))
        if len(self._by_language) == 1:
            indexes, cumulative = next(iter(self._by_language.values()))
        else:
            indexes, cumulative = self._by_language["fa" if language < FA_SHARE else "en"]
        position = min(bisect.bisect(cumulative, site * cumulative[-1]), len(indexes) - 1)
        # Half uniform, half rising linearly: every year has articles, recent years more.
        fraction = when if curve < 0.5 else math.sqrt(when)
        return self._profiles[indexes[position]], min(int(fraction * self._span), self._span - 1)

    def _article_id(self, index: int) -> int:
        if index < _ID_SPAN:
            return 10_000_000 + (index * _ID_STRIDE + self._id_offset) % _ID_SPAN
        return 100_000_000 + index


@cache
def _tag_pool(language: str, section: str) -> tuple[str, ...]:
    return vocab.TAGS[language][section] + vocab.GENERAL_TAGS[language]


def _url(rng: Random, host: str, path: str) -> str:
    roll = rng.random()
    # Mixed-case hosts and tracking parameters, alone and together, in ~5% of URLs.
    if roll < URL_NOISE_SHARE * 0.6:
        capitalized = ".".join(label.capitalize() for label in host.split("."))
        host = host.upper() if rng.random() < 0.5 else capitalized
    query = ""
    if URL_NOISE_SHARE * 0.3 <= roll < URL_NOISE_SHARE:
        query = f"?utm_source={choice(vocab.TRACKING_SOURCES, rng)}"
        query += f"&utm_medium={choice(vocab.TRACKING_MEDIUMS, rng)}"
        if rng.random() < 0.5:
            query += f"&utm_campaign={choice(vocab.TRACKING_CAMPAIGNS, rng)}"
    return f"https://{host}{path}{query}"


def _path(site: SiteProfile, article_id: int, section: str, title: str, when: datetime) -> str:
    style = site.url_style
    if site.site.language == "fa":
        if style == 0:
            slug = _FA_SLUG.sub("-", " ".join(title.split()[:8])).strip("-")
            return f"/fa/news/{article_id}/{quote(slug, safe='-')}"
        if style == 1:
            return f"/news/{article_id}"
        return f"/{section}/{article_id}" if style == 2 else f"/fa/news/{article_id}"
    if style == 3:
        return f"/news/{section}/{article_id}"
    slug = _EN_SLUG.sub("-", title.lower()).strip("-")[:80].rstrip("-")
    if style == 0:
        return f"/{when.year}/{when.month:02d}/{when.day:02d}/{section}/{slug}-{article_id}"
    return f"/{section}/{slug}-{article_id}.html" if style == 1 else f"/article/{article_id}/{slug}"


def _metadata(
    rng: Random, site: SiteProfile, article_id: int, section: str, words: int, when: datetime
) -> dict[str, object]:
    roll = rng.random()
    source = "crawler" if roll < 0.8 else "rss" if roll < 0.95 else "api"
    metadata: dict[str, object] = {"source": source, "word_count": words, "section": section}
    if rng.random() < IMAGE_SHARE:
        image = f"https://{site.image_host}/images/{when.year}/{when.month:02d}/{article_id}.jpg"
        metadata["image"] = image
    lag = rng.random()  # most pages are crawled within minutes, a long tail days later
    metadata["crawled_at"] = _iso(when + timedelta(seconds=30 + int(lag * lag * lag * 259_200)))
    return metadata
