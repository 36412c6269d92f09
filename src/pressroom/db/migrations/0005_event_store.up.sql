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

-- Merges JSON objects left to right: a stream's published and revised events, in version
-- order, fold into the article's current fields.
CREATE AGGREGATE pressroom.jsonb_merge_agg(jsonb) (
    SFUNC = jsonb_concat,
    STYPE = jsonb,
    INITCOND = '{}'
);

-- The state of articles as their events say: one definition, used by the inline projection
-- (a few streams, in the appending transaction) and by replay (every stream). streams NULL
-- means all.
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
     WHERE streams IS NULL OR e.stream_id = ANY (streams)
     GROUP BY e.stream_id
), tag_events AS (
    -- The last event that names a tag decides whether the article has it.
    SELECT DISTINCT ON (e.stream_id, tag_slug(t.name))
           e.stream_id, tag_slug(t.name) AS slug, btrim(t.name) AS name, e.event_type
      FROM events e
     CROSS JOIN LATERAL jsonb_array_elements_text(e.data -> 'tags') AS t(name)
     WHERE e.event_type IN ('article.published', 'article.tagged', 'article.untagged')
       AND (streams IS NULL OR e.stream_id = ANY (streams))
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

-- Makes the read model of the given streams what their events say (streams NULL: all):
-- retracted articles leave it, the others are inserted or updated, and their tags follow.
-- Rows that already agree are not touched. Returns the number of articles changed.
CREATE FUNCTION pressroom.project_articles(streams bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
DECLARE
    changed integer := 0;
    n       integer;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS projected OF article_state ON COMMIT DELETE ROWS;
    TRUNCATE projected;
    INSERT INTO projected SELECT * FROM article_states(streams);

    -- Retracted: out of the read model, with their tags and URL claims; the log keeps them.
    DELETE FROM article_tags t USING projected p
     WHERE p.retracted AND t.article_id = p.id AND t.published_at = article_id_time(p.id);
    DELETE FROM article_urls u USING projected p WHERE p.retracted AND u.article_id = p.id;
    DELETE FROM articles a USING projected p
     WHERE p.retracted AND a.id = p.id AND a.published_at = article_id_time(p.id);
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;

    INSERT INTO sites (domain, name, language)
    SELECT DISTINCT ON (p.domain) p.domain, p.domain, p.language
      FROM projected p
     WHERE NOT p.retracted AND NOT EXISTS (SELECT 1 FROM sites s WHERE s.domain = p.domain)
     ORDER BY p.domain
    ON CONFLICT (domain) DO NOTHING;

    UPDATE articles a
       SET site_id = s.id, canonical_url = p.canonical_url, title = p.title,
           summary = p.summary, body = p.body, language = p.language, author = p.author,
           metadata = p.metadata, version = p.version, updated_at = p.last_recorded_at,
           ingested_at = p.first_recorded_at
      FROM projected p
      JOIN sites s ON s.domain = p.domain
     WHERE NOT p.retracted AND a.id = p.id AND a.published_at = article_id_time(p.id)
       AND (a.site_id, a.canonical_url, a.title, a.summary, a.body, a.language, a.author,
            a.metadata, a.version, a.updated_at, a.ingested_at)
           IS DISTINCT FROM
           (s.id, p.canonical_url, p.title, p.summary, p.body, p.language::language_code,
            p.author, p.metadata, p.version, p.last_recorded_at, p.first_recorded_at);
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;

    INSERT INTO articles (id, site_id, canonical_url, title, summary, body, language, author,
                          published_at, metadata, version, updated_at, ingested_at)
    SELECT p.id, s.id, p.canonical_url, p.title, p.summary, p.body, p.language, p.author,
           article_id_time(p.id), p.metadata, p.version, p.last_recorded_at, p.first_recorded_at
      FROM projected p
      JOIN sites s ON s.domain = p.domain
     WHERE NOT p.retracted
       AND NOT EXISTS (SELECT 1 FROM articles a
                        WHERE a.id = p.id AND a.published_at = article_id_time(p.id));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;

    -- Sorted, so concurrent projections take the tags' row locks in one order.
    INSERT INTO tags (slug, name)
    SELECT DISTINCT ON (t.slug) t.slug, left(t.name, 200)
      FROM projected p, unnest(p.tag_slugs, p.tag_names) AS t(slug, name)
     WHERE NOT p.retracted
     ORDER BY t.slug
    ON CONFLICT (slug) DO NOTHING;

    DELETE FROM article_tags at USING projected p
     WHERE NOT p.retracted AND at.article_id = p.id AND at.published_at = article_id_time(p.id)
       AND at.tag_id NOT IN (SELECT t.id FROM tags t WHERE t.slug = ANY (p.tag_slugs));
    INSERT INTO article_tags (article_id, published_at, tag_id)
    SELECT p.id, article_id_time(p.id), t.id
      FROM projected p
      JOIN tags t ON t.slug = ANY (p.tag_slugs)
     WHERE NOT p.retracted
    ON CONFLICT DO NOTHING;
    RETURN changed;
END
$$;

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
