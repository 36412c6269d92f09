-- Search, step 2: the pressroom_fa text search configuration, Persian stopwords that work on
-- managed PostgreSQL, and per-language vectors and queries (docs/search.md).

CREATE FUNCTION pressroom.persian_stopwords() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- Generated from src/pressroom/search/stopwords_fa.txt by stopwords_sql_definition().
    AS $$ SELECT '{"آن","آنها","آنکه","آیا","از","است","البته","ام","اما","اند","او","اگر","ای","اید","ایشان","ایم","این","اینکه","با","باشد","باشند","باید","بدون","بر","برای","بسیار","به","بود","بودن","بودند","بوده","بی","بین","تا","تر","ترین","تو","توسط","جز","حتی","خواهد","خواهند","خود","خویش","خیلی","دارد","دارند","داشت","داشتن","داشته","در","درباره","دیگر","دیگری","را","روی","زیر","زیرا","سوی","سپس","شد","شدن","شدند","شده","شما","شود","شوند","طی","علیه","فقط","لذا","لیکن","ما","مانند","مثل","من","می","میان","نباید","نزد","نمی","نه","نیز","نیست","نیستند","ها","های","هایی","هر","هست","هستند","هم","همان","همه","همین","هنوز","هیچ","و","ولی","وی","پس","پیش","چرا","چنان","چند","چنین","چه","چون","چی","چیزی","کجا","کرد","کردن","کردند","کرده","کسی","کند","کنند","کنید","کنیم","که","کی","یا","یک","یکی"}'::text[] $$;

-- Persian words are kept as they are (after normalisation): a simple dictionary needs no file on
-- the server, unlike stopword files, ispell or snowball for a language PostgreSQL lacks.
CREATE TEXT SEARCH DICTIONARY pressroom.persian (TEMPLATE = pg_catalog.simple);

-- English words inside Persian text (names, brands, terms) are stemmed as English, so a mixed
-- article is found by English queries too.
CREATE TEXT SEARCH CONFIGURATION pressroom.pressroom_fa (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION pressroom.pressroom_fa
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH pg_catalog.english_stem;
ALTER TEXT SEARCH CONFIGURATION pressroom.pressroom_fa
    ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart
    WITH pressroom.persian;

-- The configuration for an article's language: English articles use `english`, every other
-- language pressroom_fa (Persian words as they are, English words stemmed).
CREATE FUNCTION pressroom.search_config(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN language = 'en' THEN 'pg_catalog.english'::regconfig
                      ELSE 'pressroom.pressroom_fa'::regconfig END $$;

-- The vector of a text in a language: normalised, parsed, Persian stopwords removed (English
-- ones are removed by english_stem itself).
CREATE FUNCTION pressroom.search_vector(language text, document text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ts_delete(to_tsvector(pressroom.search_config(language),
                                       pressroom.normalize_text(coalesce(document, ''))),
                           pressroom.persian_stopwords()) $$;

-- All the words of a query, ANDed, through the same steps as documents: the plain form of a
-- query (web-search syntax with phrases and exclusions is built on it in Python).
CREATE FUNCTION pressroom.plain_search_query(language text, query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT to_tsquery('pg_catalog.simple',
                  coalesce(string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''',
                                      ' & ' ORDER BY lexeme), ''))
  FROM unnest(pressroom.search_vector(language, query))
$$;
