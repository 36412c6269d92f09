-- word_pair() as an expression PostgreSQL can inline, with the same result.
--
-- adjacent_pairs() calls word_pair() for every place of a document (about 600 in a sample
-- article), and a SQL function runs as an expression of its caller only if nothing in it is
-- more volatile than it is declared: `gap || ' '` is anytextcat(), which is STABLE (it calls
-- the output function of whatever type it is given), so this IMMUTABLE function was never
-- inlined, and each pair went through the SQL function executor. `gap::text` is int4out(),
-- IMMUTABLE, and writes the same digits.
--
-- Measured on the bench database (2 cores, session 26): the terms of 1,000 recent documents,
-- body parsed and paired, in 3.9-4.0 s against 5.7-6.5 s; their pairs alone in 1.2-1.5 s
-- against 3.4-4.1 s; the same terms for every document. Every write of an article, every
-- load and every rewrite of the search documents pairs its words; a search pairs the words of
-- its phrases (phrase_pairs()). Nothing stored changes, so no document is rewritten.
CREATE OR REPLACE FUNCTION pressroom.word_pair(first text, gap integer, second text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT first || ' ' || CASE WHEN gap = 1 THEN '' ELSE gap::text || ' ' END || second $$;
