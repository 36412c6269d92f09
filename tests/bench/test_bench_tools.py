"""The benchmark's tools work against real servers (no timing is asserted here)."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys

import asyncpg

from pressroom.bench.api_bench import checkpoint
from pressroom.bench.cpu import postmaster_pid, tree_cpu_s
from pressroom.bench.events_bench import EventsBenchOptions, Throughput, render_events_report
from pressroom.bench.events_bench import Results as EventsResults
from pressroom.bench.ingest_bench import IngestBenchOptions, Load, render_ingest_report
from pressroom.bench.ingest_bench import Results as IngestResults
from pressroom.bench.report import Measurement, ScenarioResult, render_api_report
from pressroom.bench.search_bench import (
    COMMON_SHARE,
    SAMPLED,
    WORD_STATS,
    IlikeResult,
    Scenario,
    SearchBenchOptions,
    cpu_per_request,
    draw_pairs,
    phrase_shares,
    render_search_report,
)
from pressroom.bench.search_bench import Inputs as SearchInputs
from pressroom.bench.search_bench import Measured as SearchMeasured
from pressroom.bench.serialization import SerialisationResult, compare_serialisation
from pressroom.bench.servers import uvicorn_server
from pressroom.bench.wrk import WrkResult, run_wrk
from pressroom.config import Settings
from pressroom.db.targets import DatabaseTargets
from pressroom.local.layout import Layout
from pressroom.local.ports import free_port
from pressroom.search.syntax import parse_query
from pressroom.search.tsquery import DEFAULT_LANGUAGE, compile_query


async def _ids_and_site(corpus: DatabaseTargets) -> tuple[list[int], str]:
    conn = await asyncpg.connect(corpus.reader)
    try:
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM pressroom.articles LIMIT 30")]
        site = await conn.fetchval("SELECT domain FROM pressroom.sites LIMIT 1")
    finally:
        await conn.close()
    return ids, site


async def test_wrk_drives_the_seed_service_on_random_articles(
    stack: Settings, corpus: DatabaseTargets
) -> None:
    ids, _ = await _ids_and_site(corpus)
    log = Layout(stack.data_dir).log_dir / "bench-test.log"
    env = {"SEED_DATABASE_URL": corpus.reader}
    with uvicorn_server("pressroom.bench.seed_app:app", free_port(), env, log) as seed:
        paths = [f"/articles/{i}" for i in ids]
        result = await asyncio.to_thread(
            run_wrk, seed.base_url, duration_s=1, connections=2, paths=paths
        )
        assert result.requests > 0
        assert result.non_2xx == 0
        assert result.socket_errors == 0
        assert 0 < result.p50_us <= result.p99_us <= result.max_us
        assert seed.rss_mb() > 0
        in_turn = await asyncio.to_thread(
            run_wrk, seed.base_url, duration_s=1, connections=2, paths=paths, in_order=True
        )
        assert in_turn.requests > 0
        assert in_turn.non_2xx == 0


async def test_serialisation_comparison_runs_both_ways(corpus: DatabaseTargets) -> None:
    ids, site = await _ids_and_site(corpus)
    results = await compare_serialisation(corpus, ids, site)
    assert [r.response for r in results] == ["GET /articles/{id}", "GET /sites/{domain}/articles"]
    assert all(r.python_us > 0 and r.sql_us > 0 for r in results)


def _result(rps: float, p50: int, p99: int) -> WrkResult:
    return WrkResult(int(rps * 10), 10_000_000, 0, 0, p50, p50, p99, p99, float(p50), p99)


def test_report_states_each_target_honestly(stack: Settings) -> None:
    scenarios = [
        ScenarioResult("ceiling", "ceiling", _result(10_000, 800, 2000)),
        ScenarioResult("article", "article", _result(4_000, 2000, 12000), 210.4, 95.6),
        ScenarioResult("site_page_1", "page 1", _result(3_000, 2500, 5000)),
        ScenarioResult("site_page_1000", "page 1000", _result(2_900, 2600, 5200)),
        ScenarioResult("tag_page_1", "tag", _result(2_000, 3000, 6000)),
        ScenarioResult("seed_article", "seed", _result(40, 200_000, 300_000)),
    ]
    report = render_api_report(
        Measurement(
            scenarios, 150.0, [SerialisationResult("x", 100.0, 120.0)], 1000, 8, 10, 5, stack, 0.0
        )
    )
    assert "| GET /articles/{id} ≥ 0.5× the framework ceiling | 0.40× | **not met** |" in report
    assert "| GET /articles/{id} ≥ 20× the seed's pool-per-request service | 100× | met |" in report
    assert "worst 6.0× | **not met** |" in report
    assert "| 150 MB | met |" in report
    assert "| 0.40 | 210 | 96 | 0 |" in report  # CPU per request, server then PostgreSQL


def test_the_ingest_report_states_each_target_against_copy() -> None:
    results = IngestResults(jsonl_bytes=2**30)
    for name, seconds, rss in (
        ("copy", 10.0, None),
        ("row_loop", 30.0, None),
        ("multi_row", 15.0, None),
        ("pgloader", 60.0, None),
        ("ingest", 20.0, 150.0),
        ("reingest", 5.0, 150.0),
    ):
        results.loads.append(Load(name, name, 1000, seconds, rss))
    report = render_ingest_report(results, IngestBenchOptions(articles=1000))
    assert "| `pressroom ingest` ≥ 0.6× `\\copy` | 0.50× | **not met** |" in report
    assert "| re-ingesting the same file ≥ 2× faster than the first load | 4.0× | met |" in report
    assert "150 MB | met |" in report


def test_the_events_report_compares_like_with_like() -> None:
    results = EventsResults(lag_ms=[10.0] * 98 + [200.0] * 2, lag_events=100)
    for contender, rate in (
        ("eventsourcing", 1000),
        ("pressroom log", 4000),
        ("pressroom write path", 500),
    ):
        for clients in (1, 8):
            for batch in (1, 10):
                results.throughput.append(Throughput(contender, clients, batch, rate, 1.0))
    report = render_events_report(results, EventsBenchOptions())
    assert "≥ 3× eventsourcing (log) | 4.0× | met |" in report
    assert "follow lag p99 < 100 ms under that load | 200.0 ms | **not met** |" in report


def test_cpu_of_a_process_tree_counts_children_already_reaped() -> None:
    before = tree_cpu_s(os.getpid())
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    assert tree_cpu_s(os.getpid()) - before >= 0.25


def test_the_postmaster_of_a_running_stack_is_found(stack: Settings) -> None:
    pid = postmaster_pid(Layout(stack.data_dir).pg_data)
    assert pid is not None
    assert tree_cpu_s(pid) > 0


def _rounds(rps: float, p50: int, *p95s: int) -> tuple[WrkResult, ...]:
    return tuple(_result(rps, p50, p95) for p95 in p95s)


def test_the_search_report_states_each_target_against_the_lookup() -> None:
    inputs = SearchInputs([1], ["rare"], ["common"], [], [], "word", 0.6, [], [], "site.example", 1)
    plan = [
        Scenario("article", "lookup", ["/articles/1"], None, []),
        Scenario("rare", "rare word", ["/search?q=rare"], 3.0, [{"q": "rare"}]),
        Scenario("two_common", "two words", ["/search?q=a+b"], 3.0, []),
        Scenario("apart", "apart", ["/search?q=a+b"], None, []),
    ]
    ours = {
        "article": SearchMeasured(_rounds(1_000, 1000, 2000, 2000, 2000), 350.4, 149.6),
        "rare": SearchMeasured(_rounds(400, 4000, 6000, 6000, 6000), 790.0, 1500.0),
        "two_common": SearchMeasured(_rounds(200, 7000, 6001, 6001, 5000), None, None),
        "apart": SearchMeasured(_rounds(200, 7000, 9000, 9000, 9000), 800.0, 3000.0),
    }
    theirs = {"rare": IlikeResult(2, 2, 60_000.0, 60_000.0)}
    report = render_search_report(plan, ours, theirs, inputs, 10, SearchBenchOptions())
    assert "| 6.00 | 3.0× | 3.0 · 3.0 · 3.0 | ≤ 3× | yes | 790 | 1,500 |" in report
    # 6,001 µs in two rounds of three: over, if barely.
    assert "| 6.00 | 3.0× | 3.0 · 3.0 · 2.5 | ≤ 3× | **no** |  |  |" in report
    assert "| 9.00 | 4.5× | 4.5 · 4.5 · 4.5 |  |  | 800 | 3,000 |" in report  # measured only
    assert "| lookup | 1,000 | 1.00 | 2.00 | 2.00 | 1.0× |  | baseline |  | 350 | 150 |" in report
    assert "The lookup's p95 by round: 2.00, 2.00, 2.00 ms." in report
    assert "| rare word | 4.00 | 2 (2 timed out at 60 s) | ≥ 60,000.0 |" in report


def test_a_disturbed_round_of_the_lookup_decides_nothing() -> None:
    """A lookup slowed for one round (a cold cache, a checkpoint: session 19's first lookup had
    a p95 of 15.6 ms against 1.65) makes that round's ratios small, and a search fast for one
    round makes its ratio small; the median of three sets either aside, where a ratio to one
    measurement of the lookup followed its luck."""
    inputs = SearchInputs([1], ["rare"], ["common"], [], [], "word", 0.6, [], [], "site.example", 1)
    plan = [
        Scenario("article", "lookup", ["/articles/1"], None, []),
        Scenario("rare", "rare word", ["/search?q=rare"], 3.0, []),
    ]
    cases = [
        # The lookup slowed in the second round, the searches not.
        (_rounds(1_000, 1000, 2000, 8000, 2000), _rounds(400, 4000, 7000, 7000, 7000), "0.9"),
        # The search quick in the second round, the lookup not.
        (_rounds(1_000, 1000, 2000, 2000, 2000), _rounds(400, 4000, 7000, 4000, 7000), "2.0"),
    ]
    for lookup, search, second in cases:
        ours = {
            "article": SearchMeasured(lookup, None, None),
            "rare": SearchMeasured(search, None, None),
        }
        report = render_search_report(plan, ours, {}, inputs, 10, SearchBenchOptions())
        row = f"| rare word | 400 | 4.00 | 7.00 | 7.00 | 3.5× | 3.5 · {second} · 3.5 | ≤ 3× | **no** |"
        assert row in report


def test_cpu_per_request_is_weighed_by_each_round_s_requests() -> None:
    quick, slow = _result(300, 1000, 2000), _result(100, 3000, 6000)
    assert cpu_per_request([(quick, 100.0), (slow, 500.0)]) == 200.0
    assert cpu_per_request([(quick, 100.0), (slow, None)]) is None


async def test_the_search_benchmark_writes_dirty_pages_before_measuring(
    corpus: DatabaseTargets,
) -> None:
    assert corpus.admin is not None
    conn = await asyncpg.connect(corpus.admin)
    try:
        before = await conn.fetchval("SELECT checkpoints_req FROM pg_stat_bgwriter")
        await checkpoint(corpus)
        assert await conn.fetchval("SELECT checkpoints_req FROM pg_stat_bgwriter") > before
    finally:
        await conn.close()


async def test_the_search_benchmark_draws_words_that_a_search_finds(
    corpus: DatabaseTargets,
) -> None:
    """Its words are lexemes, and an English lexeme is a stem ('basketbal') that a search
    stems again into another ('basketb'): searched as typed, such a word finds nothing, and the
    benchmark measured a misspelling and its "did you mean"."""
    conn = await asyncpg.connect(corpus.reader)
    try:
        words = [r["word"] for r in await conn.fetch(WORD_STATS, DEFAULT_LANGUAGE)]
        unfound = await conn.fetch(
            """
            SELECT w FROM unnest($1::text[]) AS w
             WHERE NOT EXISTS (SELECT FROM pressroom.search_documents d
                                WHERE d.terms @@ pressroom.plain_search_query($2, w))
            """,
            words,
            DEFAULT_LANGUAGE,
        )
    finally:
        await conn.close()
    assert len(words) > 100
    assert [r["w"] for r in unfound] == []


async def test_a_phrase_share_is_that_of_the_sampled_articles_it_finds(
    corpus: DatabaseTargets,
) -> None:
    """The benchmark tells selective phrases from common ones by their share of the sampled
    articles: the share of those a search for the phrase finds, counted here one by one."""
    conn = await asyncpg.connect(corpus.reader)
    try:
        titles = [r["title"] for r in await conn.fetch("SELECT title FROM pressroom.articles")]
        openings = sorted({" ".join(t.split()[:2]) for t in titles if len(t.split()) >= 3})
        sampled = await conn.fetchval(SAMPLED)
        shares = await phrase_shares(conn, [*openings, "the of"], sampled)
        counted: dict[str, int] = {}
        for phrase in openings:
            compiled = await compile_query(conn, parse_query(f'"{phrase}"'), None)
            if compiled.empty:  # stopwords only ('What the'): a search for it finds nothing
                continue
            counted[phrase] = await conn.fetchval(
                SAMPLED.replace("count(*)", "count(*) FILTER (WHERE d.terms @@ $1::tsquery)"),
                compiled.matching,
            )
    finally:
        await conn.close()
    assert shares == {phrase: found / sampled for phrase, found in counted.items()}
    assert "the of" not in shares
    assert sum(1 for share in shares.values() if share > 0) > 10


async def test_two_common_words_are_drawn_found_together_and_never_together(
    corpus: DatabaseTargets,
) -> None:
    """The benchmark's two common words are two that an article holds, as a search for the
    news's topics is; two that no article holds together are drawn apart, and found nowhere."""
    conn = await asyncpg.connect(corpus.reader)
    try:
        sampled = await conn.fetchval(SAMPLED)  # the shares are of the sample, as in the benchmark
        common = [
            r["word"]
            for r in await conn.fetch(WORD_STATS, DEFAULT_LANGUAGE)
            if COMMON_SHARE[0] <= r["ndoc"] / sampled <= COMMON_SHARE[1]
            and not any(c.isdigit() for c in r["word"])
        ]
        together, never = await draw_pairs(conn, random.Random(1), common, sample_percent=100)
        found = [
            await conn.fetchval(
                "SELECT count(*) FROM pressroom.search_documents d"
                " WHERE d.terms @@ pressroom.plain_search_query($1, $2)",
                DEFAULT_LANGUAGE,
                pair,
            )
            for pair in together + never
        ]
    finally:
        await conn.close()
    assert len(together) == 50
    assert never
    assert all(count > 0 for count in found[: len(together)])
    assert all(count == 0 for count in found[len(together) :])
    for pair in together + never:
        assert set(pair.split()) <= set(common)
