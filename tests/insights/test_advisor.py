"""The index advisor against a real cluster: a workload whose right indexes are known, run with
parameters so pg_stat_statements records it with $n, then advised with HypoPG.

The module's own schema (advisor_t) holds tables large enough that the planner cares; every
assertion looks only at statements on those tables, since pg_stat_statements is cluster-wide.
Tests run in file order and the later ones change the database (they build indexes, reset the
statistics, drop hypopg), so the module-wide advice is computed once, before them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest

from pressroom.db.targets import DatabaseTargets
from pressroom.insights.advisor import (
    NAME,
    Advice,
    Evaluated,
    IndexBuildError,
    Recommendation,
    UnsafeStatementError,
    advise,
    create_index,
    index_name,
    inspect,
)
from pressroom.insights.advisor_candidates import (
    Candidate,
    IndexColumn,
    Predicate,
    Usage,
    Use,
    candidates,
    predicates,
    provides,
    sort_columns,
)
from pressroom.insights.model import Options, Status
from pressroom.insights.target import Target, open_target
from tests.insights.helpers import connected, run_repeatedly

SCHEMA = "advisor_t"
ROWS = 100_000

SETUP = f"""
CREATE SCHEMA {SCHEMA};
CREATE TABLE {SCHEMA}.posts (
    id bigint PRIMARY KEY,
    site_id int NOT NULL,
    author_id int NOT NULL,
    ref int NOT NULL,
    region int NOT NULL,
    lang int NOT NULL,
    editor_id int NOT NULL,
    status text NOT NULL,
    score int NOT NULL,
    published_at timestamptz NOT NULL,
    title text NOT NULL
);
INSERT INTO {SCHEMA}.posts
SELECT g, g * 7919 % 200, g * 104729 % 10000, g * 15485863 % 5000, g * 13 % 100,
       g * 17 / 100 % 100, g * 32452843 % 2000,
       CASE WHEN g % 2 = 0 THEN 'draft' ELSE 'live' END,
       g * 2654435761 % 100000,
       timestamptz '2024-01-01' + (g * 7 % 100000) * interval '5 minutes',
       'title ' || g
  FROM generate_series(1::bigint, {ROWS}) g;
CREATE INDEX posts_author_idx ON {SCHEMA}.posts (author_id);
CREATE INDEX posts_title_unused_idx ON {SCHEMA}.posts (title);
CREATE TABLE {SCHEMA}.comments (id bigint PRIMARY KEY, post_id bigint NOT NULL, body text NOT NULL);
INSERT INTO {SCHEMA}.comments
SELECT g, g * 7 % {ROWS} + 1, 'comment ' || g FROM generate_series(1::bigint, {ROWS}) g;
CREATE TABLE {SCHEMA}.tiny (id int, name text);
INSERT INTO {SCHEMA}.tiny SELECT g, 'name ' || g FROM generate_series(1, 10) g;
CREATE VIEW {SCHEMA}.live_posts AS
SELECT id, site_id, editor_id, title FROM {SCHEMA}.posts WHERE status = 'live';
CREATE TABLE {SCHEMA}.events (
    id bigint, kind int NOT NULL, source int NOT NULL, at timestamptz NOT NULL, payload text
) PARTITION BY RANGE (at);
CREATE TABLE {SCHEMA}.events_2024 PARTITION OF {SCHEMA}.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE {SCHEMA}.events_2025 PARTITION OF {SCHEMA}.events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO {SCHEMA}.events
SELECT g, g * 7919 % 1000, g * 104729 % 500,
       timestamptz '2024-01-01' + (g * 13 % 700) * interval '1 day', 'p'
  FROM generate_series(1::bigint, {ROWS // 2}) g;
CREATE TABLE {SCHEMA}.doomed (x int);
"""
ANALYZE = f"""
VACUUM ANALYZE {SCHEMA}.posts, {SCHEMA}.comments, {SCHEMA}.tiny, {SCHEMA}.events, {SCHEMA}.doomed
"""

# Statements and arguments; each names what the advisor should make of it.
EQUALITY = f"SELECT * FROM {SCHEMA}.posts WHERE ref = $1"
ORDERED = (
    f"SELECT id, title FROM {SCHEMA}.posts WHERE site_id = $1 ORDER BY published_at DESC LIMIT $2"
)
JOIN = (
    f"SELECT p.title, c.body FROM {SCHEMA}.posts p JOIN {SCHEMA}.comments c ON c.post_id = p.id "
    "WHERE p.author_id = $1"
)
VIEW = f"SELECT id, title FROM {SCHEMA}.live_posts WHERE editor_id = $1"
PARTITIONED = f"SELECT * FROM {SCHEMA}.events WHERE kind = $1"
# A condition on the partition key: explaining the generic plan with NULLs prunes every partition.
PRUNED = f"SELECT * FROM {SCHEMA}.events WHERE at >= $1 AND source = $2 ORDER BY at LIMIT $3"
MULTI = f"SELECT id FROM {SCHEMA}.posts WHERE region = $1 AND lang = $2"
TINY = f"SELECT * FROM {SCHEMA}.tiny WHERE name = $1"
LOW_SELECTIVITY = f"SELECT * FROM {SCHEMA}.posts WHERE status = $1"
SERVED = f"SELECT * FROM {SCHEMA}.posts WHERE author_id = $1"
MOST_ROWS = f"SELECT * FROM {SCHEMA}.posts WHERE score >= $1"
WRITE = f"UPDATE {SCHEMA}.tiny SET name = name WHERE id = $1"
CATALOGUE = "SELECT relname FROM pg_class WHERE relname = $1"
UNPLANNABLE = f"SELECT * FROM {SCHEMA}.doomed WHERE x = $1"

WORKLOAD: list[tuple[str, tuple[Any, ...]]] = [
    (EQUALITY, (42,)),
    (ORDERED, (7, 20)),
    (JOIN, (3,)),
    (VIEW, (11,)),
    (PARTITIONED, (5,)),
    (PRUNED, (datetime(2024, 6, 1, tzinfo=UTC), 7, 10)),
    (MULTI, (3, 4)),
    (TINY, ("name 3",)),
    (LOW_SELECTIVITY, ("live",)),
    (SERVED, (3,)),
    (MOST_ROWS, (0,)),
    (WRITE, (1,)),
    (CATALOGUE, ("pg_class",)),
    (UNPLANNABLE, (1,)),
]
NO_INDEX = [TINY, LOW_SELECTIVITY, SERVED, MOST_ROWS]
LIMIT = 50


async def _run(conn: asyncpg.Connection, workload: list[tuple[str, tuple[Any, ...]]]) -> None:
    for statement, args in workload:
        await run_repeatedly(conn, statement, 3, *args)


@pytest.fixture(scope="module")
async def workload(database: DatabaseTargets) -> str:
    """The schema built, analyzed and queried; yields the superuser DSN of the database."""
    assert database.admin is not None
    async with connected(database.admin) as conn:
        await conn.execute(SETUP)
        await conn.execute(ANALYZE)
        # Cluster-wide: from here on only this module's statements are recorded.
        await conn.execute("SELECT pg_stat_statements_reset()")
        await _run(conn, WORKLOAD)
        # The statement is recorded; now it cannot be planned any more.
        await conn.execute(f"ALTER TABLE {SCHEMA}.doomed RENAME COLUMN x TO y")
    return database.admin


@pytest.fixture(scope="module")
async def advice(workload: str) -> Advice:
    async with open_target(workload) as target:
        return await advise(target, LIMIT)


def _helping(advice: Advice, statement: str) -> list[Recommendation]:
    return [r for r in advice.recommendations if any(h.query == statement for h in r.helps)]


def _recommended(advice: Advice, statement: str) -> Recommendation:
    found = _helping(advice, statement)
    assert len(found) == 1, [r.create_sql for r in advice.recommendations]
    return found[0]


def _evaluated(advice: Advice, statement: str) -> Evaluated:
    found = [e for e in advice.evaluated if e.query == statement]
    assert len(found) == 1, [e.query for e in advice.evaluated]
    return found[0]


# -- plans to candidates, without a server -------------------------------------------------------


def test_predicates_classify_equality_range_null_and_join_keys() -> None:
    found = predicates(
        "(((p.status)::text = $1) AND (p.ref = ANY ('{1,2}'::integer[])) AND (p.at >= $2) "
        "AND (p.gone IS NULL) AND (c.post_id = p.id) AND (NOT (hashed SubPlan 1)) "
        "AND ((p.a = 1) OR (p.b = 2)) AND (lower(p.title) = 'x'::text))"
    )
    assert found == [
        Predicate("p", "status", Use.EQUALITY),
        Predicate("p", "ref", Use.EQUALITY),
        Predicate("p", "at", Use.RANGE),
        Predicate("p", "gone", Use.NULL),
        Predicate("c", "post_id", Use.EQUALITY),
        Predicate("p", "id", Use.EQUALITY),
    ]
    assert predicates("(x > 3)", "t") == [Predicate("t", "x", Use.RANGE)]
    assert predicates("this is not an expression (") == []


def test_sort_keys_keep_direction_and_stop_at_an_expression() -> None:
    keys = sort_columns(["p.published_at DESC", "p.id NULLS FIRST", "lower(p.title)", "p.x"])
    assert [(k.alias, k.column.label()) for k in keys] == [
        ("p", "published_at DESC"),
        ("p", "id NULLS FIRST"),
    ]


def test_candidates_put_equalities_first_then_sort_keys() -> None:
    usage = Usage(
        equality=["site_id", "status"],
        ranges=["score"],
        sorts=[(IndexColumn("published_at", descending=True),)],
    )
    distinct = {"site_id": 200.0, "status": 2.0}
    found = [c.label() for c in candidates(usage, distinct, (), ["site_id", "status", "score"])]
    assert "site_id" in found
    assert "site_id, status" in found  # most distinct first
    assert "site_id, score" in found
    assert "published_at DESC" not in found  # not a column of the table handed in
    with_sort = candidates(usage, distinct, (), ["site_id", "status", "score", "published_at"])
    assert "site_id, published_at DESC" in [c.label() for c in with_sort]
    # An existing (site_id, published_at) index serves the same order read backwards.
    existing = ((IndexColumn("site_id"), IndexColumn("published_at")),)
    assert "site_id, published_at DESC" not in [
        c.label()
        for c in candidates(
            usage, distinct, existing, ["site_id", "status", "score", "published_at"]
        )
    ]


def test_an_existing_index_provides_equalities_in_any_order() -> None:
    existing = (IndexColumn("b"), IndexColumn("a"), IndexColumn("c"))
    assert provides(existing, Candidate((IndexColumn("a"), IndexColumn("b")), equality=2))
    assert not provides(existing, Candidate((IndexColumn("a"), IndexColumn("b")), equality=0))
    mixed = Candidate((IndexColumn("b"), IndexColumn("a"), IndexColumn("c", descending=True)), 1)
    assert not provides(existing, mixed)


def test_index_names_fit_in_63_bytes() -> None:
    assert index_name("posts", ["site_id", "published_at"]) == "posts_site_id_published_at_idx"
    long = index_name("ä" * 40, ["column"])
    assert len(long.encode()) <= 63
    assert long.endswith("_idx")


# -- the advice --------------------------------------------------------------------------------


def test_equality_filter_gets_an_index_on_its_column(advice: Advice) -> None:
    rec = _recommended(advice, EQUALITY)
    assert rec.table == f"{SCHEMA}.posts"
    assert rec.columns == ("ref",)
    assert rec.create_sql == (f"CREATE INDEX CONCURRENTLY posts_ref_idx ON {SCHEMA}.posts (ref)")
    assert rec.statements == (rec.create_sql,)
    assert rec.size_bytes > 0
    helped = next(h for h in rec.helps if h.query == EQUALITY)
    assert helped.calls == 3
    assert helped.cost_after <= helped.cost_before / 2
    assert helped.ratio == pytest.approx(helped.cost_after / helped.cost_before)


def test_order_by_limit_gets_equality_then_sort_column(advice: Advice) -> None:
    rec = _recommended(advice, ORDERED)
    assert rec.columns in (("site_id", "published_at DESC"), ("site_id", "published_at"))
    assert "posts_site_id_published_at_idx" in rec.create_sql


def test_join_gets_an_index_on_the_inner_join_key(advice: Advice) -> None:
    rec = _recommended(advice, JOIN)
    assert rec.table == f"{SCHEMA}.comments"
    assert rec.columns == ("post_id",)


def test_statement_through_a_view_gets_an_index_on_the_base_table(advice: Advice) -> None:
    rec = _recommended(advice, VIEW)
    assert rec.table == f"{SCHEMA}.posts"
    assert rec.columns[0] == "editor_id"


def test_partitioned_table_gets_one_index_on_the_parent(advice: Advice) -> None:
    rec = _recommended(advice, PARTITIONED)
    assert rec.partitioned
    assert rec.table == f"{SCHEMA}.events"
    assert rec.columns == ("kind",)
    assert rec.create_sql == f"CREATE INDEX events_kind_idx ON {SCHEMA}.events (kind)"
    assert rec.statements[0] == (
        f"CREATE INDEX IF NOT EXISTS events_kind_idx ON ONLY {SCHEMA}.events (kind)"
    )
    assert f"ON {SCHEMA}.events_2024 (kind)" in " ".join(rec.statements)
    assert (
        f"ALTER INDEX {SCHEMA}.events_kind_idx ATTACH PARTITION {SCHEMA}.events_2025_kind_idx"
        in rec.statements
    )
    # Not one recommendation per partition.
    assert not any(r.table_name.startswith("events_") for r in advice.recommendations)


def test_partitions_pruned_from_the_generic_plan_are_still_evaluated(advice: Advice) -> None:
    rec = _recommended(advice, PRUNED)
    assert rec.partitioned
    assert rec.table == f"{SCHEMA}.events"
    assert rec.columns[0] == "source"


def test_multi_column_equality_gets_both_columns(advice: Advice) -> None:
    rec = _recommended(advice, MULTI)
    assert set(rec.columns) == {"region", "lang"}


@pytest.mark.parametrize("statement", NO_INDEX, ids=["tiny", "status", "served", "most_rows"])
def test_no_index_where_none_pays(advice: Advice, statement: str) -> None:
    evaluated = _evaluated(advice, statement)
    assert evaluated.best is None
    assert _helping(advice, statement) == []


def test_the_indexed_statement_has_no_candidate_left(advice: Advice) -> None:
    assert _evaluated(advice, SERVED).candidates == 0


def test_writes_and_unplannable_statements_are_left_out_and_said_so(advice: Advice) -> None:
    reasons = {s.query: s.reason for s in advice.skipped}
    assert "not a SELECT (UPDATE)" in reasons[WRITE]
    assert "cannot be planned" in reasons[UNPLANNABLE]
    assert "42703" in reasons[UNPLANNABLE]  # undefined column: a message about the statement
    evaluated = {e.query for e in advice.evaluated}
    assert WRITE not in evaluated
    assert CATALOGUE not in evaluated
    assert advice.passed_over.get("catalogue", 0) >= 1


def test_never_used_indexes_exclude_keys_and_indexes_the_plans_use(advice: Advice) -> None:
    unused = {(u.schema, u.name): u for u in advice.unused}
    title = unused[(SCHEMA, "posts_title_unused_idx")]
    assert title.drop_sql == f"DROP INDEX CONCURRENTLY IF EXISTS {SCHEMA}.posts_title_unused_idx"
    assert (SCHEMA, "posts_pkey") not in unused
    assert (SCHEMA, "comments_pkey") not in unused
    assert (SCHEMA, "posts_author_idx") not in unused  # the plans of two statements use it


async def test_hypothetical_indexes_are_gone_after_advising(workload: str) -> None:
    async with open_target(workload) as target:
        await advise(target, LIMIT)
        assert await target.conn.fetchval("SELECT count(*) FROM hypopg()") == 0


async def test_section_reports_each_recommendation_with_its_fix(workload: str) -> None:
    async with open_target(workload) as target:
        section = await inspect(target, Options(limit=LIMIT, unused_after_s=0))
    assert section.name == NAME
    by_check: dict[str, list[Any]] = {}
    for finding in section.findings:
        by_check.setdefault(finding.check, []).append(finding)
    recommendations = by_check["advisor.recommendation"]
    assert all(f.status is Status.WARN for f in recommendations)
    ref = next(f for f in recommendations if "posts_ref_idx" in f.title)
    assert ref.fix_sql == (f"CREATE INDEX CONCURRENTLY posts_ref_idx ON {SCHEMA}.posts (ref);",)
    assert "Equality on ref" in ref.detail
    assert "advisor.no_recommendation" not in by_check
    (unused,) = by_check["advisor.unused_indexes"]
    assert unused.status is Status.WARN
    assert f"DROP INDEX CONCURRENTLY IF EXISTS {SCHEMA}.posts_title_unused_idx;" in unused.fix_sql
    titles = [t.title for t in section.tables]
    assert "Recommended indexes" in titles
    assert "Statements left out" in titles
    orjson.dumps(section.as_json())


# -- building ------------------------------------------------------------------------------------


async def test_create_index_builds_the_recommendation_and_the_advice_moves_on(
    target: Target, advice: Advice
) -> None:
    rec = _recommended(advice, EQUALITY)
    session_lock_timeout = await target.conn.fetchval("SHOW lock_timeout")
    assert await create_index(target.conn, rec) == "posts_ref_idx"
    valid = await target.conn.fetchval(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
        f"{SCHEMA}.posts_ref_idx",
    )
    assert valid is True
    # The session's own again, not the build's.
    assert await target.conn.fetchval("SHOW lock_timeout") == session_lock_timeout
    again = await advise(target, LIMIT)
    assert _helping(again, EQUALITY) == []
    assert not any(r.name.startswith("posts_ref_idx") for r in again.recommendations)
    assert _evaluated(again, EQUALITY).cost < _evaluated(advice, EQUALITY).cost / 2


async def test_create_index_builds_a_partitioned_recommendation_without_blocking(
    target: Target, advice: Advice
) -> None:
    rec = _recommended(advice, PARTITIONED)
    assert await create_index(target.conn, rec) == "events_kind_idx"
    rows = await target.conn.fetch(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname LIKE 'events%kind_idx' ORDER BY c.relname"
    )
    assert [(r["relname"], r["indisvalid"]) for r in rows] == [
        ("events_2024_kind_idx", True),
        ("events_2025_kind_idx", True),
        ("events_kind_idx", True),
    ]
    # Running it again (IF NOT EXISTS, attached already) changes nothing.
    assert await create_index(target.conn, rec) == "events_kind_idx"


async def test_a_failed_partition_build_drops_the_whole_partitioned_index(target: Target) -> None:
    # The second partition's build fails (duplicates under UNIQUE) after the parent's index was
    # created and the first partition's attached to it.
    statements = (
        f"CREATE INDEX IF NOT EXISTS events_fail_idx ON ONLY {SCHEMA}.events (kind)",
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_fail_idx "
        f"ON {SCHEMA}.events_2024 (kind)",
        f"ALTER INDEX {SCHEMA}.events_fail_idx ATTACH PARTITION {SCHEMA}.events_2024_fail_idx",
        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_2025_fail_idx "
        f"ON {SCHEMA}.events_2025 (kind)",
        f"ALTER INDEX {SCHEMA}.events_fail_idx ATTACH PARTITION {SCHEMA}.events_2025_fail_idx",
    )
    rec = Recommendation(
        schema=SCHEMA,
        table_name="events",
        table=f"{SCHEMA}.events",
        name="events_fail_idx",
        columns=("kind",),
        create_sql=f"CREATE INDEX events_fail_idx ON {SCHEMA}.events (kind)",
        statements=statements,
        partitioned=True,
        size_bytes=0,
        helps=(),
    )
    with pytest.raises(IndexBuildError, match="Nothing was left behind"):
        await create_index(target.conn, rec)
    left = await target.conn.fetchval(
        "SELECT count(*) FROM pg_class WHERE relname LIKE 'events%fail_idx'"
    )
    assert left == 0


@pytest.mark.parametrize(
    "statement",
    [
        f"DROP TABLE {SCHEMA}.tiny",
        f"CREATE INDEX tiny_plain_idx ON {SCHEMA}.tiny (id)",
        f"CREATE INDEX CONCURRENTLY ON {SCHEMA}.tiny (id)",
        f"CREATE INDEX CONCURRENTLY tiny_two_idx ON {SCHEMA}.tiny (id); DROP TABLE {SCHEMA}.tiny",
        f"ALTER INDEX {SCHEMA}.posts_author_idx ATTACH PARTITION {SCHEMA}.posts_title_unused_idx",
        "SELECT 1",
        "not sql at all",
    ],
)
async def test_create_index_refuses_anything_but_create_index_concurrently(
    target: Target, statement: str
) -> None:
    with pytest.raises(UnsafeStatementError):
        await create_index(target.conn, statement)
    assert await target.conn.fetchval(f"SELECT to_regclass('{SCHEMA}.tiny') IS NOT NULL")
    assert (
        await target.conn.fetchval(
            "SELECT count(*) FROM pg_index WHERE indrelid = to_regclass($1)", f"{SCHEMA}.tiny"
        )
        == 0
    )


async def test_create_index_refuses_to_run_in_a_transaction(target: Target) -> None:
    async with target.conn.transaction():
        with pytest.raises(UnsafeStatementError, match="transaction"):
            await create_index(
                target.conn, f"CREATE INDEX CONCURRENTLY tiny_tx_idx ON {SCHEMA}.tiny (id)"
            )


async def test_a_failed_build_leaves_no_invalid_index(target: Target) -> None:
    # 200 sites among 100 000 posts: a unique index fails after the concurrent build began,
    # which is what leaves an INVALID index behind.
    with pytest.raises(IndexBuildError, match="duplicate values"):
        await create_index(
            target.conn,
            f"CREATE UNIQUE INDEX CONCURRENTLY posts_site_unique ON {SCHEMA}.posts (site_id)",
        )
    assert await target.conn.fetchval(f"SELECT to_regclass('{SCHEMA}.posts_site_unique')") is None


async def test_create_index_with_if_not_exists_returns_the_existing_index(target: Target) -> None:
    statement = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS tiny_id_idx ON {SCHEMA}.tiny (id)"
    assert await create_index(target.conn, statement) == "tiny_id_idx"
    assert await create_index(target.conn, statement) == "tiny_id_idx"
    with pytest.raises(IndexBuildError, match="already exists"):
        await create_index(
            target.conn, f"CREATE INDEX CONCURRENTLY tiny_id_idx ON {SCHEMA}.tiny (id)"
        )


# -- healthy, and without hypopg -----------------------------------------------------------------


async def test_healthy_workload_passes(target: Target, workload: str) -> None:
    await target.conn.execute(f"DROP INDEX {SCHEMA}.posts_title_unused_idx")
    await target.conn.execute(f"DROP INDEX {SCHEMA}.tiny_id_idx")
    await target.conn.execute("SELECT pg_stat_statements_reset()")
    async with connected(workload) as conn:
        await _run(conn, [(s, a) for s, a in WORKLOAD if s in [*NO_INDEX, EQUALITY]])
    section = await inspect(target, Options(limit=LIMIT))
    statuses = {f.check: f.status for f in section.findings}
    assert statuses == {
        "advisor.no_recommendation": Status.PASS,
        "advisor.unused_indexes": Status.PASS,
    }


async def test_without_hypopg_the_section_says_what_is_missing(workload: str) -> None:
    async with open_target(workload) as admin:
        await admin.conn.execute("DROP EXTENSION hypopg")
    try:
        async with open_target(workload) as target:
            section = await inspect(target, Options(limit=LIMIT))
        (finding,) = section.findings
        assert finding.check == "advisor.hypopg"
        assert finding.status is Status.WARN
        assert finding.fix_sql == ("CREATE EXTENSION IF NOT EXISTS hypopg;",)
    finally:
        async with open_target(workload) as admin:
            await admin.conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")


async def test_without_pg_stat_statements_the_section_says_what_is_missing(workload: str) -> None:
    async with open_target(workload) as admin:
        await admin.conn.execute("DROP EXTENSION pg_stat_statements")
    try:
        async with open_target(workload) as target:
            section = await inspect(target, Options(limit=LIMIT))
        assert [f.check for f in section.findings] == ["advisor.pg_stat_statements"]
        assert section.tables == []
    finally:
        async with open_target(workload) as admin:
            await admin.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
