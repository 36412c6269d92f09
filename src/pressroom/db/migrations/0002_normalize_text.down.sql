DROP FUNCTION pressroom.normalize_text(text);
