-- Time markers as blocks of 1, 2, 4, ... 65,536 days (search/markers.py), in place of the UTC
-- day, month, year and decade of migration 0011: a search's window of time becomes a few blocks
-- instead of dozens of day markers.
--
-- A window is one GIN scan key, an OR of its markers, and GIN pays for each marker of a key: a
-- descent of the entry tree to start, then at every candidate of the search's first word, a
-- step over every marker and the tsquery's consistent function over all of them. The windows
-- of two weeks to a few months, which every search of two common words or a phrase reads,
-- were 14 to 42 day markers: whole months only where a window held one. Measured on a part of
-- the sample corpus (110,000 articles) while it loaded, counting the matches of two common
-- words in the days of two months: 3.5-4.5 ms with 59 day markers, 0.8-1.1 ms with the two
-- month markers; in the days of one month, 2.8-4.2 ms with 28 day markers against 0.8-1.3 ms
-- with one. Any span of days is at most two blocks of each size, so at most 34 markers, and a
-- window of a few weeks is about five. On the million sample articles, the benchmark's
-- searches in process, alternately with blocks and with one marker a day (medians): rare
-- words 0.70-0.87 against 1.00-1.54 ms, phrases 2.39-3.66 against 3.64-3.70 (docs/search.md,
-- "Benchmark").
--
-- Every document gets one block of each of the 17 sizes: 13 lexemes more than before in its
-- head, its terms and its title's vector. Blocks count days from 1900-01-01 (the first day an
-- article may be published, articles_published_at_range), so the block of size 2^k holding day
-- n is n >> k. Existing documents are rewritten, and the three indexes that hold markers are
-- built again after, rather than updated row by row.
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

DROP INDEX pressroom.search_documents_terms;
DROP INDEX pressroom.search_documents_head;
DROP INDEX pressroom.search_documents_titles;

-- The markers of migration 0011 out, the blocks in (the site's and language's are the same).
CREATE FUNCTION pg_temp.day_markers(published_at timestamptz) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT ARRAY['§c' || extract(year FROM published_at AT TIME ZONE 'UTC')::integer / 10,
             '§y' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY'),
             '§m' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM'),
             '§d' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')]
$$;

UPDATE pressroom.search_documents
   SET head = ts_delete(head, pg_temp.day_markers(published_at))
              || pressroom.search_markers(site_id, language, published_at),
       terms = ts_delete(terms, pg_temp.day_markers(published_at))
               || pressroom.search_markers(site_id, language, published_at);

CREATE INDEX search_documents_terms ON pressroom.search_documents USING gin (terms);
CREATE INDEX search_documents_head ON pressroom.search_documents USING gin (head);
CREATE INDEX search_documents_titles ON pressroom.search_documents
    USING gin (pressroom.title_vector(language, title, site_id, published_at));
ANALYZE pressroom.search_documents;
