-- Privileges of the runtime roles, applied after every migration (idempotent). Roles that do not
-- exist (an external database whose administrator did not create them) are skipped.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pressroom_reader') THEN
        GRANT USAGE ON SCHEMA pressroom TO pressroom_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA pressroom TO pressroom_reader;
        ALTER DEFAULT PRIVILEGES IN SCHEMA pressroom GRANT SELECT ON TABLES TO pressroom_reader;
        -- Readers never authenticate anyone; key digests are the writer's business.
        IF to_regclass('pressroom.api_keys') IS NOT NULL THEN
            REVOKE ALL ON pressroom.api_keys FROM pressroom_reader;
        END IF;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pressroom_writer') THEN
        GRANT USAGE ON SCHEMA pressroom TO pressroom_writer;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pressroom TO pressroom_writer;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pressroom TO pressroom_writer;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pressroom TO pressroom_writer;
        ALTER DEFAULT PRIVILEGES IN SCHEMA pressroom
            GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pressroom_writer;
        ALTER DEFAULT PRIVILEGES IN SCHEMA pressroom
            GRANT USAGE, SELECT ON SEQUENCES TO pressroom_writer;
        -- The version table is the owner's business.
        REVOKE INSERT, UPDATE, DELETE ON pressroom.alembic_version FROM pressroom_writer;
        -- Search documents and the texts their snippets are highlighted in are derived from
        -- articles by the owner's triggers, and only by them.
        IF to_regclass('pressroom.search_documents') IS NOT NULL THEN
            REVOKE INSERT, UPDATE, DELETE ON pressroom.search_documents FROM pressroom_writer;
        END IF;
        IF to_regclass('pressroom.highlight_texts') IS NOT NULL THEN
            REVOKE INSERT, UPDATE, DELETE ON pressroom.highlight_texts FROM pressroom_writer;
        END IF;
    END IF;
END
$$;
