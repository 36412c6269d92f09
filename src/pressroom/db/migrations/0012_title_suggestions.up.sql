-- Suggestions as you type read an index of titles of their own, in which every word's
-- beginnings are lexemes (docs/search.md, "Suggestions").
--
-- Until now the last, unfinished word was a prefix query ('فاطمه' & 'رست':*) on the head's
-- index. GIN answers a prefix by collecting every lexeme that starts with it and building the
-- bitmap of all their documents, for all time, before any other condition can narrow it, and
-- again for every window a suggestion reads: 88 ms at p95 on a million articles. Here the
-- beginnings of each title word, up to twelve characters, are lexemes of their own ('§pر',
-- '§pرس', '§pرست'...), so the unfinished word is one exact lookup that GIN skips through like
-- any other word, together with the window's markers.

-- How far a word's beginnings are indexed: a longer unfinished word is looked up by its first
-- twelve characters, which in practice still single out the word.
CREATE FUNCTION pressroom.prefix_length() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 12 $$;

-- The beginnings of the words of a text: normalised as documents are, split and lower-cased by
-- the simple configuration (no stemming and no stopwords: what is typed is the word as written).
CREATE FUNCTION pressroom.word_prefixes(text text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT array_to_tsvector(coalesce(array_agg(DISTINCT '§p' || left(v.lexeme, n)), '{}'))
  FROM unnest(to_tsvector('pg_catalog.simple', pressroom.normalize_text(coalesce(text, '')))) AS v,
       generate_series(1, least(char_length(v.lexeme), pressroom.prefix_length())) AS n
$$;

-- What suggestions match: a title's words (through its language's configuration, as searches
-- see them), their beginnings, and the article's markers (search_markers()), so the site,
-- language and time filters are index conditions here too.
CREATE FUNCTION pressroom.title_vector(language text, title text, site_id integer,
                                       published_at timestamptz)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT pressroom.search_vector(language, title) || pressroom.word_prefixes(title)
       || pressroom.search_markers(site_id, language, published_at)
$$;

-- The words typed so far of a word or phrase being typed, each as a prefix: every word's
-- beginning must start a word of the title. An empty query when nothing but punctuation was
-- typed (the caller drops it, as it does a stopword).
CREATE FUNCTION pressroom.prefix_search_query(typed text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT coalesce(string_agg(DISTINCT
                    '''' || replace(replace('§p' || left(v.lexeme, pressroom.prefix_length()),
                                            '\', '\\'), '''', '''''') || '''',
                    ' & '), '')::tsquery
  FROM unnest(to_tsvector('pg_catalog.simple', pressroom.normalize_text(coalesce(typed, '')))) AS v
$$;

CREATE INDEX search_documents_titles ON pressroom.search_documents
    USING gin (pressroom.title_vector(language, title, site_id, published_at));

-- Only suggestions read the head's index, and they read the titles' now: a search ranks on the
-- head but finds its documents through their terms.
DROP INDEX pressroom.search_documents_head;

ANALYZE pressroom.search_documents;
