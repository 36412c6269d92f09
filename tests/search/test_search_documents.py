"""Search documents are kept by the database: text, tags, renames, deletes, the loader's
shortcut, and nobody else can write them."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import asyncpg
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.ingest.settle import settle_after_load
from pressroom.sample import generate_articles, sample_sites
from pressroom.search.snippets import MARK_END, MARK_START
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import compile_query

SITES = 3
WHEN = datetime(2024, 5, 5, 12, tzinfo=UTC)


async def _one_article(
    writer: asyncpg.Connection,
    slug: str,
    *,
    language: str,
    title: str = "Title",
    summary: str = "",
    body: str = "",
    tags: tuple[str, ...] = (),
) -> int:
    base = next(iter(generate_articles(1, SITES, seed=11)))
    article = replace(
        base,
        url=f"https://{base.site}/vectors/{slug}",
        published_at=WHEN,
        language=language,
        title=title,
        summary=summary,
        body=body,
        tags=tags,
    )
    await upsert_sites(writer, sample_sites(SITES, seed=11))
    await load_articles(writer, [article])
    article_id: int = await writer.fetchval(
        "SELECT article_id FROM pressroom.article_urls WHERE canonical_url = $1",
        f"https://{base.site}/vectors/{slug}",
    )
    return article_id


async def _lexemes(conn: asyncpg.Connection, article_id: int, column: str) -> dict[str, str]:
    """word -> its weights, in one vector of the article's search document (markers and
    pairs left out)."""
    rows = await conn.fetch(
        f"SELECT lexeme, array_to_string(weights, '') AS weights "
        f"FROM pressroom.search_documents, unnest({column}) "
        f"WHERE article_id = $1 AND lexeme NOT LIKE '§%' AND lexeme NOT LIKE '% %'",
        article_id,
    )
    return {row["lexeme"]: row["weights"] for row in rows}


async def _tag_lexemes(conn: asyncpg.Connection, article_id: int) -> dict[str, str]:
    words = await _lexemes(conn, article_id, "head")
    return {word: weights for word, weights in words.items() if weights == "C"}


async def test_title_summary_body_are_weighted(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(
        writer,
        "weights",
        language="en",
        title="Glaciers retreat",
        summary="Scientists measure",
        body="Meltwater rivers",
        tags=(),
    )
    lexemes = await _lexemes(writer, article_id, "terms")
    assert lexemes == {
        "glacier": "A",
        "retreat": "A",
        "scientist": "B",
        "measur": "B",
        "meltwat": "D",
        "river": "D",
    }


async def test_editing_the_text_updates_the_vector(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "edit", language="fa", title="کتاب تازه", tags=())
    await writer.execute(
        "UPDATE pressroom.articles SET title = 'دفتر كهنه' WHERE id = $1", article_id
    )
    lexemes = await _lexemes(writer, article_id, "head")
    assert lexemes.get("دفتر") == "A"
    assert lexemes.get("کهنه") == "A"  # Arabic kaf normalised
    assert "کتاب" not in lexemes


async def test_only_the_database_writes_search_documents(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(
        writer, "forge", language="en", title="Honest title", body="True story", tags=()
    )
    for statement in (
        "UPDATE pressroom.search_documents SET terms = 'forged' WHERE article_id = $1",
        "DELETE FROM pressroom.search_documents WHERE article_id = $1",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await writer.execute(statement, article_id)
    assert set(await _lexemes(writer, article_id, "terms")) == {"honest", "titl", "true", "stori"}


async def test_edits_reindex_and_untouched_text_does_not(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "body", language="en", body="Old body", tags=())
    await writer.execute(
        "UPDATE pressroom.articles SET title = 'New title' WHERE id = $1", article_id
    )
    assert {"old", "new"} <= set(await _lexemes(writer, article_id, "terms"))
    await writer.execute(
        "UPDATE pressroom.articles SET body = 'Fresh words' WHERE id = $1", article_id
    )
    words = await _lexemes(writer, article_id, "terms")
    assert {word for word, weights in words.items() if weights == "D"} == {"fresh", "word"}
    written = "SELECT xmin::text FROM pressroom.search_documents WHERE article_id = $1"
    before = await writer.fetchval(written, article_id)
    await writer.execute(
        "UPDATE pressroom.articles SET metadata = '{\"seen\": 1}', updated_at = now() "
        "WHERE id = $1",
        article_id,
    )
    assert await writer.fetchval(written, article_id) == before


async def test_documents_go_with_their_articles(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "gone", language="en", title="Short lived", tags=())
    documents = "SELECT count(*) FROM pressroom.search_documents WHERE article_id = $1"
    assert await writer.fetchval(documents, article_id) == 1
    await writer.execute("DELETE FROM pressroom.article_urls WHERE article_id = $1", article_id)
    await writer.execute("DELETE FROM pressroom.articles WHERE id = $1", article_id)
    assert await writer.fetchval(documents, article_id) == 0


async def test_texts_to_highlight_follow_their_articles(writer: asyncpg.Connection) -> None:
    """Migration 0020: snippets are marked in the title and summary normalised when the article
    is written, which edits rewrite, deletions remove, and nobody else writes."""
    article_id = await _one_article(
        writer, "marked", language="fa", title="كتاب\u200cها", summary="۳٫۲ درصد", tags=()
    )
    texts = "SELECT (title, summary) FROM pressroom.highlight_texts WHERE article_id = $1"
    assert await writer.fetchval(texts, article_id) == ("کتاب ها", "3.2 درصد")
    # The marks a search puts around its matches cannot come from the text itself.
    await writer.execute(
        "UPDATE pressroom.articles SET title = $2 WHERE id = $1",
        article_id,
        f"{MARK_START}دفتر{MARK_END}",
    )
    assert await writer.fetchval(texts, article_id) == ("دفتر", "3.2 درصد")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await writer.execute(
            "UPDATE pressroom.highlight_texts SET title = 'forged' WHERE article_id = $1",
            article_id,
        )
    await writer.execute("DELETE FROM pressroom.article_urls WHERE article_id = $1", article_id)
    await writer.execute("DELETE FROM pressroom.articles WHERE id = $1", article_id)
    assert await writer.fetchval(texts, article_id) is None


async def test_pairs_of_neighbouring_words_are_terms(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(
        writer, "pairs", language="en", title="State of the art", body="Solar panels", tags=()
    )
    pairs = await writer.fetchval(
        "SELECT array_agg(lexeme ORDER BY lexeme) FROM pressroom.search_documents, unnest(terms) "
        "WHERE article_id = $1 AND lexeme LIKE '% %'",
        article_id,
    )
    # Stopwords are gaps, not words: "state" and "art" pair across two of them, as in a query.
    assert pairs == ["art solar", "solar panel", "state 3 art"]
    assert (
        await writer.fetchval("SELECT pressroom.phrase_pairs('en', 'the state of the art')::text")
        == "'state 3 art'"
    )


@pytest.mark.parametrize(
    ("call", "arguments"),
    [
        # adjacent_pairs() pairs every place of a document (migration 0025).
        ("pressroom.word_pair(v.a, v.n, v.b)", "'state'::text AS a, 3 AS n, 'art'::text AS b"),
        # Every written document and title vector (migration 0026).
        ("pressroom.search_markers(v.n, v.a, v.t)", "12 AS n, 'fa'::text AS a, now() AS t"),
    ],
)
async def test_document_helpers_are_expressions_not_calls(
    writer: asyncpg.Connection, call: str, arguments: str
) -> None:
    # Called rather than inlined, a SQL function is parsed and planned again for each call
    # made from a statement its caller runs afresh (search_document() runs one per article):
    # two thirds of adjacent_pairs()'s time, 0.45 ms of search_markers()'s.
    plan = await writer.fetch(
        f"EXPLAIN (VERBOSE, COSTS OFF) WITH v AS MATERIALIZED (SELECT {arguments}) "
        f"SELECT {call} FROM v"
    )
    output = next(row[0] for row in plan if "Output:" in row[0])
    assert call.partition("(")[0] not in output


async def test_a_document_s_head_is_built_once(
    writer: asyncpg.Connection, database: DatabaseTargets
) -> None:
    # search_document() names its head twice; pulled up into one expression, the head (title
    # and summary parsed, markers) was built twice for every article written (migration 0026).
    # Counted by the normalisations (PL/pgSQL, never inlined): the title, the summary and the
    # body once each.
    article_id = await _one_article(writer, "head-once", language="fa", title="سر", tags=())
    assert database.admin is not None
    admin = await asyncpg.connect(database.admin)
    try:
        async with admin.transaction():
            await admin.execute("SET LOCAL track_functions = 'all'")
            await admin.fetchval(
                "SELECT count(*) FROM pressroom.articles a, LATERAL pressroom.search_document("
                "  a, pressroom.article_body_vector(a.language, a.body)) d "
                "WHERE a.id = $1",
                article_id,
            )
            calls = await admin.fetchval(
                "SELECT pg_stat_get_xact_function_calls('pressroom.normalize_text'::regproc)"
            )
    finally:
        await admin.close()
    assert calls == 3


async def test_tags_follow_article_tags(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "tags", language="en", tags=("Climate Crisis",))
    assert await _tag_lexemes(writer, article_id) == {"climat": "C", "crisi": "C"}
    published_at = await writer.fetchval(
        "SELECT published_at FROM pressroom.articles WHERE id = $1", article_id
    )
    await writer.execute(
        "INSERT INTO pressroom.tags (slug, name) VALUES ('volcanoes', 'Volcanoes')"
    )
    await writer.execute(
        "INSERT INTO pressroom.article_tags (article_id, published_at, tag_id) "
        "SELECT $1, $2, id FROM pressroom.tags WHERE slug = 'volcanoes'",
        article_id,
        published_at,
    )
    assert set(await _tag_lexemes(writer, article_id)) == {"climat", "crisi", "volcano"}
    await writer.execute(
        "DELETE FROM pressroom.article_tags at USING pressroom.tags t "
        "WHERE t.id = at.tag_id AND t.slug = 'climate-crisis' AND at.article_id = $1",
        article_id,
    )
    assert set(await _tag_lexemes(writer, article_id)) == {"volcano"}
    await writer.execute("UPDATE pressroom.tags SET name = 'Lava flows' WHERE slug = 'volcanoes'")
    assert set(await _tag_lexemes(writer, article_id)) == {"lava", "flow"}


async def test_the_loaders_tag_vectors_are_what_the_trigger_would_write(
    writer: asyncpg.Connection,
) -> None:
    await upsert_sites(writer, sample_sites(SITES, seed=5))
    await load_articles(writer, generate_articles(300, SITES, seed=5))
    differing = await writer.fetchval(
        "SELECT count(*) FROM pressroom.articles "
        "WHERE tag_vector <> pressroom.article_tag_vector("
        "    language, pressroom.article_tag_names(id, published_at))"
    )
    tagged = await writer.fetchval("SELECT count(*) FROM pressroom.articles WHERE tag_vector <> ''")
    assert differing == 0
    assert tagged > 100


async def test_title_and_tag_words_become_suggestion_words(writer: asyncpg.Connection) -> None:
    await _one_article(
        writer, "words", language="fa", title="زلزله‌ای در كرمان", tags=("Earthquake Alerts",)
    )
    words = await writer.fetchval(
        "SELECT array_agg(word ORDER BY word) FROM pressroom.search_words "
        "WHERE word = ANY($1::text[])",
        ["زلزله", "کرمان", "earthquake", "alerts", "در"],
    )
    # Normalised (Arabic kaf), lower-cased, not stemmed; stopwords ("در") left out.
    assert words == ["alerts", "earthquake", "زلزله", "کرمان"]


async def test_settling_a_load_merges_the_search_entries_left_pending(
    writer: asyncpg.Connection, owner: asyncpg.Connection
) -> None:
    merge = "SELECT gin_clean_pending_list('pressroom.search_documents_terms'::regclass)"
    await upsert_sites(writer, sample_sites(SITES, seed=6))
    # A load leaves its entries pending (fast update): merging them here finds pages to merge.
    # Fifty articles: a hundred hold about the 4 MB at which the load merges its list itself.
    await load_articles(writer, generate_articles(50, SITES, seed=6))
    assert await owner.fetchval(merge) > 0
    # A load that is settled leaves nothing pending for searches to read beside the index.
    await load_articles(writer, generate_articles(100, SITES, seed=7))
    await settle_after_load(owner, None)
    assert await owner.fetchval(merge) == 0


async def test_words_too_long_to_pair_are_left_unpaired_on_both_sides(
    writer: asyncpg.Connection,
) -> None:
    # Two neighbours of 1,100 letters: their pair would pass the 2,047-byte limit of a lexeme,
    # which would fail the whole write; neither the document nor the query pairs them.
    phrase = f"{'x' * 1100} {'y' * 1100}"
    article_id = await _one_article(
        writer, "long", language="en", title="Long words", body=phrase, tags=()
    )
    assert await writer.fetchval("SELECT pressroom.phrase_pairs('en', $1) IS NULL", phrase)
    found = await writer.fetchval(
        "SELECT terms @@ pressroom.phrase_search_query('en', $2) "
        "FROM pressroom.search_documents WHERE article_id = $1",
        article_id,
        phrase,
    )
    assert found is True


async def test_a_two_word_phrase_is_its_pair_and_a_longer_one_is_checked(
    writer: asyncpg.Connection,
) -> None:
    texts = {
        "near": "the state of the art is here",
        "between": "state big red art",  # three apart, but with words between: not the phrase
        "reversed": "art of the state",
        "longer": "the state of the art and the state of the union",
        "split": "state of the art went far art of the union",  # both pairs, not the phrase
    }
    ids = {
        slug: await _one_article(writer, slug, language="en", title="Notes", body=body, tags=())
        for slug, body in texts.items()
    }

    async def found(q: str) -> set[str]:
        compiled = await compile_query(writer, parse_query(q), "en")
        rows = await writer.fetch(
            "SELECT article_id FROM pressroom.search_documents "
            "WHERE article_id = ANY($1::bigint[]) AND terms @@ $2::tsquery",
            list(ids.values()),
            compiled.matching,
        )
        return {slug for slug, article_id in ids.items() if article_id in {r[0] for r in rows}}

    two = await compile_query(writer, parse_query('"state of the art"'), "en")
    assert two.matching == "('state 3 art')"  # no positions to read: GIN answers it alone
    assert await found('"state of the art"') == {"near", "longer", "split"}
    three = await compile_query(writer, parse_query('"art and the state of the union"'), "en")
    assert "<" in three.matching  # two pairs need not be one phrase: positions are checked
    assert await found('"art and the state of the union"') == {"longer"}
    assert await found('"state of the art of the union"') == set()


def _distinct_words(count: int, prefix: str = "w") -> str:
    """`count` words no dictionary shortens and no two alike (hex digests)."""
    return " ".join(prefix + hashlib.md5(str(n).encode()).hexdigest() for n in range(count))  # noqa: S324


async def test_a_body_of_four_mebibytes_is_searched_by_its_beginning(
    writer: asyncpg.Connection,
) -> None:
    """A valid body may hold 4 MiB; a tsvector, 1 MiB of lexemes. Terms come from the body's
    first 60,000 characters (migration 0015), so the article is written and searchable, where
    it used to fail with "string is too long for tsvector"."""
    words = _distinct_words(120_000)
    assert len(words.encode()) > 4_000_000
    first, last = words.split(" ", 1)[0], words.rsplit(" ", 1)[-1]
    article_id = await _one_article(writer, "huge", language="en", body=words, tags=())
    terms = await _lexemes(writer, article_id, "terms")
    assert terms[first] == "D"
    assert last not in terms
    whole = words[:60_000].split(" ")[:-1]  # the last one may be cut
    body_terms = {word for word, weights in terms.items() if weights == "D"}
    assert set(whole) <= body_terms
    assert len(body_terms) <= len(whole) + 1


async def test_the_longest_terms_fit_whatever_the_characters(owner: asyncpg.Connection) -> None:
    """The bound of migration 0015 holds for four-byte characters too, in words of every length
    up to the longest lexeme, with a title and summary of the same kind at their limits."""
    ideographs = "".join(chr(0x20000 + (n * 7919) % 42000) for n in range(70_000))
    for length in (1, 10, 100, 511):
        body = " ".join(ideographs[i : i + length] for i in range(0, 70_000, length))
        size = await owner.fetchval(
            "SELECT octet_length(pressroom.search_terms("
            "  pressroom.article_head_vector('fa', $2, $3),"
            "  pressroom.article_body_vector('fa', $1))::text)",
            body,
            " ".join(ideographs[i : i + 9] for i in range(0, 900, 9)),
            " ".join(ideographs[i : i + 2] for i in range(0, 6666, 2)),
        )
        assert 0 < size < 1_048_575, length
