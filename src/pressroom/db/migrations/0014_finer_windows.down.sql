DROP FUNCTION pressroom.suggest_windows(tsquery, tsquery[], tsquery[], timestamptz[],
                                        timestamptz[], text, text, tsquery, integer);
DROP FUNCTION pressroom.search_windows(tsquery, tsquery, tsquery[], tsquery[], timestamptz[],
                                       timestamptz[], double precision[], tsquery[], text, text,
                                       tsquery, timestamptz, timestamptz, double precision,
                                       double precision, bigint, integer, integer);
