-- The day, month, year and decade markers of migration 0011 back, in place of the blocks.
CREATE OR REPLACE FUNCTION pressroom.search_markers(site_id integer, language text,
                                                    published_at timestamptz)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT array_to_tsvector(ARRAY[
    '§s' || site_id,
    '§l' || language,
    '§c' || extract(year FROM published_at AT TIME ZONE 'UTC')::integer / 10,
    '§y' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY'),
    '§m' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM'),
    '§d' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')])
$$;

DROP INDEX pressroom.search_documents_terms;
DROP INDEX pressroom.search_documents_head;
DROP INDEX pressroom.search_documents_titles;

CREATE FUNCTION pg_temp.block_markers(published_at timestamptz) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT array_agg('§t' || k || '.' || (((published_at AT TIME ZONE 'UTC')::date
                                       - DATE '1900-01-01') >> k))
  FROM generate_series(0, 16) AS k
$$;

UPDATE pressroom.search_documents
   SET head = ts_delete(head, pg_temp.block_markers(published_at))
              || pressroom.search_markers(site_id, language, published_at),
       terms = ts_delete(terms, pg_temp.block_markers(published_at))
               || pressroom.search_markers(site_id, language, published_at);

CREATE INDEX search_documents_terms ON pressroom.search_documents USING gin (terms);
CREATE INDEX search_documents_head ON pressroom.search_documents USING gin (head);
CREATE INDEX search_documents_titles ON pressroom.search_documents
    USING gin (pressroom.title_vector(language, title, site_id, published_at));
ANALYZE pressroom.search_documents;
