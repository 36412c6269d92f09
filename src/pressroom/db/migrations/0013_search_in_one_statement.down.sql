DROP FUNCTION pressroom.suggest_windows(tsquery[], timestamptz[], timestamptz[], text, text, integer);
DROP FUNCTION pressroom.search_windows(tsquery, tsquery[], timestamptz[], timestamptz[],
                                       double precision[], tsquery[], text, text, timestamptz,
                                       timestamptz, double precision, double precision, bigint,
                                       integer, integer);
