-- Migration 0022's search_markers() and migration 0011's search_document().
CREATE OR REPLACE FUNCTION pressroom.search_document(a pressroom.articles, body_vector tsvector)
    RETURNS pressroom.search_documents
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT a.id, a.published_at, a.site_id, a.language, a.canonical_url, a.title, a.summary, a.author,
       head, pressroom.search_terms(head, body_vector)
  FROM (SELECT pressroom.article_head_vector(a.language, a.title, a.summary) || a.tag_vector
               || pressroom.search_markers(a.site_id, a.language, a.published_at)) AS h(head)
$$;

CREATE OR REPLACE FUNCTION pressroom.search_markers(site_id integer, language text,
                                                    published_at timestamptz)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT array_to_tsvector(ARRAY[
    '§s' || site_id,
    '§l' || language,
    '§t0.' || day,
    '§t1.' || (day >> 1),
    '§t2.' || (day >> 2),
    '§t3.' || (day >> 3),
    '§t4.' || (day >> 4),
    '§t5.' || (day >> 5),
    '§t6.' || (day >> 6),
    '§t7.' || (day >> 7),
    '§t8.' || (day >> 8),
    '§t9.' || (day >> 9),
    '§t10.' || (day >> 10),
    '§t11.' || (day >> 11),
    '§t12.' || (day >> 12),
    '§t13.' || (day >> 13),
    '§t14.' || (day >> 14),
    '§t15.' || (day >> 15),
    '§t16.' || (day >> 16)])
  FROM (SELECT (published_at AT TIME ZONE 'UTC')::date - DATE '1900-01-01' AS day) AS d
$$;

DROP FUNCTION pressroom.day_markers(integer, text, integer);
