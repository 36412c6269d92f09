CREATE INDEX search_documents_head ON pressroom.search_documents USING gin (head);
DROP INDEX pressroom.search_documents_titles;
DROP FUNCTION pressroom.prefix_search_query(text);
DROP FUNCTION pressroom.title_vector(text, text, integer, timestamptz);
DROP FUNCTION pressroom.word_prefixes(text);
DROP FUNCTION pressroom.prefix_length();
