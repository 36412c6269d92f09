"""`pressroom bench api`: the API against its ceilings, in one run on one machine.

A stack of its own (in <data_dir>/bench) holds the sample corpus; pressroom's API and the seed's
pool-per-request service run side by side on it, and wrk drives each scenario in turn. Results
are ratios against baselines measured in the same run, so machines can be compared fairly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from pressroom.bench.cpu import postmaster_pid, tree_cpu_s
from pressroom.bench.report import Measurement, ScenarioResult, write_api_report
from pressroom.bench.serialization import compare_serialisation
from pressroom.bench.servers import Server, uvicorn_server
from pressroom.bench.wrk import WrkResult, run_wrk
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets, resolve_targets
from pressroom.events.sequencer import sequence_pending
from pressroom.local.layout import Layout
from pressroom.local.ports import free_port
from pressroom.local.stack import Stack

Notify = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BenchOptions:
    articles: int = 1_000_000
    duration_s: int = 15
    # Random ids over a 4 GB table meet cold pages and cold per-connection caches for a while; a
    # long-running server is past that, and a short warm-up leaves it in p99 (measured: p99
    # 274-336 ms in a first 8 s run, 11-20 ms in the runs right after it).
    warmup_s: int = 10
    connections: int = 8
    output: Path = Path("bench/results/api.md")


def bench_settings(settings: Settings, articles: int) -> Settings:
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / "bench",
            "sample_articles": articles,
            # The seed's service opens ten connections per request in flight.
            "pg_max_connections": 300,
            "database_url": None,
            "api_workers": 1,
            # Millions of rows of WAL would fill the archive, and nothing here needs it.
            "wal_archive": False,
            "log_level": "warning",
        }
    )


async def _inputs(targets: DatabaseTargets) -> tuple[list[int], str, str]:
    conn = await asyncpg.connect(targets.reader)
    try:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM pressroom.articles TABLESAMPLE SYSTEM (2) REPEATABLE (7) LIMIT 20000"
            )
        ]
        site = await conn.fetchval(
            "SELECT s.domain FROM pressroom.sites s JOIN pressroom.articles a ON a.site_id = s.id "
            "GROUP BY s.domain ORDER BY count(*) DESC LIMIT 1"
        )
        tag = await conn.fetchval(
            "SELECT t.slug FROM pressroom.article_tags at JOIN pressroom.tags t ON t.id = at.tag_id "
            "GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1"
        )
    finally:
        await conn.close()
    return ids, site, tag


def _page_path(base_url: str, path: str, page: int) -> str:
    """The path of page `page` (1-based), reached by following cursors as a client would."""
    cursor = None
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(page - 1):
            body = client.get(path, params={"cursor": cursor} if cursor else {}).json()
            cursor = body["next_cursor"]
            if cursor is None:
                raise RuntimeError(f"{path} has fewer than {page} pages")
    return path + ("?" + urlencode({"cursor": cursor}) if cursor else "")


def prepare_bench_stack(
    settings: Settings, articles: int, notify: Notify
) -> tuple[Settings, DatabaseTargets]:
    """The benchmarks' own stack, up, holding the sample corpus (loaded by the first run)."""
    bench = bench_settings(settings, articles)
    stack = Stack(bench, notify=notify)
    notify(f"bench stack in {bench.data_dir} with {articles:,} sample articles")
    stack.up(with_api=False)
    targets = resolve_targets(bench)
    if loaded := stack.load_sample(targets, only_if_empty=False):
        notify(f"loaded {loaded:,} more articles")
    # The loader settles what it loads (ingest/settle.py), so the scenarios measure a settled
    # database, as after any bulk load, not autovacuum catching up while they run. Its events
    # get their feed positions here too: the API's sequencer would otherwise number a million
    # of them during the first scenarios (measured: the constant response's PostgreSQL CPU at
    # 332 µs a request instead of 5).
    if sequenced := asyncio.run(_sequence_feed(targets.writer)):
        notify(f"gave {sequenced:,} events their feed positions")
    return bench, targets


async def _sequence_feed(writer_url: str) -> int:
    conn = await asyncpg.connect(writer_url)
    try:
        return await sequence_pending(conn)
    finally:
        await conn.close()


def run_api_bench(settings: Settings, options: BenchOptions, notify: Notify) -> Path:
    bench, targets = prepare_bench_stack(settings, options.articles, notify)
    ids, site, tag = asyncio.run(_inputs(targets))
    log = Layout(bench.data_dir).log_dir / "bench-servers.log"
    our_env = {"PRESSROOM_DATA_DIR": str(bench.data_dir), "PRESSROOM_LOG_LEVEL": "warning"}
    seed_env = {"SEED_DATABASE_URL": targets.reader}
    measured: list[ScenarioResult] = []
    with (
        uvicorn_server(
            "pressroom.api.app:create_app", free_port(), our_env, log, factory=True
        ) as ours,
        uvicorn_server("pressroom.bench.seed_app:app", free_port(), seed_env, log) as seed,
    ):
        page_1000 = _page_path(ours.base_url, f"/sites/{site}/articles", 1000)
        article_paths = [f"/articles/{i}" for i in ids]
        scenarios = [
            ("ceiling", "same server stack, constant response (GET /health)", ours.base_url + "/health", None),
            ("article", "GET /articles/{id}, random ids", ours.base_url, article_paths),
            ("site_page_1", f"GET /sites/{site}/articles, first page", ours.base_url + f"/sites/{site}/articles", None),
            ("site_page_1000", "same, page 1,000 reached by cursor", ours.base_url + page_1000, None),
            ("tag_page_1", f"GET /articles?tag={tag}, first page", ours.base_url + "/articles?" + urlencode({"tag": tag}), None),
            ("seed_article", "the seed's pool-per-request service, random ids", seed.base_url, article_paths),
        ]  # fmt: skip
        for name, description, url, paths in scenarios:
            notify(f"wrk: {description}")
            warm_up(url, options.warmup_s, options.connections, paths)
            asyncio.run(checkpoint(targets))
            server = seed if name.startswith("seed") else ours
            result, server_cpu, postgres_cpu = run_with_cpu(
                server, bench, url, options.duration_s, options.connections, paths
            )
            measured.append(ScenarioResult(name, description, result, server_cpu, postgres_cpu))
        memory = ours.rss_mb()
    notify("comparing serialisation: orjson in Python against JSON composed in SQL")
    serialisation = asyncio.run(compare_serialisation(targets, ids[:500], site))
    report = Measurement(
        scenarios=measured,
        worker_rss_mb=memory,
        serialisation=serialisation,
        articles=asyncio.run(count_articles(targets)),
        connections=options.connections,
        duration_s=options.duration_s,
        warmup_s=options.warmup_s,
        postgres_settings=bench,
        started=time.time(),
    )
    write_api_report(report, options.output)
    return options.output


async def checkpoint(targets: DatabaseTargets) -> None:
    """Write every dirty page before measuring. A load leaves gigabytes for a checkpoint spread
    over minutes (after session 25's, 1.8 GB over 13.5 minutes, the whole of a first run), and the
    warm-ups' first reads of loaded documents set their hint bits, dirtying their pages for the
    next one. Only the local stack's superuser may; elsewhere the rounds run as they are."""
    if targets.admin is None:
        return
    conn = await asyncpg.connect(targets.admin)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def warm_up(url: str, seconds: int, connections: int, paths: list[str] | None) -> None:
    """An unmeasured run first, so caches and prepared statements are warm: through every path
    in turn (again while some were not reached), so the measured run reads no page from disk
    that a running service would have in memory. A freshly started cluster, or one whose pages
    the OS has dropped, otherwise puts disk reads into the tail."""
    for _ in range(3):
        done = run_wrk(url, duration_s=seconds, connections=connections, paths=paths, in_order=True)
        if not paths or done.requests >= len(paths):
            return


def run_with_cpu(
    server: Server,
    bench: Settings,
    url: str,
    duration_s: int,
    connections: int,
    paths: list[str] | None,
) -> tuple[WrkResult, float | None, float | None]:
    """One measured wrk run, and the microseconds of CPU each request cost the server (its
    workers included) and PostgreSQL (its backends included)."""
    server_before, postgres_before = server.cpu_s(), _postgres_cpu_s(bench)
    result = run_wrk(url, duration_s=duration_s, connections=connections, paths=paths)
    server_cpu = _per_request(server_before, server.cpu_s(), result.requests)
    postgres_cpu = _per_request(postgres_before, _postgres_cpu_s(bench), result.requests)
    return result, server_cpu, postgres_cpu


def _per_request(before: float | None, after: float | None, requests: int) -> float | None:
    """Microseconds of CPU per request between two readings."""
    if before is None or after is None:
        return None
    return (after - before) * 1e6 / max(requests, 1)


def _postgres_cpu_s(bench: Settings) -> float | None:
    pid = postmaster_pid(Layout(bench.data_dir).pg_data)
    return tree_cpu_s(pid) if pid is not None else None


async def count_articles(targets: DatabaseTargets) -> int:
    conn = await asyncpg.connect(targets.reader)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pressroom.articles"))
    finally:
        await conn.close()
