"""Prometheus metrics of one process, kept in a registry of their own (one per app), so tests
that build several apps never collide and /metrics shows exactly this app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "pressroom_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "pressroom_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # Per pool: "reader" serves reads, "writer" the write routes.
        pool = ["pool"]
        self.pool_size = Gauge(
            "pressroom_db_pool_size", "Connections open in the pool", pool, registry=r
        )
        self.pool_in_use = Gauge(
            "pressroom_db_pool_in_use", "Connections lent out by the pool", pool, registry=r
        )
        self.pool_waiting = Gauge(
            "pressroom_db_pool_waiting", "Requests waiting for a pool connection", pool, registry=r
        )
        self.pool_max = Gauge(
            "pressroom_db_pool_max_size", "Most connections the pool opens", pool, registry=r
        )
        self.acquire_seconds = Histogram(
            "pressroom_db_pool_acquire_seconds",
            "Time spent waiting for a pool connection",
            pool,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.pool_exhausted = Counter(
            "pressroom_db_pool_exhausted",
            "Requests refused because no connection freed in time",
            pool,
            registry=r,
        )
        self.query_seconds = Histogram(
            "pressroom_db_query_duration_seconds",
            "Time of one database query, by the route that ran it",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.held_too_long = Counter(
            "pressroom_db_connection_held_too_long",
            "Connections held longer than the leak threshold, by route",
            ["route"],
            registry=r,
        )
