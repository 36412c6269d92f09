-- The event store: every change to an article is an event; the articles table is the read model
-- the events project to. docs/events.md explains the ordering mechanism and why it is correct.

-- One row per stream (article): its current version, for optimistic concurrency. Unpartitioned,
-- so a stream's row is found with one probe, and its row lock queues two appenders of the same
-- stream while appenders of different streams never wait for each other.
CREATE TABLE pressroom.event_streams (
    stream_id  bigint PRIMARY KEY,
    version    integer NOT NULL CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pressroom.events (
    stream_id      bigint NOT NULL,
    stream_version integer NOT NULL,
    event_type     text NOT NULL,
    data           jsonb NOT NULL,
    -- actor, correlation_id, causation_id, idempotency_key: who and why, never the state.
    metadata       jsonb NOT NULL DEFAULT '{}',
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    -- The place in the global feed; NULL until the sequencer numbers the committed event.
    position       bigint,
    -- (stream_id, stream_version) alone is unique: event_streams hands out each version once.
    -- A key on a partitioned table must hold the partition key, hence recorded_at.
    CONSTRAINT events_pkey PRIMARY KEY (stream_id, stream_version, recorded_at),
    CONSTRAINT events_version_positive CHECK (stream_version > 0),
    CONSTRAINT events_type_form CHECK (event_type ~ '^[a-z]+(\.[a-z_]+)+$'),
    CONSTRAINT events_data_is_object CHECK (jsonb_typeof(data) = 'object'),
    CONSTRAINT events_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
) PARTITION BY RANGE (recorded_at);

CREATE TABLE pressroom.events_default PARTITION OF pressroom.events DEFAULT;

-- Followers: WHERE position > $1 ORDER BY position LIMIT n.
CREATE INDEX events_feed ON pressroom.events (position) WHERE position IS NOT NULL;
-- The sequencer: the committed events still waiting for a position, in the order it numbers
-- them. Stays tiny: rows leave it a moment after they arrive.
CREATE INDEX events_unpositioned ON pressroom.events (stream_id, stream_version)
    WHERE position IS NULL;

-- The head of the feed, one row: its row lock makes sequencer rounds take turns, and it saves
-- a max(position) over every partition.
CREATE TABLE pressroom.event_feed (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_position bigint NOT NULL DEFAULT 0
);
INSERT INTO pressroom.event_feed DEFAULT VALUES;

-- A retried request carries the same idempotency key, and gets the first attempt's result
-- instead of a second append. Unpartitioned, so the key is unique everywhere; the fingerprint
-- of the request tells a retry from a different request reusing a key.
CREATE TABLE pressroom.event_idempotency (
    key           text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    fingerprint   bytea NOT NULL,
    stream_id     bigint NOT NULL,
    first_version integer,
    last_version  integer,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);

-- Durable subscribers: the position each has processed.
CREATE TABLE pressroom.event_subscriptions (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
    position   bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- API keys for writes. The secret is 256 random bits, so a plain SHA-256 is as safe as a slow
-- password hash and costs microseconds per request.
CREATE TABLE pressroom.api_keys (
    id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{8,32}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- The version of the article's stream the row reflects: the ETag that If-Match names.
ALTER TABLE pressroom.articles ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Monthly partitions of events, by the time they were recorded; like
-- ensure_month_partitions() for articles, idempotent, and moving rows out of the default
-- partition when their month's partition is made.
CREATE FUNCTION pressroom.ensure_event_partitions(first_month date, last_month date)
    RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    SET timezone = 'UTC'
    AS $$
DECLARE
    month_start timestamptz := date_trunc('month', first_month::timestamp) AT TIME ZONE 'UTC';
    month_end   timestamptz;
    partition   text;
    created     integer := 0;
BEGIN
    IF last_month < first_month OR last_month - first_month > 366 * 10 THEN
        RAISE EXCEPTION 'refusing to create event partitions from % to %', first_month, last_month;
    END IF;
    WHILE month_start <= last_month::timestamp AT TIME ZONE 'UTC' LOOP
        month_end := month_start + interval '1 month';
        partition := to_char(month_start, '"events_p"YYYY_MM');
        IF to_regclass(partition) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('pressroom.event_partitions', 0));
            IF to_regclass(partition) IS NULL THEN
                LOCK TABLE events_default IN ACCESS EXCLUSIVE MODE;
                EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                               partition);
                EXECUTE format(
                    'WITH gone AS (DELETE FROM events_default
                                    WHERE recorded_at >= $1 AND recorded_at < $2 RETURNING *)
                     INSERT INTO %I SELECT * FROM gone', partition)
                    USING month_start, month_end;
                EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                               partition, month_start, month_end);
                created := created + 1;
            END IF;
        END IF;
        month_start := month_end;
    END LOOP;
    RETURN created;
END
$$;
REVOKE ALL ON FUNCTION pressroom.ensure_event_partitions(date, date) FROM PUBLIC;

-- Numbers the committed events that have no position yet, densely after the last position, in
-- (stream, version) order; returns how many. Rounds take turns on event_feed's row lock, and
-- each statement after it sees every transaction committed before the lock was granted
-- (READ COMMITTED takes a snapshot per statement). docs/events.md has the argument.
CREATE FUNCTION pressroom.sequence_events(max_events integer) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
DECLARE
    last_before bigint;
    numbered    integer;
    last_after  bigint;
BEGIN
    SELECT last_position INTO last_before FROM event_feed FOR UPDATE;
    WITH pending AS (
        SELECT stream_id, stream_version, recorded_at
          FROM events
         WHERE position IS NULL
         ORDER BY stream_id, stream_version
         LIMIT max_events
    ), numbered_events AS (
        SELECT p.*, last_before + row_number() OVER (ORDER BY stream_id, stream_version) AS position
          FROM pending p
    ), updated AS (
        UPDATE events e
           SET position = n.position
          FROM numbered_events n
         WHERE e.stream_id = n.stream_id AND e.stream_version = n.stream_version
           AND e.recorded_at = n.recorded_at AND e.position IS NULL
        RETURNING e.position
    )
    SELECT count(*), max(position) INTO numbered, last_after FROM updated;
    IF numbered > 0 THEN
        UPDATE event_feed SET last_position = last_after;
        -- Delivered at commit: followers wake to read what just became visible.
        PERFORM pg_notify('pressroom_feed', last_after::text);
    END IF;
    RETURN numbered;
END
$$;

-- Appends events to one stream in one statement, so an append costs one round trip:
-- the idempotency key is claimed first (a concurrent first attempt makes this wait for its
-- outcome; a finished one is answered with its result), then the stream's version moves only
-- if it is the expected one (NULL: any), the events go in without a position, the read model is
-- projected when asked. Errors callers act on carry
-- their own SQLSTATE: PR409 a stale expected version (DETAIL: the actual version), PR422 an
-- idempotency key reused for a different request.
CREATE FUNCTION pressroom.append_events(
    target_stream bigint,
    expected_version integer,
    event_types text[],
    event_data jsonb[],
    event_metadata jsonb,
    idempotency_key text,
    request_fingerprint bytea,
    project boolean
) RETURNS TABLE (first_version integer, last_version integer, replayed boolean)
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
DECLARE
    added   integer := cardinality(event_types);
    reached integer;
    moment  timestamptz;
    earlier event_idempotency%ROWTYPE;
BEGIN
    IF idempotency_key IS NOT NULL THEN
        INSERT INTO event_idempotency (key, fingerprint, stream_id)
        VALUES (idempotency_key, request_fingerprint, target_stream)
        ON CONFLICT (key) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO earlier FROM event_idempotency WHERE key = idempotency_key;
            IF earlier.fingerprint <> request_fingerprint OR earlier.stream_id <> target_stream THEN
                RAISE EXCEPTION 'this Idempotency-Key was already used for a different request'
                    USING ERRCODE = 'PR422';
            END IF;
            RETURN QUERY SELECT earlier.first_version, earlier.last_version, true;
            RETURN;
        END IF;
    END IF;

    UPDATE event_streams s
       SET version = s.version + added, updated_at = now()
     WHERE s.stream_id = target_stream AND (expected_version IS NULL OR s.version = expected_version)
    RETURNING s.version INTO reached;
    IF reached IS NULL AND coalesce(expected_version, 0) = 0 THEN
        INSERT INTO event_streams (stream_id, version) VALUES (target_stream, added)
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING version INTO reached;
        IF reached IS NULL AND expected_version IS NULL THEN
            -- Created by a concurrent appender a moment ago; its row lock has been waited for.
            UPDATE event_streams s SET version = s.version + added, updated_at = now()
             WHERE s.stream_id = target_stream
            RETURNING s.version INTO reached;
        END IF;
    END IF;
    IF reached IS NULL THEN
        RAISE EXCEPTION 'stream % is not at version %', target_stream, expected_version
            USING ERRCODE = 'PR409',
                  DETAIL = coalesce((SELECT version FROM event_streams WHERE stream_id = target_stream), 0);
    END IF;

    -- Taken now that the stream's row lock is held, not at transaction start (now()): the
    -- stream's earlier events committed before this lock was granted, so their times are
    -- earlier, and a stream's times always rise with its versions, even when this transaction
    -- began long before (an ingest batch).
    moment := clock_timestamp();
    INSERT INTO events (stream_id, stream_version, event_type, data, metadata, recorded_at)
    SELECT target_stream, reached - added + e.ordinal, e.event_type, e.data, event_metadata, moment
      FROM unnest(event_types, event_data) WITH ORDINALITY AS e(event_type, data, ordinal);
    IF project THEN
        PERFORM apply_article_events(target_stream, reached - added + 1, reached, moment);
    END IF;
    IF idempotency_key IS NOT NULL THEN
        UPDATE event_idempotency
           SET first_version = reached - added + 1, last_version = reached
         WHERE key = idempotency_key;
    END IF;
    -- No NOTIFY here: a notifying transaction holds a database-wide lock from its pre-commit to
    -- its end, so every appender would commit one at a time (measured: 8 writers appended
    -- 3,951 events/s with it, 8,968 without). The sequencer polls instead (docs/events.md).
    RETURN QUERY SELECT reached - added + 1, reached, false;
END
$$;

-- Merges JSON objects left to right: a stream's published and revised events, in version
-- order, fold into the article's current fields.
CREATE AGGREGATE pressroom.jsonb_merge_agg(jsonb) (
    SFUNC = jsonb_concat,
    STYPE = jsonb,
    INITCOND = '{}'
);

-- The state of articles as their events say: one definition, used by the inline projection
-- (a few streams, in the appending transaction) and by replay (every stream, a batch at a time).
-- Only named streams: a "NULL means all" branch would keep the planner from the index.
CREATE TYPE pressroom.article_state AS (
    id bigint, domain text, canonical_url text, title text, summary text, body text,
    language text, author text, metadata jsonb, tag_slugs text[], tag_names text[],
    version integer, retracted boolean, first_recorded_at timestamptz,
    last_recorded_at timestamptz
);

CREATE FUNCTION pressroom.article_states(streams bigint[]) RETURNS SETOF pressroom.article_state
    LANGUAGE sql STABLE
    SET search_path = pressroom, pg_temp
    AS $$
WITH folded AS (
    SELECT e.stream_id,
           jsonb_merge_agg(e.data ORDER BY e.stream_version)
               FILTER (WHERE e.event_type IN ('article.published', 'article.revised')) AS fields,
           max(e.stream_version) AS version,
           (array_agg(e.event_type ORDER BY e.stream_version DESC)
               FILTER (WHERE e.event_type IN ('article.retracted', 'article.restored')))[1]
               = 'article.retracted' AS retracted,
           min(e.recorded_at) AS first_recorded_at,
           max(e.recorded_at) AS last_recorded_at
      FROM events e
     WHERE e.stream_id = ANY (streams)
     GROUP BY e.stream_id
), tag_events AS (
    -- The last event that names a tag decides whether the article has it.
    SELECT DISTINCT ON (e.stream_id, tag_slug(t.name))
           e.stream_id, tag_slug(t.name) AS slug, btrim(t.name) AS name, e.event_type
      FROM events e
     CROSS JOIN LATERAL jsonb_array_elements_text(e.data -> 'tags') AS t(name)
     WHERE e.event_type IN ('article.published', 'article.tagged', 'article.untagged')
       AND e.stream_id = ANY (streams)
       AND tag_slug(t.name) <> ''
     ORDER BY e.stream_id, tag_slug(t.name), e.stream_version DESC
), tag_sets AS (
    SELECT stream_id, array_agg(slug ORDER BY slug) AS slugs, array_agg(name ORDER BY slug) AS names
      FROM tag_events
     WHERE event_type <> 'article.untagged'
     GROUP BY stream_id
)
SELECT f.stream_id, f.fields ->> 'site', f.fields ->> 'url', f.fields ->> 'title',
       coalesce(f.fields ->> 'summary', ''), coalesce(f.fields ->> 'body', ''),
       f.fields ->> 'language', f.fields ->> 'author', coalesce(f.fields -> 'metadata', '{}'),
       coalesce(ts.slugs, '{}'), coalesce(ts.names, '{}'),
       f.version, coalesce(f.retracted, false), f.first_recorded_at, f.last_recorded_at
  FROM folded f
  LEFT JOIN tag_sets ts ON ts.stream_id = f.stream_id
 WHERE f.fields ? 'title'  -- a stream whose published event is missing has no article
$$;

-- Makes the read model of the given streams what their events say: retracted articles leave
-- it, the others are inserted or updated, and their tags follow. Rows that already agree are
-- not touched. Returns the number of article rows written.
--
-- One article at a time on purpose: each statement names the article's publication time, so it
-- is pruned to one partition while executing; a join against a set of articles would visit
-- every partition's indexes (measured: 9 ms per statement at 145 partitions).
CREATE FUNCTION pressroom.project_articles(streams bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
DECLARE
    state   article_state;
    moment  timestamptz;
    site    integer;
    written integer;
    changed integer := 0;
BEGIN
    FOR state IN SELECT * FROM article_states(streams) LOOP
        moment := article_id_time(state.id);
        IF state.retracted THEN
            -- Out of the read model, with its tags and URL claim; the log keeps it.
            DELETE FROM article_tags WHERE article_id = state.id AND published_at = moment;
            DELETE FROM article_urls WHERE article_id = state.id;
            DELETE FROM articles WHERE id = state.id AND published_at = moment;
            GET DIAGNOSTICS written = ROW_COUNT;
            changed := changed + written;
            CONTINUE;
        END IF;

        SELECT id INTO site FROM sites WHERE domain = state.domain;
        IF site IS NULL THEN
            INSERT INTO sites (domain, name, language)
            VALUES (state.domain, left(state.domain, 200), state.language)
            ON CONFLICT (domain) DO UPDATE SET domain = EXCLUDED.domain
            RETURNING id INTO site;
        END IF;

        UPDATE articles a
           SET site_id = site, canonical_url = state.canonical_url, title = state.title,
               summary = state.summary, body = state.body, language = state.language,
               author = state.author, metadata = state.metadata, version = state.version,
               updated_at = state.last_recorded_at, ingested_at = state.first_recorded_at
         WHERE a.id = state.id AND a.published_at = moment
           AND (a.site_id, a.canonical_url, a.title, a.summary, a.body, a.language::text,
                a.author, a.metadata, a.version, a.updated_at, a.ingested_at)
               IS DISTINCT FROM
               (site, state.canonical_url, state.title, state.summary, state.body,
                state.language, state.author, state.metadata, state.version,
                state.last_recorded_at, state.first_recorded_at);
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written = 0 AND NOT EXISTS (SELECT 1 FROM articles
                                        WHERE id = state.id AND published_at = moment) THEN
            INSERT INTO articles (id, site_id, canonical_url, title, summary, body, language,
                                  author, published_at, metadata, version, updated_at,
                                  ingested_at)
            VALUES (state.id, site, state.canonical_url, state.title, state.summary, state.body,
                    state.language, state.author, moment, state.metadata, state.version,
                    state.last_recorded_at, state.first_recorded_at);
            written := 1;
        END IF;
        changed := changed + written;

        IF cardinality(state.tag_slugs) > 0 THEN
            -- Sorted, so concurrent projections take the tags' row locks in one order.
            INSERT INTO tags (slug, name)
            SELECT t.slug, left(t.name, 200)
              FROM unnest(state.tag_slugs, state.tag_names) AS t(slug, name)
             WHERE NOT EXISTS (SELECT 1 FROM tags x WHERE x.slug = t.slug)
             ORDER BY t.slug
            ON CONFLICT (slug) DO NOTHING;
        END IF;
        DELETE FROM article_tags at
         WHERE at.article_id = state.id AND at.published_at = moment
           AND at.tag_id NOT IN (SELECT t.id FROM tags t WHERE t.slug = ANY (state.tag_slugs));
        INSERT INTO article_tags (article_id, published_at, tag_id)
        SELECT state.id, moment, t.id
          FROM tags t
         WHERE t.slug = ANY (state.tag_slugs)
           AND NOT EXISTS (SELECT 1 FROM article_tags x
                            WHERE x.article_id = state.id AND x.published_at = moment
                              AND x.tag_id = t.id);
    END LOOP;
    RETURN changed;
END
$$;

-- The inline projection of an append: the new events applied to the article's row, so an
-- append costs the same however long the stream's history. Revisions and tag changes of an
-- article in the read model are applied as deltas (what article_states() would fold them into,
-- given the row already is the fold of the earlier events: tests/events/test_replay.py checks
-- the two agree); a publication, retraction or restoration re-projects the stream from its
-- whole history, which is short and rare.
CREATE FUNCTION pressroom.apply_article_events(target_stream bigint, from_version integer,
                                               to_version integer, recorded timestamptz)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
DECLARE
    moment timestamptz := article_id_time(target_stream);
    change record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM articles WHERE id = target_stream AND published_at = moment)
       OR EXISTS (SELECT 1 FROM events
                   WHERE stream_id = target_stream
                     AND stream_version BETWEEN from_version AND to_version
                     AND recorded_at = recorded
                     AND event_type NOT IN ('article.revised', 'article.tagged', 'article.untagged'))
    THEN
        PERFORM project_articles(ARRAY[target_stream]);
        RETURN;
    END IF;
    FOR change IN
        SELECT event_type, data FROM events
         WHERE stream_id = target_stream AND stream_version BETWEEN from_version AND to_version
           AND recorded_at = recorded
         ORDER BY stream_version
    LOOP
        IF change.event_type = 'article.revised' THEN
            UPDATE articles
               SET canonical_url = CASE WHEN change.data ? 'url' THEN change.data ->> 'url' ELSE canonical_url END,
                   title = CASE WHEN change.data ? 'title' THEN change.data ->> 'title' ELSE title END,
                   summary = CASE WHEN change.data ? 'summary' THEN change.data ->> 'summary' ELSE summary END,
                   body = CASE WHEN change.data ? 'body' THEN change.data ->> 'body' ELSE body END,
                   language = CASE WHEN change.data ? 'language' THEN change.data ->> 'language' ELSE language END,
                   author = CASE WHEN change.data ? 'author' THEN change.data ->> 'author' ELSE author END,
                   metadata = CASE WHEN change.data ? 'metadata' THEN change.data -> 'metadata' ELSE metadata END
             WHERE id = target_stream AND published_at = moment;
        ELSIF change.event_type = 'article.tagged' THEN
            INSERT INTO tags (slug, name)
            SELECT DISTINCT ON (tag_slug(t.name)) tag_slug(t.name), left(btrim(t.name), 200)
              FROM jsonb_array_elements_text(change.data -> 'tags') AS t(name)
             WHERE tag_slug(t.name) <> ''
               AND NOT EXISTS (SELECT 1 FROM tags x WHERE x.slug = tag_slug(t.name))
             ORDER BY tag_slug(t.name)
            ON CONFLICT (slug) DO NOTHING;
            INSERT INTO article_tags (article_id, published_at, tag_id)
            SELECT target_stream, moment, t.id
              FROM tags t
             WHERE t.slug IN (SELECT tag_slug(n) FROM jsonb_array_elements_text(change.data -> 'tags') AS n)
               AND NOT EXISTS (SELECT 1 FROM article_tags x
                                WHERE x.article_id = target_stream AND x.published_at = moment
                                  AND x.tag_id = t.id);
        ELSE  -- article.untagged
            DELETE FROM article_tags at
             WHERE at.article_id = target_stream AND at.published_at = moment
               AND at.tag_id IN (SELECT t.id FROM tags t
                                  WHERE t.slug IN (SELECT tag_slug(n)
                                                     FROM jsonb_array_elements_text(change.data -> 'tags') AS n));
        END IF;
    END LOOP;
    UPDATE articles SET version = to_version, updated_at = recorded
     WHERE id = target_stream AND published_at = moment;
END
$$;

-- Tag names of one article, now called on every tag change. As a SQL function it was planned
-- at each call with its arguments unknown, over every partition of article_tags (measured: 6 to
-- 8 ms at 145 monthly partitions); planned with the values, it reads one partition (0.1 ms).
CREATE OR REPLACE FUNCTION pressroom.article_tag_names(article_id bigint, published_at timestamptz)
    RETURNS text[]
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pressroom, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
BEGIN
    RETURN ARRAY(SELECT t.name
                   FROM article_tags at
                   JOIN tags t ON t.id = at.tag_id
                  WHERE at.article_id = article_tag_names.article_id
                    AND at.published_at = article_tag_names.published_at
                  ORDER BY t.slug);
END
$$;

-- The same for the statements that write one article's rows from a function: planned with their
-- values, each touches one partition; a generic plan would lock every partition and its indexes.
ALTER FUNCTION pressroom.refresh_article_tag_vectors() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION pressroom.apply_article_events(bigint, integer, integer, timestamptz)
    SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION pressroom.project_articles(bigint[]) SET plan_cache_mode = force_custom_plan;

-- Titles revised later still feed the suggestion vocabulary.
CREATE TRIGGER articles_title_words_revised AFTER UPDATE ON pressroom.articles
    REFERENCING NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION pressroom.collect_title_words();

-- Every article already present gets the event it would have been published with, numbered in
-- the feed in id order, so the log describes the whole read model from the start.
DO $$
DECLARE
    first_month date;
BEGIN
    SELECT date_trunc('month', min(ingested_at) AT TIME ZONE 'UTC')::date INTO first_month
      FROM pressroom.articles;
    PERFORM pressroom.ensure_event_partitions(
        least(coalesce(first_month, current_date), (now() AT TIME ZONE 'UTC')::date),
        ((now() AT TIME ZONE 'UTC') + interval '1 month')::date);
END
$$;

UPDATE pressroom.articles SET updated_at = ingested_at WHERE updated_at <> ingested_at;

INSERT INTO pressroom.events (stream_id, stream_version, event_type, data, metadata, recorded_at, position)
SELECT a.id, 1, 'article.published',
       jsonb_build_object(
           'site', s.domain, 'url', a.canonical_url, 'title', a.title, 'summary', a.summary,
           'body', a.body, 'language', a.language, 'author', a.author,
           'published_at', a.published_at, 'metadata', a.metadata,
           'tags', to_jsonb(pressroom.article_tag_names(a.id, a.published_at))),
       '{"actor": "migration:0005_event_store"}',
       a.ingested_at,
       row_number() OVER (ORDER BY a.id)
  FROM pressroom.articles a
  JOIN pressroom.sites s ON s.id = a.site_id;

INSERT INTO pressroom.event_streams (stream_id, version, created_at, updated_at)
SELECT id, 1, ingested_at, ingested_at FROM pressroom.articles;

UPDATE pressroom.event_feed SET last_position = (SELECT count(*) FROM pressroom.articles);
