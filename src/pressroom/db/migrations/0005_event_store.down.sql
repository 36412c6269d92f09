-- Reverts 0005: the log and everything around it goes; the articles stay as they are.
DROP TRIGGER articles_title_words_revised ON pressroom.articles;
ALTER FUNCTION pressroom.refresh_article_tag_vectors() RESET plan_cache_mode;
CREATE OR REPLACE FUNCTION pressroom.article_tag_names(article_id bigint, published_at timestamptz)
    RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT ARRAY(SELECT t.name
                         FROM pressroom.article_tags at
                         JOIN pressroom.tags t ON t.id = at.tag_id
                        WHERE at.article_id = $1 AND at.published_at = $2
                        ORDER BY t.slug) $$;
DROP FUNCTION pressroom.apply_article_events(bigint, integer, integer, timestamptz);
DROP FUNCTION pressroom.project_articles(bigint[]);
DROP FUNCTION pressroom.article_states(bigint[]);
DROP TYPE pressroom.article_state;
DROP AGGREGATE pressroom.jsonb_merge_agg(jsonb);
DROP FUNCTION pressroom.append_events(bigint, integer, text[], jsonb[], jsonb, text, bytea, boolean);
DROP FUNCTION pressroom.sequence_events(integer);
DROP FUNCTION pressroom.ensure_event_partitions(date, date);
ALTER TABLE pressroom.articles DROP COLUMN version;
DROP TABLE pressroom.api_keys;
DROP TABLE pressroom.event_subscriptions;
DROP TABLE pressroom.event_idempotency;
DROP TABLE pressroom.event_feed;
DROP TABLE pressroom.events;
DROP TABLE pressroom.event_streams;
