DROP FUNCTION pressroom.search_windows(tsquery, tsquery, tsquery[], tsquery[], timestamptz[],
                                       timestamptz[], double precision[], text, text, tsquery,
                                       timestamptz, double precision, double precision, bigint,
                                       integer);
-- Migration 0014's file then creates both of its functions again (versions/0017_estimated_totals.py).
DROP FUNCTION pressroom.suggest_windows(tsquery, tsquery[], tsquery[], timestamptz[],
                                        timestamptz[], text, text, tsquery, integer);
