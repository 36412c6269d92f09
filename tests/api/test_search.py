"""GET /search and GET /search/suggest over articles written for these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pressroom.api.app import create_app
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.sample import SampleArticle
from pressroom.search.engine import WALK, SearchFilter, marks_probe, walk_arguments
from pressroom.search.snippets import MARK_START, SUMMARY_HEADLINE, TITLE_HEADLINE
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import compile_query
from tests.api.conftest import app_settings, open_client

NOW = datetime.now(UTC).replace(microsecond=0)
PAGED = 23  # articles that all contain "harbour", to page through


def _article(
    slug: str,
    title: str,
    *,
    days_ago: float = 1,
    summary: str = "",
    body: str = "",
    language: str = "en",
    site: str = "news.example",
    tags: tuple[str, ...] = (),
) -> SampleArticle:
    return SampleArticle(
        url=f"https://{site}/{slug}",
        site=site,
        title=title,
        summary=summary,
        body=body,
        language=language,
        author=None,
        published_at=NOW - timedelta(days=days_ago),
        tags=tags,
        metadata={},
    )


def _newest_with_body(slug: str, title: str, body: str, count: int) -> list[SampleArticle]:
    """`count` articles of the last hours, one every 2.4 hours, that hold `body` in their
    bodies only: relevance 0.1 each."""
    return [
        _article(f"{slug}-{n}", f"{title} {n}", days_ago=0.1 * (n + 1), body=body)
        for n in range(count)
    ]


ARTICLES = [
    _article("title-match", "Metro line opens", body="Officials cut a ribbon."),
    _article("body-match", "City news roundup", body="Among other things, the metro was late."),
    _article("fresh", "Storm warning issued", days_ago=1, body="Heavy rain expected."),
    _article("stale", "Storm warning issued", days_ago=60, body="Heavy rain expected."),
    _article("tagged", "Officials meet", tags=("Climate Crisis",)),
    _article("markup", "<b>Alert</b> & floods", summary="Floods <script>x</script> in the north"),
    # Found by its body alone: its snippets are its title and summary's opening as written.
    _article(
        "quiet-head",
        "Ferry <timetable> for ۱۴۰۳",
        summary=" ".join(f"word{n:04d}" for n in range(40)) + " <end>",
        body="The ferryman waved.",
    ),
    _article(
        "persian",
        "کتاب‌های تازه در نمایشگاه تهران",
        summary="ناشران از استقبال خوانندگان گفتند",
        language="fa",
        site="akhbar.example",
    ),
    # Persian digits, half-spaces, an Arabic kaf and a joined plural, in a title and in a
    # summary long enough to be shown in fragments.
    _article(
        "inflation",
        "نرخ تورم سال ۱۴۰۳ به ۳۲٫۵ درصد رسید",
        summary=(
            "گزارش تازه‌ای از بانک مرکزی نشان می‌دهد "
            + " ".join(f"بند{n}" for n in range(40))
            + " و تورم كالاها در ماه‌های پایانی ۱۴۰۳ کاهش یافت"
        ),
        language="fa",
        site="akhbar.example",
    ),
    # The characters ts_headline's marks are made of, in an article: they neither forge a mark
    # nor hide one.
    _article(
        "private-use", "Quay \ue000works\ue001 begin", summary="The \ue001quay\ue000 reopened"
    ),
    _article("un", "نشست سازمان ملل در ژنو", language="fa", site="akhbar.example", days_ago=3),
    _article("old-fa", "سازمان ملل و تهران", language="fa", site="akhbar.example", days_ago=400),
    # Thousands of half-lives old: its freshness would underflow a double.
    _article("zeppelin", "Zeppelin lands at Lakehurst", days_ago=365.25 * 90),
    _article("zeppelin-news", "Zeppelin museum opens", days_ago=2, body="zeppelin"),
    *[
        _article(f"harbour-{n}", f"Harbour report {n}", days_ago=n * 0.7, body="harbour")
        for n in range(PAGED)
    ],
    # The newest "lighthouse" articles hold it in their bodies only; older ones in their titles,
    # which outrank them (relevance 1 against 0.1) for about three half-lives.
    *_newest_with_body("lighthouse-body", "Coastal notes", "The lighthouse keeper waved.", 6),
    _article("lighthouse-reversed", "Keeper of the lighthouse", days_ago=9),
    _article("lighthouse-demolished", "Lighthouse restored", days_ago=10, body="Once demolished."),
    _article("lighthouse-elsewhere", "Lighthouse tours", days_ago=11, site="other.example"),
    _article("lighthouse-title", "Lighthouse keeper retires", days_ago=12),
    # A phrase across a stopword is found by the pair 'beacon 2 hope'; "Beacon brings hope"
    # holds 'beacon' <2> 'hope' in its head but not that pair.
    *_newest_with_body("beacon-body", "Coastal diary", "A beacon of hope.", 4),
    _article("beacon-title", "Beacon of hope rises", days_ago=5),
    _article("beacon-unpaired", "Beacon brings hope", days_ago=4),
]


@pytest.fixture(scope="module")
async def search_db(database: DatabaseTargets) -> DatabaseTargets:
    conn = await asyncpg.connect(database.writer)
    try:
        summary = await load_articles(conn, ARTICLES)
        assert summary.inserted == len(ARTICLES), summary.rejected
    finally:
        await conn.close()
    return database


@pytest.fixture
async def http(stack: Settings, search_db: DatabaseTargets) -> AsyncIterator[httpx.AsyncClient]:
    async for client in open_client(create_app(app_settings(stack), targets=search_db)):
        yield client


async def _search(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await http.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _urls(body: dict[str, Any]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["url"].rsplit("/", 1)[-1] for item in items]


async def test_a_title_match_ranks_above_a_body_only_match(http: httpx.AsyncClient) -> None:
    assert _urls(await _search(http, q="metro")) == ["title-match", "body-match"]


async def test_an_article_from_a_century_ago_is_found_after_newer_ones(
    http: httpx.AsyncClient,
) -> None:
    found = await _search(http, q="zeppelin")
    assert _urls(found) == ["zeppelin-news", "zeppelin"]
    assert found["items"][1]["score"] >= 0


async def test_a_newer_article_ranks_above_an_older_one_with_the_same_text(
    http: httpx.AsyncClient,
) -> None:
    assert _urls(await _search(http, q="storm warning")) == ["fresh", "stale"]


async def test_tags_are_searchable(http: httpx.AsyncClient) -> None:
    assert _urls(await _search(http, q="climate")) == ["tagged"]


async def test_persian_typed_on_an_arabic_keyboard(http: httpx.AsyncClient) -> None:
    # Arabic kaf and yeh, no half-space, Arabic-Indic digits elsewhere would not matter.
    body = await _search(http, q="كتابهاي نمايشگاه")
    assert _urls(body) == ["persian"]
    highlight = body["items"][0]["highlight"]
    # Marked in the title as written, its half-space kept.
    assert highlight["title"] == "<mark>کتاب</mark>\u200cهای تازه در <mark>نمایشگاه</mark> تهران"
    # The summary holds neither word: it is shown as written.
    assert highlight["summary"] == "ناشران از استقبال خوانندگان گفتند"


async def test_snippets_are_the_text_as_written_with_its_words_marked(
    http: httpx.AsyncClient,
) -> None:
    # Matched in the normalised text ("1403", "32.5", "کالا ها"), marked where they are written.
    body = await _search(http, q="تورم ۱۴۰۳")
    assert _urls(body) == ["inflation"]
    highlight = body["items"][0]["highlight"]
    assert highlight["title"] == "نرخ <mark>تورم</mark> سال <mark>۱۴۰۳</mark> به ۳۲٫۵ درصد رسید"
    fragment = "و <mark>تورم</mark> كالاها در ماه‌های پایانی <mark>۱۴۰۳</mark> کاهش یافت"
    assert highlight["summary"].endswith(fragment), highlight["summary"]
    title = (await _search(http, q="۳۲.۵"))["items"][0]["highlight"]["title"]
    assert title == "نرخ تورم سال ۱۴۰۳ به <mark>۳۲٫۵</mark> درصد رسید"
    summary = (await _search(http, q="کالاها"))["items"][0]["highlight"]["summary"]
    assert "<mark>كالا</mark>ها" in summary
    # One word in the title, the other in a summary shown in fragments: they are cut around
    # it, not the summary's opening shown unmarked.
    highlight = (await _search(http, q="کالاها ۳۲.۵"))["items"][0]["highlight"]
    assert "<mark>۳۲٫۵</mark>" in highlight["title"]
    assert "<mark>كالا</mark>ها" in highlight["summary"]


async def test_an_article_cannot_forge_a_mark(http: httpx.AsyncClient) -> None:
    highlight = (await _search(http, q="quay"))["items"][0]["highlight"]
    assert highlight == {
        "title": "<mark>Quay</mark> works begin",
        "summary": "The <mark>quay</mark> reopened",
    }


async def test_phrases_exclusions_and_alternatives(http: httpx.AsyncClient) -> None:
    assert _urls(await _search(http, q="«سازمان ملل»")) == ["un", "old-fa"]
    assert _urls(await _search(http, q="«سازمان ملل» -تهران")) == ["un"]
    assert set(_urls(await _search(http, q="ribbon or floods"))) == {"title-match", "markup"}


async def test_snippets_are_escaped_html_with_marks(http: httpx.AsyncClient) -> None:
    body = await _search(http, q="floods")
    highlight = body["items"][0]["highlight"]
    assert highlight["title"] == "&lt;b&gt;Alert&lt;/b&gt; &amp; <mark>floods</mark>"
    # A short summary is highlighted whole: its markup comes out as text.
    assert highlight["summary"] == "<mark>Floods</mark> &lt;script&gt;x&lt;/script&gt; in the north"


async def test_snippets_of_a_body_only_match_are_its_text_as_written(
    http: httpx.AsyncClient,
) -> None:
    body = await _search(http, q="ferryman")
    assert _urls(body) == ["quiet-head"]
    highlight = body["items"][0]["highlight"]
    # Not normalised (the Persian digits stay), escaped, and nothing marked.
    assert highlight["title"] == "Ferry &lt;timetable&gt; for ۱۴۰۳"
    # Longer than SUMMARY_WHOLE: its opening, as many words as a fragment shows.
    assert highlight["summary"] == " ".join(f"word{n:04d}" for n in range(30)) + " …"
    # Where it holds the words, fragments around them.
    fragments = (await _search(http, q="word0002 word0038"))["items"][0]["highlight"]["summary"]
    assert "<mark>word0002</mark>" in fragments
    assert "<mark>word0038</mark>" in fragments
    assert " … " in fragments


MARKED_SEARCHES = [
    "metro", "floods", "ribbon or floods", "كتابهاي نمايشگاه", "«سازمان ملل» -تهران",
    '"beacon of hope"', "beacon hope", "storm warning", "lighthouse keeper", "ناشران",
    "word0007 word0033", "word0007 ferryman",
]  # fmt: skip


# "climate" is in a tag only, "ferryman" in a body only: nothing to mark anywhere.
@pytest.mark.parametrize(
    ("q", "marked"),
    [(q, True) for q in MARKED_SEARCHES] + [("climate", False), ("ferryman", False)],
)
async def test_a_heads_part_is_probed_exactly_where_ts_headline_marks_it(
    search_db: DatabaseTargets, q: str, marked: bool
) -> None:
    """The search skips ts_headline where marks_probe() says there is nothing to mark. On every
    article: the probe of a title, or of a summary shown whole, holds exactly where ts_headline
    marks it (HighlightAll marks every word of the search), and so are a summary's fragments,
    cut around any word of the search."""
    conn = await asyncpg.connect(search_db.reader)
    try:
        compiled = await compile_query(conn, parse_query(q), None)
        rows = await conn.fetch(
            """
            SELECT d.article_id,
                   d.head @@ $2::tsquery AS title_probed,
                   strpos(ts_headline(pressroom.search_config(d.language), h.title, $1::tsquery,
                                      $4), $6) > 0 AS title_marked,
                   d.head @@ $3::tsquery AS summary_probed,
                   strpos(ts_headline(pressroom.search_config(d.language), h.summary,
                                      $1::tsquery, $4), $6) > 0 AS summary_marked,
                   strpos(ts_headline(pressroom.search_config(d.language), h.summary,
                                      $7::tsquery, $5), $6) > 0 AS fragments_marked
              FROM pressroom.search_documents d
              JOIN pressroom.highlight_texts h USING (article_id)
            """,
            compiled.tsquery,
            marks_probe(compiled.tsquery, "A"),
            marks_probe(compiled.tsquery, "B"),
            TITLE_HEADLINE,
            SUMMARY_HEADLINE,
            MARK_START,
            marks_probe(compiled.tsquery),
        )
    finally:
        await conn.close()
    assert any(row["title_marked"] or row["summary_marked"] for row in rows) == marked
    for row in rows:
        assert row["title_probed"] == row["title_marked"], row["article_id"]
        assert row["summary_probed"] == row["summary_marked"], row["article_id"]
        assert row["summary_probed"] == row["fragments_marked"], row["article_id"]


async def test_filters(http: httpx.AsyncClient) -> None:
    assert _urls(await _search(http, q="سازمان", site="akhbar.example")) == ["un", "old-fa"]
    assert _urls(await _search(http, q="سازمان", site="news.example")) == []
    assert _urls(await _search(http, q="metro", lang="fa")) == []
    before = (NOW - timedelta(days=30)).isoformat()
    assert _urls(await _search(http, q="storm", to=before)) == ["stale"]
    assert _urls(await _search(http, q="storm", **{"from": before})) == ["fresh"]


async def test_pages_cover_every_match_once(http: httpx.AsyncClient) -> None:
    seen: list[str] = []
    body = await _search(http, q="harbour", limit=5)
    # The first page stops before the older windows: its total is an estimate, never below the
    # matches it saw (migration 0017). The last page reads every window, so its total is exact.
    first = body["total"]
    assert not first["exact"]
    assert first["value"] >= 5
    while True:
        seen += _urls(body)
        if body["next_cursor"] is None:
            break
        body = await _search(http, q="harbour", limit=5, cursor=body["next_cursor"])
    assert body["total"] == {"value": PAGED, "exact": True}
    assert sorted(seen) == sorted(f"harbour-{n}" for n in range(PAGED))
    # Equal relevance, so freshness decides: newest first.
    assert seen == [f"harbour-{n}" for n in range(PAGED)]


async def test_older_titles_outrank_a_page_of_newer_body_only_matches(
    http: httpx.AsyncClient,
) -> None:
    """The six newest matches fill a page of three from their bodies; the titles a week and
    more older outrank them all the same, with every filter and exclusion applied to them."""
    assert _urls(await _search(http, q="lighthouse", limit=3)) == [
        "lighthouse-reversed",
        "lighthouse-demolished",
        "lighthouse-elsewhere",
    ]
    assert _urls(await _search(http, q="lighthouse -demolished", limit=3)) == [
        "lighthouse-reversed",
        "lighthouse-elsewhere",
        "lighthouse-title",
    ]
    assert _urls(await _search(http, q="lighthouse", site="news.example", limit=3)) == [
        "lighthouse-reversed",
        "lighthouse-demolished",
        "lighthouse-title",
    ]
    assert _urls(await _search(http, q='"lighthouse keeper"', limit=3)) == [
        "lighthouse-title",
        "lighthouse-body-0",
        "lighthouse-body-1",
    ]
    assert _urls(await _search(http, q='"beacon of hope"', limit=3)) == [
        "beacon-title",
        "beacon-body-0",
        "beacon-body-1",
    ]


async def test_past_a_full_pages_body_floor_only_heads_are_read(search_db: DatabaseTargets) -> None:
    """Migration 0019: once the page is full of body-only matches, older articles can enter it
    only by their heads, and the walk reads nothing else: it found the titles of nine days and
    more, yet read every match only of the first two days, where it counted them."""
    conn = await asyncpg.connect(search_db.reader)
    try:
        compiled = await compile_query(conn, parse_query("lighthouse"), None)
        _, arguments = walk_arguments(SearchFilter(), compiled, NOW, timedelta(days=7), None, 3)
        walked = await conn.fetchrow(f"SELECT * FROM {WALK} AS p", *arguments)
        assert walked is not None
        urls = await conn.fetch(
            "SELECT canonical_url FROM pressroom.articles WHERE id = ANY($1::bigint[])",
            walked["ids"],
        )
    finally:
        await conn.close()
    assert {row["canonical_url"].rsplit("/", 1)[-1] for row in urls} == {
        "lighthouse-reversed",
        "lighthouse-demolished",
        "lighthouse-elsewhere",
    }
    assert walked["matches"] == 6
    assert walked["read_from"] > NOW - timedelta(days=3)


async def test_a_cursor_belongs_to_its_search(http: httpx.AsyncClient) -> None:
    body = await _search(http, q="harbour", limit=5)
    response = await http.get("/search", params={"q": "metro", "cursor": body["next_cursor"]})
    assert response.status_code == 400
    assert response.json()["parameter"] == "cursor"


async def test_stopwords_only_gives_an_empty_result_with_a_hint(http: httpx.AsyncClient) -> None:
    body = await _search(http, q="از و the")
    assert body["items"] == []
    assert body["hint"]
    assert body["ignored_words"] == ["از", "و", "the"]


@pytest.mark.parametrize(
    "q",
    ["", "   ", "-metro", "x" * 501, "\x00", '""'],
)
async def test_unreadable_searches_are_400(http: httpx.AsyncClient, q: str) -> None:
    response = await http.get("/search", params={"q": q})
    assert response.status_code == 400
    problem = response.json()
    assert problem["parameter"] == "q"
    assert problem["detail"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/search", "q"),
        ("/search?q=metro&limit=0", "limit"),
        ("/search?q=metro&limit=101", "limit"),
        ("/search?q=metro&lang=persian", "lang"),
        ("/search?q=metro&from=yesterday", "from"),
        ("/search?q=metro&to=9999-12-31T23:59:59Z", "to"),
        ("/search?q=metro&site=a%00b", "site"),
        (f"/search?q=metro&cursor={'A' * 601}", "cursor"),
        ("/search/suggest", "q"),
        ("/search/suggest?q=me&limit=21", "limit"),
        ("/search/suggest?q=me&lang=EN", "lang"),
    ],
)
async def test_bad_parameters_are_422_naming_the_parameter(
    http: httpx.AsyncClient, path: str, parameter: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert parameter in body["detail"]
    assert body["errors"] == [
        {"parameter": parameter, "in": "query", "message": body["errors"][0]["message"]}
    ]


async def test_parameters_are_read_as_fastapi_reads_them(http: httpx.AsyncClient) -> None:
    """The last of a repeated parameter counts; names not known are ignored; a time without a
    zone is UTC."""
    response = await http.get("/search?q=harbour&limit=1&limit=4&colour=red")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 4
    before = (NOW - timedelta(days=30)).replace(tzinfo=None).isoformat()
    assert _urls(await _search(http, q="storm", to=before)) == ["stale"]


async def test_did_you_mean(http: httpx.AsyncClient) -> None:
    body = await _search(http, q="harbuor")
    assert body["items"] == []
    assert body["did_you_mean"] == "harbour"


async def test_did_you_mean_keeps_the_searchs_filters(http: httpx.AsyncClient) -> None:
    """ "harbour" is found on news.example only: it corrects nothing on akhbar.example."""
    body = await _search(http, q="harbuor", site="akhbar.example")
    assert body["items"] == []
    assert body["did_you_mean"] is None


async def test_no_did_you_mean_for_the_same_stem(http: httpx.AsyncClient) -> None:
    """Titles hold "report", not "reports"; both stem to one lexeme, so "report" would find
    exactly what "reports" did: nothing, on this site."""
    body = await _search(http, q="reports", site="akhbar.example")
    assert body["items"] == []
    assert body["did_you_mean"] is None


async def test_suggestions_complete_the_last_word_of_titles(http: httpx.AsyncClient) -> None:
    response = await http.get("/search/suggest", params={"q": "metro li"})
    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Metro line opens"]
    assert body["corrected"] is None


async def test_suggestions_only_look_at_titles(http: httpx.AsyncClient) -> None:
    response = await http.get("/search/suggest", params={"q": "ribb"})
    assert response.json()["items"] == []


async def test_suggestions_correct_typos(http: httpx.AsyncClient) -> None:
    response = await http.get("/search/suggest", params={"q": "metor li"})
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Metro line opens"]
    assert body["corrected"] == "metro li"


async def test_persian_suggestions(http: httpx.AsyncClient) -> None:
    response = await http.get("/search/suggest", params={"q": "سازمان مل", "limit": 1})
    assert [item["title"] for item in response.json()["items"]] == ["نشست سازمان ملل در ژنو"]


FRAGMENTS = [
    "'",
    '"',
    "\\",
    "&",
    "|",
    "!",
    "!!",
    "<->",
    "<2>",
    ":*",
    ":A",
    "(",
    ")",
    "-",
    "or",
    "یا",
    "«",
    "»",
    "'; DROP TABLE pressroom.articles; --",
    "$1",
    "%",
    "_",
    "\u200c",
    "\x00",
    "ـ",
    "ك",
    "۱۲",
    "metro",
    "کتاب",
    " ",
]
queries = (
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)
    | st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
    | st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join)
    | st.integers(min_value=400, max_value=3000).map(lambda n: "کتاب " * (n // 5))
)


async def test_no_search_makes_the_server_fail(http: httpx.AsyncClient) -> None:
    examples: list[str] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries)
    def collect(q: str) -> None:
        examples.append(q)

    collect()
    for q in examples:
        for route in ("/search", "/search/suggest"):
            response = await http.get(route, params={"q": q})
            assert response.status_code in {200, 400}, (route, q, response.text)
            if response.status_code == 400:
                assert response.json()["parameter"] == "q"
