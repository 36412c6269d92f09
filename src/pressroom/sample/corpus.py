"""Deterministic synthetic news corpus: sites, articles and their JSONL form.

Article ``i`` is a pure function of (seed, number of sites, i, start, end): it draws from its
own ``Random`` seeded with a stable integer mix of the seed and ``i``, so a corpus is a prefix
of every larger corpus and output never depends on the run, the machine or hash randomisation.
Only integer arithmetic, IEEE-exact float operations and ``math.sqrt`` feed decisions, so libm
differences between platforms cannot change a byte.

Bodies are assembled from per-(language, section) pools of pre-generated paragraphs, not word
by word: that is what makes million-article benchmark corpora cheap. Pool text holds
placeholders for the article's main person and city, so each article still names its own.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from random import Random
from typing import BinaryIO, TypeVar
from urllib.parse import quote

import orjson

from pressroom.sample import vocabulary as vocab

DEFAULT_START = datetime(2015, 1, 1, tzinfo=UTC)
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)

FA_SHARE = 0.6
SAME_SECOND_SHARE = 0.015
ARABIC_FORM_SHARE = 0.05
NO_ZWNJ_SHARE = 0.04
PERSIAN_DIGIT_SHARE = 0.75
URL_NOISE_SHARE = 0.05
AUTHORLESS_SHARE = 0.10
IMAGE_SHARE = 0.75
TITLE_WORDS = (6, 14)
SUMMARY_WORDS = (25, 60)
BODY_WORDS = (250, 1200)
# A summary of lead sentences of 9..36 words always lands in 25..60 words and 1..3 sentences;
# paragraphs of at most 6 * 45 words keep the body-fitting loops from overshooting.
_SENTENCE_WORDS, _LEAD_WORDS = (4, 45), (9, 36)
_POOL_SENTENCES, _POOL_LEADS, _POOL_PARAGRAPHS = 2500, 600, 4000

_T = TypeVar("_T")
_Dynamic = Callable[[Random], str]
_Template = tuple[tuple[str, str | None], ...]
# (alternatives, cumulative weights, the alternatives as plain strings when none has a slot)
_Rule = tuple[tuple[_Template, ...], tuple[int, ...], tuple[str, ...] | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MASK64 = (1 << 64) - 1
_SITE_SALT, _PROFILE_SALT, _ARTICLE_SALT, _POOL_SALT = 0x5173, 0x9F0F, 0xA271, 0x9001
# i -> id is a bijection on [0, _ID_SPAN) because the stride is coprime with the span.
_ID_SPAN, _ID_STRIDE = 90_000_000, 48_271
_PERSON, _CITY = "\x01", "\x02"  # placeholders; a person is two words, a city one
_FA_DIGITS = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹\u066b")
_EN_SLUG = re.compile(r"[^a-z0-9]+")
_FA_SLUG = re.compile(r"[^\w\u200c]+")
_EN_AN = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])")
_SLOT = re.compile(r"\{(\w+)\}")
_SECTION_CUM = tuple(itertools.accumulate(vocab.SECTION_WEIGHTS))
_TAG_COUNT_CUM = (8, 20, 40, 62, 80, 92, 100)  # 0..6 tags, 3 the most common


@dataclass(frozen=True, slots=True)
class SampleSite:
    domain: str
    name: str
    language: str


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
    rng, base = _new_rng(), _stream_base(seed, _SITE_SALT)
    sites: list[SampleSite] = []
    taken: set[str] = set()
    for index in range(count):
        rng.seed(_mix64(base ^ index))
        sites.append(_unique_site(rng, "fa" if index * 3 % 5 < 3 else "en", index, taken))
    return sites


def generate_articles(
    count: int,
    sites: int = 20,
    seed: int = 0,
    start: datetime = DEFAULT_START,
    end: datetime = DEFAULT_END,
) -> Iterator[SampleArticle]:
    """Lazily yield ``count`` articles published in [start, end) on ``sites`` sites.

    Arguments are checked at once, not on the first ``next()``. ``seed`` is taken modulo 2**64.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return map(_Generator(sites, seed, start, end).article, range(count))


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


def _new_rng() -> Random:
    return Random()  # noqa: S311 - synthetic data, not security


def _mix64(value: int) -> int:
    # splitmix64's finaliser: a bijection on 64-bit ints that scatters neighbouring indexes.
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def _stream_base(seed: int, salt: int) -> int:
    return _mix64(_mix64(seed & _MASK64) ^ salt)


def _choice(options: Sequence[_T], rng: Random) -> _T:
    # Random.choice draws via getrandbits and costs three times as much.
    return options[int(rng.random() * len(options))]


def _pick(cumulative: Sequence[int], rng: Random) -> int:
    # min() guards against the float product rounding up to the total.
    position = bisect.bisect(cumulative, rng.random() * cumulative[-1])
    return min(position, len(cumulative) - 1)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:19] + "Z"


def _ceil_seconds(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {moment!r}")
    delta = moment - _EPOCH
    return delta.days * 86_400 + delta.seconds + (delta.microseconds > 0)


def _rule(entries: Sequence[str]) -> _Rule:
    templates = []
    for entry in entries:
        parts = _SLOT.split(entry)
        templates.append(tuple(zip(parts[0::2], [*parts[1::2], None], strict=True)))
    # Integer Zipf-like weights: earlier alternatives are likelier, identically on every CPU.
    weights = itertools.accumulate(720_720 // (rank + 8) for rank in range(len(entries)))
    plain = None if any(len(template) > 1 for template in templates) else tuple(entries)
    return tuple(templates), tuple(weights), plain


class _Grammar:
    def __init__(self, rules: Mapping[str, Sequence[str]], dynamic: Mapping[str, _Dynamic]):
        self._rules = {name: _rule(entries) for name, entries in rules.items()}
        self._dynamic = dict(dynamic)
        used = {slot for rule, _, _ in self._rules.values() for t in rule for _, slot in t if slot}
        if missing := used - self._rules.keys() - self._dynamic.keys():
            raise ValueError(f"grammar refers to undefined rules: {sorted(missing)}")

    def expand(self, name: str, rng: Random) -> str:
        dynamic = self._dynamic.get(name)
        if dynamic is not None:
            return dynamic(rng)
        templates, cumulative, plain = self._rules[name]
        if plain is not None:
            return plain[_pick(cumulative, rng)]
        template = templates[_pick(cumulative, rng)]
        return "".join([text + self.expand(slot, rng) if slot else text for text, slot in template])


def _numbers(language: str) -> dict[str, _Dynamic]:
    persian = language == "fa"

    def shown(value: str, rng: Random) -> str:
        # Persian sites mostly, not always, write Persian digits: search has to fold both.
        if persian and rng.random() < PERSIAN_DIGIT_SHARE:
            return value.translate(_FA_DIGITS)
        return value

    def num(rng: Random) -> str:
        scale = (10, 100, 1000)[int(rng.random() * 3)]
        value = scale + int(rng.random() * scale * 9)
        return shown(str(value) if persian else f"{value:,}", rng)

    first_year = 1385 if persian else 2005  # Solar Hijri years, as Iranian outlets date things
    return {
        "num": num,
        "few": lambda rng: shown(str(2 + int(rng.random() * 11)), rng),
        "pct": lambda rng: shown(f"{1 + rng.random() * 39:.1f}", rng),
        "year": lambda rng: shown(str(first_year + int(rng.random() * 21)), rng),
    }


@cache
def _grammar(language: str, section: str) -> _Grammar:
    rules = dict(vocab.GRAMMARS[language])
    rules["topic"] = vocab.TOPICS[language][section]
    rules["first"] = vocab.FIRST_NAMES[language]
    rules["last"] = vocab.LAST_NAMES[language]
    rules["city"] = vocab.CITIES[language]
    placeholders: dict[str, _Dynamic] = {"P": lambda _: _PERSON, "C": lambda _: _CITY}
    return _Grammar(rules, placeholders | _numbers(language))


@dataclass(frozen=True, slots=True)
class _Pool:
    entries: tuple[tuple[str, int], ...]  # (text, words once placeholders are filled)
    mean_words: float


@cache
def _pools(language: str, section: str) -> tuple[_Pool, _Pool]:
    """(body paragraphs, lead sentences): the same for every seed, so built once a process."""
    rng = _new_rng()
    rng.seed(_mix64(_POOL_SALT << 16 | vocab.SECTIONS.index(section) << 1 | (language == "fa")))
    grammar = _grammar(language, section)
    sentences = _sentences(grammar, rng, "sentence", _POOL_SENTENCES, _SENTENCE_WORDS, language)
    leads = _sentences(grammar, rng, "lead", _POOL_LEADS, _LEAD_WORDS, language)
    paragraphs = []
    for _ in range(_POOL_PARAGRAPHS):
        chosen = rng.choices(sentences, k=2 + int(rng.random() * 5))
        paragraphs.append((" ".join(text for text, _ in chosen), sum(w for _, w in chosen)))
    return _as_pool(paragraphs), _as_pool(leads)


def _sentences(
    grammar: _Grammar, rng: Random, rule: str, size: int, bounds: tuple[int, int], language: str
) -> list[tuple[str, int]]:
    entries: list[tuple[str, int]] = []
    for _ in range(size * 20):
        text = _polish(grammar.expand(rule, rng), language)
        words = len(text.split()) + text.count(_PERSON)
        if bounds[0] <= words <= bounds[1]:
            entries.append((text, words))
            if len(entries) == size:
                return entries
    raise ValueError(f"{language} rule {rule!r} rarely fits in {bounds} words")


def _as_pool(entries: Sequence[tuple[str, int]]) -> _Pool:
    return _Pool(tuple(entries), sum(words for _, words in entries) / len(entries))


def _polish(text: str, language: str) -> str:
    if language != "en":
        return text
    text = _EN_AN.sub(r"\1n ", text)
    return text[:1].upper() + text[1:]


def _fill(text: str, person: str, city: str) -> str:
    return text.replace(_PERSON, person).replace(_CITY, city)


@dataclass(frozen=True, slots=True)
class _SiteProfile:
    site: SampleSite
    authors: tuple[str, ...]
    url_style: int
    image_host: str


def _unique_site(rng: Random, language: str, index: int, taken: set[str]) -> SampleSite:
    for _ in range(30):
        label, tld, name = _site_candidate(rng, language)
        if f"{label}.{tld}" not in taken:
            break
    else:  # the name space is small; numbering keeps any number of sites unique
        number = index
        while f"{label}{number}.{tld}" in taken:
            number += 1
        label = f"{label}{number}"
    taken.add(f"{label}.{tld}")
    return SampleSite(domain=f"{label}.{tld}", name=name, language=language)


def _site_candidate(rng: Random, language: str) -> tuple[str, str, str]:
    """(domain label, top-level domain, display name)."""
    if language == "fa":
        first, first_name = _choice(vocab.FA_SITE_PREFIXES, rng)
        second, second_name = _choice(vocab.FA_SITE_SUFFIXES, rng)
        while second == first:
            second, second_name = _choice(vocab.FA_SITE_SUFFIXES, rng)
        joiner = "" if second_name.startswith(vocab.ZWNJ) else " "
        name, tlds, dash = f"{first_name}{joiner}{second_name}", vocab.FA_TLDS, 0.4
    else:
        first, second = _choice(vocab.EN_SITE_PREFIXES, rng), _choice(vocab.EN_SITE_SUFFIXES, rng)
        name = f"{first.capitalize()} {second.capitalize()}"
        name = f"The {name}" if rng.random() < 0.3 else name
        tlds, dash = vocab.EN_TLDS, 0.2
    label = f"{first}-{second}" if rng.random() < dash else f"{first}{second}"
    return label, _choice(tlds, rng), name


def _profile(site: SampleSite, index: int, seed: int) -> _SiteProfile:
    rng = _new_rng()
    rng.seed(_mix64(_stream_base(seed, _PROFILE_SALT) ^ index))
    first, last = vocab.FIRST_NAMES[site.language], vocab.LAST_NAMES[site.language]
    names = [f"{_choice(first, rng)} {_choice(last, rng)}" for _ in range(5 + rng.randrange(26))]
    image_host = f"{_choice(('cdn', 'static', 'img', 'media'), rng)}.{site.domain}"
    return _SiteProfile(site, tuple(dict.fromkeys(names)), rng.randrange(4), image_host)


class _Generator:
    def __init__(self, sites: int, seed: int, start: datetime, end: datetime) -> None:
        if sites < 1:
            raise ValueError(f"sites must be >= 1, got {sites}")
        self._start = _ceil_seconds(start)
        self._span = _ceil_seconds(end) - self._start
        if self._span <= 0:
            raise ValueError(f"start {start} must be at least a second before end {end}")
        all_sites = sample_sites(sites, seed)
        self._profiles = [_profile(site, i, seed) for i, site in enumerate(all_sites)]
        # Within a language earlier sites publish more: a few big outlets dominate any crawl.
        self._by_language: dict[str, tuple[list[int], list[int]]] = {}
        for index, site in enumerate(all_sites):
            indexes, cumulative = self._by_language.setdefault(site.language, ([], []))
            indexes.append(index)
            cumulative.append((cumulative[-1] if cumulative else 0) + 720_720 // len(indexes))
        self._base = _stream_base(seed, _ARTICLE_SALT)
        self._id_offset = self._base % _ID_SPAN
        self._rng, self._aux = _new_rng(), _new_rng()

    def article(self, index: int) -> SampleArticle:
        rng = self._rng
        rng.seed(_mix64(self._base ^ index))
        profile, offset = self._placement(rng, index)
        language = profile.site.language
        section = vocab.SECTIONS[_pick(_SECTION_CUM, rng)]
        first, last = vocab.FIRST_NAMES[language], vocab.LAST_NAMES[language]
        person = f"{_choice(first, rng)} {_choice(last, rng)}"
        city = _choice(vocab.CITIES[language], rng)
        paragraphs, leads = _pools(language, section)
        title = _title(_grammar(language, section), rng, person, city, language)
        summary = _fill(_summary(rng, leads), person, city)
        body, words = _body(rng, paragraphs, leads)
        body = _fill(body, person, city)
        if language == "fa":
            title, summary, body = _orthography(rng, title, summary, body)
        tags = tuple(rng.sample(_tag_pool(language, section), _pick(_TAG_COUNT_CUM, rng)))
        author = None if rng.random() < AUTHORLESS_SHARE else _choice(profile.authors, rng)
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

    def _placement(self, rng: Random, index: int) -> tuple[_SiteProfile, int]:
        """(site, seconds after start); a few articles share both with an earlier article."""
        while True:
            same, back, language, site, curve, when = [rng.random() for _ in range(6)]
            if index == 0 or same >= SAME_SECOND_SHARE:
                break
            # Replay the earlier article's draws: article i stays a function of i alone.
            index -= 1 + int(back * min(index, 40))
            rng = self._aux
            rng.seed(_mix64(self._base ^ index))
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


def _title(grammar: _Grammar, rng: Random, person: str, city: str, language: str) -> str:
    low, high = TITLE_WORDS
    for _ in range(4):
        words = _fill(grammar.expand("title", rng), person, city).split()
        if low <= len(words) <= high:
            break
    else:
        while len(words) < low:
            words += grammar.expand("topic", rng).split()
    return _polish(" ".join(words[:high]), language)


def _summary(rng: Random, leads: _Pool) -> str:
    texts, total = [], 0
    while total < SUMMARY_WORDS[0]:
        text, words = _choice(leads.entries, rng)
        texts.append(text)
        total += words
    return " ".join(texts)


def _body(rng: Random, paragraphs: _Pool, leads: _Pool) -> tuple[str, int]:
    low, high = BODY_WORDS
    lead, total = _choice(leads.entries, rng)
    wanted = (rng.triangular(low, high, 450) - total) / paragraphs.mean_words
    picks = rng.choices(paragraphs.entries, k=max(1, round(wanted)))
    total += sum([words for _, words in picks])
    while total < low:
        picks.append(_choice(paragraphs.entries, rng))
        total += picks[-1][1]
    while total > high:
        total -= picks.pop()[1]
    texts = [text for text, _ in picks]
    texts[0] = f"{lead} {texts[0]}"
    return "\n\n".join(texts), total


def _orthography(rng: Random, title: str, summary: str, body: str) -> tuple[str, str, str]:
    """Arabic-keyboard letters or dropped half-spaces, as some Persian sites publish them."""
    roll = rng.random()
    if roll < ARABIC_FORM_SHARE:  # str.replace: str.translate is ~100x slower on long text
        return _arabic_forms(title), _arabic_forms(summary), _arabic_forms(body)
    if roll < ARABIC_FORM_SHARE + NO_ZWNJ_SHARE:
        zwnj = vocab.ZWNJ
        return title.replace(zwnj, ""), summary.replace(zwnj, ""), body.replace(zwnj, "")
    return title, summary, body


def _arabic_forms(text: str) -> str:
    return text.replace("ی", "ي").replace("ک", "ك")


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
        query = f"?utm_source={_choice(vocab.TRACKING_SOURCES, rng)}"
        query += f"&utm_medium={_choice(vocab.TRACKING_MEDIUMS, rng)}"
        if rng.random() < 0.5:
            query += f"&utm_campaign={_choice(vocab.TRACKING_CAMPAIGNS, rng)}"
    return f"https://{host}{path}{query}"


def _path(site: _SiteProfile, article_id: int, section: str, title: str, when: datetime) -> str:
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
    rng: Random, site: _SiteProfile, article_id: int, section: str, words: int, when: datetime
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
