"""Deterministic synthetic Persian and English news corpus for tests, benchmarks and demos."""

from pressroom.sample.corpus import (
    DEFAULT_END,
    DEFAULT_START,
    SampleArticle,
    generate_articles,
    sample_sites,
    write_jsonl,
)
from pressroom.sample.sites import SampleSite

__all__ = [
    "DEFAULT_END",
    "DEFAULT_START",
    "SampleArticle",
    "SampleSite",
    "generate_articles",
    "sample_sites",
    "write_jsonl",
]
