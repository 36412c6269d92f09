-- A search, and a suggestion, is one statement: the database walks the time windows itself
-- (docs/search.md, "One round trip").
--
-- Searches read windows of time newest first and stop as soon as nothing older can rank among
-- the results (search/ranking.py). Walked from Python, every window was a round trip and a
-- statement of its own, each window highlighted the titles and summaries of all the rows it
-- returned (most of which a newer window then outranked), and a transaction held the windows
-- together: about nine round trips for a rare word. Here the walk is a loop in the database,
-- and the statement that calls it highlights only the page it returns; a STABLE function sees
-- its caller's snapshot, so the windows agree with each other without a transaction.
--
-- Python still decides what each window is (its bounds, its markers, the best score anything
-- older can have): those rules live in one place, search/ranking.py and search/markers.py.
--
-- Inside, statements use generic plans and no parallel workers: their words are opaque
-- parameters, so planning them again would find the same plan (the GIN index of the documents'
-- terms), and starting a parallel worker costs more than a whole search.
--
-- The words, the window's time markers, the site's and the language's marker are four separate
-- conditions on the same index, so four GIN scan keys, which GIN intersects by skipping each
-- through the others. ANDed into one tsquery they were one key, which GIN walks through the
-- union of its markers' postings: five times slower for a common word on one site (62 ms
-- against 12 ms over all windows on the bench corpus). A filter that does not apply repeats the
-- words instead: GIN shares the entries of identical keys, so the repeat costs one more check
-- of each match, and the statement stays one static, cached plan.

-- The best `wanted` articles of a search after the cursor (after_score, after_id), by score then
-- id, with what the caller needs for the total: the matches in the windows read, how many
-- windows that was, and when the walk stopped early with fewer than count_cap matches, the
-- matches older than the last window read (counted up to count_cap + 1).
--
-- words: what a document must match (the pairs of phrases included); ranked: what it is ranked
-- and highlighted on (the words, without pairs); window_markers[i]: the time markers of window i
-- (NULL: not narrowed by time), window_starts[i] and window_ends[i]: its exact bounds (NULL:
-- open), window_bounds[i]: the best score an article older than it can have; older_markers[i]:
-- the time markers of everything older than window i that the search may find.
CREATE FUNCTION pressroom.search_windows(
    words tsquery, ranked tsquery,
    window_markers tsquery[], window_starts timestamptz[], window_ends timestamptz[],
    window_bounds double precision[], older_markers tsquery[],
    site text, lang text, language_marker tsquery, published_after timestamptz,
    as_of timestamptz, half_life_s double precision,
    after_score double precision, after_id bigint,
    wanted integer, count_cap integer,
    OUT ids bigint[], OUT scores double precision[], OUT matches bigint,
    OUT windows_read integer, OUT older bigint)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    SET max_parallel_workers_per_gather = 0
    AS $$
DECLARE
    -- Freshness stops halving after this many half-lives (search/ranking.py, MAX_HALF_LIVES):
    -- 2^-1075 is no longer a double, and power() raises an error instead of returning zero.
    -- Articles that old are ordered by relevance, then id.
    max_half_lives constant double precision := 1000;
    chosen_site integer;
    site_key tsquery := words;
    language_key tsquery := coalesce(language_marker, words);
    time_key tsquery;
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
    FOR i IN 1 .. cardinality(window_markers) LOOP
        time_key := coalesce(window_markers[i], words);
        -- score = relevance × freshness (search/ranking.py); the keyset applies after the
        -- count, so every page of a search counts the same matches.
        SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(w.score), '{}'),
               coalesce(max(w.matches), 0)
          INTO found_ids, found_scores, found_matches
          FROM (SELECT m.id, m.score, m.matches
                  FROM (SELECT d.article_id AS id,
                               greatest(least(ts_rank_cd(d.head, ranked), 1), 0.1)
                               * power(2, -least(greatest(extract(epoch FROM as_of - d.published_at), 0)
                                                 / half_life_s, max_half_lives)) AS score,
                               count(*) OVER () AS matches
                          FROM pressroom.search_documents d
                         WHERE d.terms @@ words
                           AND d.terms @@ time_key
                           AND d.terms @@ site_key
                           AND d.terms @@ language_key
                           AND (chosen_site IS NULL OR d.site_id = chosen_site)
                           AND (lang IS NULL OR d.language = lang)
                           AND (window_starts[i] IS NULL OR d.published_at >= window_starts[i])
                           AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])) m
                 WHERE after_id IS NULL OR (m.score, m.id) < (after_score, after_id)
                 ORDER BY m.score DESC, m.id DESC
                 LIMIT wanted) w;
        SELECT coalesce(array_agg(b.id ORDER BY b.score DESC, b.id DESC), '{}'),
               coalesce(array_agg(b.score ORDER BY b.score DESC, b.id DESC), '{}')
          INTO ids, scores
          FROM (SELECT u.id, u.score
                  FROM unnest(ids || found_ids, scores || found_scores) AS u(id, score)
                 ORDER BY u.score DESC, u.id DESC
                 LIMIT wanted) b;
        matches := matches + found_matches;
        windows_read := i;
        EXIT WHEN cardinality(ids) >= wanted AND scores[wanted] >= window_bounds[i];
    END LOOP;
    IF windows_read < cardinality(window_markers) AND matches < count_cap THEN
        time_key := coalesce(older_markers[windows_read], words);
        SELECT count(*) INTO older
          FROM (SELECT 1
                  FROM pressroom.search_documents d
                 WHERE d.terms @@ words
                   AND d.terms @@ time_key
                   AND d.terms @@ site_key
                   AND d.terms @@ language_key
                   AND (chosen_site IS NULL OR d.site_id = chosen_site)
                   AND (lang IS NULL OR d.language = lang)
                   AND (published_after IS NULL OR d.published_at >= published_after)
                   AND d.published_at < window_starts[windows_read]
                 LIMIT count_cap + 1) c;
    END IF;
END
$$;

-- The newest `wanted` titles matching a suggestion, read window by window (the arguments as in
-- search_windows(), matched against pressroom.title_vector(), the titles' index), stopping at
-- the first window that completes them.
CREATE FUNCTION pressroom.suggest_windows(
    words tsquery,
    window_markers tsquery[], window_starts timestamptz[], window_ends timestamptz[],
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
BEGIN
    IF site IS NOT NULL THEN
        SELECT s.id INTO chosen_site FROM pressroom.sites s WHERE s.domain = site;
        IF chosen_site IS NULL THEN
            RETURN;
        END IF;
        site_key := ('§s' || chosen_site)::tsquery;
    END IF;
    FOR i IN 1 .. cardinality(window_markers) LOOP
        EXIT WHEN missing <= 0;
        time_key := coalesce(window_markers[i], words);
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
               AND (window_starts[i] IS NULL OR d.published_at >= window_starts[i])
               AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])
             ORDER BY d.published_at DESC, d.article_id DESC
             LIMIT missing;
        GET DIAGNOSTICS found = ROW_COUNT;
        missing := missing - found;
    END LOOP;
END
$$;
