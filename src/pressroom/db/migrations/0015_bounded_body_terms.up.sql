-- A body's search terms come from its first 60,000 characters (docs/search.md, "Long bodies").
--
-- A body may hold up to 4 MiB (events/types.py), but a tsvector holds at most 1 MiB of lexemes,
-- and a document's terms carry every lexeme twice more in its pairs. A valid article whose body
-- had enough distinct words (measured: 30,000 hex digests, 990 kB) failed its whole write with
-- "string is too long for tsvector": POST /articles answered 500 and an ingest stopped at its
-- batch, every time it was resumed.
--
-- 60,000 characters keep the terms under the limit whatever the text (docs/search.md gives the
-- bound), and cost long articles little: PostgreSQL keeps word positions only up to 16,383
-- anyway, and 60,000 characters are about 10,000 words, five times a long feature. Parsing a
-- 4 MiB body took a core about a second; it now takes what a long article takes. Documents of
-- bodies within the limit, every one written so far that did not fail, are unchanged.
CREATE OR REPLACE FUNCTION pressroom.article_body_vector(language text, body text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT setweight(pressroom.search_vector(language, left(body, 60000)), 'D') $$;
