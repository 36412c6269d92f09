-- Searches read less (docs/search.md, "Reading less" and "Total").
--
-- * No count of the matches older than the windows read. Where a page filled before every
--   window was read and fewer than 200 matches had been seen, migration 0013's function counted
--   the older ones, up to 200, for an exact total: GIN builds the whole bitmap of an index scan
--   before a LIMIT applies, so that count walked the postings of the search's rarest word over
--   all the years older than the windows, and two common words or a common word on one site
--   paid for it on every first page. Such totals are now estimated from the windows read, as
--   they already were past 200 matches.
-- * Cheaper scoring: ts_rank_cd() only where the head holds the search, since a head that does
--   not has no cover and ranks 0 (so 0.1; most matches of a common word are in bodies only),
--   and the age as a double (date_part) rather than a numeric (extract), which power() took as
--   a double anyway. Measured on 20,000 heads: 1.4 µs a row for ts_rank_cd(), 0.75-1.1 µs with
--   the test, about 0.4 µs less for the age.
-- * Windows newer than the newest document are skipped. The newest and oldest publication
--   times come from an index of their own, a probe each in the search's snapshot. A feed that
--   paused, a copy of an archive, a corpus that ends weeks before the search (the benchmark's
--   ends on 2026-10-31) made every search and suggestion read two or three empty statements
--   first, each walking its time markers. A search also returns the newest publication time,
--   and its caller counts the next searches' windows back from that day when it is older than
--   the clock's (search/engine.py, NewestSeen): the first window then holds the newest week of
--   documents.
-- * A rare word reads everything older at once: once five days or more of documents have been
--   read and, at the rate of its matches so far, everything older would hold at most 200
--   matches, the rest is one statement without time markers. A rare word read six statements,
--   each walking the entries of its window's markers for every match, where its postings over
--   all time are a few hundred at most. A word rare lately and common years ago reads those
--   years in that statement, as it read them in a window before.
-- * For several words, a window of four weeks or less puts its time markers before the words
--   as GIN scan keys: words that never meet in one document made GIN walk the rarer word's
--   postings over all time, even for a week's window.
-- * Fixed: a later page counted no match of a window whose matches all came before its cursor
--   (the keyset filtered the rows that carried the window's count), so the exact total of a
--   last page fell short: 14 of 23 in tests/api/test_search.py.
--
-- search_windows() loses the count's arguments (older_markers, published_after, count_cap) and
-- result (older) and returns the newest and oldest publication times (the estimate of a total
-- spans them); suggest_windows() keeps its arguments and is replaced in place.

CREATE INDEX search_documents_published_at ON pressroom.search_documents (published_at);

DROP FUNCTION pressroom.search_windows(tsquery, tsquery, tsquery[], tsquery[], timestamptz[],
                                       timestamptz[], double precision[], tsquery[], text, text,
                                       tsquery, timestamptz, timestamptz, double precision,
                                       double precision, bigint, integer, integer);

CREATE FUNCTION pressroom.search_windows(
    words tsquery, ranked tsquery,
    window_markers tsquery[], pair_markers tsquery[],
    window_starts timestamptz[], window_ends timestamptz[],
    window_bounds double precision[],
    site text, lang text, language_marker tsquery,
    as_of timestamptz, half_life_s double precision,
    after_score double precision, after_id bigint,
    wanted integer,
    OUT ids bigint[], OUT scores double precision[], OUT matches bigint,
    OUT windows_read integer, OUT newest timestamptz, OUT oldest timestamptz)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    SET max_parallel_workers_per_gather = 0
    AS $$
DECLARE
    -- Freshness stops halving after this many half-lives (search/ranking.py, MAX_HALF_LIVES):
    -- 2^-1075 is no longer a double, and power() raises an error instead of returning zero.
    -- Articles that old are ordered by relevance, then id.
    max_half_lives constant double precision := 1000;
    -- At most this many matches expected in everything older than what was read: read it all
    -- at once, without time markers (below).
    rare_rest constant double precision := 200;
    first integer;
    last_read timestamptz;
    chosen_site integer;
    site_key tsquery := words;
    language_key tsquery := coalesce(language_marker, words);
    time_key tsquery;
    first_key tsquery;
    second_key tsquery;
    i integer := 1;
    last integer;
    found_ids bigint[];
    found_scores double precision[];
    found_matches bigint;
BEGIN
    ids := '{}';
    scores := '{}';
    matches := 0;
    windows_read := 0;
    IF site IS NOT NULL THEN
        SELECT s.id INTO chosen_site FROM pressroom.sites s WHERE s.domain = site;
        IF chosen_site IS NULL THEN
            windows_read := cardinality(window_markers);
            RETURN;
        END IF;
        site_key := ('§s' || chosen_site)::tsquery;
    END IF;
    -- Windows newer than the newest document hold nothing, in this snapshot: a feed that
    -- paused, or a corpus that ends weeks before the search, costs no statements for them.
    SELECT max(d.published_at), min(d.published_at) INTO newest, oldest
      FROM pressroom.search_documents d;
    IF newest IS NULL THEN
        windows_read := cardinality(window_markers);
        RETURN;
    END IF;
    WHILE i < cardinality(window_markers) AND window_starts[i] > newest LOOP
        i := i + 1;
    END LOOP;
    first := i;
    WHILE i <= cardinality(window_markers) LOOP
        last_read := CASE WHEN i > first THEN window_starts[i - 1] END;
        IF last_read IS NOT NULL AND cardinality(ids) < wanted
           AND newest - last_read >= interval '5 days'
           AND matches * extract(epoch FROM last_read - greatest(oldest, coalesce(
                   window_starts[cardinality(window_markers)], oldest)))
               <= rare_rest * extract(epoch FROM newest - last_read) THEN
            -- A rare word: at the rate of its matches so far, everything older holds at most a
            -- couple of hundred. One statement reads all of it, without time markers, whose
            -- entries a statement walks for every match: the word's own postings are few.
            last := cardinality(window_markers);
            time_key := words;
        ELSE
            -- The first window alone, then two at once until the page is full: the windows of
            -- migration 0013 (7, 28, 112 days back...). Once the page is full and only the
            -- bound is missing, one at a time: the windows of a common word hold thousands of
            -- matches, and the next may settle it.
            last := CASE WHEN i = first OR cardinality(ids) >= wanted THEN i
                         ELSE least(i + 1, cardinality(window_markers)) END;
            time_key := coalesce(CASE WHEN last = i THEN window_markers[i]
                                      ELSE pair_markers[i] END, words);
        END IF;
        -- GIN steps its first scan key alone until that key matches, and only then lets the
        -- others skip to it. Words first suit a long window, where the markers cover more
        -- documents than the rarest word has postings, and a single word or pair, every
        -- posting of which is a match. But several words that never meet in one document
        -- never give the others that chance: GIN walked the rarer word's postings to their
        -- end, over all time, for a week's window (4.8 ms for two common Persian words).
        -- For several words within four weeks, the markers go first: the window's documents
        -- bound the walk.
        IF time_key IS DISTINCT FROM words AND numnode(words) > 1
           AND coalesce(window_ends[i], newest) - window_starts[last] <= interval '28 days' THEN
            first_key := time_key;
            second_key := words;
        ELSE
            first_key := words;
            second_key := time_key;
        END IF;
        -- score = relevance × freshness (search/ranking.py); the keyset applies after the
        -- count, so every page of a search counts the same matches.
        SELECT coalesce(array_agg(w.id) FILTER (WHERE w.beyond), '{}'),
               coalesce(array_agg(w.score) FILTER (WHERE w.beyond), '{}'),
               coalesce(max(w.matches), 0)
          INTO found_ids, found_scores, found_matches
          FROM (SELECT m.id, m.score, m.matches,
                       after_id IS NULL OR (m.score, m.id) < (after_score, after_id) AS beyond
                  FROM (SELECT d.article_id AS id,
                               CASE WHEN d.head @@ ranked
                                    THEN greatest(least(ts_rank_cd(d.head, ranked), 1), 0.1)
                                    ELSE 0.1 END
                               * power(2, -least(greatest(date_part('epoch', as_of - d.published_at), 0)
                                                 / half_life_s, max_half_lives)) AS score,
                               count(*) OVER () AS matches
                          FROM pressroom.search_documents d
                         WHERE d.terms @@ first_key
                           AND d.terms @@ second_key
                           AND d.terms @@ site_key
                           AND d.terms @@ language_key
                           AND (chosen_site IS NULL OR d.site_id = chosen_site)
                           AND (lang IS NULL OR d.language = lang)
                           AND (window_starts[last] IS NULL OR d.published_at >= window_starts[last])
                           AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])) m
                 -- The rows past the cursor first; a window with none keeps one row before it
                 -- all the same, which carries the window's count of matches.
                 ORDER BY beyond DESC, m.score DESC, m.id DESC
                 LIMIT wanted) w;
        -- Most windows of a rare word find nothing, and the first that finds anything is the
        -- best so far as it is.
        IF cardinality(ids) = 0 THEN
            ids := found_ids;
            scores := found_scores;
        ELSIF cardinality(found_ids) > 0 THEN
            SELECT coalesce(array_agg(b.id ORDER BY b.score DESC, b.id DESC), '{}'),
                   coalesce(array_agg(b.score ORDER BY b.score DESC, b.id DESC), '{}')
              INTO ids, scores
              FROM (SELECT u.id, u.score
                      FROM unnest(ids || found_ids, scores || found_scores) AS u(id, score)
                     ORDER BY u.score DESC, u.id DESC
                     LIMIT wanted) b;
        END IF;
        matches := matches + found_matches;
        windows_read := last;
        EXIT WHEN cardinality(ids) >= wanted AND scores[wanted] >= window_bounds[last];
        i := last + 1;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION pressroom.suggest_windows(
    words tsquery,
    window_markers tsquery[], pair_markers tsquery[],
    window_starts timestamptz[], window_ends timestamptz[],
    site text, lang text, language_marker tsquery, wanted integer)
    RETURNS TABLE (id bigint, title text, domain text, published_at timestamptz)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    SET max_parallel_workers_per_gather = 0
    AS $$
DECLARE
    chosen_site integer;
    site_key tsquery := words;
    language_key tsquery := coalesce(language_marker, words);
    time_key tsquery;
    missing integer := wanted;
    found integer;
    i integer := 1;
    first integer;
    newest timestamptz;
    last integer;
BEGIN
    IF site IS NOT NULL THEN
        SELECT s.id INTO chosen_site FROM pressroom.sites s WHERE s.domain = site;
        IF chosen_site IS NULL THEN
            RETURN;
        END IF;
        site_key := ('§s' || chosen_site)::tsquery;
    END IF;
    -- Windows newer than the newest document hold nothing, as in search_windows().
    SELECT max(d.published_at) INTO newest FROM pressroom.search_documents d;
    WHILE i < cardinality(window_markers) AND window_starts[i] > newest LOOP
        i := i + 1;
    END LOOP;
    first := i;
    WHILE i <= cardinality(window_markers) AND missing > 0 LOOP
        -- The first window alone, then two at once until something is found, as in
        -- search_windows().
        last := CASE WHEN i = first OR missing < wanted THEN i
                     ELSE least(i + 1, cardinality(window_markers)) END;
        time_key := coalesce(CASE WHEN last = i THEN window_markers[i] ELSE pair_markers[i] END,
                             words);
        RETURN QUERY
            SELECT d.article_id, d.title, s.domain::text, d.published_at
              FROM pressroom.search_documents d
              JOIN pressroom.sites s ON s.id = d.site_id
             WHERE pressroom.title_vector(d.language, d.title, d.site_id, d.published_at) @@ words
               AND pressroom.title_vector(d.language, d.title, d.site_id, d.published_at) @@ time_key
               AND pressroom.title_vector(d.language, d.title, d.site_id, d.published_at) @@ site_key
               AND pressroom.title_vector(d.language, d.title, d.site_id, d.published_at) @@ language_key
               AND (chosen_site IS NULL OR d.site_id = chosen_site)
               AND (lang IS NULL OR d.language = lang)
               AND (window_starts[last] IS NULL OR d.published_at >= window_starts[last])
               AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])
             ORDER BY d.published_at DESC, d.article_id DESC
             LIMIT missing;
        GET DIAGNOSTICS found = ROW_COUNT;
        missing := missing - found;
        i := last + 1;
    END LOOP;
END
$$;
