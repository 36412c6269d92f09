-- Schema v1: sites, articles partitioned by month, canonical URLs, tags.
-- Every index says which query it serves; docs/schema.md explains the design.

CREATE DOMAIN pressroom.language_code AS text
    CHECK (VALUE ~ '^[a-z]{2,3}$');  -- ISO 639-1/3: "fa", "en", ...

CREATE TABLE pressroom.sites (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain     text NOT NULL,
    name       text NOT NULL,
    language   pressroom.language_code NOT NULL,
    metadata   jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    -- GET /sites/{domain}
    CONSTRAINT sites_domain_key UNIQUE (domain),
    -- Hosts are stored lower-case and in their ASCII (punycode) form, so one site has one row.
    CONSTRAINT sites_domain_is_hostname CHECK (
        length(domain) <= 253
        AND domain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$'
    ),
    CONSTRAINT sites_name_length CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT sites_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
);

-- Article ids are time-ordered 64-bit integers: milliseconds since the Unix epoch of the
-- publication time, shifted left 21 bits, plus a 21-bit discriminator. The id alone therefore
-- names the monthly partition that holds the row (docs/schema.md).
CREATE FUNCTION pressroom.article_id_time(article_id bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    -- Declared immutable although timestamptz + interval is only stable: an interval with no
    -- day or month part does not depend on the TimeZone setting, so the result never varies.
    AS $$ SELECT timestamptz '1970-01-01 00:00:00+00' + (article_id >> 21) * interval '1 millisecond' $$;

CREATE FUNCTION pressroom.make_article_id(published_at timestamptz, discriminator bigint)
    RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (floor(extract(epoch FROM published_at) * 1000)::bigint << 21) | (discriminator & 2097151) $$;

CREATE TABLE pressroom.articles (
    id            bigint NOT NULL,
    site_id       integer NOT NULL REFERENCES pressroom.sites (id),
    canonical_url text NOT NULL,
    title         text NOT NULL,
    summary       text NOT NULL DEFAULT '',
    body          text NOT NULL DEFAULT '',
    language      pressroom.language_code NOT NULL,
    author        text,
    published_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    ingested_at   timestamptz NOT NULL DEFAULT now(),
    metadata      jsonb NOT NULL DEFAULT '{}',
    -- GET /articles/{id}: WHERE id = $1 AND published_at = article_id_time($1) prunes to one
    -- partition. The key must contain the partition key; id alone is unique all the same
    -- because published_at is a function of id (next constraint).
    CONSTRAINT articles_pkey PRIMARY KEY (id, published_at),
    CONSTRAINT articles_id_encodes_published_at CHECK (published_at = pressroom.article_id_time(id)),
    -- 42 bits of signed milliseconds reach from 1830 to 2109; news outside this is bad data.
    CONSTRAINT articles_published_at_range CHECK (
        published_at >= timestamptz '1900-01-01 00:00:00+00'
        AND published_at < timestamptz '2100-01-01 00:00:00+00'
    ),
    CONSTRAINT articles_url_length CHECK (octet_length(canonical_url) <= 2048),
    CONSTRAINT articles_title_length CHECK (length(title) BETWEEN 1 AND 1000),
    CONSTRAINT articles_summary_length CHECK (length(summary) <= 10000),
    CONSTRAINT articles_body_length CHECK (octet_length(body) <= 4194304),
    CONSTRAINT articles_author_length CHECK (length(author) <= 300),
    CONSTRAINT articles_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object')
) PARTITION BY RANGE (published_at);

-- Rows in a month with no partition yet land here rather than being refused;
-- ensure_month_partitions() moves them out when their month's partition is made.
CREATE TABLE pressroom.articles_default PARTITION OF pressroom.articles DEFAULT;

-- GET /sites/{domain}/articles: newest first, keyset pagination on (published_at, id).
CREATE INDEX articles_site_feed ON pressroom.articles (site_id, published_at DESC, id DESC);
-- GET /articles: the list view answered by an index-only scan (no body, no summary).
CREATE INDEX articles_feed_covering ON pressroom.articles (published_at DESC, id DESC)
    INCLUDE (site_id, language, title, canonical_url, author);
-- GET /sites/{domain}/articles?lang=en: without it, a language a site seldom publishes in walks
-- the site's whole feed to find the few matches (measured: 194 ms against 22 ms at 1M articles).
CREATE INDEX articles_site_language_feed
    ON pressroom.articles (site_id, language, published_at DESC, id DESC);
-- GET /articles?lang=fa
CREATE INDEX articles_language_feed ON pressroom.articles (language, published_at DESC, id DESC);
-- Containment filters on crawler metadata: WHERE metadata @> '{"section": "sport"}'.
CREATE INDEX articles_metadata ON pressroom.articles USING gin (metadata jsonb_path_ops);
-- Archive range scans that read many rows (exports, per-day counts over old months): rows are
-- inserted roughly in publication order, so a BRIN index a few pages in size prunes most of a
-- partition, and it stays when old partitions drop their large B-trees.
CREATE INDEX articles_published_brin ON pressroom.articles USING brin (published_at);

-- The seed's partial index on CURRENT_DATE - 30 days cannot exist (an index predicate must be
-- immutable). What it wanted, small and hot indexes for recent articles, comes from the monthly
-- partitions: a query on the last 30 days is pruned at execution time to the newest one or two
-- partitions, whose indexes are exactly that small, hot index (tests/db/test_schema.py).

-- Canonical URLs are unique per site across all partitions. A unique index on a partitioned
-- table must include the partition key, so the uniqueness lives in this unpartitioned table,
-- kept by a trigger that no writer can bypass.
CREATE TABLE pressroom.article_urls (
    site_id       integer NOT NULL,
    canonical_url text NOT NULL,
    article_id    bigint NOT NULL,
    published_at  timestamptz NOT NULL,
    -- Ingestion: "is this URL known, and as which article?"
    CONSTRAINT article_urls_pkey PRIMARY KEY (site_id, canonical_url),
    CONSTRAINT article_urls_article_key UNIQUE (article_id),
    CONSTRAINT article_urls_article_fkey FOREIGN KEY (article_id, published_at)
        REFERENCES pressroom.articles (id, published_at)
);

CREATE FUNCTION pressroom.claim_article_url() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO article_urls (site_id, canonical_url, article_id, published_at)
        VALUES (NEW.site_id, NEW.canonical_url, NEW.id, NEW.published_at);
    ELSIF (NEW.site_id, NEW.canonical_url) IS DISTINCT FROM (OLD.site_id, OLD.canonical_url) THEN
        UPDATE article_urls
           SET site_id = NEW.site_id, canonical_url = NEW.canonical_url
         WHERE article_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_claim_url
    AFTER INSERT OR UPDATE OF site_id, canonical_url ON pressroom.articles
    FOR EACH ROW EXECUTE FUNCTION pressroom.claim_article_url();

CREATE TABLE pressroom.tags (
    id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL,
    name text NOT NULL,
    -- GET /tags/{tag}
    CONSTRAINT tags_slug_key UNIQUE (slug),
    CONSTRAINT tags_slug_form CHECK (
        length(slug) BETWEEN 1 AND 100 AND slug = lower(slug) AND slug !~ '[[:space:]/?#]'
    ),
    CONSTRAINT tags_name_length CHECK (length(name) BETWEEN 1 AND 200)
);

-- The slug a tag name is stored and looked up by: lower case, runs of spaces and URL delimiters
-- folded to one hyphen ("World Cup" and "world  cup" are one tag).
CREATE FUNCTION pressroom.tag_slug(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT left(lower(regexp_replace(btrim(name), '[[:space:]/?#]+', '-', 'g')), 100) $$;

-- Partitioned like articles, by the article's publication time, so a month of articles and its
-- tags are created, detached and archived together.
CREATE TABLE pressroom.article_tags (
    article_id   bigint NOT NULL,
    published_at timestamptz NOT NULL,
    tag_id       integer NOT NULL REFERENCES pressroom.tags (id),
    -- The tags of one article (article page, revisions).
    CONSTRAINT article_tags_pkey PRIMARY KEY (article_id, published_at, tag_id),
    CONSTRAINT article_tags_article_fkey FOREIGN KEY (article_id, published_at)
        REFERENCES pressroom.articles (id, published_at)
) PARTITION BY RANGE (published_at);

CREATE TABLE pressroom.article_tags_default PARTITION OF pressroom.article_tags DEFAULT;

-- GET /tags/{tag}/articles: newest first, keyset pagination, without touching articles until
-- the page's ids are known.
CREATE INDEX article_tags_tag_feed ON pressroom.article_tags (tag_id, published_at DESC, article_id DESC);

-- Creates the monthly partitions of articles and article_tags for every month from first_month
-- to last_month (calendar months in UTC; dates, so the caller's TimeZone cannot shift them),
-- moving rows of those months out of the default partitions. Idempotent. SECURITY DEFINER so
-- the writer role can call it during ingestion while the tables stay owned by the owner.
-- Returns the number of partitions created.
--
-- Locking: creators are serialised by one advisory lock (creating partitions is rare; two
-- creators of different months would otherwise deadlock on the default partitions), and the
-- default partitions are locked before rows move so that no row can slip into them between
-- the move and ATTACH. Call it in a short transaction of its own: the locks last until commit.
CREATE FUNCTION pressroom.ensure_month_partitions(first_month date, last_month date)
    RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    SET timezone = 'UTC'
    AS $$
DECLARE
    month_start timestamptz := date_trunc('month', first_month::timestamp) AT TIME ZONE 'UTC';
    month_end   timestamptz;
    suffix      text;
    created     integer := 0;
BEGIN
    IF last_month < first_month THEN
        RAISE EXCEPTION 'last_month % is before first_month %', last_month, first_month;
    END IF;
    IF last_month - first_month > 366 * 50 THEN
        RAISE EXCEPTION 'refusing to create partitions for more than 50 years at once';
    END IF;
    WHILE month_start <= last_month::timestamp AT TIME ZONE 'UTC' LOOP
        month_end := month_start + interval '1 month';
        suffix := to_char(month_start, '"_p"YYYY_MM');
        IF to_regclass('articles' || suffix) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended('pressroom.partitions', 0));
            IF to_regclass('articles' || suffix) IS NULL THEN
                LOCK TABLE articles_default, article_tags_default IN ACCESS EXCLUSIVE MODE;
                EXECUTE format('CREATE TABLE %I (LIKE articles INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                               'articles' || suffix);
                EXECUTE format('CREATE TABLE %I (LIKE article_tags INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                               'article_tags' || suffix);
                PERFORM move_out_of_default(suffix, month_start, month_end);
                EXECUTE format('ALTER TABLE articles ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                               'articles' || suffix, month_start, month_end);
                EXECUTE format('ALTER TABLE article_tags ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                               'article_tags' || suffix, month_start, month_end);
                -- The URL claims set aside while their articles moved point at rows that exist again.
                IF to_regclass('pg_temp.moving_urls') IS NOT NULL THEN
                    INSERT INTO article_urls SELECT * FROM moving_urls;
                    DROP TABLE moving_urls;
                END IF;
                created := created + 2;
            END IF;
        END IF;
        month_start := month_end;
    END LOOP;
    RETURN created;
END
$$;

-- Rows of a month that arrived before its partition existed wait in the default partitions, and
-- ATTACH would refuse the new partition while they are there. They are moved into the new,
-- not yet attached tables; foreign keys are checked per partition, so the URL claims that point
-- at them are set aside (in pg_temp.moving_urls) and put back after the attach.
CREATE FUNCTION pressroom.move_out_of_default(suffix text, month_start timestamptz, month_end timestamptz)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM articles_default
                    WHERE published_at >= month_start AND published_at < month_end)
       AND NOT EXISTS (SELECT 1 FROM article_tags_default
                        WHERE published_at >= month_start AND published_at < month_end) THEN
        RETURN;
    END IF;
    CREATE TEMP TABLE moving_urls ON COMMIT DROP AS
        WITH gone AS (DELETE FROM article_urls
                       WHERE published_at >= month_start AND published_at < month_end
                      RETURNING *)
        SELECT * FROM gone;
    EXECUTE format(
        'WITH gone AS (DELETE FROM article_tags_default
                        WHERE published_at >= $1 AND published_at < $2 RETURNING *)
         INSERT INTO %I SELECT * FROM gone', 'article_tags' || suffix)
        USING month_start, month_end;
    EXECUTE format(
        'WITH gone AS (DELETE FROM articles_default
                        WHERE published_at >= $1 AND published_at < $2 RETURNING *)
         INSERT INTO %I SELECT * FROM gone', 'articles' || suffix)
        USING month_start, month_end;
END
$$;

REVOKE ALL ON FUNCTION pressroom.ensure_month_partitions(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION pressroom.move_out_of_default(text, timestamptz, timestamptz) FROM PUBLIC;
