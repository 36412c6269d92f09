from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from pressroom.sample import (
    DEFAULT_END,
    DEFAULT_START,
    SampleArticle,
    generate_articles,
    sample_sites,
    write_jsonl,
)
from pressroom.sample import vocabulary as vocab

ZWNJ = "\u200c"
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")
EN_TAG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")
PERSIAN_DIGIT = re.compile(r"[\u06f0-\u06f9]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def jsonl(articles: list[SampleArticle]) -> bytes:
    stream = io.BytesIO()
    write_jsonl(articles, stream)
    return stream.getvalue()


@pytest.fixture(scope="module")
def corpus() -> list[SampleArticle]:
    return list(generate_articles(20_000))


@pytest.fixture(scope="module")
def persian(corpus: list[SampleArticle]) -> list[SampleArticle]:
    return [article for article in corpus[:5_000] if article.language == "fa"]


# Determinism


def test_same_arguments_give_byte_identical_jsonl() -> None:
    first = jsonl(list(generate_articles(1_500, sites=7, seed=42)))
    second = jsonl(list(generate_articles(1_500, sites=7, seed=42)))
    assert first == second


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib, io; from pressroom.sample import generate_articles, write_jsonl; "
        "s = io.BytesIO(); write_jsonl(generate_articles(300, seed=3), s); "
        "print(hashlib.sha256(s.getvalue()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    here = hashlib.sha256(jsonl(list(generate_articles(300, seed=3)))).hexdigest()
    assert digests == {here}


def test_a_corpus_is_a_prefix_of_every_larger_one(corpus: list[SampleArticle]) -> None:
    assert list(generate_articles(10)) == corpus[:10]
    assert jsonl(list(generate_articles(1_000))) == jsonl(corpus[:1_000])


def test_by_time_is_the_same_corpus_oldest_first(corpus: list[SampleArticle]) -> None:
    by_time = list(generate_articles(3_000, by_time=True))
    times = [article.published_at for article in by_time]
    assert times == sorted(times)
    # The same articles, each identical to its counterpart of the index order.
    assert sorted(jsonl([a]) for a in by_time) == sorted(jsonl([a]) for a in corpus[:3_000])
    with pytest.raises(ValueError, match="count"):
        generate_articles(-1, by_time=True)


def test_seed_and_site_count_change_the_corpus() -> None:
    base = jsonl(list(generate_articles(50)))
    assert jsonl(list(generate_articles(50, seed=1))) != base
    assert jsonl(list(generate_articles(50, sites=21))) != base


def test_sites_are_prefix_stable_and_seeded() -> None:
    assert sample_sites(30)[:12] == sample_sites(12)
    assert sample_sites(12, seed=5) == sample_sites(12, seed=5)
    assert sample_sites(12, seed=5) != sample_sites(12)


# Counts and arguments


@pytest.mark.parametrize("count", [0, 1, 137])
def test_generates_exactly_count_articles(count: int) -> None:
    stream = io.BytesIO()
    assert write_jsonl(generate_articles(count, sites=3), stream) == count
    assert stream.getvalue().count(b"\n") == count


def test_invalid_arguments_are_rejected() -> None:
    naive = datetime(2020, 1, 1)
    with pytest.raises(ValueError, match="count"):
        generate_articles(-1)
    with pytest.raises(ValueError, match="sites"):
        generate_articles(1, sites=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_articles(1, start=naive)
    with pytest.raises(ValueError, match="before end"):
        generate_articles(1, start=DEFAULT_END, end=DEFAULT_START)
    with pytest.raises(ValueError, match="count"):
        sample_sites(-1)


def test_a_narrow_range_in_another_time_zone_is_respected() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    start = datetime(2024, 3, 20, 0, 0, 0, 500_000, tzinfo=tehran)
    end = start + timedelta(minutes=5)
    for article in generate_articles(300, sites=4, start=start, end=end):
        assert start <= article.published_at < end
        assert article.published_at.tzinfo is UTC


# Sites


def test_sites_have_unique_valid_domains_and_both_languages() -> None:
    sites = sample_sites(600)
    domains = [site.domain for site in sites]
    assert len(set(domains)) == len(domains)
    for site in sites:
        assert HOSTNAME.match(site.domain), site.domain
        assert site.language in {"fa", "en"}
        assert site.name
        assert bool(PERSIAN_LETTER.search(site.name)) == (site.language == "fa")
    assert Counter(site.language for site in sample_sites(20)) == {"fa": 12, "en": 8}


# Field validity over a 20,000-article corpus


def test_urls_parse_are_unique_and_point_at_the_article_site(
    corpus: list[SampleArticle],
) -> None:
    domains = {site.domain for site in sample_sites(20)}
    canonical = set()
    for article in corpus:
        parts = urlsplit(article.url)
        assert parts.scheme == "https"
        assert parts.hostname == article.site
        assert article.site in domains
        assert parts.path.startswith("/")
        canonical.add(f"{parts.hostname}{parts.path}")
    assert len({article.url for article in corpus}) == len(corpus)
    # Case and tracking noise must never be what tells two articles apart.
    assert len(canonical) == len(corpus)


def test_some_urls_carry_tracking_parameters_or_mixed_case_hosts(
    corpus: list[SampleArticle],
) -> None:
    tracked = [a for a in corpus if "utm_source" in parse_qs(urlsplit(a.url).query)]
    mixed_case = [a for a in corpus if urlsplit(a.url).netloc != a.site]
    noisy = {a.url for a in tracked} | {a.url for a in mixed_case}
    assert tracked
    assert mixed_case
    assert 0.03 < len(noisy) / len(corpus) < 0.07


def test_published_times_are_utc_seconds_spread_over_the_range(
    corpus: list[SampleArticle],
) -> None:
    for article in corpus:
        moment = article.published_at
        assert moment.tzinfo is UTC
        assert moment.microsecond == 0
        assert DEFAULT_START <= moment < DEFAULT_END
    per_year = Counter(article.published_at.year for article in corpus)
    assert set(per_year) == set(range(2015, 2027))
    assert per_year[2025] > per_year[2015]


def test_some_articles_share_a_site_and_second(corpus: list[SampleArticle]) -> None:
    slots = Counter((article.site, article.published_at) for article in corpus)
    shared = sum(n for n in slots.values() if n > 1)
    assert 0.005 < shared / len(corpus) < 0.06


def test_language_shares_follow_the_sites(corpus: list[SampleArticle]) -> None:
    languages = {site.domain: site.language for site in sample_sites(20)}
    for article in corpus:
        assert article.language == languages[article.site]
    persian_share = sum(article.language == "fa" for article in corpus) / len(corpus)
    assert 0.55 < persian_share < 0.65


def test_text_lengths_are_within_bounds(corpus: list[SampleArticle]) -> None:
    for article in corpus:
        words = len(article.body.split())
        assert 250 <= words <= 1_200
        assert article.metadata["word_count"] == words
        assert 6 <= len(article.title.split()) <= 14, article.title
        assert 25 <= len(article.summary.split()) <= 60, article.summary
        assert "\n\n" in article.body
        assert "\n\n\n" not in article.body
        for text in (article.title, article.summary, article.body):
            assert "\x01" not in text
            assert "\x02" not in text
            assert text == text.strip()
    mean_words = sum(len(a.body.split()) for a in corpus) / len(corpus)
    assert 450 < mean_words < 800


def test_authors_tags_and_metadata_are_well_formed(corpus: list[SampleArticle]) -> None:
    for article in corpus:
        assert len(article.tags) <= 6
        assert len(set(article.tags)) == len(article.tags)
        for tag in article.tags:
            if article.language == "en":
                assert EN_TAG.match(tag), tag
            else:
                assert PERSIAN_LETTER.search(tag)
                assert " " not in tag
        if article.author is not None:
            assert len(article.author.split()) == 2
        metadata = article.metadata
        assert metadata["source"] in {"crawler", "rss", "api"}
        assert metadata["section"] in vocab.SECTIONS
        crawled_at = metadata["crawled_at"]
        assert isinstance(crawled_at, str)
        assert ISO_Z.match(crawled_at)
        assert crawled_at >= str(article.to_json_dict()["published_at"])
        if "image" in metadata:
            assert str(urlsplit(str(metadata["image"])).hostname).endswith("." + article.site)
    authorless = sum(article.author is None for article in corpus) / len(corpus)
    assert 0.07 < authorless < 0.13
    assert {len(article.tags) for article in corpus} == set(range(7))
    assert len({article.metadata["section"] for article in corpus}) == len(vocab.SECTIONS)


def test_jsonl_round_trips(corpus: list[SampleArticle]) -> None:
    sample = corpus[:2_000]
    lines = jsonl(sample).decode("utf-8").split("\n")
    assert lines.pop() == ""
    assert len(lines) == len(sample)
    for line, article in zip(lines, sample, strict=True):
        row = json.loads(line)
        assert row == article.to_json_dict()
        assert ISO_Z.match(row["published_at"])
        assert datetime.fromisoformat(row["published_at"]) == article.published_at
        assert isinstance(row["tags"], list)


# What a Persian search engine has to cope with, in a 5,000-article sample


def test_persian_text_uses_half_spaces(persian: list[SampleArticle]) -> None:
    with_zwnj = [article for article in persian if ZWNJ in article.body]
    assert len(with_zwnj) / len(persian) > 0.8
    assert any("می" + ZWNJ in article.body for article in persian)
    plural = ZWNJ + "\u0647\u0627"  # the plural suffix, as in books
    assert any(plural in article.body for article in persian)


def test_some_persian_articles_use_arabic_letter_forms(persian: list[SampleArticle]) -> None:
    arabic = [a for a in persian if "\u064a" in a.body or "\u0643" in a.body]
    assert 0.02 < len(arabic) / len(persian) < 0.09
    assert any("\u064a" in a.title for a in arabic)


def test_persian_text_has_persian_digits_and_latin_words(persian: list[SampleArticle]) -> None:
    assert sum(bool(PERSIAN_DIGIT.search(a.body)) for a in persian) / len(persian) > 0.5
    assert any(re.search(r"\b\d+\b", a.body) for a in persian)  # ASCII digits still occur
    assert sum(bool(LATIN_WORD.search(a.body)) for a in persian) / len(persian) > 0.2


def test_english_text_has_no_persian(corpus: list[SampleArticle]) -> None:
    for article in corpus[:5_000]:
        if article.language == "en":
            assert not PERSIAN_LETTER.search(article.title + article.summary + article.body)


# The word lists the generator relies on


def test_people_and_cities_are_single_words() -> None:
    for language in vocab.LANGUAGES:
        for word in (
            vocab.FIRST_NAMES[language] + vocab.LAST_NAMES[language] + vocab.CITIES[language]
        ):
            assert len(word.split()) == 1, word
