"""Persian and English full-text search: normalisation, text search configuration, ranking."""
