-- Migration 0014's file then creates both of its functions again, as they were
-- (versions/0017_search_reads_less.py).
DROP FUNCTION pressroom.search_windows(tsquery, tsquery, tsquery[], tsquery[], timestamptz[],
                                       timestamptz[], double precision[], text, text, tsquery,
                                       timestamptz, double precision, double precision, bigint,
                                       integer);
DROP FUNCTION pressroom.suggest_windows(tsquery, tsquery[], tsquery[], timestamptz[],
                                        timestamptz[], text, text, tsquery, integer);
DROP INDEX pressroom.search_documents_published_at;
