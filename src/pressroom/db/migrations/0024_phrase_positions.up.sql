-- A phrase of three places or more is found by its pairs alone, and its positions are checked
-- on the candidates, in the head first: pressroom.search_windows() takes them as `phrases`.
--
-- Such a phrase («ژاله حسین‌زاده», whose half-space makes three words) was a tsquery with a
-- phrase operator beside its pairs: GIN walked the postings of each of its words as well (the
-- common 'حسین' among them) and, since an index holds no positions, rechecked every candidate
-- against the document's terms, the body's included, read from TOAST. Found by its pairs,
-- which GIN answers exactly, a candidate is checked against its head, in the row; only where
-- the head does not hold the phrase are the terms read. The terms begin with the head (head ||
-- body || pairs, migration 0011), so a phrase in the head is a phrase in the terms: the same
-- documents are found.
--
-- Measured on 60,000 of the sample articles (EXPLAIN ANALYZE, warm, all years at once): the
-- 16 candidates of «ژاله حسین‌زاده» in 0.38 ms against 1.00, the index 0.33 ms against 0.79 and
-- the heap 0.05 ms against 0.19.

DROP FUNCTION pressroom.search_windows(tsquery, tsquery, text[], text[], timestamptz[],
    timestamptz[], double precision[], text, text, tsquery, timestamptz, double precision,
    double precision, bigint, integer, tsquery, tsquery);

CREATE FUNCTION pressroom.search_windows(
    words tsquery, ranked tsquery,
    window_markers text[], pair_markers text[],
    window_starts timestamptz[], window_ends timestamptz[],
    window_bounds double precision[],
    site text, lang text, language_marker tsquery,
    as_of timestamptz, half_life_s double precision,
    after_score double precision, after_id bigint,
    wanted integer,
    lead_words tsquery, other_words tsquery, phrases tsquery,
    OUT ids bigint[], OUT scores double precision[], OUT matches bigint,
    OUT windows_read integer, OUT newest timestamptz, OUT oldest timestamptz,
    OUT read_from timestamptz)
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
    -- A phrase of three words or more (a phrase operator: no lexeme holds a '<') is checked by
    -- its positions on each candidate its pairs find: in the head, in the row, and where the
    -- head does not hold it, in the terms, read from TOAST, about 35 µs a row against a few to
    -- score one; and two weeks without a match say little about a name found twice a month.
    -- Read at once, the 276 matches of such a name took 15 ms; the windows that fill its page
    -- check about thirty. Such searches never read everything older at once.
    reads_positions constant boolean := position('<' IN words::text) > 0;
    -- The smallest freshness a floor is drawn at: 2^-max_half_lives, below which every older
    -- article is as fresh as the next.
    least_floor_score constant double precision := power(2, -max_half_lives);
    -- The relevance of a match whose head (title, summary, tags) does not hold the search: its
    -- body does (search/ranking.py). Only a match whose head holds it can be more relevant.
    -- A real, as the literal 0.1 was beside ts_rank_cd()'s real until migration 0018: the same
    -- scores, so the cursors of pages served before stay exact.
    body_relevance constant real := 0.1;
    -- What the heads' index finds is checked against the terms (read from TOAST, 35 µs a row)
    -- when a head holding the search does not prove the document matches it: a head without
    -- an excluded word says nothing of the body, and words a stopword apart in a phrase may
    -- stand in a head with another word between ("State Department art" holds 'state' <2>
    -- 'art', but its pairs are 'state depart' and 'depart art', not the 'state 2 art' the terms
    -- are matched by). Neighbours (<->) in a head are the pair its terms hold. A lexeme holding
    -- '!' or '<' followed by a digit only costs the check.
    recheck_terms constant boolean := ranked::text ~ '!|<[0-9]';
    -- The condition of a filter that does not apply: every document meets it, as '§' alone is
    -- no document's lexeme (markers are '§' and more), and GIN checks a condition of exclusions
    -- only at what the other conditions find, without walking any postings (PostgreSQL 13 and
    -- later). Up to migration 0020 the words stood in, and GIN walked their postings once more
    -- for each: 20-35% of a common word's index time (migration 0021).
    no_filter constant tsquery := '!§';
    head_site_key tsquery := no_filter;
    head_language_key tsquery := coalesce(language_marker, no_filter);
    head_time_key tsquery;
    body_floor timestamptz;
    terms_from timestamptz;
    head_until timestamptz;
    heads_end timestamptz;
    first integer;
    last_read timestamptz;
    chosen_site integer;
    site_key tsquery := no_filter;
    language_key tsquery := coalesce(language_marker, no_filter);
    time_key tsquery;
    window_key tsquery;
    rest_key tsquery := coalesce(other_words, no_filter);
    i integer := 1;
    last integer;
    found_ids bigint[];
    found_scores double precision[];
    found_matches bigint;
    start_at timestamptz;
    floor_at timestamptz;
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
        head_site_key := site_key;
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
        IF last_read IS NOT NULL AND cardinality(ids) < wanted AND NOT reads_positions
           AND newest - last_read >= interval '5 days'
           AND matches * extract(epoch FROM last_read - greatest(oldest, coalesce(
                   window_starts[cardinality(window_markers)], oldest)))
               <= rare_rest * extract(epoch FROM newest - last_read) THEN
            -- A rare word: at the rate of its matches so far, everything older holds at most a
            -- couple of hundred. One statement reads all of it, without time markers, whose
            -- entries a statement walks for every match: the word's own postings are few.
            last := cardinality(window_markers);
            time_key := no_filter;
            window_key := NULL;
        ELSE
            -- The first window alone, then two at once until the page is full: the windows of
            -- migration 0013 (7, 28, 112 days back...). Once the page is full and only the
            -- bound is missing, one at a time: the windows of a common word hold thousands of
            -- matches, and the next may settle it.
            last := CASE WHEN i = first OR cardinality(ids) >= wanted THEN i
                         ELSE least(i + 1, cardinality(window_markers)) END;
            -- Markers are parsed here, for the windows read only (migration 0021).
            window_key := window_markers[i]::tsquery;
            time_key := coalesce(CASE WHEN last = i THEN window_key
                                      ELSE pair_markers[i]::tsquery END, no_filter);
        END IF;
        -- A full page: nothing published before floor_at can score above its k-th best
        -- (relevance is at most 1, so a score is at most the freshness). The window is read
        -- from there, not from its start, through the blocks of its days from the floor's on
        -- (below): only the floor's own day holds matches that are fetched but neither scored
        -- nor counted, and nothing older is read at all. A second less than exact, so the
        -- rounding of log() never drops a tie.
        --
        -- Nor can a match published before body_floor whose head does not hold the search: its
        -- relevance is body_relevance, a tenth, so it falls below the k-th best score three
        -- half-lives and a third sooner. Between floor_at and body_floor only the matches whose
        -- heads hold the search are read, from the index of heads, whose postings are a
        -- fraction of the terms': two common words found in a few articles a day filled their
        -- page in the newest two or three weeks, then read three more weeks of the terms
        -- index for the few titles that might outrank them. Those matches are ranked, not
        -- counted: matches counts the span read whole, which read_from reports.
        start_at := window_starts[last];
        floor_at := NULL;
        terms_from := start_at;
        head_until := NULL;
        IF cardinality(ids) >= wanted AND scores[wanted] > least_floor_score THEN
            floor_at := as_of
                        - make_interval(secs => half_life_s * ln(1 / scores[wanted]) / ln(2) + 1);
            body_floor := CASE WHEN scores[wanted] > body_relevance THEN 'infinity'
                               ELSE as_of - make_interval(secs => half_life_s
                                                          * ln(body_relevance / scores[wanted])
                                                          / ln(2) + 1) END;
            IF start_at IS NULL OR floor_at > start_at THEN
                start_at := floor_at;
            ELSE
                floor_at := NULL;
            END IF;
            terms_from := greatest(start_at, body_floor);
            IF terms_from > start_at THEN
                head_until := terms_from;
            END IF;
        END IF;
        -- Heads, read past body_floor, are few: their words first, then the window.
        head_time_key := coalesce(window_key, no_filter);
        -- A floor inside the window: the days before it are not read at all. The window's
        -- markers select all of its days, and GIN fetched every match of them for the heap to
        -- turn away those published before the floor; the days from the floor on are blocks of
        -- their own (time_blocks()), computed here, at most once or twice a search.
        IF terms_from IS NOT NULL AND terms_from > coalesce(window_starts[last], '-infinity')
           AND terms_from < coalesce(window_ends[i], 'infinity') THEN
            time_key := pressroom.time_blocks(terms_from, window_ends[i]);
        END IF;
        heads_end := least(head_until, coalesce(window_ends[i], 'infinity'));
        IF head_until IS NOT NULL AND start_at < heads_end
           AND (start_at > coalesce(window_starts[last], '-infinity')
                OR heads_end < coalesce(window_ends[i], 'infinity')) THEN
            head_time_key := pressroom.time_blocks(start_at, heads_end);
        END IF;
        -- score = relevance × freshness (search/ranking.py); the keyset applies after the
        -- count, so every page of a search counts the same matches.
        found_ids := '{}';
        found_scores := '{}';
        found_matches := 0;
        IF terms_from IS NULL OR terms_from < coalesce(window_ends[i], 'infinity') THEN
            SELECT coalesce(array_agg(w.id) FILTER (WHERE w.beyond), '{}'),
                   coalesce(array_agg(w.score) FILTER (WHERE w.beyond), '{}'),
                   coalesce(max(w.matches), 0)
              INTO found_ids, found_scores, found_matches
              FROM (SELECT m.id, m.score, m.matches,
                           after_id IS NULL OR (m.score, m.id) < (after_score, after_id) AS beyond
                      FROM (SELECT d.article_id AS id,
                                   CASE WHEN d.head @@ ranked
                                        THEN greatest(least(ts_rank_cd(d.head, ranked), 1),
                                                      body_relevance)
                                        ELSE body_relevance END
                                   * power(2, -least(greatest(date_part('epoch', as_of - d.published_at), 0)
                                                     / half_life_s, max_half_lives)) AS score,
                                   count(*) OVER () AS matches
                              FROM pressroom.search_documents d
                             -- GIN checks its conditions in this order: the first alone
                             -- until it yields a document, then each of the others skipped
                             -- to it; one that does not hold there sends GIN back to the
                             -- first, skipped past it (docs/search.md, "Scan keys").
                             WHERE d.terms @@ lead_words
                               AND d.terms @@ time_key
                               AND d.terms @@ rest_key
                               AND d.terms @@ site_key
                               AND d.terms @@ language_key
                               AND (chosen_site IS NULL OR d.site_id = chosen_site)
                               AND (lang IS NULL OR d.language = lang)
                               AND (terms_from IS NULL OR d.published_at >= terms_from)
                               AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])
                               -- A phrase's positions (the index found its pairs): a head
                               -- holding it proves the terms do, which begin with the head.
                               AND (phrases IS NULL OR d.head @@ phrases
                                    OR d.terms @@ phrases)) m
                     -- The rows past the cursor first; a window with none keeps one row before
                     -- it all the same, which carries the window's count of matches.
                     ORDER BY beyond DESC, m.score DESC, m.id DESC
                     LIMIT wanted) w;
        END IF;
        -- The heads past body_floor: ranked, past the cursor only, not counted. A statement of
        -- its own, run only then: as a branch of the statement above it cost every window of
        -- every search its executor's start-up (rare words 7% more, measured).
        IF head_until IS NOT NULL AND start_at < heads_end THEN
            SELECT found_ids || coalesce(array_agg(h.id), '{}'),
                   found_scores || coalesce(array_agg(h.score), '{}')
              INTO found_ids, found_scores
              FROM (SELECT m.id, m.score
                      FROM (SELECT d.article_id AS id,
                                   greatest(least(ts_rank_cd(d.head, ranked), 1), body_relevance)
                                   * power(2, -least(greatest(date_part('epoch', as_of - d.published_at), 0)
                                                     / half_life_s, max_half_lives)) AS score
                              FROM pressroom.search_documents d
                             WHERE d.head @@ ranked
                               AND d.head @@ head_time_key
                               AND d.head @@ head_site_key
                               AND d.head @@ head_language_key
                               AND (chosen_site IS NULL OR d.site_id = chosen_site)
                               AND (lang IS NULL OR d.language = lang)
                               AND d.published_at >= start_at
                               AND d.published_at < head_until
                               AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])
                               AND (NOT recheck_terms OR d.terms @@ words)) m
                     WHERE after_id IS NULL OR (m.score, m.id) < (after_score, after_id)
                     ORDER BY m.score DESC, m.id DESC
                     LIMIT wanted) h;
        END IF;
        -- Most windows of a rare word find nothing, and the first that finds anything is the
        -- best so far as it is (heads are read only once the page is full).
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
        IF terms_from IS NULL OR terms_from < coalesce(window_ends[i], 'infinity') THEN
            read_from := terms_from;
        END IF;
        EXIT WHEN floor_at IS NOT NULL
               OR (cardinality(ids) >= wanted AND scores[wanted] >= window_bounds[last]);
        i := last + 1;
    END LOOP;
END
$$;
