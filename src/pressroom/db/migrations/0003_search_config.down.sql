DROP FUNCTION pressroom.plain_search_query(text, text);
DROP FUNCTION pressroom.search_vector(text, text);
DROP FUNCTION pressroom.search_config(text);
DROP TEXT SEARCH CONFIGURATION pressroom.pressroom_fa;
DROP TEXT SEARCH DICTIONARY pressroom.persian;
DROP FUNCTION pressroom.persian_stopwords();
