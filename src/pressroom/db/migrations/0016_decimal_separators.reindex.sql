-- The search documents of every article whose title, summary, body or tag names hold an Arabic
-- decimal or thousands separator, written again with the normalisation now in force (run by
-- migration 0016 after it changes normalize_text(), either way). Only these can differ: the
-- normalisation changed nothing else. A document rewritten also gets the new entries of the
-- titles' expression index (migration 0012), whose old entries were computed by the old rules.

-- Tag vectors first; their UPDATE writes the documents again (articles_reindex_changed).
UPDATE pressroom.articles a
   SET tag_vector = pressroom.article_tag_vector(a.language,
                                                 pressroom.article_tag_names(a.id, a.published_at))
 WHERE (a.id, a.published_at) IN (
           SELECT at.article_id, at.published_at
             FROM pressroom.article_tags at
             JOIN pressroom.tags t ON t.id = at.tag_id
            WHERE strpos(t.name, U&'\066B') > 0 OR strpos(t.name, U&'\066C') > 0);

-- Then the text, a few thousand articles at a time, so no array of them holds every body.
DO $$
DECLARE
    last_id bigint := -9223372036854775808;
    batch pressroom.articles[];
BEGIN
    LOOP
        SELECT array_agg(b ORDER BY b.id) INTO batch
          FROM (SELECT a.*
                  FROM pressroom.articles a
                 WHERE a.id > last_id
                   AND (strpos(a.title || a.summary || a.body, U&'\066B') > 0
                        OR strpos(a.title || a.summary || a.body, U&'\066C') > 0)
                 ORDER BY a.id
                 LIMIT 2000) b;
        EXIT WHEN batch IS NULL;
        PERFORM pressroom.index_articles(batch);
        last_id := batch[cardinality(batch)].id;
    END LOOP;
END
$$;
