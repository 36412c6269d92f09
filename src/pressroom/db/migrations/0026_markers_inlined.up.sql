-- A document's markers and head built once, as expressions of the statement that writes it.
--
-- search_markers() (migration 0022) held a FROM clause and STABLE operators (`'§s' || site_id`
-- is anytextcat()), so PostgreSQL could not inline it, and since the function that calls it,
-- search_document(), runs its statement afresh for every article, its body was parsed and
-- planned again for every call: 0.45 ms a call, by pg_stat_user_functions, to write 19
-- lexemes. And search_document() named the head twice (as itself and inside the terms), so
-- once its subquery was pulled up, the head (title and summary normalised and parsed, the tags,
-- the markers) was built twice for every document.
--
-- Now the day's blocks are an expression of the day (day_markers(), casts to text, which are
-- IMMUTABLE), search_markers() passes it the day, both are inlined, and the head is a subquery
-- that is not pulled up (OFFSET 0). Measured on the bench database (2 cores, session 26): the
-- search documents of 1,000 recent articles in 3.1-3.4 s against 3.9-4.3 s, the same rows;
-- the markers and title vectors of 190,000 articles the same as before. Nothing stored changes,
-- so no document is rewritten.
CREATE FUNCTION pressroom.day_markers(site_id integer, language text, day integer)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT array_to_tsvector(ARRAY[
    '§s' || site_id::text,
    '§l' || language,
    '§t0.' || day::text,
    '§t1.' || (day >> 1)::text,
    '§t2.' || (day >> 2)::text,
    '§t3.' || (day >> 3)::text,
    '§t4.' || (day >> 4)::text,
    '§t5.' || (day >> 5)::text,
    '§t6.' || (day >> 6)::text,
    '§t7.' || (day >> 7)::text,
    '§t8.' || (day >> 8)::text,
    '§t9.' || (day >> 9)::text,
    '§t10.' || (day >> 10)::text,
    '§t11.' || (day >> 11)::text,
    '§t12.' || (day >> 12)::text,
    '§t13.' || (day >> 13)::text,
    '§t14.' || (day >> 14)::text,
    '§t15.' || (day >> 15)::text,
    '§t16.' || (day >> 16)::text])
$$;

-- The day counted from 1900-01-01 (UTC), as search/markers.py counts it.
CREATE OR REPLACE FUNCTION pressroom.search_markers(site_id integer, language text,
                                                    published_at timestamptz)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT pressroom.day_markers(site_id, language,
                             (published_at AT TIME ZONE 'UTC')::date - DATE '1900-01-01')
$$;

CREATE OR REPLACE FUNCTION pressroom.search_document(a pressroom.articles, body_vector tsvector)
    RETURNS pressroom.search_documents
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT a.id, a.published_at, a.site_id, a.language, a.canonical_url, a.title, a.summary, a.author,
       head, pressroom.search_terms(head, body_vector)
  FROM (SELECT pressroom.article_head_vector(a.language, a.title, a.summary) || a.tag_vector
               || pressroom.search_markers(a.site_id, a.language, a.published_at)
        -- Built once: pulled up, the head would be built again where the terms name it.
        OFFSET 0) AS h(head)
$$;
