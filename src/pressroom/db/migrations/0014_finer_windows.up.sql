-- Windows twice as long each time, not four times, read two at a time until a page is full
-- (docs/search.md, "Reading less").
--
-- The windows (search/ranking.py) now end 7, 14, 28, 56, ... 1,792 days back, then everything
-- older. A search reads the first alone, then two in one statement while its page is not yet
-- full: exactly the windows of migration 0013 (7, 28, 112, 448, 1,792 days back), so a rare
-- word costs what it did. Once the page is full and only the bound is missing, it reads one
-- window at a time: a common word or phrase whose first weeks left it just short of the bound
-- read a 112-day window of about ten thousand matches (58 ms for a phrase from a title on the
-- benchmark's million articles) where the next 28 days would have settled it. Reading two
-- windows at once from the first (14, 56, 224 days back...) made a very common word read 42
-- days where 21 sufficed (7,281 matches instead of 1,428: 19 ms instead of 6, measured).
--
-- Two windows read together are matched against the markers of their whole span, computed by
-- Python like every window's (pair_markers): the markers of each, ORed, were up to half as many
-- again (84 against 55 for 84 days), and a rare word, which reads every pair, paid for each.
--
-- The functions are otherwise those of migration 0013, except that a window that finds nothing
-- costs no merge of the results. Migration 0013's own down file drops its functions first
-- (versions/0014_finer_windows.py).

-- pair_markers[i]: the time markers of windows i and i + 1 together, the fewest that cover
-- both (search/markers.py), where the two are read in one statement.
CREATE FUNCTION pressroom.search_windows(
    words tsquery, ranked tsquery,
    window_markers tsquery[], pair_markers tsquery[],
    window_starts timestamptz[], window_ends timestamptz[],
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
    WHILE i <= cardinality(window_markers) LOOP
        -- The first window alone, then two at once until the page is full: the windows of
        -- migration 0013 (7, 28, 112 days back...), and a rare word still reads six statements,
        -- not ten. Once the page is full and only the bound is missing, one at a time: the
        -- windows of a common word hold thousands of matches, and the next may settle it.
        last := CASE WHEN i = 1 OR cardinality(ids) >= wanted THEN i
                     ELSE least(i + 1, cardinality(window_markers)) END;
        time_key := coalesce(CASE WHEN last = i THEN window_markers[i] ELSE pair_markers[i] END,
                             words);
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
                           AND (window_starts[last] IS NULL OR d.published_at >= window_starts[last])
                           AND (window_ends[i] IS NULL OR d.published_at < window_ends[i])) m
                 WHERE after_id IS NULL OR (m.score, m.id) < (after_score, after_id)
                 ORDER BY m.score DESC, m.id DESC
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
    last integer;
BEGIN
    IF site IS NOT NULL THEN
        SELECT s.id INTO chosen_site FROM pressroom.sites s WHERE s.domain = site;
        IF chosen_site IS NULL THEN
            RETURN;
        END IF;
        site_key := ('§s' || chosen_site)::tsquery;
    END IF;
    WHILE i <= cardinality(window_markers) AND missing > 0 LOOP
        -- The first window alone, then two at once until something is found, as in
        -- search_windows().
        last := CASE WHEN i = 1 OR missing < wanted THEN i
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
