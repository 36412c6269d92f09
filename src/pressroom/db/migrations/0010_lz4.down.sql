DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOREACH fn IN ARRAY ARRAY['pressroom.ensure_month_partitions(date, date)'::regprocedure,
                              'pressroom.ensure_event_partitions(date, date)'::regprocedure] LOOP
        EXECUTE replace(pg_get_functiondef(fn), ' INCLUDING COMPRESSION)', ')');
    END LOOP;
END
$$;

DO $$
DECLARE
    target record;
BEGIN
    IF current_setting('server_version_num')::integer < 140000 THEN
        RETURN;
    END IF;
    FOR target IN
        SELECT a.attrelid::regclass AS rel, a.attname
          FROM (SELECT relid FROM pg_partition_tree('pressroom.articles')
                UNION ALL SELECT relid FROM pg_partition_tree('pressroom.events')) t
          JOIN pg_attribute a ON a.attrelid = t.relid
         WHERE a.attcompression = 'l' AND NOT a.attisdropped
    LOOP
        EXECUTE format('ALTER TABLE ONLY %s ALTER COLUMN %I SET COMPRESSION DEFAULT',
                       target.rel, target.attname);
    END LOOP;
END
$$;
