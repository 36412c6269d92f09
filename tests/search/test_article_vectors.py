"""Article vectors are kept by the database: text, tags, renames, and the loader's shortcut."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import asyncpg

from pressroom.ingest.load import load_articles
from pressroom.ingest.merge import upsert_sites
from pressroom.sample import generate_articles, sample_sites

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
    """lexeme -> its weights, of one vector column."""
    rows = await conn.fetch(
        f"SELECT lexeme, array_to_string(weights, '') AS weights "
        f"FROM pressroom.articles, unnest({column}) WHERE id = $1",
        article_id,
    )
    return {row["lexeme"]: row["weights"] for row in rows}


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
    lexemes = await _lexemes(writer, article_id, "head_vector || body_vector")
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
    lexemes = await _lexemes(writer, article_id, "head_vector")
    assert lexemes.get("دفتر") == "A"
    assert lexemes.get("کهنه") == "A"  # Arabic kaf normalised
    assert "کتاب" not in lexemes


async def test_a_writer_cannot_forge_the_vectors(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(
        writer, "forge", language="en", title="Honest title", body="True story", tags=()
    )
    await writer.execute(
        "UPDATE pressroom.articles SET head_vector = 'forged', body_vector = 'forged' WHERE id = $1",
        article_id,
    )
    assert set(await _lexemes(writer, article_id, "head_vector || body_vector")) == {
        "honest",
        "titl",
        "true",
        "stori",
    }


async def test_a_body_edit_reparses_the_body_and_only_then(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "body", language="en", body="Old body", tags=())
    await writer.execute(
        "UPDATE pressroom.articles SET title = 'New title' WHERE id = $1", article_id
    )
    assert "old" in await _lexemes(writer, article_id, "body_vector")
    await writer.execute(
        "UPDATE pressroom.articles SET body = 'Fresh words' WHERE id = $1", article_id
    )
    assert set(await _lexemes(writer, article_id, "body_vector")) == {"fresh", "word"}


async def test_tags_follow_article_tags(writer: asyncpg.Connection) -> None:
    article_id = await _one_article(writer, "tags", language="en", tags=("Climate Crisis",))
    assert await _lexemes(writer, article_id, "tag_vector") == {"climat": "C", "crisi": "C"}
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
    assert set(await _lexemes(writer, article_id, "tag_vector")) == {"climat", "crisi", "volcano"}
    await writer.execute(
        "DELETE FROM pressroom.article_tags at USING pressroom.tags t "
        "WHERE t.id = at.tag_id AND t.slug = 'climate-crisis' AND at.article_id = $1",
        article_id,
    )
    assert set(await _lexemes(writer, article_id, "tag_vector")) == {"volcano"}
    await writer.execute("UPDATE pressroom.tags SET name = 'Lava flows' WHERE slug = 'volcanoes'")
    assert set(await _lexemes(writer, article_id, "tag_vector")) == {"lava", "flow"}


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
