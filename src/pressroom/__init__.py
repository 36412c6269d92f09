"""pressroom: PostgreSQL-backed storage and serving for Persian and English news."""

__version__ = "0.1.0"
