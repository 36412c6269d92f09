-- The body's whole text again (migration 0004).
CREATE OR REPLACE FUNCTION pressroom.article_body_vector(language text, body text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT setweight(pressroom.search_vector(language, body), 'D') $$;
