-- Migration 0011's word_pair(), which PostgreSQL calls rather than inlines.
CREATE OR REPLACE FUNCTION pressroom.word_pair(first text, gap integer, second text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT first || ' ' || CASE WHEN gap = 1 THEN '' ELSE gap || ' ' END || second $$;
