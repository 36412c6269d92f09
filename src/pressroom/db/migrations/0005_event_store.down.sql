-- Reverts 0005: the log and everything around it goes; the articles stay as they are.
DROP TRIGGER articles_title_words_revised ON pressroom.articles;
DROP FUNCTION pressroom.project_articles(bigint[]);
DROP FUNCTION pressroom.article_states(bigint[]);
DROP TYPE pressroom.article_state;
DROP AGGREGATE pressroom.jsonb_merge_agg(jsonb);
DROP FUNCTION pressroom.sequence_events(integer);
DROP FUNCTION pressroom.ensure_event_partitions(date, date);
ALTER TABLE pressroom.articles DROP COLUMN version;
DROP TABLE pressroom.api_keys;
DROP TABLE pressroom.event_subscriptions;
DROP TABLE pressroom.event_idempotency;
DROP TABLE pressroom.event_feed;
DROP TABLE pressroom.events;
DROP TABLE pressroom.event_streams;
