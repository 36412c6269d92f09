-- Migration 0017's search_windows() and 0014's suggest_windows() come back from their files
-- (versions/0018_skip_empty_windows.py); this drops what only 0018 added.
DROP INDEX pressroom.search_documents_published_at;
